#include "engine/units.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "engine/time.hpp"
#include "engine/unit_text.hpp"

namespace podwire::engine {

namespace {

struct Unit {
  std::string_view name;
  std::int64_t factor;
};

template <std::size_t N>
std::int64_t parse_integer_quantity(std::string_view text, std::string_view what,
                                    const std::array<Unit, N>& units, std::string_view example) {
  const UnitText n = split_unit_text(text, what);
  std::string names;
  for (const Unit& u : units) names += (names.empty() ? "" : ", ") + std::string(u.name);
  if (n.unit.empty()) {
    throw std::invalid_argument(std::string(what) + " " + quoted(text) +
                                " has no unit; write it with one of " + names + " (e.g. '" +
                                std::string(example) + "')");
  }
  for (const Unit& u : units) {
    if (n.unit != u.name) continue;
    // Exact for decimal factors; binary ones multiply a whole-number mantissa.
    const ExactInteger base = exact_integer(n, 0);
    ExactInteger v;
    if (u.factor % 10 == 0 || u.factor == 1) {
      int exp = 0;
      for (std::int64_t f = u.factor; f > 1; f /= 10) ++exp;
      v = exact_integer(n, exp);
    } else if (base.status == Exactness::exact) {
      std::int64_t out = 0;
      v = __builtin_mul_overflow(base.value, u.factor, &out) ? ExactInteger{Exactness::overflow, 0}
                                                             : ExactInteger{Exactness::exact, out};
    } else {
      // A fractional count of a binary unit ("1.5KiB"): exact only if it lands on whole bytes.
      const double bytes = to_double(n) * static_cast<double>(u.factor);
      v = bytes == std::floor(bytes) && std::fabs(bytes) < 9e18
              ? ExactInteger{Exactness::exact, static_cast<std::int64_t>(bytes)}
              : ExactInteger{Exactness::fraction, 0};
    }
    if (v.status == Exactness::fraction) {
      throw std::invalid_argument(std::string(what) + " " + quoted(text) +
                                  " is not a whole number of " + std::string(units.back().name));
    }
    if (v.status == Exactness::overflow) {
      throw std::invalid_argument(std::string(what) + " " + quoted(text) + " is too large");
    }
    if (v.value < 0)
      throw std::invalid_argument(std::string(what) + " " + quoted(text) + " is negative");
    return v.value;
  }
  throw std::invalid_argument(std::string(what) + " " + quoted(text) + " has unknown unit " +
                              quoted(n.unit) + "; expected one of " + names);
}

constexpr std::array<Unit, 7> kByteUnits{{{"GiB", 1LL << 30},
                                          {"MiB", 1LL << 20},
                                          {"KiB", 1LL << 10},
                                          {"GB", 1'000'000'000},
                                          {"MB", 1'000'000},
                                          {"KB", 1'000},
                                          {"B", 1}}};
constexpr std::array<Unit, 5> kRateUnits{{{"Tbps", 1'000'000'000'000},
                                          {"Gbps", 1'000'000'000},
                                          {"Mbps", 1'000'000},
                                          {"Kbps", 1'000},
                                          {"bps", 1}}};

std::string shortest(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

template <std::size_t N>
std::string print_integer_quantity(std::int64_t v, const std::array<Unit, N>& units,
                                   bool binary_too) {
  for (const Unit& u : units) {
    const bool is_binary = u.factor % 10 != 0 && u.factor != 1;
    if (is_binary && !binary_too) continue;
    if (v != 0 && v % u.factor == 0) return std::to_string(v / u.factor) + std::string(u.name);
  }
  return std::to_string(v) + std::string(units.back().name);
}

}  // namespace

Bytes Bytes::parse(std::string_view text) {
  return Bytes(parse_integer_quantity(text, "size", kByteUnits, "1500B"));
}

std::string Bytes::to_string() const { return print_integer_quantity(n_, kByteUnits, true); }

BitRate BitRate::parse(std::string_view text) {
  return BitRate(parse_integer_quantity(text, "bit rate", kRateUnits, "10Gbps"));
}

std::string BitRate::to_string() const { return print_integer_quantity(bps_, kRateUnits, false); }

namespace {
const double kMaxSimulatedSeconds = Time::max().seconds();
}  // namespace

Rate Rate::parse(std::string_view text) {
  const UnitText n = split_unit_text(text, "rate");
  static constexpr std::array<std::pair<std::string_view, double>, 5> kPer{
      {{"/s", 1.0}, {"/ms", 1e3}, {"/us", 1e6}, {"/min", 1.0 / 60}, {"/h", 1.0 / 3600}}};
  if (n.unit.empty()) {
    throw std::invalid_argument("rate " + quoted(text) +
                                " has no unit; write it per /s, /ms, /us, /min or /h (e.g. '" +
                                std::string(text) + "/s')");
  }
  for (const auto& [name, factor] : kPer) {
    if (n.unit != name) continue;
    const double v = to_double(n) * factor;
    if (!std::isfinite(v) || v < 0) {
      throw std::invalid_argument("rate " + quoted(text) +
                                  " must be a finite, non-negative number");
    }
    // Its mean gap must be a time: a denormal like 1e-320/s would make it infinite.
    if (v > 0 && !(1.0 / v <= kMaxSimulatedSeconds)) {
      throw std::invalid_argument("rate " + quoted(text) +
                                  " is too small: one event in more than 106 days, the longest "
                                  "simulated time");
    }
    // Nor may it be shorter than simulated time's step: 1 ps.
    if (v > 1e12) {
      throw std::invalid_argument("rate " + quoted(text) +
                                  " is too large: more than one event per picosecond, the step "
                                  "of simulated time");
    }
    return Rate(v);
  }
  throw std::invalid_argument("rate " + quoted(text) + " has unknown unit " + quoted(n.unit) +
                              "; expected one of /s, /ms, /us, /min, /h");
}

std::string Rate::to_string() const { return shortest(per_s_) + "/s"; }

}  // namespace podwire::engine
