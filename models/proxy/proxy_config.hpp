// ProxyConfig: what a node's service proxy is told: its mode (by name; the
// modes are in proxy_factory.cpp), each mode's per-packet costs, the IPVS
// scheduler, eBPF's load-balancing choices, and the costs of programming
// rules. Defaults and their sources are in docs/parameters.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/time.hpp"
#include "models/proxy/iptables_layout.hpp"

namespace podwire::proxy {

// How IPVS picks a real server. kube-proxy gives every real server weight 1,
// so the weighted schedulers behave as their plain forms: rr and wrr take
// servers in turn; lc, wlc and sed the one with the fewest connections (on
// this node), nq an idle one first and otherwise as sed; sh and mh hash the
// client address (mh with Maglev's consistency, modelled as a hash), dh the
// destination.
enum class IpvsScheduler : std::uint8_t { rr, wrr, lc, wlc, sh, dh, sed, nq, mh };
const char* to_string(IpvsScheduler s);
bool parse_ipvs_scheduler(std::string_view text, IpvsScheduler& out);

// A new flow's first packet: finding the Service and choosing an endpoint.
struct ProxyModeCosts {
  engine::Time service_lookup =
      engine::Time::ns(200);  // every mode: finding the Service and choosing an endpoint
  // Per rule evaluated. calibration.md: 26 µs more per connection set-up
  // with 1,000 Services than with 4 (EKS 2026), where a connection's SYN
  // walks half of KUBE-SERVICES on average (map order): 52 ns a rule.
  engine::Time iptables_rule = engine::Time::ns(52);
  engine::Time nftables_lookup = engine::Time::ns(200);  // verdict map on (daddr, proto, dport)
  engine::Time ipvs_lookup = engine::Time::ns(200);      // ip_vs_service hash lookup and scheduler
  // IPVS's work on each packet of a connection it translated (ipvs.cpp).
  // Cilium 1.8 (calibration.md): forwarding a NodePort's packets costs 2.7
  // µs·core each under IPVS against 2.3 under iptables.
  engine::Time ipvs_packet = engine::Time::ns(300);
  engine::Time ebpf_lookup = engine::Time::ns(100);  // BPF service map lookup
  // eBPF host routing (Cilium's kube-proxy replacement): packets to a local
  // pod are redirected into its namespace (bpf_redirect_peer) instead of
  // crossing the bridge and the upper stack; packets leaving a pod are sent to
  // the device (bpf_redirect_neigh) without the routing and netfilter hooks;
  // connection tracking is a BPF map.
  engine::Time ebpf_redirect = engine::Time::ns(250);
  engine::Time ebpf_ct_lookup = engine::Time::ns(150);
  engine::Time ebpf_ct_insert = engine::Time::ns(800);
};

// Rule programming. Defaults and their sources: docs/parameters.md, "Rule programming".
struct SyncCosts {
  // EKS 2026: ≈130–170 ms for 99–10,059 rules. The 2019 figures (1.3 s at
  // 1,000 Services, 9.5 s at 10,000, full restores) come out with 77 ms and
  // 140 µs per line: docs/parameters.md.
  engine::Time iptables_restore_base = engine::Time::ms(130);
  engine::Time iptables_per_rule =
      engine::Time::us(4);     // per line written; the same measurement's slope
  int rules_per_service = 3;   // KUBE-SERVICES rule, KUBE-SVC chain, its masquerade rule
  int rules_per_endpoint = 4;  // probability rule, KUBE-SEP chain, its masquerade and DNAT rules
  engine::Time ipvs_sync_base = engine::Time::ms(20);  // its own iptables-restore and ipset work
  engine::Time ipvs_per_change =
      engine::Time::ms(1);  // one virtual or real server added or removed
  engine::Time ipvs_per_check =
      engine::Time::us(2);  // a full resync reading back one existing server
  engine::Time nftables_base = engine::Time::ms(5);  // one nft transaction
  engine::Time nftables_per_element = engine::Time::us(5);
  engine::Time ebpf_base = engine::Time::us(200);       // the agent handling one update
  engine::Time ebpf_per_update = engine::Time::us(20);  // one BPF map element written
};

// How Services are ordered in a rule list that is walked in order
// (iptables' KUBE-SERVICES). fixed: at ServiceFrontend::position
// throughout. map_order: as kube-proxy writes it, in the order of a Go map's
// iteration, which starts at a random place on every sync (iptables.hpp);
// a cluster's scenario asks for it by default (cluster.proxy.measured_position).
enum class RuleOrder : std::uint8_t { fixed, map_order };

// IPVS's own connection table (net.ipv4.vs.*, set by kube-proxy's
// --ipvs-tcp-timeout and friends; 0 there leaves the kernel's).
struct IpvsTable {
  engine::Time tcp = engine::Time::s(900);       // an established connection
  engine::Time tcp_fin = engine::Time::s(120);   // after a FIN (FIN_WAIT, TIME_WAIT)
  engine::Time tcp_close = engine::Time::s(10);  // after a reset
  engine::Time udp = engine::Time::s(300);
  // conn_reuse_mode: 0 sends a new connection on the tuple of one IPVS still
  // tracks where that one went (kubernetes#81775); 1 schedules it afresh when
  // the old one is closing (kernels from 5.9 do it without dropping the SYN).
  int conn_reuse_mode = 1;
};

struct ProxyConfig {
  std::string mode = "iptables";  // kube-proxy's default mode
  KubeProxyVersion version;       // the release whose rule layout iptables mode writes
  RuleOrder rule_order = RuleOrder::fixed;
  ProxyModeCosts costs;
  IpvsScheduler ipvs_scheduler = IpvsScheduler::rr;
  IpvsTable ipvs_table;
  // eBPF's choice for NodePort and LoadBalancer traffic: random (Cilium's
  // default) or Maglev, whose table every node builds alike.
  bool ebpf_maglev = false;
  // eBPF NodePort/LoadBalancer under the Cluster policy: direct server return
  // (the backend's node answers the client itself, no SNAT) instead of SNAT.
  bool ebpf_dsr = false;
  // eBPF host routing (Cilium's default on kernels that have it, 5.10 on):
  // bpf_redirect_peer/neigh past the host's netfilter and routing. Off:
  // Cilium's legacy host routing, where packets still climb the host stack
  // after Cilium's own programs.
  bool ebpf_host_routing = true;
  // eBPF NodePort and LoadBalancer traffic handled in the NIC driver's XDP
  // hook (Cilium's `loadBalancer.acceleration: native`; off by default),
  // before the kernel allocates a socket buffer.
  bool ebpf_xdp = false;
  std::uint32_t maglev_table_size =
      16381;  // Cilium's default (a prime >= 100 x backends for <= 1% reshuffle)
};

}  // namespace podwire::proxy
