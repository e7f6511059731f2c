// RandomStream: one xoshiro256++ generator with the draws a simulation needs.
// RandomRoot: derives a stream per (run seed, stable name), so adding a stream
// never changes what any other stream draws.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace podwire::engine {

// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3), over the
// bytes as unsigned char so the result does not depend on the signedness of char.
// Part of the stream-derivation contract below; O(size).
constexpr std::uint64_t fnv1a64(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325u;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3u;
  }
  return h;
}

// SplitMix64 (Steele, Lea and Flood 2014): adds the golden gamma to the state and
// returns the mixed result. A bijection of the state, so consecutive outputs differ.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

// xoshiro256++ (Blackman and Vigna 2019): 256 bits of state, period 2^256 - 1.
// Every draw is O(1) and allocation-free. Integer draws and uniform01() are
// bit-exact on every platform; draws through std::log/std::exp/std::sqrt
// (exponential, standard_normal) can differ in the last ulp between C libraries.
// A stream is a value: copying it forks an identical sequence.
class RandomStream {
 public:
  // The UniformRandomBitGenerator interface, so <random> and std::shuffle accept it.
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() noexcept { return next_u64(); }

  // State words are four consecutive SplitMix64 outputs starting from
  // seed_material. They are distinct, so the state is never all zero.
  explicit RandomStream(std::uint64_t seed_material) noexcept;

  // A stream with exactly this xoshiro state, for checking against the published
  // reference vectors. Throws std::invalid_argument on the all-zero state.
  static RandomStream from_state(const std::array<std::uint64_t, 4>& state);

  std::uint64_t next_u64() noexcept {
    const std::uint64_t result = std::rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  // [0, 1) on the grid k * 2^-53: the top 53 bits, every double of that grid
  // equally likely.
  double uniform01() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // (0, 1) on the grid (k + 1/2) * 2^-52; never 0 or 1, so log() of it is finite.
  // 52 rather than 53 bits because (2^53 - 1/2) * 2^-53 would round up to 1.
  double uniform_open01() noexcept {
    return (static_cast<double>(next_u64() >> 12) + 0.5) * 0x1.0p-52;
  }

  // Unbiased integer in [0, n): Lemire's multiply-shift, rejecting the
  // 2^64 mod n low products that would favour some results. Usually one draw;
  // at most two expected for any n. n == 0 throws std::invalid_argument.
  std::uint64_t uniform_int(std::uint64_t n) {
    if (n == 0) [[unlikely]] {
      throw_empty_range();
    }
    std::uint64_t low = 0;
    std::uint64_t high = mul_128(next_u64(), n, low);
    if (low < n) [[unlikely]] {
      const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
      while (low < threshold) high = mul_128(next_u64(), n, low);
    }
    return high;
  }

  // lo + (hi - lo) * uniform01(): [lo, hi), though rounding can return hi itself
  // when hi - lo is not exactly representable near hi. Expects lo <= hi, finite.
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform01(); }

  // Inverse CDF, -mean * log(U) with U in (0, 1): finite, in (0, 36.75 * mean].
  // Expects mean > 0 (unchecked here; Distribution validates).
  double exponential(double mean) noexcept { return -std::log(uniform_open01()) * mean; }

  // N(0, 1) by Marsaglia's polar method, exact. Each accepted pair yields two
  // values; the second is kept in the stream (copies carry it) and returned by
  // the next call, whatever other draws happen in between.
  double standard_normal() noexcept {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    return normal_pair();
  }

 private:
  RandomStream() = default;

  // High 64 bits of a * b; the low 64 bits go to low.
  static std::uint64_t mul_128(std::uint64_t a, std::uint64_t b, std::uint64_t& low) noexcept;
  [[noreturn]] static void throw_empty_range();
  double normal_pair() noexcept;

  std::array<std::uint64_t, 4> s_{};
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

// The random root of one simulation run. stream(name) is a pure function of
// (seed, name), so streams never depend on creation order or on each other.
//
// Derivation (a reproducibility contract: changing it changes every trace):
//   h   = fnv1a64(name)                    // bytes of the name, no terminator
//   s   = seed;  key = splitmix64(s) ^ h   // first SplitMix64 output of the seed
//   stream = RandomStream(key)             // state = next 4 SplitMix64 outputs of key
// Two names give the same stream only on a 64-bit key collision (~2^-64 per pair).
// Asking twice for one name gives two copies of the same sequence: each random
// process needs a name of its own (e.g. "<host>/udp-gaps").
class RandomRoot {
 public:
  explicit RandomRoot(std::uint64_t seed) noexcept : seed_(seed) {}

  std::uint64_t seed() const noexcept { return seed_; }

  // O(name.size()); no allocation.
  RandomStream stream(std::string_view name) const noexcept;

 private:
  std::uint64_t seed_;
};

#if defined(__SIZEOF_INT128__)
namespace detail {
__extension__ typedef unsigned __int128 Uint128;  // __extension__: -Wpedantic accepts it
}  // namespace detail

inline std::uint64_t RandomStream::mul_128(std::uint64_t a, std::uint64_t b,
                                           std::uint64_t& low) noexcept {
  const detail::Uint128 p = static_cast<detail::Uint128>(a) * b;
  low = static_cast<std::uint64_t>(p);
  return static_cast<std::uint64_t>(p >> 64);
}
#else
inline std::uint64_t RandomStream::mul_128(std::uint64_t a, std::uint64_t b,
                                           std::uint64_t& low) noexcept {
  // Schoolbook product of 32-bit halves, for compilers without a 128-bit type.
  const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
  const std::uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
  const std::uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  const std::uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  low = (mid << 32) | (ll & 0xffffffffu);
  return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
#endif

}  // namespace podwire::engine
