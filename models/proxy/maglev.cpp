#include "models/proxy/maglev.hpp"

#include <algorithm>
#include <stdexcept>

namespace podwire::proxy {

namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

bool is_prime(std::uint32_t n) {
  if (n < 2) return false;
  for (std::uint32_t d = 2; static_cast<std::uint64_t>(d) * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

}  // namespace

MaglevTable::MaglevTable(std::vector<std::uint32_t> backends, std::uint32_t size)
    : ids_(std::move(backends)) {
  std::sort(ids_.begin(), ids_.end());
  const std::vector<std::uint32_t>& backends_sorted = ids_;
  if (!is_prime(size) || size <= backends_sorted.size()) {
    throw std::invalid_argument(
        "Maglev table size must be a prime above the number of backends, got " +
        std::to_string(size));
  }
  table_.assign(size, 0);
  if (backends_sorted.empty()) return;
  const std::size_t n = backends_sorted.size();
  // Each backend's permutation: offset + j * skip (mod size), from two hashes of its id.
  std::vector<std::uint64_t> offset(n), skip(n), next(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    offset[i] = mix(backends_sorted[i] * 2ULL + 1) % size;
    skip[i] = mix(backends_sorted[i] * 2ULL + 2) % (size - 1) + 1;
  }
  std::vector<bool> filled(size, false);
  std::uint32_t count = 0;
  while (true) {
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t slot = (offset[i] + next[i] * skip[i]) % size;
      while (filled[slot]) {
        ++next[i];
        slot = (offset[i] + next[i] * skip[i]) % size;
      }
      filled[slot] = true;
      table_[slot] = static_cast<std::uint32_t>(i);
      ++next[i];
      if (++count == size) return;
    }
  }
}

std::vector<std::uint32_t> MaglevTable::shares() const {
  std::vector<std::uint32_t> out(ids_.size(), 0);
  for (std::uint32_t i : table_) ++out[i];
  return out;
}

std::vector<std::uint32_t> MaglevTable::slots_by_id() const {
  std::vector<std::uint32_t> out(table_.size());
  for (std::size_t s = 0; s < table_.size(); ++s) out[s] = ids_[table_[s]];
  return out;
}

}  // namespace podwire::proxy
