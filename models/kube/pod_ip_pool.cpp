#include "models/kube/pod_ip_pool.hpp"

#include <stdexcept>

namespace podwire::kube {

PodIpPool::PodIpPool(Cidr block) : block_(block) {
  if (block.size() < 4) {
    throw std::invalid_argument(block.to_string().append(
        " is too small for pods (network, gateway and broadcast take 3 addresses)"));
  }
  usable_ = block.size() - 3;
  used_.assign(block.size(), false);
}

std::optional<net::Address> PodIpPool::allocate() {
  if (in_use_ == usable_) return std::nullopt;
  const std::uint64_t n = block_.size();
  std::uint64_t offset = last_offset_;
  for (;;) {
    offset = offset + 1 >= n - 1 ? 2 : offset + 1;  // skip network, gateway, broadcast
    if (!used_[offset]) break;
  }
  used_[offset] = true;
  last_offset_ = offset;
  ++in_use_;
  return block_.at(offset);
}

bool PodIpPool::allocated(net::Address a) const {
  return block_.contains(a) && used_[a - block_.base()];
}

bool PodIpPool::release(net::Address a) {
  if (!allocated(a)) return false;
  used_[a - block_.base()] = false;
  --in_use_;
  return true;
}

}  // namespace podwire::kube
