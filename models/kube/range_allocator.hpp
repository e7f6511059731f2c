// RangeAllocator: the API server's bitmap allocator over a range of integers,
// used for Service ClusterIPs and NodePorts. Dynamic allocations pick a random
// offset in the upper band and scan for a free value, falling back to the lower
// band, as kube-apiserver does since KEP-3070/KEP-3668, so that values users ask
// for explicitly (usually low) rarely collide with allocated ones.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/random_stream.hpp"

namespace podwire::kube {

class RangeAllocator {
 public:
  // Values first .. last inclusive. The lower band is min(max(16, size/16), 256)
  // values, the rule kube-apiserver uses.
  RangeAllocator(std::uint64_t first, std::uint64_t last);

  std::uint64_t first() const { return first_; }
  std::uint64_t last() const { return first_ + used_.size() - 1; }
  std::uint64_t size() const { return used_.size(); }
  std::uint64_t in_use() const { return in_use_; }
  bool contains(std::uint64_t v) const { return v >= first_ && v <= last(); }
  bool allocated(std::uint64_t v) const { return contains(v) && used_[v - first_]; }

  // Reserves a given value; false when it is outside the range or taken.
  bool allocate(std::uint64_t v);
  // A free value chosen as described above; nullopt when the range is full.
  std::optional<std::uint64_t> allocate_random(engine::RandomStream& rng);
  // false when the value was not allocated.
  bool release(std::uint64_t v);

 private:
  std::optional<std::uint64_t> scan_from(std::uint64_t begin, std::uint64_t end,
                                         std::uint64_t start);

  std::uint64_t first_;
  std::uint64_t lower_band_;
  std::vector<bool> used_;
  std::uint64_t in_use_ = 0;
};

}  // namespace podwire::kube
