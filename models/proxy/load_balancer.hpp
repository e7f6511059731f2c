// LoadBalancer: the cloud load balancer in front of LoadBalancer Services, a
// pass-through device (as GCP's network load balancer and MetalLB in L2/BGP
// mode are): it picks a node by flow hash and delivers the packet unchanged,
// still addressed to the load-balancer IP, which the node's proxy translates.
// Under externalTrafficPolicy Local its health checks leave only the nodes
// that host a ready endpoint; under Cluster every node is a target. Replies go
// from the node straight back to the client.
#pragma once

#include <cstdint>
#include <vector>

#include "models/net/host.hpp"
#include "models/proxy/service_table.hpp"

namespace podwire::proxy {

struct LoadBalancerCounters {
  std::uint64_t packets = 0;
  std::uint64_t no_target = 0;  // no Service on the address/port, or no healthy node
};

class LoadBalancer final : public net::PacketSink {
 public:
  // `nodes`: topology host indices of the cluster's nodes. Installs itself as
  // the host's datapath.
  LoadBalancer(net::Host& host, const ServiceTable& services, std::vector<std::uint32_t> nodes);
  ~LoadBalancer() override { host_.set_datapath(nullptr); }
  LoadBalancer(const LoadBalancer&) = delete;
  LoadBalancer& operator=(const LoadBalancer&) = delete;

  void receive(net::Packet& p) override;
  const LoadBalancerCounters& counters() const { return counters_; }
  // Packets sent to each node, by position in `nodes`.
  const std::vector<std::uint64_t>& per_node() const { return per_node_; }

 private:
  net::Host& host_;
  const ServiceTable& services_;
  std::vector<std::uint32_t> nodes_;
  std::vector<std::uint64_t> per_node_;
  std::vector<std::uint32_t> healthy_;  // scratch, by position
  LoadBalancerCounters counters_;
};

}  // namespace podwire::proxy
