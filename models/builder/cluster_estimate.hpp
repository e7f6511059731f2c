// The analytic first estimate beside a cluster run: from the call graph and
// the open-loop traffic, the traffic equations give each Service's arrival
// rate (solved with Eigen); each pod then is an M/M/c station (c = its
// concurrency, the Service's rate split evenly over its pods, as kube-proxy's
// random choice splits a Poisson stream into Poisson streams), with the
// Allen-Cunneen correction (1 + scv) / 2 for other service-time shapes.
#pragma once

#include <string>
#include <vector>

namespace podwire::builder {

struct StationModel {
  std::string name;
  int pods = 0;  // 0: not a served Service (no estimate)
  int concurrency = 1;
  double mean_service_s = 0;
  double service_scv = 1;
};

struct CallRate {
  std::size_t from = 0, to = 0;
  double per_request = 1;
};

struct StationEstimate {
  double arrival_per_s = 0;
  double utilisation = 0;    // per pod; NaN when not estimated
  double server_time_s = 0;  // wait + service; NaN when not estimated, +inf when saturated
  bool saturated = false;
};

// external[i]: requests per second arriving at station i from outside the
// graph. std::invalid_argument when the traffic equations have no
// non-negative solution (a call cycle that multiplies requests).
std::vector<StationEstimate> estimate_stations(const std::vector<StationModel>& stations,
                                               const std::vector<CallRate>& calls,
                                               const std::vector<double>& external);

}  // namespace podwire::builder
