// PodIpPool: a node's pod addresses, allocated as the CNI host-local plugin
// does: the block's first address is the network, the next one the node's
// bridge (the pods' gateway), the last is broadcast; each allocation continues
// after the last one handed out, wrapping, so a freed address is reused as late
// as possible (stale conntrack entries and caches still point at it for a while).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/kube/cidr.hpp"

namespace podwire::kube {

class PodIpPool {
 public:
  // std::invalid_argument for a block too small to hold a pod (/31, /32).
  explicit PodIpPool(Cidr block);

  const Cidr& block() const { return block_; }
  net::Address gateway() const { return block_.at(1); }
  std::uint64_t capacity() const { return usable_; }
  std::uint64_t in_use() const { return in_use_; }

  // The next free address after the last allocated one; nullopt when full.
  std::optional<net::Address> allocate();
  // false when the address is not allocated here.
  bool release(net::Address a);
  bool allocated(net::Address a) const;

 private:
  Cidr block_;
  std::uint64_t usable_;           // addresses 2 .. size-2
  std::vector<bool> used_;         // by offset in the block
  std::uint64_t last_offset_ = 1;  // the gateway: the first allocation is .2
  std::uint64_t in_use_ = 0;
};

}  // namespace podwire::kube
