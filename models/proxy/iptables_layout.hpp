// IptablesLayout: the nat-table chains kube-proxy's iptables mode writes,
// as each release lays them out, and the rules a connection's first packet
// walks through them.
//
// The layouts (pkg/proxy/iptables/proxier.go of each release):
// - up to 1.20: KUBE-SERVICES holds two rules per Service port, the
//   KUBE-MARK-MASQ rule for off-cluster sources (`! -s <cluster CIDR>`) and
//   the jump to KUBE-SVC-*; KUBE-NODEPORTS two per NodePort, likewise.
// - 1.21 to 1.23: the masquerade rules move into the KUBE-SVC-* chains
//   (kubernetes#96959): one rule per Service port in KUBE-SERVICES and per
//   NodePort in KUBE-NODEPORTS; a KUBE-SVC-* chain starts with its ClusterIP
//   masquerade rule, and a NodePort Service's with one for the NodePort too.
// - 1.24 on: external traffic goes through a KUBE-EXT-* chain (KEP-3178):
//   KUBE-NODEPORTS jumps there, KUBE-EXT-* marks for masquerade and jumps to
//   KUBE-SVC-*, which starts with the ClusterIP masquerade rule only.
// In every layout the last rule of KUBE-SERVICES jumps to KUBE-NODEPORTS
// for packets to a local address, KUBE-SVC-* has one probability rule per
// endpoint (the last without a probability), and a KUBE-SEP-* chain has its
// hairpin masquerade rule and the DNAT.
//
// The order of KUBE-SERVICES is the order in which syncProxyRules ranges
// over its Service map: a Go map, whose iteration starts at a random place
// on every sync. So a Service's place changes with each sync of each node.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/proxy/kube_proxy_version.hpp"
#include "models/proxy/service_table.hpp"

namespace podwire::proxy {

enum class IptablesLayout : std::uint8_t {
  mark_in_services,  // up to 1.20
  mark_in_svc,       // 1.21 to 1.23
  ext_chains,        // 1.24 on
};
IptablesLayout iptables_layout(KubeProxyVersion v);
const char* to_string(IptablesLayout l);

// What a first packet's walk meets, for one Service frontend.
struct IptablesWalkInput {
  FrontendKind kind = FrontendKind::cluster_ip;
  std::uint32_t position = 0;    // the Service port's place in KUBE-SERVICES, 0-based
  std::uint32_t services = 0;    // Service ports in KUBE-SERVICES
  std::uint32_t node_ports = 0;  // NodePorts in KUBE-NODEPORTS
  std::uint32_t node_port_position = 0;
  bool has_node_port =
      false;  // the Service has a NodePort (a rule in its KUBE-SVC chain, 1.21-1.23)
  bool external_local = false;      // externalTrafficPolicy: Local (the KUBE-EXT chain's rules)
  bool off_cluster_source = false;  // a ClusterIP packet from outside the pod CIDR (masqueraded)
  std::uint32_t chosen = 0;         // the endpoint's place among the eligible ones
};

// The rules evaluated in each nat chain, up to and including the one that
// jumps on (or the DNAT).
struct IptablesWalk {
  std::uint32_t services = 0;   // KUBE-SERVICES
  std::uint32_t nodeports = 0;  // KUBE-NODEPORTS
  std::uint32_t ext = 0;        // KUBE-EXT-* (1.24 on) or its predecessors' external chain
  std::uint32_t svc = 0;        // KUBE-SVC-*
  std::uint32_t sep = 0;        // KUBE-SEP-*
  std::uint32_t mark = 0;       // KUBE-MARK-MASQ's rule, when a masquerade rule jumped there
  std::uint32_t total() const { return services + nodeports + ext + svc + sep + mark; }
  std::string to_string() const;
};

IptablesWalk iptables_walk(IptablesLayout layout, const IptablesWalkInput& in);

}  // namespace podwire::proxy
