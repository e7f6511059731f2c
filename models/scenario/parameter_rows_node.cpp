// The parameter table's rows for the host stack, programs, the node datapath, conntrack and
// port-forward.
#include "models/app/program.hpp"
#include "models/node/cni.hpp"
#include "models/scenario/parameter_kinds.hpp"

namespace podwire::scenario::param {

void add_node_sections(std::vector<ParameterSection>& out) {
  out.push_back(ParameterSection{
      "Host stack (`node::HostStackCosts`, scenario `cluster.host`)",
      "What a node's kernel spends on its sockets around the datapath stages: the NIC\n"
      "driver, TCP/UDP input and output, copies, system calls and wake-ups, and a\n"
      "connection's set-up and teardown. CPU time on the reference machine (the Cilium\n"
      "2021 benchmark's Ryzen 9 3950X, Linux 5.10); a node group's `cpu`/`cpu_speed`\n"
      "scales them. A local socket's packet is charged on its sending thread's core\n"
      "(system time, and softirq for the veth's backlog), a packet from the NIC on\n"
      "its RSS queue's core (softirq). Data that an ACK lets out later leaves from\n"
      "that ACK's softirq; its send() and copy were the writing thread's, paid as\n"
      "system time when it wrote. Sources: `host-stack-costs.md` sections 1, 2\n"
      "and 7; Cai et al. (SIGCOMM 2021) give the per-packet split; `tests/models/node/\n"
      "host_stack_test.cpp` checks the result against the Cilium 2021 netperf table.",
      {
          time_param(
              "cluster.host.nic_latency", [](S & s) -> auto& { return s.cluster.host.nic_latency; },
              "not CPU: DMA, adaptive interrupt moderation (~3.5 µs per direction, ixgbe, LKML "
              "2013) and interrupt delivery, one way; the residual of TCP_RR node to node "
              "(host-stack-costs.md 7.3). The interrupt it arms takes in every packet that "
              "reached the same RSS queue meanwhile (one NAPI poll), so a bulk flow's segments "
              "reach GRO together: node-to-node TCP_STREAM 40.5 Gbit/s against 41.6 (Cilium "
              "2021)"),
          time_param(
              "cluster.host.rx_itr_step", [](S & s) -> auto& { return s.cluster.host.rx_itr_step; },
              "how much longer each RSS queue's next interrupt waits after one that took in 4 to "
              "55 packets (a bulk flow), where 56 to 112 keep the wait, 113 to 256 halve it and "
              "at most 3 small packets go back to nic_latency: Intel ice driver, Linux 5.10 "
              "(ice_update_itr, ICE_ITR_ADAPTIVE_MIN_INC), the E810 of the Cilium 2021 machines. "
              "0 keeps nic_latency fixed"),
          time_param(
              "cluster.host.rx_itr_max", [](S & s) -> auto& { return s.cluster.host.rx_itr_max; },
              "the longest wait the adaptation reaches: ICE_ITR_ADAPTIVE_MAX_USECS, Linux 5.10"),
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
          time_param(
              "cluster.host.xdp_driver", [](S & s) -> auto& { return s.cluster.host.xdp_driver; },
              "a frame an XDP program takes in the driver, no socket buffer: Cloudflare 2018 "
              "dropped 10 Mpps on one CPU with XDP (100 ns), Brouer 2014 6.5 Mpps received on "
              "one core (150 ns; host-stack-costs.md)"),
          time_param(
              "cluster.host.xdp_tx", [](S & s) -> auto& { return s.cluster.host.xdp_tx; },
              "a frame an XDP program sends back out of its NIC (XDP_TX): pktgen's 14.8 Mpps "
              "from one core (68 ns; Brouer 2014, host-stack-costs.md)"),
          number_param(
              "cluster.host.smt_share", [](S & s) -> auto& { return s.cluster.host.smt_share; },
              0.01, 1.0, "",
              "the pace of each of a physical core's two hardware threads while both are busy, "
              "relative to one alone (node groups with `smt: true`, the default, and every named "
              "CPU model: cores i and i + cpus/2 are siblings, as Linux numbers them on x86): "
              "Linux's Documentation/networking/scaling.rst, \"for interrupt handling, HT has "
              "shown no benefit\" (two siblings do what one core does). With it, netperf TCP_RR "
              "with 32 processes node to node comes to 1.29 M/s against Cilium 2021's 1.10 M "
              "(1.53 M without); one flow does not move"),
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
              "(host-stack-costs.md 7.3 puts it between 12 and 20 µs); with the NIC's interrupt "
              "batches, 18 µs gives node-to-node TCP_CRR at 12,575/s and pod to pod through eBPF "
              "at 12,525/s against the 12,990 and 12,530 of Cilium 2021"),
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
          Parameter{
              "cluster.kernel", "kernel", defaults().cluster.kernel.to_string(),
              "the nodes' Linux release (a current LTS: Debian 12, Amazon Linux 2023). It decides "
              "what kube-proxy and Cilium set up: IPVS's conn_reuse_mode is left at the "
              "kernel's 1 from 5.9 and set to 0 before (pkg/proxy/ipvs, kubernetes#93297), the "
              "nftables mode needs 5.13 (pkg/proxy/nftables/supported.go), and BPF host routing "
              "5.10 (bpf_redirect_peer and bpf_redirect_neigh; Cilium falls back to legacy host "
              "routing before). No cost default is known to differ between 5.10 and 6.1",
              [](const YamlField& f, S& s) {
                if (auto v = f.string()) {
                  if (!node::KernelVersion::parse(*v, s.cluster.kernel)) {
                    f.error("expected a Linux release such as '5.10' or '6.1.0-18-amd64', got '" +
                            *v + "'");
                  }
                }
              },
              "a Linux release"},
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
                    },
                    "integer 1-4294967296"},
          constant("TCP established / close_wait", "24h / 1h",
                   "kube-proxy overrides of the kernel defaults"),
          constant("TCP SYN_SENT, SYN_RECV, FIN_WAIT, TIME_WAIT, CLOSE",
                   "120s, 60s, 120s, 120s, 10s", "`net/netfilter/nf_conntrack_proto_tcp.c`"),
          constant("UDP unreplied / stream", "30s / 120s",
                   "`net/netfilter/nf_conntrack_proto_udp.c` (`nf_conntrack_udp_timeout`, "
                   "`_stream`)"),
          constant("UDP stream grace", "2s",
                   "`nf_conntrack_udp_packet`, as in the 5.10 sources on (commit d535c8a69c19): "
                   "an entry that has seen a reply keeps the 30 s timeout until it is 2 s old, "
                   "and only a packet after that gives it the stream timeout and ASSURED. The "
                   "first reply itself is timed as unreplied (the reply bit is set after the "
                   "protocol's handler). So a lookup's A and AAAA pair ends 30 s after its last "
                   "answer, not 120 s. podwire applies this at every `cluster.kernel`"),
          constant("session affinity timeout", "10800s",
                   "Kubernetes Service `sessionAffinityConfig` default"),
          constant("JVM name cache (apps with `resolver: java`)", "30s answers, 10s failures",
                   "OpenJDK `sun.net.InetAddressCachePolicy` without a security manager "
                   "(`networkaddress.cache.ttl`, `networkaddress.cache.negative.ttl`): kept that "
                   "long whatever the answer's TTL"),
      },
      ""});

  const auto bytes_row = [](std::string path, auto get, std::int64_t most, std::string source) {
    Parameter p{path, last_part(path), get(defaults()).to_string(), std::move(source), {}, {}};
    p.read = [get, most](const YamlField& f, S& s) {
      if (auto v = f.bytes()) {
        if (v->count() < 0 || v->count() > most)
          f.error("expected a size from 0B to " + engine::Bytes(most).to_string());
        else
          get(s) = *v;
      }
    };
    p.takes = "size";
    return p;
  };
  out.push_back(ParameterSection{
      "UDP sockets (scenario `cluster.udp`)",
      "",
      {
          bytes_row(
              "cluster.udp.receive_buffer",
              [](S & s) -> auto& { return s.cluster.udp.receive_buffer; }, 1LL << 31,
              "Linux `net.core.rmem_default` (212992 on x86-64), the receive buffer of a "
              "socket that sets no SO_RCVBUF; datagrams waiting for the application beyond "
              "it are dropped (`UdpRcvbufErrors`)"),
          bytes_row(
              "cluster.udp.datagram_overhead",
              [](S & s) -> auto& { return s.cluster.udp.datagram_overhead; }, 1LL << 20,
              "what the buffer is charged for a datagram beyond its payload: "
              "`SKB_TRUESIZE` in include/linux/skbuff.h, `struct sk_buff` (232 B, aligned "
              "to 256) and `skb_shared_info` (320 B) on x86-64"),
          constant("UDP request/response client", "timeout 5s, 2 attempts",
                   "resolv.conf(5): the glibc resolver's `timeout:5`, `attempts:2`; a traffic "
                   "entry or call sets `timeout` and `retries`"),
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
}

}  // namespace podwire::scenario::param
