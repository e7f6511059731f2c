// Cni: how a node's kernel carries pod traffic to other nodes — an overlay
// that encapsulates (VXLAN, and next Geneve, IP-in-IP, WireGuard) or native
// routing of pod addresses on the fabric. One implementation per file under
// cni/, registered by name in cni/registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/time.hpp"
#include "models/net/host.hpp"
#include "models/net/packet.hpp"

namespace podwire::node {

// The costs every CNI may charge; defaults and sources in docs/parameters.md.
struct CniCosts {
  engine::Time encap = engine::Time::ns(800);  // VXLAN: build the outer headers, UDP checksum off
  engine::Time decap = engine::Time::ns(800);
};

class Cni {
 public:
  virtual ~Cni() = default;
  virtual std::string_view name() const = 0;

  // A packet leaving node `from` for a pod address on node `to`: encapsulate
  // it, or leave it to be routed as it is. Returns the CPU work done.
  virtual engine::Time to_node(net::Packet& p, const net::Host& from, const net::Host& to) = 0;

  enum class Arrival : std::uint8_t { plain, decapsulated, not_ours };
  // A packet from the fabric: strip this CNI's outer header when it has one
  // (adding the work to `work`); not_ours when it is addressed to another node.
  virtual Arrival from_fabric(net::Packet& p, const net::Host& here, engine::Time& work) = 0;

  // True when the fabric must know pod addresses (native routing installs a
  // route per pod CIDR; an overlay hides them behind node addresses).
  virtual bool routes_pod_addresses() const = 0;

  // For explain: what to_node() does, in a few words ("VXLAN encapsulation
  // (+50 bytes)"), and the bytes it adds on the wire.
  virtual std::string describe_to_node() const = 0;
  virtual std::string describe_from_fabric() const = 0;
  virtual std::uint32_t overhead_bytes() const = 0;
  virtual engine::Time to_node_cost() const = 0;
  virtual engine::Time from_fabric_cost() const = 0;
};

// The CNIs by name ("vxlan", "native"); null when the name is unknown.
std::unique_ptr<Cni> make_cni(std::string_view name, const CniCosts& costs);
const std::vector<std::string_view>& cni_names();

}  // namespace podwire::node
