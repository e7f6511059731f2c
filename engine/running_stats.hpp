// RunningStats: streaming count, mean, variance, min, max and sum of doubles in
// O(1) memory. Welford's update, on values shifted by the first one, keeps mean and
// variance accurate on a large offset (1e9 + noise), where sum-of-squares
// formulas cancel to garbage and even plain Welford drifts in the mean.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace podwire::engine {

class RunningStats {
 public:
  // O(1). x should be finite: a NaN poisons mean, variance and sum.
  void add(double x) {
    if (n_ == 0) shift_ = x;
    ++n_;
    const double y = x - shift_;
    const double delta = y - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (y - mean_);
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
    add_to_sum(x, 0.0);
  }

  // Combines another accumulator as if its values had been added here, with the
  // pairwise formula of Chan, Golub and LeVeque. O(1).
  void merge(const RunningStats& o) {
    if (o.n_ == 0) return;
    if (n_ == 0) {
      *this = o;
      return;
    }
    const double na = static_cast<double>(n_);
    const double nb = static_cast<double>(o.n_);
    const double n = na + nb;
    // Shifts differ; both are close to the data, so their difference is exact
    // or nearly so when the data sit on a common offset.
    const double delta = (o.shift_ - shift_) + (o.mean_ - mean_);
    mean_ += delta * (nb / n);
    m2_ += o.m2_ + delta * delta * (na * nb / n);
    n_ += o.n_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
    add_to_sum(o.sum_, o.sum_error_);
  }

  void reset() { *this = RunningStats(); }

  std::uint64_t count() const { return n_; }

  // Statistics that are undefined for too few values (mean/min/max of nothing,
  // the sample variance of one value) are NaN rather than a plausible 0.
  double mean() const { return n_ == 0 ? kNaN : shift_ + mean_; }
  double min() const { return n_ == 0 ? kNaN : min_; }
  double max() const { return n_ == 0 ? kNaN : max_; }

  // Sum with Neumaier compensation, so sums of integers are exact up to 2^53
  // and long runs do not drift. 0 when empty.
  double sum() const { return sum_ + sum_error_; }

  // Sample variance (divides by n - 1); NaN for fewer than two values.
  double variance() const { return n_ < 2 ? kNaN : m2_ / static_cast<double>(n_ - 1); }

  // Population variance (divides by n); NaN when empty.
  double population_variance() const { return n_ == 0 ? kNaN : m2_ / static_cast<double>(n_); }

  double stddev() const { return std::sqrt(variance()); }

  // Standard error of the mean, stddev / sqrt(n): the half-width of a ~68%
  // confidence interval when the values are independent. Correlated samples
  // (successive packet delays) need batch means first.
  double standard_error() const { return stddev() / std::sqrt(static_cast<double>(n_)); }

 private:
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  void add_to_sum(double x, double x_error) {
    const double t = sum_ + x;
    sum_error_ += std::fabs(sum_) >= std::fabs(x) ? (sum_ - t) + x : (x - t) + sum_;
    sum_error_ += x_error;
    sum_ = t;
  }

  std::uint64_t n_ = 0;
  // Welford runs on x - shift_ so the running mean is small and its rounding
  // error does not scale with the offset.
  double shift_ = 0.0;
  double mean_ = 0.0;  // mean of x - shift_
  double m2_ = 0.0;    // sum of squared deviations from the mean
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  double sum_ = 0.0;
  double sum_error_ = 0.0;  // Neumaier compensation term
};

}  // namespace podwire::engine
