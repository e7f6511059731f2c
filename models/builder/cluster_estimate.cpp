#include "models/builder/cluster_estimate.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "models/queueing/queueing_theory.hpp"

namespace podwire::builder {

namespace {

// lambda = lambda0 + R^T lambda  <=>  (I - R^T) lambda = lambda0. Call graphs
// have tens of classes: a dense LU is exact enough and instant.
std::vector<double> solve_by_lu(std::size_t classes, const std::vector<CallRate>& calls,
                                const std::vector<double>& external) {
  const auto n = static_cast<Eigen::Index>(classes);
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
  std::vector<double> out(classes);
  for (std::size_t i = 0; i < classes; ++i) {
    out[i] = lambda(static_cast<Eigen::Index>(i));
    if (out[i] < -1e-9)
      throw std::invalid_argument("the call graph's traffic equations have no solution");
  }
  return out;
}

// Level by level of depth: the requests at depth d + 1 are the calls that
// depth-d requests make, until what is left is negligible.
std::vector<double> solve_by_depth(std::size_t classes, const std::vector<CallRate>& calls,
                                   const std::vector<double>& external) {
  std::vector<double> level(classes, 0.0), total(classes, 0.0);
  double sum = 0;
  for (std::size_t i = 0; i < classes && i < external.size(); ++i) {
    level[i] = external[i];
    total[i] = external[i];
    sum += external[i];
  }
  constexpr int kMaxLevels = 100'000;
  for (int d = 0; d < kMaxLevels; ++d) {
    std::vector<double> next(classes, 0.0);
    double added = 0;
    for (const CallRate& c : calls) {
      if (c.max_depth > 0 && d + 1 > c.max_depth) continue;
      next[c.to] += c.per_request * level[c.from];
      added += c.per_request * level[c.from];
    }
    for (std::size_t i = 0; i < classes; ++i) total[i] += next[i];
    sum += added;
    if (added <= 1e-12 * sum) return total;
    if (!std::isfinite(sum) || sum > 1e15) break;
    level.swap(next);
  }
  throw std::invalid_argument("the call graph has a cycle that never ends (no steady state)");
}

}  // namespace

std::vector<double> solve_traffic(std::size_t classes, const std::vector<CallRate>& calls,
                                  const std::vector<double>& external) {
  if (classes == 0) return {};
  for (const CallRate& c : calls) {
    if (c.max_depth > 0) return solve_by_depth(classes, calls, external);
  }
  return solve_by_lu(classes, calls, external);
}

StationEstimate estimate_station(int pods, int concurrency, const std::vector<HandlerLoad>& load) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  StationEstimate e;
  // The mixture of the handlers that get requests: one alone is taken as it is.
  const HandlerLoad* only = nullptr;
  int busy = 0;
  double second = 0;
  for (const HandlerLoad& h : load) {
    if (h.arrival_per_s <= 0) continue;
    ++busy;
    only = &h;
    e.arrival_per_s += h.arrival_per_s;
    e.mean_service_s += h.arrival_per_s * h.mean_service_s;
    second += h.arrival_per_s * (h.variance_s2 + h.mean_service_s * h.mean_service_s);
  }
  double variance = 0;
  if (busy == 1) {
    e.mean_service_s = only->mean_service_s;
    variance = only->variance_s2;
  } else if (busy > 1) {
    e.mean_service_s /= e.arrival_per_s;
    variance = second / e.arrival_per_s - e.mean_service_s * e.mean_service_s;
  }
  e.service_scv = e.mean_service_s > 0 ? variance / (e.mean_service_s * e.mean_service_s) : 0;
  if (pods <= 0 || e.mean_service_s <= 0 || e.arrival_per_s <= 0) {
    e.utilisation = nan;
    e.wait_s = nan;
    return e;
  }
  const double per_pod = e.arrival_per_s / pods;
  e.utilisation = per_pod * e.mean_service_s / concurrency;
  if (e.utilisation >= 1) {
    e.saturated = true;
    e.wait_s = std::numeric_limits<double>::infinity();
    return e;
  }
  // At the edge (a utilisation that rounds to 1 one way and not the other)
  // the queue is as good as saturated.
  if (!(per_pod < concurrency * (1.0 / e.mean_service_s))) {
    e.saturated = true;
    e.wait_s = std::numeric_limits<double>::infinity();
    return e;
  }
  const queueing::MmcQueue q(per_pod, 1.0 / e.mean_service_s, concurrency);
  e.wait_s = q.mean_wait() * (1.0 + e.service_scv) / 2.0;
  return e;
}

}  // namespace podwire::builder
