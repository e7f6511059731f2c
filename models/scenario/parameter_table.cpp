#include "models/scenario/parameter_table.hpp"

#include <charconv>
#include <sstream>

#include "models/app/program.hpp"
#include "models/net/tcp_config.hpp"
#include "models/node/cni.hpp"
#include "models/proxy/proxy_factory.hpp"
#include "models/scenario/field_reads.hpp"

namespace podwire::scenario {

namespace {

using engine::Time;
using S = ClusterScenario;

// The scenario every default is read from: nothing ever writes to it.
S& defaults() {
  static S s;
  return s;
}

std::string last_part(const std::string& path) { return path.substr(path.rfind('.') + 1); }

std::string show(Time t) { return t == Time::zero() ? "0s" : t.to_string(); }

// A time that must not be negative, into a Time or an optional one.
template <class Get>
auto nonnegative_time(Get get) {
  return [get](const YamlField& f, S& s) {
    if (auto v = f.time()) {
      if (*v < Time::zero())
        f.error("must not be negative");
      else
        get(s) = *v;
    }
  };
}

template <class Get>
Parameter time_param(std::string path, Get get, std::string source) {
  return Parameter{path, last_part(path), show(get(defaults())), std::move(source),
                   nonnegative_time(get)};
}

// An optional time (nullopt: the model's own default, told in `shown`).
template <class Get>
Parameter optional_time_param(std::string path, Get get, std::string shown, std::string source) {
  return Parameter{path, last_part(path), std::move(shown), std::move(source),
                   nonnegative_time(get)};
}

template <class Get>
Parameter distribution_param(std::string path, Get get, std::string shown, std::string source) {
  Parameter p{path, last_part(path), std::move(shown), std::move(source), {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = f.time_distribution()) get(s) = *v;
  };
  return p;
}

template <class Get>
Parameter integer_param(std::string path, Get get, std::int64_t min, std::int64_t max,
                        std::string source) {
  Parameter p{path, last_part(path), std::to_string(get(defaults())), std::move(source), {}};
  p.read = [get, min, max](const YamlField& f, S& s) {
    using T = std::remove_reference_t<decltype(get(s))>;
    if (auto v = f.integer(min, max)) get(s) = static_cast<T>(*v);
  };
  return p;
}

// A real number within [min, max], shown with the unit it is in.
template <class Get>
Parameter number_param(std::string path, Get get, double min, double max, std::string unit,
                       std::string source) {
  std::ostringstream shown;
  shown << get(defaults()) << (unit.empty() ? "" : " " + unit);
  Parameter p{path, last_part(path), shown.str(), std::move(source), {}};
  p.read = [get, min, max](const YamlField& f, S& s) {
    if (auto v = f.number(min, max)) get(s) = *v;
  };
  return p;
}

template <class Get>
Parameter bool_param(std::string path, Get get, std::string source) {
  Parameter p{path, last_part(path), get(defaults()) ? "true" : "false", std::move(source), {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = boolean(f)) get(s) = *v;
  };
  return p;
}

template <class Get>
Parameter bit_rate_param(std::string path, Get get, std::string source) {
  Parameter p{path, last_part(path), get(defaults()).to_string(), std::move(source), {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = f.bit_rate()) {
      if (v->bps() <= 0)
        f.error("must be positive");
      else
        get(s) = *v;
    }
  };
  return p;
}

template <class Get>
Parameter cidr_param(std::string path, Get get, std::string source) {
  Parameter p{path, last_part(path), get(defaults()).to_string(), std::move(source), {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = cidr(f)) get(s) = *v;
  };
  return p;
}

template <class Get>
Parameter text_param(std::string path, Get get, std::string source) {
  Parameter p{path, last_part(path), get(defaults()), std::move(source), {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = f.string()) get(s) = *v;
  };
  return p;
}

// One of a list of names.
template <class Get, class Names>
Parameter name_param(std::string path, Get get, Names names, std::string source) {
  Parameter p{path, last_part(path), std::string(get(defaults())), std::move(source), {}};
  p.read = [get, names](const YamlField& f, S& s) {
    const auto v = f.string();
    if (!v) return;
    const std::vector<std::string_view>& known = names();
    if (std::find(known.begin(), known.end(), *v) != known.end())
      get(s) = *v;
    else
      f.error("expected " + one_of(known) + ", got '" + *v + "'");
  };
  return p;
}

// One of a fixed set of words, each with the value it sets.
template <class Get, class Value>
Parameter choice_param(std::string path, Get get,
                       std::vector<std::pair<std::string_view, Value>> choices,
                       std::string source) {
  std::string shown;
  for (const auto& [word, value] : choices) {
    if (value == get(defaults())) shown = std::string(word);
  }
  Parameter p{path, last_part(path), shown, std::move(source), {}};
  p.read = [get, choices](const YamlField& f, S& s) {
    const auto v = f.string();
    if (!v) return;
    std::vector<std::string_view> words;
    for (const auto& [word, value] : choices) {
      words.push_back(word);
      if (word == *v) {
        get(s) = value;
        return;
      }
    }
    f.error("expected " + one_of(words) + ", got '" + *v + "'");
  };
  return p;
}

// A constant of the models that no scenario sets.
Parameter constant(std::string name, std::string shown, std::string source) {
  return Parameter{"", std::move(name), std::move(shown), std::move(source), {}};
}

std::vector<ParameterSection> make_sections() {
  std::vector<ParameterSection> out;
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
                    }},
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
                    }},
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
              "glibc has no cache; Go and Java clients cache"),
      },
      ""});

  out.push_back(ParameterSection{
      "Host stack (`node::HostStackCosts`, scenario `cluster.host`)",
      "What a node's kernel spends on its sockets around the datapath stages: the NIC\n"
      "driver, TCP/UDP input and output, copies, system calls and wake-ups, and a\n"
      "connection's set-up and teardown. CPU time on the reference machine (the Cilium\n"
      "2021 benchmark's Ryzen 9 3950X, Linux 5.10); a node group's `cpu`/`cpu_speed`\n"
      "scales them. A local socket's packet is charged on its sending thread's core\n"
      "(system time, and softirq for the veth's backlog), a packet from the NIC on\n"
      "its RSS queue's core (softirq). Sources: `host-stack-costs.md` sections 1, 2\n"
      "and 7; Cai et al. (SIGCOMM 2021) give the per-packet split; `tests/models/node/\n"
      "host_stack_test.cpp` checks the result against the Cilium 2021 netperf table.",
      {
          time_param(
              "cluster.host.nic_latency", [](S & s) -> auto& { return s.cluster.host.nic_latency; },
              "not CPU: DMA, adaptive interrupt moderation (~3.5 µs per direction, ixgbe, LKML "
              "2013) and "
              "interrupt delivery, one way; the residual of TCP_RR node to node "
              "(host-stack-costs.md 7.3)"),
          time_param(
              "cluster.host.rx_driver", [](S & s) -> auto& { return s.cluster.host.rx_driver; },
              "IRQ, NAPI, skb, GRO, IP receive: Cai 2021 receiver without offloads, 2.39 µs per "
              "packet, "
              "netdev+skb+mm+lock shares"),
          time_param(
              "cluster.host.rx_gro_segment",
              [](S & s) -> auto& { return s.cluster.host.rx_gro_segment; },
              "a bulk segment that GRO merges; an estimate, not derived: Cai 2021 with TSO/GRO "
              "gives 0.76 µs per 1448-B segment, of which 0.23 is the copy and about 0.40 the "
              "softirq side (netdev, skb, tcp/ip) on an older machine"),
          time_param(
              "cluster.host.rx_transport",
              [](S & s) -> auto& { return s.cluster.host.rx_transport; },
              "TCP/UDP input, socket enqueue: Cai 2021 tcp/ip share (1.31 µs) less the conntrack "
              "and routing "
              "stages charged apart"),
          time_param(
              "cluster.host.tx_transport",
              [](S & s) -> auto& { return s.cluster.host.tx_transport; },
              "TCP/UDP and IP output of a write: Cai 2021 sender without TSO, 1.31 µs per packet, "
              "tcp/ip "
              "share less the stages charged apart"),
          time_param(
              "cluster.host.tx_tso_segment",
              [](S & s) -> auto& { return s.cluster.host.tx_tso_segment; },
              "each further wire segment of a TSO write; an estimate, not derived: Cai 2021 with "
              "TSO/GRO gives 0.35 µs per 1448-B segment including a 0.07 µs copy, on an older "
              "machine"),
          time_param(
              "cluster.host.tx_driver", [](S & s) -> auto& { return s.cluster.host.tx_driver; },
              "qdisc, driver transmit, completion: Cai 2021 sender netdev share"),
          time_param(
              "cluster.host.ip_forward", [](S & s) -> auto& { return s.cluster.host.ip_forward; },
              "a packet routed through the host namespace: Cilium 1.8's iptables forwarding, 2.3 "
              "µs·core per "
              "packet at 1 Mpps (calibration.md), less the driver, conntrack and routing stages"),
          number_param(
              "cluster.host.rx_copy_ns_per_byte",
              [](S & s) -> auto& { return s.cluster.host.rx_copy_ns_per_byte; }, 0.0, 100.0, "ns/B",
              "copy to user space: Cai 2021, copy share of 0.19 ns/B with all offloads"),
          number_param(
              "cluster.host.tx_copy_ns_per_byte",
              [](S & s) -> auto& { return s.cluster.host.tx_copy_ns_per_byte; }, 0.0, 100.0, "ns/B",
              "copy from user space: Cai 2021 sender copy share"),
          time_param(
              "cluster.host.syscall", [](S & s) -> auto& { return s.cluster.host.syscall; },
              "entry and exit of send/recv/epoll_wait: below Gregg's ~0.4 µs with KPTI (2018); no "
              "primary "
              "per-call measurement found"),
          time_param(
              "cluster.host.wakeup", [](S & s) -> auto& { return s.cluster.host.wakeup; },
              "waking the blocked reader: busy polling removed ~6.4 µs per side of IRQ and wake-up "
              "path "
              "(LKML 2013); the rest of the TCP_RR CPU budget (host-stack-costs.md 7.1)"),
          time_param(
              "cluster.host.connect", [](S & s) -> auto& { return s.cluster.host.connect; },
              "socket(), ephemeral port search, route, SYN: the TCP_CRR residual "
              "(host-stack-costs.md 7.3)"),
          time_param(
              "cluster.host.syn_receive", [](S & s) -> auto& { return s.cluster.host.syn_receive; },
              "listener lookup, request socket, SYN-ACK built: host-stack-costs.md 7.1"),
          time_param(
              "cluster.host.child_socket",
              [](S & s) -> auto& { return s.cluster.host.child_socket; },
              "the child socket made on the handshake's ACK (softirq): host-stack-costs.md 7.1"),
          time_param(
              "cluster.host.accept", [](S & s) -> auto& { return s.cluster.host.accept; },
              "accept(), new fd, epoll registration, on the accepting thread: NGINX 2017 CPS (29.1 "
              "µs) less RPS "
              "(6.9 µs) per core, less close and softirq shares"),
          time_param(
              "cluster.host.close", [](S & s) -> auto& { return s.cluster.host.close; },
              "close(): FIN, socket and file teardown, TIME_WAIT. host-stack-costs.md 7.1 suggests "
              "6 µs, the "
              "residual of its TCP_CRR composition; NGINX 2017's 34,344 conn/s per worker and "
              "netperf "
              "TCP_CRR node to node (Cilium 2021) each leave about 5 µs more per connection, and "
              "only close() "
              "is on both paths, so 11 µs; Fastsocket's ~42 µs per connection on one core agrees"),
          constant("node group `cpu`", "ryzen-9-3950x (speed 1)",
                   "named CPU models (`node::cpu_models()`): xeon-e5-2699-v3 is 1/1.4 (2013-2017 "
                   "Xeons run the same "
                   "kernel path 1.3-1.6 times slower, host-stack-costs.md 7); `cpu_speed: X` gives "
                   "any other"),
      },
      ""});

  {
    // The named programs a server (`apps.<workload>.program`) or a traffic
    // entry (`client:`) runs; their own costs can be given beside the name.
    std::vector<Parameter> programs;
    for (const app::ProgramProfile& p : app::program_profiles()) {
      const std::string threads = p.threads == 0 ? "one per core" : std::to_string(p.threads);
      programs.push_back(constant("`" + p.name + "`",
                                  threads + " thread(s), " + show(p.per_request) +
                                      " per request, " +
                                      (p.keep_alive ? "keep-alive" : "a connection per request") +
                                      (p.event_loop ? ", epoll" : ", blocking recv()"),
                                  p.source));
    }
    out.push_back(ParameterSection{
        "Programs (`app::program_profiles()`, scenario `apps.<workload>.program`, traffic "
        "`client:`)",
        "User-space CPU of the programs that serve and send requests, beside the kernel's work\n"
        "above. A program's threads bound how much of its node's cores it uses at once: work\n"
        "that finds them all busy waits. Servers run `nginx` unless told, traffic entries\n"
        "`fortio`; `cpu_per_request:` and `threads:` override a program's figures.",
        std::move(programs), ""});
  }

  out.push_back(ParameterSection{
      "Node datapath (`node::DatapathCosts`, `node::CniCosts`, scenario `cluster.datapath`)",
      "The time a packet's kernel work takes at each netfilter and CNI stage it\n"
      "passes on a node, beside the host stack above. Together with the host stack\n"
      "they give node-to-node TCP_RR at 47,750/s and pod-to-pod through kube-proxy's\n"
      "iptables at 37,950/s, against the 47,800 and 35,900 of the Cilium 2021 CNI\n"
      "benchmark (calibration.md). Each can be set in the scenario\n"
      "(`cluster.datapath.veth: 1us`, ...).",
      {
          name_param(
              "cluster.cni", [](S & s) -> auto& { return s.cluster.cni; },
              [] { return node::cni_names(); },
              "VXLAN overlay (flannel's and Calico's default backend); `native` routes pod "
              "addresses"),
          time_param(
              "cluster.datapath.veth", [](S & s) -> auto& { return s.cluster.datapath.veth; },
              "one veth traversal (veth_xmit, netif_rx, the backlog softirq); with `ip_forward` "
              "the pod path's extra cost "
              "over a node socket's, about 1.3 µs per packet per node in Cilium 2021 "
              "(host-stack-costs.md 7.1)"),
          time_param(
              "cluster.datapath.bridge", [](S & s) -> auto& { return s.cluster.datapath.bridge; },
              "bridge forwarding or FIB lookup, in the IP layer's share of Cai 2021's per-packet "
              "cost"),
          time_param(
              "cluster.datapath.conntrack_lookup",
              [](S & s) -> auto& { return s.cluster.datapath.conntrack_lookup; },
              "conntrack hash hit (`nf_conntrack_in`), in the IP layer's share of Cai 2021's "
              "per-packet cost"),
          time_param(
              "cluster.datapath.conntrack_insert",
              [](S & s) -> auto& { return s.cluster.datapath.conntrack_insert; },
              "miss: allocate, NAT setup, confirm; paid once per connection per node"),
          time_param(
              "cluster.datapath.nat", [](S & s) -> auto& { return s.cluster.datapath.nat; },
              "address/port rewrite and checksum update"),
          time_param(
              "cluster.datapath.service_lookup",
              [](S & s) -> auto& { return s.cluster.proxy.config.costs.service_lookup; },
              "finding the Service and its endpoint, in every mode (a hash; per-mode costs below)"),
          time_param(
              "cluster.datapath.policy", [](S & s) -> auto& { return s.cluster.datapath.policy; },
              "one NetworkPolicy verdict on a new connection"),
          time_param(
              "cluster.datapath.vxlan_encap",
              [](S & s) -> auto& { return s.cluster.cni_costs.encap; },
              "VXLAN adds 50 bytes and a second pass through the UDP/IP stack; InfraBuilder 2020 "
              "measured "
              "overlay and native close in throughput, so the cost is per packet, not per byte"),
          time_param(
              "cluster.datapath.vxlan_decap",
              [](S & s) -> auto& { return s.cluster.cni_costs.decap; }, "as `vxlan_encap`"),
          constant("`ProxyModeCosts::ebpf_redirect`", show(proxy::ProxyModeCosts{}.ebpf_redirect),
                   "eBPF host routing: bpf_redirect_peer into a local pod instead of bridge and "
                   "veth; chosen with "
                   "the two below so that pod-to-pod under eBPF sits just below node-to-node, as "
                   "in Cilium 2021 "
                   "(TCP_RR 45,100 vs 47,800)"),
          constant("`ProxyModeCosts::ebpf_ct_lookup`, `ebpf_ct_insert`",
                   show(proxy::ProxyModeCosts{}.ebpf_ct_lookup) + ", " +
                       show(proxy::ProxyModeCosts{}.ebpf_ct_insert),
                   "Cilium's BPF conntrack map instead of netfilter's"),
          constant("VXLAN overhead", "50 bytes",
                   "outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14"),
      },
      ""});

  out.push_back(ParameterSection{
      "Conntrack (`node::Conntrack`, scenario `cluster.conntrack_max`)",
      "",
      {
          Parameter{"cluster.conntrack_max", "conntrack_max", "max(32768 × cores, 131072)",
                    "kube-proxy `pkg/proxy/conntrack/sysctls.go`",
                    [](const YamlField& f, S& s) {
                      if (auto v = f.integer(1, 1LL << 32))
                        s.cluster.conntrack_max = static_cast<std::uint64_t>(*v);
                    }},
          constant("TCP established / close_wait", "24h / 1h",
                   "kube-proxy overrides of the kernel defaults"),
          constant("TCP SYN_SENT, SYN_RECV, FIN_WAIT, TIME_WAIT, CLOSE",
                   "120s, 60s, 120s, 120s, 10s", "`net/netfilter/nf_conntrack_proto_tcp.c`"),
          constant("UDP unreplied / replied", "30s / 120s",
                   "`net/netfilter/nf_conntrack_proto_udp.c`"),
          constant("session affinity timeout", "10800s",
                   "Kubernetes Service `sessionAffinityConfig` default"),
      },
      ""});

  out.push_back(ParameterSection{
      "Port-forward (scenario `cluster.apiserver_latency`, `cluster.kubelet_latency`)",
      "",
      {
          time_param(
              "cluster.apiserver_latency",
              [](S & s) -> auto& { return s.cluster.apiserver_latency; },
              "proxying a stream through kube-apiserver (authn/authz done once per connection); "
              "order of "
              "magnitude of API server proxy overhead"),
          time_param(
              "cluster.kubelet_latency", [](S & s) -> auto& { return s.cluster.kubelet_latency; },
              "the CRI streaming server copying into the pod's namespace"),
      },
      ""});

  out.push_back(ParameterSection{
      "Service proxy modes (`proxy::ProxyConfig`, scenario `cluster.proxy`)",
      "What a connection's first packet pays to find its Service and choose an\n"
      "endpoint, on top of the datapath stages; later packets ride conntrack. Each\n"
      "mode is one file of `models/proxy/`.",
      {
          name_param(
              "cluster.proxy.mode", [](S & s) -> auto& { return s.cluster.proxy.config.mode; },
              [] { return proxy::proxy_mode_names(); }, "kube-proxy's default mode"),
          time_param(
              "cluster.proxy.iptables_rule",
              [](S & s) -> auto& { return s.cluster.proxy.config.costs.iptables_rule; },
              "per rule evaluated. devfloor9 CNI comparison (EKS, kernel 6.1, 2026): connection "
              "setup 164 → "
              "190 µs from 4 to 1,000 Services, about 26 ns per extra Service; SystemTap measured "
              "91–229 "
              "cycles per rule on Linux 4.15"),
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
              }},
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
              "cluster.proxy.ebpf_host_routing",
              [](S & s) -> auto& { return s.cluster.proxy.config.ebpf_host_routing; },
              "Cilium's `bpf.hostLegacyRouting: false`: BPF host routing is the default from "
              "kernel 5.10 "
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
              "endpoints of each filler Service"),
          choice_param(
              "cluster.proxy.measured_position",
              [](S & s) -> auto& { return s.cluster.proxy.measured_position; },
              std::vector<std::pair<std::string_view, ProxySpec::Position>>{
                  {"first", ProxySpec::Position::first},
                  {"last", ProxySpec::Position::last},
                  {"random", ProxySpec::Position::random}},
              "where the scenario's own Services sit among the fillers"),
      },
      ""});

  out.push_back(ParameterSection{
      "Rule programming (`proxy::ProxySync`, `proxy::SyncCosts`, scenario `cluster.proxy.sync`)",
      "Each node's proxy puts endpoint changes in place in syncs: two may run back\n"
      "to back, then one per `min_sync_period` (a token bucket, as kube-proxy's\n"
      "runner), a full one every `sync_period`, each taking the time below on one\n"
      "of the node's cores. Every cluster run has them, with churn or without.",
      {
          optional_time_param(
              "cluster.proxy.sync.min_sync_period",
              [](S & s) -> auto& { return s.cluster.proxy.min_sync_period; }, "1s (eBPF: 0)",
              "kube-proxy `minSyncPeriod` default (`pkg/proxy/apis/config/v1alpha1/defaults.go`); "
              "Cilium applies each update as it comes"),
          optional_time_param(
              "cluster.proxy.sync.sync_period",
              [](S & s) -> auto& { return s.cluster.proxy.sync_period; }, "30s (eBPF: none)",
              "kube-proxy `syncPeriod` default. Recent kube-proxy releases use it in iptables mode "
              "only to check for a deleted canary chain, and restore in full once an hour (or when "
              "the canary is gone): `sync_period: 1h` models those"),
          integer_param(
              "cluster.proxy.sync.burst_syncs",
              [](S & s) -> auto& { return s.cluster.proxy.burst_syncs; }, 1, 100,
              "kube-proxy's BoundedFrequencyRunner: a token bucket of 2 syncs, one earned back per "
              "`min_sync_period` (`pkg/proxy/iptables/proxier.go`, `burstSyncs`)"),
          bool_param(
              "cluster.proxy.sync.iptables_partial",
              [](S & s) -> auto& { return s.cluster.proxy.iptables_partial; },
              "partial restores (`MinimizeIPTablesRestore`, on by default since Kubernetes "
              "1.27/1.28; "
              "KEP-3453)"),
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

  out.push_back(ParameterSection{
      "Lifecycles and the control plane (`churn::LifecycleConfig`, `churn::PropagationConfig`, "
      "scenario `churn`)",
      "",
      {
          constant("`terminationGracePeriodSeconds`", "30s (from the manifest)", "Pod API default"),
          constant("readiness probe `initialDelaySeconds` / `periodSeconds` / `successThreshold`",
                   "0 / 10s / 1 (from the manifest)", "Probe API defaults"),
          constant("`maxSurge` / `maxUnavailable`",
                   "25% / 25% (from the manifest; up / down rounding)",
                   "Deployment API defaults; Deployment controller `ResolveFenceposts`"),
          distribution_param(
              "churn.lifecycle.container_start",
              [](S & s) -> auto& { return s.churn.lifecycle.container_start; }, "1s",
              "order of magnitude of sandbox creation and container start with the image present "
              "(kubelet pod startup SLO: 5 s at p99 including image pulls of small images)"),
          time_param(
              "churn.lifecycle.kubelet_notice",
              [](S & s) -> auto& { return s.churn.lifecycle.kubelet_notice; },
              "the kubelet's pod watch; order of magnitude"),
          time_param(
              "churn.lifecycle.restart_backoff",
              [](S & s) -> auto& { return s.churn.lifecycle.restart_backoff_initial; },
              "kubelet crash back-off, doubling up to `restart_backoff_max`"),
          time_param(
              "churn.lifecycle.restart_backoff_max",
              [](S & s) -> auto& { return s.churn.lifecycle.restart_backoff_max; },
              "kubelet `MaxContainerBackOff`"),
          time_param(
              "churn.lifecycle.node_monitor_grace_period",
              [](S & s) -> auto& { return s.churn.lifecycle.node_monitor_grace_period; },
              "kube-controller-manager `--node-monitor-grace-period` (40 s up to 1.31; 50 s since "
              "1.32)"),
          time_param(
              "churn.lifecycle.eviction_timeout",
              [](S & s) -> auto& { return s.churn.lifecycle.eviction_timeout; },
              "default `tolerationSeconds` of the `node.kubernetes.io/unreachable` and `not-ready` "
              "taints "
              "(DefaultTolerationSeconds admission plugin)"),
          distribution_param(
              "churn.control_plane.slice_delay",
              [](S & s) -> auto& { return s.churn.control_plane.slice_delay; }, "20ms",
              "EndpointSlice controller: no batching by default "
              "(`--endpointslice-updates-batch-period` 0) plus the API write; order of magnitude"),
          distribution_param(
              "churn.control_plane.watch_delay",
              [](S & s) -> auto& { return s.churn.control_plane.watch_delay; },
              "lognormal, mean 100 ms, sd 50 ms",
              "API server watch fan-out to one node; order of magnitude (the API call latency SLO "
              "is "
              "1 s at p99)"),
          integer_param(
              "churn.control_plane.max_endpoints_per_slice",
              [](S & s) -> auto& { return s.churn.control_plane.max_endpoints_per_slice; }, 1, 1000,
              "EndpointSlice controller `--max-endpoints-per-slice`"),
      },
      ""});
  return out;
}

std::string parent_of(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

}  // namespace

const std::vector<ParameterSection>& parameter_sections() {
  static const std::vector<ParameterSection> sections = make_sections();
  return sections;
}

std::vector<std::string_view> parameter_keys(std::string_view prefix) {
  std::vector<std::string_view> keys;
  for (const ParameterSection& s : parameter_sections()) {
    for (const Parameter& p : s.rows) {
      if (!p.path.empty() && parent_of(p.path) == prefix) keys.push_back(p.name);
    }
  }
  return keys;
}

void read_parameters(const YamlField& f, std::string_view prefix, ClusterScenario& s) {
  if (!f.present() || !f.node().IsMap()) return;
  for (const ParameterSection& section : parameter_sections()) {
    for (const Parameter& p : section.rows) {
      if (!p.path.empty() && parent_of(p.path) == prefix && f[p.name].present())
        p.read(f[p.name], s);
    }
  }
}

std::string parameters_markdown() {
  std::ostringstream o;
  o << "# Parameters, defaults and their sources\n\n"
       "Every constant that shapes a result is a named parameter with a unit, a default\n"
       "and where the default comes from. A parameter written as a path (`cluster.datapath.veth`)\n"
       "is set in a scenario or with `--set`; the others are constants of the models, named by\n"
       "their C++ field. This page is generated from the parameter table\n"
       "(`models/scenario/parameter_table.cpp`) with `podwire parameters > docs/parameters.md`;\n"
       "a test fails when the two differ.\n";
  for (const ParameterSection& s : parameter_sections()) {
    o << "\n## " << s.title << "\n\n";
    if (!s.intro.empty()) o << s.intro << "\n\n";
    o << "| parameter | default | source |\n|---|---|---|\n";
    for (const Parameter& p : s.rows) {
      o << "| " << (p.path.empty() ? p.name : "`" + p.path + "`") << " | " << p.default_text
        << " | " << p.source << " |\n";
    }
    if (!s.outro.empty()) o << "\n" << s.outro << "\n";
  }
  return o.str();
}

}  // namespace podwire::scenario
