#include "models/builder/cluster_estimate.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "models/queueing/queueing_theory.hpp"

namespace podwire::builder {

std::vector<StationEstimate> estimate_stations(const std::vector<StationModel>& stations,
                                               const std::vector<CallRate>& calls,
                                               const std::vector<double>& external) {
  const auto n = static_cast<Eigen::Index>(stations.size());
  if (n == 0) return {};  // nothing is served: nothing to estimate
  // lambda = lambda0 + R^T lambda  <=>  (I - R^T) lambda = lambda0. Call graphs
  // have tens of Services: a dense LU is exact enough and instant.
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
  for (const CallRate& c : calls)
    a(static_cast<Eigen::Index>(c.to), static_cast<Eigen::Index>(c.from)) -= c.per_request;
  for (Eigen::Index i = 0; i < n && i < static_cast<Eigen::Index>(external.size()); ++i)
    b(i) = external[static_cast<std::size_t>(i)];
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(a);
  if (!lu.isInvertible())
    throw std::invalid_argument("the call graph has a cycle that never ends (no steady state)");
  const Eigen::VectorXd lambda = lu.solve(b);
  std::vector<StationEstimate> out(stations.size());
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < stations.size(); ++i) {
    StationEstimate& e = out[i];
    e.arrival_per_s = lambda(static_cast<Eigen::Index>(i));
    if (e.arrival_per_s < -1e-9)
      throw std::invalid_argument("the call graph's traffic equations have no solution");
    const StationModel& s = stations[i];
    if (s.pods <= 0 || s.mean_service_s <= 0 || e.arrival_per_s <= 0) {
      e.utilisation = nan;
      e.server_time_s = nan;
      continue;
    }
    const double per_pod = e.arrival_per_s / s.pods;
    e.utilisation = per_pod * s.mean_service_s / s.concurrency;
    if (e.utilisation >= 1) {
      e.saturated = true;
      e.server_time_s = std::numeric_limits<double>::infinity();
      continue;
    }
    const queueing::MmcQueue q(per_pod, 1.0 / s.mean_service_s, s.concurrency);
    e.server_time_s = q.mean_wait() * (1.0 + s.service_scv) / 2.0 + s.mean_service_s;
  }
  return out;
}

}  // namespace podwire::builder
