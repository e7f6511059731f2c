// ServiceTable: the Services as a node's service proxy has them programmed:
// one frontend per Service port, reachable by ClusterIP:port, by NodePort on
// every node, and by LoadBalancer or external IP:port, each with its
// endpoints. Lookups are hash lookups: O(1) in simulator time however many
// Services there are (what a proxy mode charges in simulated time for finding
// a Service is the mode's business, not the table's).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/time.hpp"
#include "models/net/packet.hpp"

namespace podwire::proxy {

struct Backend {
  net::Address address = 0;
  std::uint16_t port = 0;
  std::uint32_t node = 0;  // topology host index of the node the pod runs on
  std::uint32_t id = 0;    // run-wide endpoint id (conntrack keeps it)
  bool ready = true;
  bool serving = true;
  bool terminating = false;
};

enum class FrontendKind : std::uint8_t { cluster_ip, node_port, load_balancer, external_ip };
const char* to_string(FrontendKind k);

struct ServiceFrontend {
  std::string name;              // "namespace/name:port", for messages and traces
  std::uint32_t service = 0;     // the cluster's Service index
  std::uint32_t port_index = 0;  // which port of the Service
  net::Protocol protocol = net::Protocol::tcp;
  std::uint16_t port = 0;       // the Service port
  std::uint16_t node_port = 0;  // 0: none
  std::vector<Backend> backends;
  bool session_affinity = false;  // ClientIP
  engine::Time affinity_timeout = engine::Time::s(10800);
  bool external_local = false;  // externalTrafficPolicy: Local
  bool internal_local = false;  // internalTrafficPolicy: Local
  // trafficDistribution: prefer endpoints in the client node's zone, or on
  // its node (kube-proxy's topology filter, when there are such endpoints).
  enum class Distribution : std::uint8_t { any, same_zone, same_node };
  Distribution distribution = Distribution::any;
  // Position in the proxy's rule order (KUBE-SERVICES for iptables), 0-based.
  std::uint32_t position = 0;
};

class ServiceTable {
 public:
  // Returns the frontend's index.
  std::uint32_t add(ServiceFrontend f);
  // std::invalid_argument when the address/port/protocol is already taken.
  void expose(std::uint32_t frontend, FrontendKind kind, net::Address address, std::uint16_t port);
  void expose_node_port(std::uint32_t frontend, std::uint16_t node_port);

  struct Match {
    const ServiceFrontend* frontend = nullptr;
    std::uint32_t index = 0;
    FrontendKind kind = FrontendKind::cluster_ip;
  };
  // By virtual address (ClusterIP, LoadBalancer or external IP).
  Match find(net::Address address, std::uint16_t port, net::Protocol protocol) const;
  Match find_node_port(std::uint16_t port, net::Protocol protocol) const;
  // True when some Service owns the address (a packet to one of its unknown
  // ports is rejected rather than routed).
  bool is_virtual_address(net::Address a) const { return virtual_addresses_.contains(a); }

  std::size_t size() const { return frontends_.size(); }
  // Every frontend's endpoints, and the frontends with a nodePort: counted
  // once and kept until a frontend changes, so that 5,000 nodes' proxies
  // built over one table do not each walk a million filler Services.
  std::size_t backend_count() const {
    count();
    return backends_;
  }
  std::size_t node_port_count() const {
    count();
    return node_ports_;
  }

  // The zone of a node (by topology host index), for trafficDistribution;
  // kNoZone when not known.
  static constexpr std::uint32_t kNoZone = 0xFFFFFFFF;
  void set_zone(std::uint32_t node, std::uint32_t zone) {
    if (zones_.size() <= node) zones_.resize(node + 1, kNoZone);
    zones_[node] = zone;
  }
  std::uint32_t zone(std::uint32_t node) const {
    return node < zones_.size() ? zones_[node] : kNoZone;
  }
  ServiceFrontend& frontend(std::uint32_t i) {
    counted_ = false;  // the caller may change it
    return frontends_[i];
  }
  const ServiceFrontend& frontend(std::uint32_t i) const { return frontends_[i]; }

 private:
  static std::uint64_t key(net::Address a, std::uint16_t port, net::Protocol p) {
    return static_cast<std::uint64_t>(a) << 24 | static_cast<std::uint64_t>(port) << 8 |
           static_cast<std::uint64_t>(p);
  }
  struct Slot {
    std::uint32_t index;
    FrontendKind kind;
  };
  void count() const;

  std::vector<ServiceFrontend> frontends_;
  mutable bool counted_ = false;
  mutable std::size_t backends_ = 0, node_ports_ = 0;
  std::vector<std::uint32_t> zones_;  // by node
  std::unordered_map<std::uint64_t, Slot> by_address_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_node_port_;
  std::unordered_map<net::Address, std::uint32_t> virtual_addresses_;  // address -> ports exposed
};

}  // namespace podwire::proxy
