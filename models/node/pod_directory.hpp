// PodDirectory: which pod namespace owns which pod address, cluster-wide: what
// a node's datapath consults to deliver to a local pod or to find the node a
// remote pod lives on (the overlay's forwarding database, or the routes of
// native routing).
#pragma once

#include <stdexcept>
#include <vector>

#include "engine/flat_hash_map.hpp"
#include "models/kube/cidr.hpp"
#include "models/node/pod_netns.hpp"

namespace podwire::node {

class PodDirectory {
 public:
  // std::invalid_argument when the address is already taken.
  void add(PodNetns& pod);
  void remove(net::Address a) { pods_.erase(a); }
  // Null when no live pod has the address. O(1) expected.
  PodNetns* find(net::Address a) const {
    PodNetns* const* p = pods_.find(a);
    return p == nullptr ? nullptr : *p;
  }
  std::size_t size() const { return pods_.size(); }

  // Each node's pod CIDR block (block i of `pod_cidr` split at `node_mask`
  // belongs to hosts[i]): where an address lives even when no pod has it
  // (any more), as the overlay's per-node routes say.
  void set_node_blocks(kube::Cidr pod_cidr, int node_mask, std::vector<const net::Host*> hosts) {
    pod_cidr_ = pod_cidr;
    node_mask_ = node_mask;
    block_hosts_ = std::move(hosts);
  }
  // The node whose block holds the address; null outside every block.
  const net::Host* node_of(net::Address a) const {
    if (block_hosts_.empty() || !pod_cidr_.contains(a)) return nullptr;
    const std::uint64_t block =
        static_cast<std::uint64_t>(a - pod_cidr_.at(0)) >> (32 - node_mask_);
    return block < block_hosts_.size() ? block_hosts_[block] : nullptr;
  }

 private:
  // Open addressing: every packet into a node looks its pod up here.
  engine::FlatHashMap<net::Address, PodNetns*> pods_;
  kube::Cidr pod_cidr_;
  int node_mask_ = 32;
  std::vector<const net::Host*> block_hosts_;
};

inline void PodDirectory::add(PodNetns& pod) {
  if (!pods_.emplace(pod.address(), &pod)) {
    throw std::invalid_argument("pod address " + net::format_address(pod.address()) + " of '" +
                                pod.name() + "' is already in use");
  }
}

}  // namespace podwire::node
