// The analytic first estimate beside a cluster run. Requests are in classes
// (a target and the route asked for); the traffic equations over the call
// graph give each class its arrival rate (solved with Eigen, or level by level
// of call depth when calls have a depth limit). The pods of each app then are
// M/M/c stations (c = its concurrency; a Service's rate split over the pods
// behind it, as kube-proxy's random choice splits a Poisson stream into
// Poisson streams), with the Allen-Cunneen correction (1 + scv) / 2 for other
// service-time shapes and for a mix of routes' handlers.
#pragma once

#include <cstddef>
#include <vector>

namespace podwire::builder {

struct CallRate {
  std::size_t from = 0, to = 0;  // classes
  double per_request = 1;        // mean calls of class `to` per request of class `from`
  int max_depth = 0;  // made only for requests at depth < max_depth (so the call's <= it); 0: any
};

// The arrival rate of each class, external[i] being what arrives at class i
// from outside the graph. std::invalid_argument when the equations have no
// non-negative solution (a call cycle that multiplies requests).
std::vector<double> solve_traffic(std::size_t classes, const std::vector<CallRate>& calls,
                                  const std::vector<double>& external);

// One handler's requests at a station: their rate and their service time's
// mean and variance (work on the node's cores included).
struct HandlerLoad {
  double arrival_per_s = 0;
  double mean_service_s = 0;
  double variance_s2 = 0;
};

struct StationEstimate {
  double arrival_per_s = 0;  // over all its pods
  double utilisation = 0;    // per pod; NaN when not estimated
  double wait_s = 0;         // in the queue; NaN when not estimated, +inf when saturated
  double mean_service_s = 0;
  double service_scv = 0;
  bool saturated = false;
};

// The pods of an app, `pods` alike with `concurrency` slots each, serving the
// handlers' mixture.
StationEstimate estimate_station(int pods, int concurrency, const std::vector<HandlerLoad>& load);

}  // namespace podwire::builder
