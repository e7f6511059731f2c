// ProxyMode: what each kube-proxy mode charges a connection's first packet to
// find its Service and choose an endpoint. iptables walks KUBE-SERVICES rule
// by rule until the Service's rule matches (cost grows with the Service's
// position; NodePorts come after every Service rule, in KUBE-NODEPORTS), then
// the Service chain's probability rules one per endpoint up to the chosen one,
// then the endpoint's DNAT rule. nftables finds the Service in one verdict-map
// lookup, IPVS in one hash lookup, eBPF in one map lookup. Later packets ride
// conntrack in every mode. The walk is arithmetic on the position: simulating
// 30,000 Services costs no more per packet than 100.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/time.hpp"
#include "models/proxy/service_table.hpp"

namespace podwire::proxy {

enum class ProxyMode : std::uint8_t { iptables, ipvs, nftables, ebpf };
const char* to_string(ProxyMode m);
// nullopt-like: false when the text names no mode.
bool parse_proxy_mode(std::string_view text, ProxyMode& out);

// How IPVS picks a real server. kube-proxy gives every real server weight 1,
// so the weighted schedulers behave as their plain forms: rr and wrr take
// servers in turn; lc, wlc and sed the one with the fewest connections (on
// this node), nq an idle one first and otherwise as sed; sh and mh hash the
// client address (mh with Maglev's consistency, modelled as a hash), dh the
// destination.
enum class IpvsScheduler : std::uint8_t { rr, wrr, lc, wlc, sh, dh, sed, nq, mh };
const char* to_string(IpvsScheduler s);
bool parse_ipvs_scheduler(std::string_view text, IpvsScheduler& out);

struct ProxyModeCosts {
  engine::Time iptables_rule = engine::Time::ns(26);     // per rule evaluated (calibration.md: 26 ns per extra Service, EKS 2026)
  engine::Time nftables_lookup = engine::Time::ns(200);  // verdict map on (daddr, proto, dport)
  engine::Time ipvs_lookup = engine::Time::ns(200);      // ip_vs_service hash lookup and scheduler
  engine::Time ebpf_lookup = engine::Time::ns(100);      // BPF service map lookup
};

// The first packet's cost of finding the Service (`kind` tells which chain)
// and choosing the endpoint at `chosen` among `endpoints` in the order the
// proxy lists them. `services` is the number of Services in the table.
engine::Time first_packet_cost(ProxyMode mode, const ProxyModeCosts& costs, const ServiceFrontend& f,
                               FrontendKind kind, std::size_t services, std::size_t chosen);

}  // namespace podwire::proxy
