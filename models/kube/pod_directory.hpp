// PodDirectory: which pod namespace owns which pod address, cluster-wide: what
// a node's datapath consults to deliver to a local pod or to find the node a
// remote pod lives on (the overlay's forwarding database, or the routes of
// native routing).
#pragma once

#include <unordered_map>

#include "models/kube/pod_netns.hpp"

namespace podwire::kube {

class PodDirectory {
 public:
  // std::invalid_argument when the address is already taken.
  void add(PodNetns& pod);
  void remove(net::Address a) { pods_.erase(a); }
  // Null when no live pod has the address. O(1) expected.
  PodNetns* find(net::Address a) const {
    const auto it = pods_.find(a);
    return it == pods_.end() ? nullptr : it->second;
  }
  std::size_t size() const { return pods_.size(); }

 private:
  std::unordered_map<net::Address, PodNetns*> pods_;
};

inline void PodDirectory::add(PodNetns& pod) {
  if (!pods_.emplace(pod.address(), &pod).second) {
    throw std::invalid_argument("pod address " + net::format_address(pod.address()) + " of '" + pod.name() +
                                "' is already in use");
  }
}

}  // namespace podwire::kube
