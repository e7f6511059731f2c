// The parameter table's rows for links, the fabric, TCP, address management and cluster DNS.
#include "models/net/tcp_config.hpp"
#include "models/scenario/parameter_kinds.hpp"

namespace podwire::scenario::param {

void add_cluster_sections(std::vector<ParameterSection>& out) {
  const net::TcpConfig tcp;

  out.push_back(ParameterSection{
      "Links and switches (`net::LinkConfig`, `net::Switch`)",
      "",
      {
          constant("`LinkConfig::rate`", "10 Gbit/s", "a common server NIC; set per topology"),
          constant("`LinkConfig::propagation`", "1us", "about 200 m of fibre; workload R1"),
          constant("`LinkConfig::queue_packets`", "1000 packets waiting",
                   "Linux `txqueuelen` default (1000)"),
          constant("`LinkConfig::queue_bytes`", "off", ""),
          constant("`LinkConfig::ecn_threshold_bytes`", "off", "set for DCTCP-style marking"),
          constant("switch forwarding latency", "0s", "store-and-forward only; set per topology"),
          constant("NIC RSS queues", "1 queue", "set per node; Linux uses one per core"),
      },
      ""});

  out.push_back(ParameterSection{
      "The cluster's fabric (scenario `cluster.topology`)",
      "",
      {
          choice_param(
              "cluster.topology.kind", [](S & s) -> auto& { return s.cluster.topology.kind; },
              std::vector<std::pair<std::string_view, TopologySpec::Kind>>{
                  {"star", TopologySpec::Kind::star},
                  {"leaf_spine", TopologySpec::Kind::leaf_spine}},
              "one switch for a small cluster; `leaf_spine` racks nodes under leaves, every leaf "
              "to every spine"),
          time_param(
              "cluster.topology.link_delay",
              [](S & s) -> auto& { return s.cluster.topology.link_delay; },
              "propagation per link: about 200 m of fibre"),
          integer_param(
              "cluster.topology.queue_packets",
              [](S & s) -> auto& { return s.cluster.topology.queue_packets; }, 1, 1'000'000,
              "Linux `txqueuelen` default (1000) on every egress port"),
          time_param(
              "cluster.topology.switch_latency",
              [](S & s) -> auto& { return s.cluster.topology.switch_latency; },
              "store-and-forward only; a cut-through ASIC adds about 0.5-1 us"),
          integer_param(
              "cluster.topology.nodes_per_rack",
              [](S & s) -> auto& { return s.cluster.topology.nodes_per_rack; }, 1, 10000,
              "nodes under one leaf (leaf_spine)"),
          integer_param(
              "cluster.topology.spines", [](S & s) -> auto& { return s.cluster.topology.spines; },
              1, 1024, "spine switches (leaf_spine), ECMP over them by flow hash"),
          bit_rate_param(
              "cluster.topology.uplink", [](S & s) -> auto& { return s.cluster.topology.uplink; },
              "leaf-to-spine links"),
      },
      ""});

  out.push_back(ParameterSection{
      "TCP (`net::TcpConfig`, `models/net/tcp_config.hpp`)",
      "",
      {
          constant("`mtu`", std::to_string(tcp.mtu) + " bytes",
                   "Ethernet; MSS = MTU − 20 (IPv4) − 20 (TCP) − 12 (timestamps) = 1448"),
          constant("`initial_rto`", show(tcp.initial_rto),
                   "RFC 6298 (2.1); Linux `TCP_TIMEOUT_INIT`"),
          constant("`min_rto`", show(tcp.min_rto), "Linux `TCP_RTO_MIN`"),
          constant("`max_rto`", show(tcp.max_rto), "Linux `TCP_RTO_MAX`"),
          constant("`syn_retries`", std::to_string(tcp.syn_retries) + " tries",
                   "Linux `net.ipv4.tcp_syn_retries` (gives up after 127 s)"),
          constant("`synack_retries`", std::to_string(tcp.synack_retries) + " tries",
                   "Linux `net.ipv4.tcp_synack_retries`"),
          constant("`retries2`", std::to_string(tcp.retries2) + " tries",
                   "Linux `net.ipv4.tcp_retries2`"),
          constant("`dupack_threshold`", std::to_string(tcp.dupack_threshold) + " ACKs",
                   "RFC 5681 (3.2) fast retransmit"),
          constant("`initial_cwnd_segments`",
                   std::to_string(tcp.initial_cwnd_segments) + " segments",
                   "RFC 6928; Linux `TCP_INIT_CWND`"),
          constant("`receive_buffer`", "6 MiB", "Linux `tcp_rmem` maximum (autotuning ceiling)"),
          constant("`delayed_ack` / `ack_delay`",
                   std::string(tcp.delayed_ack ? "on" : "off") + " / " + show(tcp.ack_delay),
                   "Linux delays ACKs by default, at most `TCP_ATO_MIN` (`__tcp_ack_snd_check`)"),
          constant("`quickacks`", std::to_string(tcp.quickacks) + " ACKs",
                   "Linux `TCP_MAX_QUICKACKS`: ACKs sent at once after a connection's first data "
                   "(`tcp_incr_quickack`)"),
          constant("`pingpong_threshold`", std::to_string(tcp.pingpong_threshold) + " answers",
                   "Linux `TCP_PINGPONG_THRESH` (5.1 on): answers within `ack_delay` after which "
                   "ACKs ride the answers"),
          constant("`time_wait`", show(tcp.time_wait),
                   "how long a connection that closed first answers late segments; Linux 60 s "
                   "(`TCP_TIMEWAIT_LEN`); 0 lets the connection go at once (its port stays taken "
                   "for `time_wait_ports`)"),
          constant("`time_wait_ports`", show(tcp.time_wait_ports),
                   "Linux `TCP_TIMEWAIT_LEN`: a connection that closed first keeps its 4-tuple "
                   "from connect() this long, so one local address has "
                   "`ephemeral_last - ephemeral_first + 1` ports per destination address and "
                   "port (`__inet_hash_connect`), about 470 new connections/s, and connect() "
                   "fails with EADDRNOTAVAIL beyond (status `addr_unavailable`); `tcp_tw_reuse=2` "
                   "reuses them after 1 s toward 127.0.0.0/8 only"),
          constant("`local_queue_limit`", "1 MiB",
                   "Linux TCP Small Queues, `tcp_limit_output_bytes`"),
          constant(
              "`ephemeral_first` .. `ephemeral_last`",
              std::to_string(tcp.ephemeral_first) + " .. " + std::to_string(tcp.ephemeral_last),
              "Linux `net.ipv4.ip_local_port_range`"),
          constant("`congestion`", "NewReno", "RFC 6582"),
          constant("`ecn`", tcp.ecn ? "on" : "off", "Linux `tcp_ecn=2` does not ask for ECN"),
      },
      ""});

  out.push_back(ParameterSection{
      "Kubernetes address management (`models/kube/`, scenario `cluster`)",
      "",
      {
          cidr_param(
              "cluster.pod_cidr", [](S & s) -> auto& { return s.cluster.pod_cidr; },
              "kube-controller-manager `--cluster-cidr` as kubeadm's flannel guide sets it"),
          Parameter{"cluster.node_cidr_mask", "node_cidr_mask",
                    std::to_string(defaults().cluster.node_cidr_mask),
                    "kube-controller-manager `--node-cidr-mask-size` (IPv4 default 24)",
                    [](const YamlField& f, S& s) {
                      // Read after pod_cidr: a node's block lies inside it.
                      if (auto v = f.integer(s.cluster.pod_cidr.prefix_length(), 30)) {
                        s.cluster.node_cidr_mask = static_cast<int>(*v);
                      }
                    },
                    "integer, at least pod_cidr's prefix length, at most 30"},
          cidr_param(
              "cluster.service_cidr", [](S & s) -> auto& { return s.cluster.service_cidr; },
              "kube-apiserver `--service-cluster-ip-range` (kubeadm default)"),
          cidr_param(
              "cluster.node_network", [](S & s) -> auto& { return s.cluster.node_network; },
              "the nodes' own addresses"),
          cidr_param(
              "cluster.load_balancer_pool",
              [](S & s) -> auto& { return s.cluster.load_balancer_pool; },
              "addresses the cloud load balancer hands out (RFC 2544 benchmarking range)"),
          Parameter{"cluster.node_port_range", "node_port_range",
                    std::to_string(defaults().cluster.node_port_first) + "-" +
                        std::to_string(defaults().cluster.node_port_last),
                    "kube-apiserver `--service-node-port-range`",
                    [](const YamlField& f, S& s) {
                      const auto v = f.string();
                      if (!v) return;
                      int a = 0, b = 0;
                      const auto dash = v->find('-');
                      const bool ok =
                          dash != std::string::npos &&
                          std::from_chars(v->data(), v->data() + dash, a).ec == std::errc() &&
                          std::from_chars(v->data() + dash + 1, v->data() + v->size(), b).ec ==
                              std::errc() &&
                          a >= 1 && a <= b && b <= 65535;
                      if (!ok)
                        f.error("expected FIRST-LAST within 1-65535, got '" + *v + "'");
                      else
                        s.cluster.node_port_first = a, s.cluster.node_port_last = b;
                    },
                    "FIRST-LAST"},
          constant("pod IP allocation",
                   "next free after the last allocated, wrapping; .0 network, .1 gateway",
                   "CNI host-local IPAM plugin"),
          constant("ClusterIP / NodePort allocation",
                   "random in the upper band, lower band min(max(16, size/16), 256) kept for "
                   "explicit requests",
                   "kube-apiserver, KEP-3070 / KEP-3668"),
          constant("resolver search path",
                   "`<ns>.svc.<domain> svc.<domain> <domain>` + node domains, at most 6",
                   "kubelet `pkg/kubelet/network/dns/dns.go`"),
          constant("resolver timeout / attempts", "5s / 2", "glibc `resolv.h`"),
          constant("resolver source port",
                   "a new socket per name tried (its retries reuse it), on a port drawn at "
                   "random from 32768 .. 60999, skipping ports in use",
                   "glibc `res_send` closes its socket after each name; Linux `udp_lib_get_port` "
                   "picks an unbound socket's port at random in `ip_local_port_range`"),
      },
      ""});

  out.push_back(ParameterSection{
      "Cluster DNS (scenario `cluster.dns`)",
      "",
      {
          text_param(
              "cluster.dns.domain", [](S & s) -> auto& { return s.cluster.dns.domain; },
              "kubelet `--cluster-domain` default"),
          integer_param(
              "cluster.dns.replicas", [](S & s) -> auto& { return s.cluster.dns.replicas; }, 1,
              1000,
              "CoreDNS pods when the manifests bring no kube-dns Service: kubeadm's CoreDNS "
              "Deployment has 2"),
          time_param(
              "cluster.dns.cpu_per_query",
              [](S & s) -> auto& { return s.cluster.dns.cpu_per_query; },
              "CoreDNS with default settings under dnsperf: 2 vCPUs pegged at 33,669 queries/s "
              "(calibration.md, DNS)"),
          time_param(
              "cluster.dns.upstream_latency",
              [](S & s) -> auto& { return s.cluster.dns.upstream_latency; },
              "answer time of the resolver outside the cluster, for names CoreDNS forwards; order "
              "of magnitude"),
          integer_param(
              "cluster.dns.ndots", [](S & s) -> auto& { return s.cluster.dns.ndots; }, 0, 15,
              "kubelet writes `options ndots:5` into every pod's resolv.conf"),
          bool_param(
              "cluster.dns.client_cache", [](S & s) -> auto& { return s.cluster.dns.client_cache; },
              "glibc's getaddrinfo() and Go's resolver keep no answers (Go's net package has no "
              "cache); `true` keeps each answer for its TTL (5 s from CoreDNS's kubernetes "
              "plugin), as a caching stub such as nscd does"),
      },
      ""});
}

}  // namespace podwire::scenario::param
