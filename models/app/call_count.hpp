// CallCount: how many times a downstream call is made for one request: a
// constant, or a number drawn per request (Poisson or geometric with a mean,
// or uniform over a range of integers). Draws are O(1) but Poisson's, which
// is O(mean) (Knuth's product of uniforms; means are capped at 100).
#pragma once

#include <cmath>
#include <cstdint>

#include "engine/random_stream.hpp"

namespace podwire::app {

struct CallCount {
  enum class Kind : std::uint8_t { constant, poisson, geometric, uniform };
  Kind kind = Kind::constant;
  double a = 1;  // constant: the count; poisson, geometric: the mean; uniform: the least
  double b = 0;  // uniform: the most (inclusive)

  static CallCount constant(int n) { return CallCount{Kind::constant, static_cast<double>(n), 0}; }
  bool drawn() const { return kind != Kind::constant; }
  double mean() const { return kind == Kind::uniform ? (a + b) / 2 : a; }
  double second_moment() const;  // E[N^2], for the estimate's variance of repeated work

  int sample(engine::RandomStream& rng) const {
    switch (kind) {
      case Kind::constant:
        return static_cast<int>(a);
      case Kind::poisson: {
        // Knuth: the number of uniforms whose running product stays above e^-mean.
        const double limit = std::exp(-a);
        int n = 0;
        for (double p = rng.uniform01(); p > limit; p *= rng.uniform01()) ++n;
        return n;
      }
      case Kind::geometric: {
        // Failures before the first success, success probability 1 / (1 + mean).
        if (a <= 0) return 0;
        const double q = a / (1 + a);
        return static_cast<int>(std::floor(std::log(rng.uniform_open01()) / std::log(q)));
      }
      case Kind::uniform:
        return static_cast<int>(a) +
               static_cast<int>(rng.uniform_int(static_cast<std::uint64_t>(b - a) + 1));
    }
    return 0;
  }
};

inline double CallCount::second_moment() const {
  switch (kind) {
    case Kind::constant:
      return a * a;
    case Kind::poisson:
      return a + a * a;
    case Kind::geometric:
      return a * (1 + a) + a * a;
    case Kind::uniform: {
      const double n = b - a + 1;
      return mean() * mean() + (n * n - 1) / 12;
    }
  }
  return 0;
}

}  // namespace podwire::app
