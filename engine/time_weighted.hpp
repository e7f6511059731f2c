// TimeWeighted: the time average of a piecewise-constant signal (queue length,
// packets in system, busy servers) over a window [start, now]. Each piece adds
// value * (exact int64 ps duration) to a compensated sum, so nothing drifts.
#pragma once

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/time.hpp"

namespace podwire::engine {

class TimeWeighted {
 public:
  // The signal holds `initial` from `start` on.
  explicit TimeWeighted(Time start = Time::zero(), double initial = 0.0)
      : start_(start), last_(start), value_(initial), max_(initial) {}

  // The signal becomes `value` at `now`. O(1). std::invalid_argument when now
  // is before the previous change (or window start).
  void set(Time now, double value) {
    advance(now);
    value_ = value;
    max_ = std::max(max_, value);
  }

  // The signal changes by delta at now (an arrival is +1, a departure -1).
  void add(Time now, double delta) { set(now, value_ + delta); }

  // Integral of the signal over [start, now], in value * seconds.
  double integral(Time now) const { return integral_ps(now) * 1e-12; }

  // Time average over [start, now]; the current value when the window is empty
  // (now == start), the limit of the average as the window shrinks.
  double average(Time now) const {
    check_not_before(now);
    const std::int64_t span = (now - start_).ps();
    if (span == 0) return value_;
    return integral_ps(now) / static_cast<double>(span);
  }

  // Starts a new window at now keeping the current value, e.g. to discard a
  // warm-up period; max() restarts from the current value.
  void reset(Time now) {
    check_not_before(now);
    start_ = now;
    last_ = now;
    sum_ = 0.0;
    sum_error_ = 0.0;
    max_ = value_;
  }

  double value() const { return value_; }
  // Largest value held during the current window.
  double max() const { return max_; }
  Time window_start() const { return start_; }

 private:
  void check_not_before(Time now) const {
    if (now < last_) [[unlikely]] {
      throw std::invalid_argument("TimeWeighted update at " + now.to_string() +
                                  " is before the previous update at " + last_.to_string());
    }
  }

  // Neumaier summation of value * duration (value * ps), so a long run of small
  // pieces added to a large total loses nothing to rounding.
  void advance(Time now) {
    check_not_before(now);
    const double piece = value_ * static_cast<double>((now - last_).ps());
    const double t = sum_ + piece;
    sum_error_ += std::fabs(sum_) >= std::fabs(piece) ? (sum_ - t) + piece : (piece - t) + sum_;
    sum_ = t;
    last_ = now;
  }

  double integral_ps(Time now) const {
    check_not_before(now);
    return sum_ + sum_error_ + value_ * static_cast<double>((now - last_).ps());
  }

  Time start_;
  Time last_;  // time of the last change; the integral is complete up to here
  double value_;
  double max_;
  double sum_ = 0.0;  // integral over [start_, last_] in value * ps
  double sum_error_ = 0.0;
};

}  // namespace podwire::engine
