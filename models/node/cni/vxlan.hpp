// Vxlan: the overlay CNI. Pod traffic between nodes is encapsulated in
// VXLAN (outer IP, UDP and VXLAN headers, 50 bytes) between node addresses.
#pragma once

#include "models/node/cni.hpp"

namespace podwire::node {

class Vxlan final : public Cni {
 public:
  explicit Vxlan(const CniCosts& costs) : costs_(costs) {}
  std::string_view name() const override { return "vxlan"; }
  engine::Time to_node(net::Packet& p, const net::Host& from, const net::Host& to) override;
  Arrival from_fabric(net::Packet& p, const net::Host& here, engine::Time& work) override;
  bool routes_pod_addresses() const override { return false; }
  std::string describe_to_node() const override { return "VXLAN encapsulation (+50 bytes)"; }
  std::string describe_from_fabric() const override { return "VXLAN decapsulation"; }
  std::uint32_t overhead_bytes() const override { return net::kVxlanOverhead; }
  engine::Time to_node_cost() const override { return costs_.encap; }
  engine::Time from_fabric_cost() const override { return costs_.decap; }

 private:
  CniCosts costs_;
};

}  // namespace podwire::node
