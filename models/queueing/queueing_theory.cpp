#include "models/queueing/queueing_theory.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace podwire::queueing {

double erlang_c(int servers, double a) {
  if (servers < 1 || !(a > 0) || !(a < servers)) {
    throw std::invalid_argument("Erlang C needs servers >= 1 and 0 < load < servers, got servers=" +
                                std::to_string(servers) + " load=" + std::to_string(a));
  }
  double b = 1.0;  // Erlang B with 0 servers
  for (int k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  return servers * b / (servers - a * (1.0 - b));
}

MmcQueue::MmcQueue(double lambda, double mu, int servers)
    : lambda_(lambda), mu_(mu), servers_(servers) {
  if (!(lambda > 0) || !(mu > 0) || servers < 1) {
    throw std::invalid_argument("M/M/c needs lambda > 0, mu > 0 and c >= 1");
  }
  if (!(lambda < servers * mu)) {
    throw std::invalid_argument("M/M/c is unstable: utilisation " +
                                std::to_string(lambda / (servers * mu)) + " is not below 1");
  }
  p_wait_ = erlang_c(servers, lambda / mu);
}

double MmcQueue::wait_tail(double t) const {
  return t < 0 ? 1.0 : p_wait_ * std::exp(-theta() * t);
}

// Time in system = wait + service. The wait is 0 with probability 1 - C and
// otherwise exponential(theta); a sum of two exponentials is hypoexponential.
double MmcQueue::sojourn_tail(double t) const {
  if (t < 0) return 1.0;
  const double th = theta();
  const double service_only = std::exp(-mu_ * t);
  const double both = std::fabs(th - mu_) < 1e-12 * mu_
                          ? (1.0 + mu_ * t) * std::exp(-mu_ * t)
                          : (th * std::exp(-mu_ * t) - mu_ * std::exp(-th * t)) / (th - mu_);
  return (1.0 - p_wait_) * service_only + p_wait_ * both;
}

namespace {

template <class Tail>
double quantile_by_bisection(Tail tail, double p) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("quantile needs 0 < p < 1");
  const double target = 1.0 - p;
  if (tail(0.0) <= target) return 0.0;
  double lo = 0.0, hi = 1e-9;
  while (tail(hi) > target) hi *= 2;
  while (hi - lo > 1e-9 * hi) {
    const double mid = 0.5 * (lo + hi);
    (tail(mid) > target ? lo : hi) = mid;
  }
  return hi;
}

}  // namespace

double MmcQueue::wait_quantile(double p) const {
  return quantile_by_bisection([this](double t) { return wait_tail(t); }, p);
}

double MmcQueue::sojourn_quantile(double p) const {
  return quantile_by_bisection([this](double t) { return sojourn_tail(t); }, p);
}

double mg1_mean_wait(double lambda, double mean_service, double second_moment) {
  const double rho = lambda * mean_service;
  if (!(lambda > 0) || !(mean_service > 0) || !(rho < 1)) {
    throw std::invalid_argument("M/G/1 needs lambda > 0, E[S] > 0 and utilisation below 1");
  }
  return lambda * second_moment / (2.0 * (1.0 - rho));
}

}  // namespace podwire::queueing
