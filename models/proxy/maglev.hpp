// MaglevTable: Maglev consistent hashing (Eisenbud et al., NSDI 2016), as
// Cilium's kube-proxy replacement uses it for NodePort and LoadBalancer
// traffic: a lookup table of M slots (M prime, 16381 by default) filled by
// each backend's own permutation in turn, so every backend owns about M/N
// slots and removing one backend remaps little more than its own share.
// Every node builds the same table from the same backends, so any node sends
// a given flow to the same backend.
#pragma once

#include <cstdint>
#include <vector>

namespace podwire::proxy {

class MaglevTable {
 public:
  // `backends`: stable ids, in any order (they are sorted first, so every
  // node builds the same table). `size` must be a prime larger than the
  // number of backends; std::invalid_argument otherwise. O(size x log size)
  // expected.
  explicit MaglevTable(std::vector<std::uint32_t> backends, std::uint32_t size = 16381);

  // The backend id for a flow hash. O(1). Precondition: some backend.
  std::uint32_t lookup(std::uint64_t flow_hash) const {
    return ids_[table_[flow_hash % table_.size()]];
  }
  std::size_t size() const { return table_.size(); }
  // Slots each backend owns, in sorted id order.
  std::vector<std::uint32_t> shares() const;
  // The backend id in each slot.
  std::vector<std::uint32_t> slots_by_id() const;

 private:
  std::vector<std::uint32_t> ids_;
  std::vector<std::uint32_t> table_;
};

}  // namespace podwire::proxy
