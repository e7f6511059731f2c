#include "models/kube/range_allocator.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace podwire::kube {

RangeAllocator::RangeAllocator(std::uint64_t first, std::uint64_t last) : first_(first) {
  if (last < first) {
    throw std::invalid_argument(std::string("empty range ")
                                    .append(std::to_string(first))
                                    .append("-")
                                    .append(std::to_string(last)));
  }
  used_.assign(last - first + 1, false);
  lower_band_ = std::min<std::uint64_t>(std::max<std::uint64_t>(16, used_.size() / 16), 256);
  if (lower_band_ >= used_.size()) lower_band_ = 0;
}

bool RangeAllocator::allocate(std::uint64_t v) {
  if (!contains(v) || used_[v - first_]) return false;
  used_[v - first_] = true;
  ++in_use_;
  return true;
}

std::optional<std::uint64_t> RangeAllocator::scan_from(std::uint64_t begin, std::uint64_t end,
                                                       std::uint64_t start) {
  const std::uint64_t n = end - begin;
  for (std::uint64_t k = 0; k < n; ++k) {
    const std::uint64_t i = begin + (start - begin + k) % n;
    if (!used_[i]) {
      used_[i] = true;
      ++in_use_;
      return first_ + i;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> RangeAllocator::allocate_random(engine::RandomStream& rng) {
  const std::uint64_t upper = used_.size() - lower_band_;
  if (upper > 0) {
    if (auto v = scan_from(lower_band_, used_.size(), lower_band_ + rng.uniform_int(upper)))
      return v;
  }
  if (lower_band_ > 0) return scan_from(0, lower_band_, rng.uniform_int(lower_band_));
  return std::nullopt;
}

bool RangeAllocator::release(std::uint64_t v) {
  if (!allocated(v)) return false;
  used_[v - first_] = false;
  --in_use_;
  return true;
}

}  // namespace podwire::kube
