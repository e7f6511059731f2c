// Distribution: a small value type describing a random quantity (service time,
// inter-arrival gap, size) and sampling it from a RandomStream. Unit-free: values
// are in whatever unit the caller chose (podwire models use seconds).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/random_stream.hpp"

namespace podwire::engine {

class Distribution {
 public:
  enum class Kind {
    constant,
    uniform,
    exponential,
    normal,
    lognormal,
    pareto,
    bounded_pareto,
    empirical
  };

  // Every factory rejects NaN, infinities and out-of-range parameters with
  // std::invalid_argument("<distribution>: <parameter> must be ..., got <value>").

  // Always value. Any finite value, negative included.
  static Distribution constant(double value);

  // Uniform on [lo, hi) (rounding can return hi); requires lo < hi (use constant
  // for a single value).
  static Distribution uniform(double lo, double hi);

  // Exponential with the given mean (rate 1 / mean); mean > 0.
  static Distribution exponential(double mean);

  // Normal with stddev > 0. Not truncated: it returns negative values with
  // probability Phi(-mean / stddev), so callers drawing durations must clamp.
  static Distribution normal(double mean, double stddev);

  // exp(N(mu, sigma^2)); sigma > 0. Always positive.
  static Distribution lognormal(double mu, double sigma);

  // The lognormal with this mean and standard deviation (both > 0):
  // sigma^2 = log(1 + (stddev / mean)^2), mu = log(mean) - sigma^2 / 2.
  static Distribution lognormal_from_mean_stddev(double mean, double stddev);

  // Pareto type I: P(X > x) = (x_min / x)^alpha for x >= x_min; alpha > 0,
  // x_min > 0. The mean is infinite for alpha <= 1, the variance for alpha <= 2.
  // Draws reach x_min * 2^(53 / alpha), which overflows to +inf for alpha below
  // about 0.05: use bounded_pareto for such tails.
  static Distribution pareto(double alpha, double x_min);

  // Pareto truncated to [lo, hi], 0 < lo < hi, alpha > 0, sampled by inverse CDF:
  // F(x) = (1 - (lo / x)^alpha) / (1 - (lo / hi)^alpha).
  static Distribution bounded_pareto(double alpha, double lo, double hi);

  // A CDF table of (value, cumulative probability) points, both non-decreasing,
  // probabilities in [0, 1], the last exactly 1. Between points the CDF is linear
  // (sampled by inverse CDF with interpolation); a first probability p0 > 0 is an
  // atom: P(X = first value) = p0. Equal values on consecutive points make an
  // atom there, equal probabilities a gap. Sampling is O(1) expected through a
  // guide table; construction O(points). Copies share the immutable table.
  static Distribution empirical(std::vector<std::pair<double, double>> points);

  // One value; O(1), O(1) expected for empirical. Uses one uniform draw, none
  // for constant, and one half of a polar normal pair for normal and lognormal.
  // Constant and exponential are inline; the others cost one call more.
  double sample(RandomStream& rng) const {
    if (kind_ == Kind::exponential) return rng.exponential(a_);
    if (kind_ == Kind::constant) return a_;
    return sample_other(rng);
  }

  // Exact analytic mean; +inf for pareto with alpha <= 1.
  double mean() const;

  // Human-readable form with 6 significant digits, e.g. "exponential(mean=0.001)".
  std::string describe() const;

  Kind kind() const { return kind_; }

 private:
  struct EmpiricalTable;

  Distribution(Kind kind, double a, double b = 0.0, double c = 0.0, double d = 0.0, double e = 0.0)
      : kind_(kind), a_(a), b_(b), c_(c), d_(d), e_(e) {}

  double sample_other(RandomStream& rng) const;

  // Parameters by kind, with the derived values sampling needs precomputed:
  //   constant        a = value
  //   uniform         a = lo, b = hi - lo, c = hi
  //   exponential     a = mean
  //   normal          a = mean, b = stddev
  //   lognormal       a = mu, b = sigma
  //   pareto          a = x_min, b = -1 / alpha, c = alpha
  //   bounded_pareto  a = lo, b = -1 / alpha, c = 1 - (lo / hi)^alpha, d = alpha, e = hi
  //   empirical       table_ (the doubles unused)
  Kind kind_;
  double a_;
  double b_;
  double c_;
  double d_;
  double e_;
  std::shared_ptr<const EmpiricalTable> table_;
};

}  // namespace podwire::engine
