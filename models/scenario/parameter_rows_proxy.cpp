// The parameter table's rows for the service proxy modes and their rule programming.
#include "models/proxy/proxy_factory.hpp"
#include "models/scenario/parameter_kinds.hpp"

namespace podwire::scenario::param {

void add_proxy_sections(std::vector<ParameterSection>& out) {
  out.push_back(ParameterSection{
      "Service proxy modes (`proxy::ProxyConfig`, scenario `cluster.proxy`)",
      "What a connection's first packet pays to find its Service and choose an\n"
      "endpoint, on top of the datapath stages; later packets ride conntrack. Each\n"
      "mode is one file of `models/proxy/`.",
      {
          name_param(
              "cluster.proxy.mode", [](S & s) -> auto& { return s.cluster.proxy.config.mode; },
              [] { return proxy::proxy_mode_names(); }, "kube-proxy's default mode"),
          Parameter{
              "cluster.proxy.version", "version",
              defaults().cluster.proxy.config.version.to_string(),
              "the kube-proxy release whose iptables rule layout is written (masquerade rules in "
              "KUBE-SERVICES up to 1.20, in KUBE-SVC chains from 1.21 (kubernetes#96959), KUBE-EXT "
              "chains from 1.24 (KEP-3178)) and whether partial restores are the default (1.27 on, "
              "KEP-3453); 1.36 is a supported release",
              [](const YamlField& f, S& s) {
                if (auto v = f.string()) {
                  if (!proxy::KubeProxyVersion::parse(*v, s.cluster.proxy.config.version)) {
                    f.error("expected a Kubernetes release from 1." +
                            std::to_string(proxy::KubeProxyVersion::kOldest) + " to 1." +
                            std::to_string(proxy::KubeProxyVersion::kNewest) +
                            " such as '1.36' or 'v1.28.4', got '" + *v + "'");
                  }
                }
              },
              "release 1.10-1.37"},
          time_param(
              "cluster.proxy.iptables_rule",
              [](S & s) -> auto& { return s.cluster.proxy.config.costs.iptables_rule; },
              "per rule evaluated. devfloor9 CNI comparison (EKS, kernel 6.1, 2026): connection "
              "setup 164 → 190 µs from 4 to 1,000 Services; the measured Service sits anywhere "
              "in KUBE-SERVICES (map order), so its SYN walks half of the 996 added rules on "
              "average: 26 µs / 498 ≈ 52 ns a rule. SystemTap measured 91–229 cycles per rule "
              "(median 190: 53 ns at 3.6 GHz) on Linux 4.15. Not the same rules as "
              "sanimej/iptables' "
              "15,000 plain `-p tcp -s ADDR -j ACCEPT` INPUT rules (28 ns per rule per accepted "
              "connection on a t2.medium): those are walked by every inbound packet of a "
              "connection, about 7 ns each, and stop at the address test without a comment or "
              "port match; kube-proxy's nat rules are walked by a connection's first packet "
              "only, and podwire models no INPUT rules"),
          constant("rules walked (iptables)",
                   "position of the Service in KUBE-SERVICES + 1 (NodePorts: every Service rule, "
                   "then their place "
                   "in KUBE-NODEPORTS), + the probability rules up to the chosen endpoint, + the "
                   "endpoint chain's 2 "
                   "rules",
                   "kube-proxy's chain layout (KEP-3453, \"NFTables mode for kube-proxy\", 2025)"),
          time_param(
              "cluster.proxy.nftables_lookup",
              [](S & s) -> auto& { return s.cluster.proxy.config.costs.nftables_lookup; },
              "one verdict-map lookup, independent of the number of Services"),
          time_param(
              "cluster.proxy.ipvs_lookup",
              [](S & s) -> auto& { return s.cluster.proxy.config.costs.ipvs_lookup; },
              "one hash lookup and the rr scheduler"),
          time_param(
              "cluster.proxy.ipvs_packet",
              [](S & s) -> auto& { return s.cluster.proxy.config.costs.ipvs_packet; },
              "IPVS on every packet of a connection it translated, both ways: its own connection "
              "table beside conntrack (kube-proxy keeps net.ipv4.vs.conntrack=1) and the NAT "
              "transmit through kube-ipvs0. Cilium 1.8 forwarding chart: 2.7 µs·core per packet "
              "under IPVS against 2.3 under iptables (calibration.md); the first packet also walks "
              "4 ipset-matching nat rules at `iptables_rule`"),
          time_param(
              "cluster.proxy.ebpf_lookup",
              [](S & s) -> auto& { return s.cluster.proxy.config.costs.ebpf_lookup; },
              "one BPF map lookup (Cilium kube-proxy replacement)"),
          Parameter{
              "cluster.proxy.ipvs_scheduler", "ipvs_scheduler",
              proxy::to_string(defaults().cluster.proxy.config.ipvs_scheduler),
              "kube-proxy's `--ipvs-scheduler` default; kube-proxy gives every real server weight "
              "1",
              [](const YamlField& f, S& s) {
                if (auto v = f.string()) {
                  if (!proxy::parse_ipvs_scheduler(*v, s.cluster.proxy.config.ipvs_scheduler)) {
                    f.error("expected rr, wrr, lc, wlc, sh, dh, sed, nq or mh, got '" + *v + "'");
                  }
                }
              },
              "rr, wrr, lc, wlc, sh, dh, sed, nq or mh"},
          integer_param(
              "cluster.proxy.ipvs_conn_reuse_mode",
              [](S & s) -> auto& { return s.cluster.proxy.config.ipvs_table.conn_reuse_mode; }, 0,
              1,
              "net.ipv4.vs.conn_reuse_mode, by `cluster.kernel` when not given: the kernel's 1, "
              "which kube-proxy leaves on kernels "
              "from 5.9 (there a closing connection's tuple is scheduled afresh, without the "
              "dropped SYN of older kernels); kube-proxy set 0 before, and then a new connection "
              "on a tuple IPVS still tracks goes where the old one went, to a deleted pod after "
              "a rolling update (kubernetes#81775, #93297)"),
          time_param(
              "cluster.proxy.ipvs_tcp_timeout",
              [](S & s) -> auto& { return s.cluster.proxy.config.ipvs_table.tcp; },
              "IPVS's established-connection timeout (kernel default; kube-proxy "
              "`--ipvs-tcp-timeout` 0 keeps it)"),
          time_param(
              "cluster.proxy.ipvs_tcpfin_timeout",
              [](S & s) -> auto& { return s.cluster.proxy.config.ipvs_table.tcp_fin; },
              "IPVS's FIN_WAIT and TIME_WAIT timeout (kernel default, `ip_vs_proto_tcp.c`)"),
          time_param(
              "cluster.proxy.ipvs_udp_timeout",
              [](S & s) -> auto& { return s.cluster.proxy.config.ipvs_table.udp; },
              "IPVS's UDP timeout (kernel default)"),
          choice_param(
              "cluster.proxy.ebpf_lb",
              [](S & s) -> auto& { return s.cluster.proxy.config.ebpf_maglev; },
              std::vector<std::pair<std::string_view, bool>>{{"random", false}, {"maglev", true}},
              "Cilium's `loadBalancer.algorithm` default"),
          bool_param(
              "cluster.proxy.ebpf_dsr",
              [](S & s) -> auto& { return s.cluster.proxy.config.ebpf_dsr; },
              "Cilium's `loadBalancer.mode` default is SNAT"),
          bool_param(
              "cluster.proxy.ebpf_xdp",
              [](S & s) -> auto& { return s.cluster.proxy.config.ebpf_xdp; },
              "Cilium's `loadBalancer.acceleration` (disabled by default): NodePort and "
              "LoadBalancer traffic balanced in the NIC driver's XDP hook, past the host stack "
              "(`cluster.host.xdp_driver`, `xdp_tx`)"),
          bool_param(
              "cluster.proxy.ebpf_host_routing",
              [](S & s) -> auto& { return s.cluster.proxy.config.ebpf_host_routing; },
              "Cilium's `bpf.hostLegacyRouting: false`, by `cluster.kernel` when not given: BPF "
              "host routing is the default from kernel 5.10 "
              "(Cilium tuning guide); off is the legacy host routing of the Cilium 2021 benchmark"),
          integer_param(
              "cluster.proxy.maglev_table_size",
              [](S & s) -> auto& { return s.cluster.proxy.config.maglev_table_size; }, 3, 1'000'003,
              "Cilium's default (a prime >= 100 x backends for <= 1% reshuffle)"),
          integer_param(
              "cluster.proxy.filler_services",
              [](S & s) -> auto& { return s.cluster.proxy.filler_services; }, 0, 1'000'000,
              "synthetic Services that only load the tables"),
          integer_param(
              "cluster.proxy.endpoints_per_service",
              [](S & s) -> auto& { return s.cluster.proxy.endpoints_per_service; }, 1, 10'000,
              "endpoints of each filler Service; filler_services x endpoints_per_service at most "
              "10,000,000"),
          Parameter{
              "cluster.proxy.measured_position", "measured_position", "map_order",
              "kube-proxy writes KUBE-SERVICES ranging over a Go map (`syncProxyRules` in "
              "`pkg/proxy/iptables/proxier.go`), whose iteration starts at a random place on every "
              "sync: map_order puts the scenario's own Services anywhere among the fillers, anew "
              "with each sync of each node. first, last, random (one place, drawn once) or a "
              "number (0-based, the first of them there) hold them in one place",
              [](const YamlField& f, S& s) {
                ProxySpec& px = s.cluster.proxy;
                const auto v = f.string();
                if (!v) return;
                static const std::pair<std::string_view, ProxySpec::Position> kWords[] = {
                    {"map_order", ProxySpec::Position::map_order},
                    {"first", ProxySpec::Position::first},
                    {"last", ProxySpec::Position::last},
                    {"random", ProxySpec::Position::random}};
                for (const auto& [word, position] : kWords) {
                  if (*v == word) {
                    px.measured_position = position;
                    return;
                  }
                }
                if (!v->empty() && v->find_first_not_of("0123456789") == std::string::npos &&
                    v->size() <= 9) {
                  px.measured_position = ProxySpec::Position::at;
                  px.position_at = static_cast<std::uint32_t>(std::stoul(*v));
                  return;
                }
                f.error("expected map_order, first, last, random or a position (0 or more), got '" +
                        *v + "'");
              },
              "map_order, first, last, random or an integer 0 or more"},
      },
      ""});

  out.push_back(ParameterSection{
      "Rule programming (`proxy::ProxySync`, `proxy::SyncCosts`, scenario `cluster.proxy.sync`)",
      "Each node's proxy puts endpoint changes in place in syncs: two may run back\n"
      "to back, then one per `min_sync_period` (a token bucket, as kube-proxy's\n"
      "runner), a full one when none has run for the release's interval (below),\n"
      "each taking the time below on one\n"
      "of the node's cores. Every cluster run has them, with churn or without.",
      {
          optional_time_param(
              "cluster.proxy.sync.min_sync_period",
              [](S & s) -> auto& { return s.cluster.proxy.min_sync_period; }, "1s (eBPF: 0)",
              "kube-proxy `minSyncPeriod` default (`pkg/proxy/apis/config/v1alpha1/defaults.go`); "
              "Cilium applies each update as it comes"),
          optional_time_param(
              "cluster.proxy.sync.sync_period",
              [](S & s) -> auto& { return s.cluster.proxy.sync_period; },
              "30s; full resyncs: iptables 1h from 1.17, IPVS every sync_period (1h in 1.34), "
              "nftables 1h, eBPF none",
              "kube-proxy `syncPeriod` default (`pkg/proxy/apis/config/v1alpha1/defaults.go`). It "
              "paces full resyncs only in IPVS mode and in iptables mode up to 1.16; from 1.17 "
              "(kubernetes#81517) iptables mode restores in full once an hour (the sync runner's "
              "maximum interval, `time.Hour` in `pkg/proxy/iptables/proxier.go`) and uses "
              "syncPeriod only to check for a deleted canary chain; nftables mode likewise; 1.34 "
              "gave IPVS the hour too, reverted by kubernetes#135631"),
          integer_param(
              "cluster.proxy.sync.burst_syncs",
              [](S & s) -> auto& { return s.cluster.proxy.burst_syncs; }, 1, 100,
              "kube-proxy's BoundedFrequencyRunner: a token bucket of 2 syncs, one earned back per "
              "`min_sync_period` (`pkg/proxy/iptables/proxier.go`, `burstSyncs`)"),
          Parameter{"cluster.proxy.sync.iptables_partial", "iptables_partial",
                    "the release's (from 1.27: true)",
                    "partial restores (`MinimizeIPTablesRestore`: alpha in 1.26, on by default "
                    "from 1.27, GA in 1.28; KEP-3453); a release before 1.26 has none",
                    [](const YamlField& f, S& s) {
                      if (auto v = boolean(f)) s.cluster.proxy.iptables_partial = *v;
                    },
                    "true or false"},
          time_param(
              "cluster.proxy.sync.iptables_restore_base",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.iptables_restore_base; },
              "per sync. EKS 2026: ≈130–170 ms per sync for 99–10,059 NAT rules (devfloor9, "
              "calibration.md)"),
          time_param(
              "cluster.proxy.sync.iptables_per_rule",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.iptables_per_rule; },
              "per line written: the same measurement's slope (10,059 lines: 170 ms). The 2019 "
              "replication "
              "of the Huawei test (full restores, one endpoint per Service; 1.3 s at 1,000 "
              "Services, 9.5 s at "
              "10,000, 20 s at 20,000; flftuu 2019, calibration.md) comes out with "
              "`iptables_partial: false`, "
              "`iptables_restore_base: 77ms` (its 1-Service figure) and `iptables_per_rule: "
              "140us`: 1.06 s, "
              "9.9 s and 19.7 s (7 lines per Service)"),
          integer_param(
              "cluster.proxy.sync.rules_per_service",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.rules_per_service; }, 1, 100,
              "lines: the KUBE-SERVICES rule, the KUBE-SVC chain, its masquerade rule "
              "(kube-proxy's chain "
              "layout)"),
          integer_param(
              "cluster.proxy.sync.rules_per_endpoint",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.rules_per_endpoint; }, 1, 100,
              "lines: the probability rule in KUBE-SVC, the KUBE-SEP chain, its masquerade and "
              "DNAT rules"),
          time_param(
              "cluster.proxy.sync.ipvs_sync_base",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.ipvs_sync_base; },
              "per sync: IPVS mode's own iptables-restore and ipset work; order of magnitude"),
          time_param(
              "cluster.proxy.sync.ipvs_per_change",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.ipvs_per_change; },
              "per virtual or real server changed: 0.8–1.5 ms per IPVS rule added, flat from 1 to "
              "20,000 "
              "Services (flftuu 2019, calibration.md)"),
          time_param(
              "cluster.proxy.sync.ipvs_per_check",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.ipvs_per_check; },
              "per existing server read back in a full resync: a netlink dump entry; order of "
              "magnitude"),
          time_param(
              "cluster.proxy.sync.nftables_base",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.nftables_base; },
              "per transaction: one `nft` transaction; order of magnitude"),
          time_param(
              "cluster.proxy.sync.nftables_per_element",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.nftables_per_element; },
              "per map element or chain changed; order of magnitude; nftables updates are "
              "O(changes) "
              "(kubernetes.io blog, 2025)"),
          time_param(
              "cluster.proxy.sync.ebpf_base",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.ebpf_base; },
              "per update: the agent handling one Service update; order of magnitude"),
          time_param(
              "cluster.proxy.sync.ebpf_per_update",
              [](S & s) -> auto& { return s.cluster.proxy.sync_costs.ebpf_per_update; },
              "per BPF map element written; order of magnitude"),
      },
      "What a sync writes: a full iptables restore writes every line (Service ports\n"
      "× `rules_per_service` + endpoints × `rules_per_endpoint`); a partial one\n"
      "writes KUBE-SERVICES in full (one line per Service port) plus each changed\n"
      "Service's chain with all its endpoints. IPVS, nftables and eBPF write the\n"
      "changed Services and the endpoints added, removed or changed; a full IPVS\n"
      "resync reads every server back and changes only what differs, full nftables\n"
      "and eBPF resyncs write every element. Each sync's counters\n"
      "(`proxy::SyncCounters`) tell full from partial syncs and count what was\n"
      "written: iptables-restore lines, IPVS servers, nftables elements or BPF map\n"
      "entries. When a sync lands, the node deletes the UDP conntrack entries that a\n"
      "changed Service steered to an endpoint it no longer has or that no longer\n"
      "serves (kube-proxy's cleanup); TCP entries stay, and their flows end by reset\n"
      "or timeout. The network programming latency of a change is\n"
      "from the pod change to the end of the sync that put it in place."});
}

}  // namespace podwire::scenario::param
