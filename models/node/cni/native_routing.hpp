// NativeRouting: pod addresses are routed on the fabric as they are (Calico
// with BGP, Cilium's native routing, cloud VPC routes): no outer header and
// no encapsulation work; the fabric learns each pod CIDR.
#pragma once

#include "models/node/cni.hpp"

namespace podwire::node {

class NativeRouting final : public Cni {
 public:
  std::string_view name() const override { return "native"; }
  engine::Time to_node(net::Packet&, const net::Host&, const net::Host&) override {
    return engine::Time::zero();
  }
  Arrival from_fabric(net::Packet& p, const net::Host& here, engine::Time&) override {
    // No outer header of its own; an encapsulated packet for another node is not ours.
    if (p.encap.present() && p.encap.outer_dst != here.address()) return Arrival::not_ours;
    return Arrival::plain;
  }
  bool routes_pod_addresses() const override { return true; }
  std::string describe_to_node() const override { return "native routing"; }
  std::string describe_from_fabric() const override { return "routed as addressed"; }
  std::uint32_t overhead_bytes() const override { return 0; }
  engine::Time to_node_cost() const override { return engine::Time::zero(); }
  engine::Time from_fabric_cost() const override { return engine::Time::zero(); }
};

}  // namespace podwire::node
