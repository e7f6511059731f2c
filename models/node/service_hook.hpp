// ServiceHook: where a node's kernel hands a new flow to the service proxy
// (kube-proxy's netfilter rules, IPVS, nftables or Cilium's eBPF programs) to
// have its Service address translated to an endpoint. Proxies implement it
// from above (models/proxy/); the node knows no proxy mode.
#pragma once

#include <cstdint>
#include <string>

#include "engine/time.hpp"
#include "models/net/packet.hpp"
#include "models/node/conntrack.hpp"

namespace podwire::node {

// Where a packet entered the node's kernel.
enum class Origin : std::uint8_t { pod, host, fabric };

// What the proxy decided for a new flow's first packet.
struct ServiceVerdict {
  enum class Kind : std::uint8_t {
    none,        // no Service owns the destination: routed as addressed
    translated,  // DNAT to `endpoint` (and SNAT when `masquerade`)
    reject,  // a Service with no endpoint, or an unserved port of a Service address: REJECT (TCP
             // reset)
    drop,    // externalTrafficPolicy Local on a node without a local endpoint: dropped
  };
  Kind kind = Kind::none;
  net::Address endpoint = 0;
  std::uint16_t endpoint_port = 0;
  std::uint32_t backend = CtEntry::kNoBackend;  // the endpoint's run-wide id
  std::uint32_t frontend = CtEntry::kNoFrontend;
  std::uint32_t chosen =
      0;  // the endpoint's place among the eligible ones (what an iptables chain walks)
  std::uint8_t via =
      0;  // how the packet addressed the Service, in the proxy's own terms (describe)
  bool masquerade = false;  // SNAT to the node's address
  bool dsr = false;  // sent on with direct server return: the packet carries the Service address
  bool socket_lb = false;  // translated once at connect(): the connection's packets need no NAT
  engine::Time work;       // the proxy's CPU for finding the Service and choosing the endpoint
};

class ServiceHook {
 public:
  virtual ~ServiceHook() = default;
  // A new flow's first packet (no conntrack entry yet), as it arrived from
  // `origin`. `node_address` is this node's own address (NodePorts).
  virtual ServiceVerdict translate(const net::Packet& p, Origin origin) = 0;
  // What the proxy did for a verdict, in a few words (explain).
  virtual std::string describe(const ServiceVerdict& v) const = 0;
};

}  // namespace podwire::node
