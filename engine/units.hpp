// Quantities with units beside Time: data sizes in bytes, link rates in bits/s
// and event rates per second. Each parses from unit text ("1500B", "64KiB",
// "10Gbps", "5000/s"); a bare number is an error, as for Time.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/time.hpp"

namespace podwire::engine {

// A size in bytes. Units: B, KB, MB, GB (powers of 1000), KiB, MiB, GiB (1024).
class Bytes {
 public:
  constexpr Bytes() = default;
  constexpr explicit Bytes(std::int64_t n) : n_(n) {}
  static Bytes parse(std::string_view text);
  constexpr std::int64_t count() const { return n_; }
  std::string to_string() const;
  constexpr auto operator<=>(const Bytes&) const = default;

 private:
  std::int64_t n_ = 0;
};

// A link rate in bits per second. Units: bps, Kbps, Mbps, Gbps, Tbps (powers of 1000).
class BitRate {
 public:
  constexpr BitRate() = default;
  constexpr explicit BitRate(std::int64_t bits_per_second) : bps_(bits_per_second) {}
  static BitRate parse(std::string_view text);
  constexpr std::int64_t bps() const { return bps_; }
  std::string to_string() const;
  constexpr auto operator<=>(const BitRate&) const = default;

  // Time to put `size` on the wire, rounded up to the next picosecond so that
  // back-to-back packets never overlap. Precondition: bps() > 0.
  Time serialization(Bytes size) const {
    const Wide bits_ps = static_cast<Wide>(size.count()) * 8 * Time::kPerS;
    return Time::ps(static_cast<std::int64_t>((bits_ps + bps_ - 1) / bps_));
  }

 private:
  __extension__ typedef __int128 Wide;  // bits * ps per second needs more than 64 bits
  std::int64_t bps_ = 0;
};

// A rate of events per second. Units: /s, /ms, /us, /min, /h ("5000/s", "3/min").
class Rate {
 public:
  constexpr Rate() = default;
  static constexpr Rate per_second(double v) { return Rate(v); }
  static Rate parse(std::string_view text);
  constexpr double per_second() const { return per_s_; }
  // Mean gap between events, in seconds.
  constexpr double mean_interval_s() const { return 1.0 / per_s_; }
  std::string to_string() const;
  constexpr auto operator<=>(const Rate&) const = default;

 private:
  constexpr explicit Rate(double v) : per_s_(v) {}
  double per_s_ = 0;
};

}  // namespace podwire::engine
