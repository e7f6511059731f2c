#include "engine/time.hpp"

#include <array>
#include <cmath>
#include <cstdlib>

#include "engine/unit_text.hpp"

namespace podwire::engine {

namespace {

struct UnitScale {
  std::string_view name;
  int exponent;  // picoseconds = value * 10^exponent
  std::int64_t per;
};

// Units of whole seconds: the value is read as seconds, times `seconds`.
struct MultipleOfSeconds {
  std::string_view name;
  std::uint64_t seconds;
};

constexpr std::array<MultipleOfSeconds, 3> kLongUnits{{{"min", 60}, {"h", 3600}, {"d", 86400}}};

constexpr std::array<UnitScale, 5> kUnits{{
    {"s", 12, Time::kPerS},
    {"ms", 9, Time::kPerMs},
    {"us", 6, Time::kPerUs},
    {"ns", 3, Time::kPerNs},
    {"ps", 0, 1},
}};

}  // namespace

Time Time::from_seconds(double seconds) {
  if (!std::isfinite(seconds)) {
    throw std::invalid_argument("time in seconds must be finite, got " + std::to_string(seconds));
  }
  const double ps = std::round(seconds * 1e12);
  if (std::fabs(ps) >= 9.2e18) {
    throw std::overflow_error(std::to_string(seconds) +
                              "s does not fit in simulated time (max about 106 days)");
  }
  return Time(static_cast<std::int64_t>(ps));
}

Time Time::drawn(double seconds) {
  if (!(seconds > 0)) return Time::zero();
  if (seconds >= 9.2e6) return Time::max();
  return from_seconds(seconds);
}

Time Time::parse(std::string_view text) {
  const UnitText n = split_unit_text(text, "time");
  if (n.unit.empty()) {
    throw std::invalid_argument(
        "time " + quoted(text) +
        " has no unit; write it with one of ps, ns, us, ms, s, min, h, d (e.g. '" +
        std::string(text) + "ms')");
  }
  UnitText scaled = n;
  int exponent = -1;
  for (const MultipleOfSeconds& u : kLongUnits) {
    if (n.unit != u.name) continue;
    exponent = 12;
    if (__builtin_mul_overflow(n.mantissa, u.seconds, &scaled.mantissa)) {
      throw std::invalid_argument("time " + quoted(text) +
                                  " does not fit in simulated time (max about 106 days)");
    }
  }
  for (const UnitScale& u : kUnits) {
    if (n.unit == u.name) exponent = u.exponent;
  }
  if (exponent >= 0) {
    const ExactInteger v = exact_integer(scaled, exponent);
    switch (v.status) {
      case Exactness::exact:
        return Time(v.value);
      case Exactness::fraction:
        throw std::invalid_argument("time " + quoted(text) +
                                    " is not a whole number of picoseconds");
      case Exactness::overflow:
        throw std::invalid_argument("time " + quoted(text) +
                                    " does not fit in simulated time (max about 106 days)");
    }
  }
  throw std::invalid_argument("time " + quoted(text) + " has unknown unit " + quoted(n.unit) +
                              "; expected one of ps, ns, us, ms, s, min, h, d");
}

Time Time::checked_add(Time a, Time b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a.ps_, b.ps_, &out)) {
    throw std::overflow_error(a.to_string() + " + " + b.to_string() +
                              " overflows simulated time (max about 106 days)");
  }
  return Time(out);
}

std::string Time::to_string() const {
  if (ps_ == 0) return "0ps";
  // |INT64_MIN| does not fit in int64; use unsigned magnitude.
  const bool neg = ps_ < 0;
  const std::uint64_t mag =
      neg ? 0 - static_cast<std::uint64_t>(ps_) : static_cast<std::uint64_t>(ps_);
  for (const UnitScale& u : kUnits) {
    const auto per = static_cast<std::uint64_t>(u.per);
    if (mag < per && u.per != 1) continue;
    std::string out = neg ? "-" : "";
    out += std::to_string(mag / per);
    std::uint64_t frac = mag % per;
    if (frac != 0) {
      std::string digits = std::to_string(frac);
      digits.insert(0, static_cast<std::size_t>(u.exponent) - digits.size(), '0');
      while (digits.back() == '0') digits.pop_back();
      out += "." + digits;
    }
    out += u.name;
    return out;
  }
  return "0ps";  // unreachable: the ps unit always matches
}

}  // namespace podwire::engine
