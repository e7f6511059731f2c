// RandomStream and RandomRoot: the cold paths (seeding, stream derivation, the
// polar normal pair and error reporting); the per-draw methods are in the header.
#include "engine/random_stream.hpp"

#include <stdexcept>

namespace podwire::engine {

RandomStream::RandomStream(std::uint64_t seed_material) noexcept {
  for (std::uint64_t& word : s_) word = splitmix64(seed_material);
}

RandomStream RandomStream::from_state(const std::array<std::uint64_t, 4>& state) {
  if (state == std::array<std::uint64_t, 4>{}) {
    throw std::invalid_argument("RandomStream::from_state: state must not be all zero");
  }
  RandomStream r;
  r.s_ = state;
  return r;
}

void RandomStream::throw_empty_range() {
  throw std::invalid_argument("RandomStream::uniform_int: n must be > 0, got 0");
}

double RandomStream::normal_pair() noexcept {
  double u = 0.0, v = 0.0, s = 0.0;
  do {
    u = 2.0 * uniform01() - 1.0;
    v = 2.0 * uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);  // accepts pi/4 of the pairs
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_normal_ = true;
  return u * factor;
}

RandomStream RandomRoot::stream(std::string_view name) const noexcept {
  std::uint64_t s = seed_;
  return RandomStream(splitmix64(s) ^ fnv1a64(name));
}

}  // namespace podwire::engine
