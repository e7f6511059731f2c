// The VXLAN overlay (flannel's and Calico's default backend): a pod's packet
// for another node travels inside UDP between the node addresses, 50 bytes
// more on the wire, with the encapsulation and decapsulation charged.
#include "models/node/cni/vxlan.hpp"

namespace podwire::node {

engine::Time Vxlan::to_node(net::Packet& p, const net::Host& from, const net::Host& to) {
  p.encap = net::Encapsulation{from.address(), to.address(),
                               static_cast<std::uint16_t>(net::kVxlanOverhead)};
  p.wire_bytes += net::kVxlanOverhead;
  return costs_.encap;
}

Cni::Arrival Vxlan::from_fabric(net::Packet& p, const net::Host& here, engine::Time& work) {
  if (!p.encap.present()) return Arrival::plain;
  if (p.encap.outer_dst != here.address()) return Arrival::not_ours;
  p.wire_bytes -= p.encap.overhead_bytes;
  p.encap = net::Encapsulation{};
  work += costs_.decap;
  return Arrival::decapsulated;
}

}  // namespace podwire::node
