// Time: simulated time as a strong type over signed 64-bit picoseconds.
// 2^63 ps is about 106 days of simulated time, far beyond any run; constructors
// and parsing refuse values that do not fit instead of wrapping.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace podwire::engine {

class Time {
 public:
  constexpr Time() = default;

  // Exact constructors from an integer count of a unit; throw std::overflow_error
  // when the result does not fit in int64 picoseconds.
  static constexpr Time ps(std::int64_t v) { return Time(v); }
  static constexpr Time ns(std::int64_t v) { return scaled(v, kPerNs, "ns"); }
  static constexpr Time us(std::int64_t v) { return scaled(v, kPerUs, "us"); }
  static constexpr Time ms(std::int64_t v) { return scaled(v, kPerMs, "ms"); }
  static constexpr Time s(std::int64_t v) { return scaled(v, kPerS, "s"); }

  // Rounds to the nearest picosecond; throws on NaN, infinity or overflow.
  static Time from_seconds(double seconds);
  // A duration drawn from a distribution: a negative draw (a normal's tail)
  // counts as 0, one beyond simulated time (a heavy Pareto tail) as max().
  static Time drawn(double seconds);

  static constexpr Time zero() { return Time(0); }
  static constexpr Time max() { return Time(std::numeric_limits<std::int64_t>::max()); }

  // Parses "<number><unit>" with unit one of ps, ns, us, ms, s, min, h, d (spaces between
  // number and unit allowed; decimals and exponents allowed, e.g. "1.5us",
  // "2e-3 s"). A bare number, an unknown unit, a value that is not a whole
  // number of picoseconds or that overflows is std::invalid_argument with a
  // message that quotes the text.
  static Time parse(std::string_view text);

  constexpr std::int64_t ps() const { return ps_; }
  constexpr double seconds() const { return static_cast<double>(ps_) * 1e-12; }
  constexpr double to_us() const { return static_cast<double>(ps_) * 1e-6; }

  // Exact, shortest text in the largest unit not above the value: "1.5us",
  // "0ps", "-2ms". Parsing the result gives back the same Time.
  std::string to_string() const;

  constexpr auto operator<=>(const Time&) const = default;

  // Saturates at max() (and at the lowest value): an event that far out
  // never comes, where wrapping round would put it in the past.
  constexpr Time operator+(Time o) const {
    std::int64_t out = 0;
    if (__builtin_add_overflow(ps_, o.ps_, &out))
      return Time(o.ps_ > 0 ? std::numeric_limits<std::int64_t>::max()
                            : std::numeric_limits<std::int64_t>::min());
    return Time(out);
  }
  constexpr Time operator-(Time o) const { return Time(ps_ - o.ps_); }
  constexpr Time operator-() const { return Time(-ps_); }
  constexpr Time& operator+=(Time o) {
    *this = *this + o;
    return *this;
  }
  constexpr Time& operator-=(Time o) {
    ps_ -= o.ps_;
    return *this;
  }
  constexpr Time operator*(std::int64_t k) const { return Time(ps_ * k); }
  constexpr Time operator/(std::int64_t k) const { return Time(ps_ / k); }
  constexpr double operator/(Time o) const {
    return static_cast<double>(ps_) / static_cast<double>(o.ps_);
  }

  // a + b, or std::overflow_error naming both operands.
  static Time checked_add(Time a, Time b);

  static constexpr std::int64_t kPerNs = 1'000;
  static constexpr std::int64_t kPerUs = 1'000'000;
  static constexpr std::int64_t kPerMs = 1'000'000'000;
  static constexpr std::int64_t kPerS = 1'000'000'000'000;

 private:
  constexpr explicit Time(std::int64_t ps) : ps_(ps) {}

  static constexpr Time scaled(std::int64_t v, std::int64_t per, const char* unit) {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(v, per, &out)) {
      throw std::overflow_error(std::to_string(v) + unit +
                                " does not fit in simulated time (max about 106 days)");
    }
    return Time(out);
  }

  std::int64_t ps_ = 0;
};

inline constexpr Time operator*(std::int64_t k, Time t) { return t * k; }

namespace time_literals {
constexpr Time operator""_ps(unsigned long long v) {
  return Time::ps(static_cast<std::int64_t>(v));
}
constexpr Time operator""_ns(unsigned long long v) {
  return Time::ns(static_cast<std::int64_t>(v));
}
constexpr Time operator""_us(unsigned long long v) {
  return Time::us(static_cast<std::int64_t>(v));
}
constexpr Time operator""_ms(unsigned long long v) {
  return Time::ms(static_cast<std::int64_t>(v));
}
constexpr Time operator""_s(unsigned long long v) { return Time::s(static_cast<std::int64_t>(v)); }
}  // namespace time_literals

}  // namespace podwire::engine
