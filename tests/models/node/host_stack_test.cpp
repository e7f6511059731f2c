// The host stack: what each packet costs at each end, where it runs, and the
// Cilium 2021 netperf table (calibration.md) simulated with every default.
#include "models/node/host_stack.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <string>

#include "models/app/program.hpp"
#include "models/app/program_cpu.hpp"
#include "models/node/node_cpu.hpp"
#include "tests/support/datapath_rig.hpp"

namespace podwire::node {
namespace {

using engine::Time;
using net::Packet;
namespace flags = net::tcp_flags;
using test_support::Cluster;

Packet tcp(std::uint8_t f, std::uint32_t payload = 0) {
  Packet p;
  p.flow.protocol = net::Protocol::tcp;
  p.tcp_flags = f;
  p.payload_bytes = payload;
  return p;
}

const HostStackCosts kHost{};

TEST(HostStack, AWriteCostsASystemCallTcpOutputAndItsCopy) {
  const HostStack s(kHost);
  const StackCharge c = s.send(tcp(flags::ack | flags::psh, 1000));
  EXPECT_EQ(c.system, kHost.syscall + kHost.tx_transport + Time::ns(50));  // 0.05 ns/B
  EXPECT_EQ(c.softirq, Time::zero());
  EXPECT_EQ(s.transmit(tcp(flags::ack | flags::psh, 1000)), kHost.tx_driver);
}

TEST(HostStack, TsoAndGroHandleTheSegmentsInsideAWriteAsOne) {
  const HostStack s(kHost);
  const Packet inside = tcp(flags::ack, 1448);
  EXPECT_EQ(s.send(inside).total(), kHost.tx_tso_segment + Time::ps(72400));
  EXPECT_EQ(s.transmit(inside), Time::zero());
  EXPECT_EQ(s.receive_from_nic(inside), kHost.rx_gro_segment);
  // Its TCP input runs once, for the merged packet the write's last segment flushes.
  EXPECT_EQ(s.deliver(inside, SegmentRole::data).total(), Time::zero());
  const StackCharge last = s.deliver(tcp(flags::ack | flags::psh, 1448), SegmentRole::data);
  EXPECT_EQ(last.softirq, kHost.rx_transport);
  EXPECT_EQ(last.system, Time::zero());
}

// tcp_write_xmit from tcp_ack: a segment an ACK let out runs TCP output in
// that softirq; its bytes were copied, and its send() made, by the writer
// when it wrote. A retransmission sends the queued buffer again: no copy.
TEST(HostStack, DataTheKernelSendsLaterLeavesItsWritesPartToTheWriter) {
  const HostStack s(kHost);
  Packet last = tcp(flags::ack | flags::psh, 1000);
  last.sent_by = net::SentBy::kernel;
  StackCharge c = s.send(last);
  EXPECT_EQ(c.system, Time::zero());
  EXPECT_EQ(c.softirq, kHost.tx_transport);
  EXPECT_EQ(c.writer, kHost.syscall + Time::ns(50));  // 0.05 ns/B
  Packet inside = tcp(flags::ack, 1448);
  inside.sent_by = net::SentBy::kernel;
  c = s.send(inside);
  EXPECT_EQ(c.softirq, kHost.tx_tso_segment);
  EXPECT_EQ(c.writer, Time::ps(72400));
  inside.sent_by = net::SentBy::retransmission;
  c = s.send(inside);
  EXPECT_EQ(c.total(), kHost.tx_tso_segment);
  EXPECT_EQ(c.writer, Time::zero());
  // The write's own segments are unchanged: all of it in the writer's context.
  EXPECT_EQ(s.send(tcp(flags::ack | flags::psh, 1000)).writer, Time::zero());
}

TEST(HostStack, ReadingAMessageIsTheReadersRecvAndCopyAndAWakeUpOnlyWhenItSlept) {
  const HostStack s(kHost);
  EXPECT_EQ(s.read(1000, false), kHost.syscall + Time::ns(100));  // 0.1 ns/B
  EXPECT_EQ(s.read(1000, true), kHost.wakeup + kHost.syscall + Time::ns(100));
}

TEST(HostStack, AConnectionPaysConnectAcceptAndACloseAtEachEnd) {
  const HostStack s(kHost);
  EXPECT_EQ(s.send(tcp(flags::syn)).system, kHost.connect + kHost.tx_transport);
  EXPECT_EQ(s.deliver(tcp(flags::syn), SegmentRole::syn).softirq,
            kHost.rx_transport + kHost.syn_receive);
  // The SYN-ACK is sent from the softirq that took the SYN in, and returns connect().
  EXPECT_EQ(s.send(tcp(flags::syn | flags::ack)).softirq, kHost.tx_transport);
  EXPECT_EQ(s.deliver(tcp(flags::syn | flags::ack), SegmentRole::data).system, kHost.wakeup);
  EXPECT_EQ(s.deliver(tcp(flags::ack), SegmentRole::handshake_ack).softirq,
            kHost.rx_transport + kHost.child_socket);
  EXPECT_EQ(HostStack::accept(kHost, true), kHost.wakeup + kHost.accept);
  EXPECT_EQ(s.send(tcp(flags::fin | flags::ack)).system, kHost.close + kHost.tx_transport);
  EXPECT_EQ(s.deliver(tcp(flags::fin | flags::ack), SegmentRole::fin).total(), kHost.rx_transport);
  // A bare ACK wakes nobody.
  EXPECT_EQ(s.deliver(tcp(flags::ack), SegmentRole::data).system, Time::zero());
}

TEST(HostStack, NoneChargesNothing) {
  const HostStack s(HostStackCosts::none());
  EXPECT_EQ(s.send(tcp(flags::syn)).total(), Time::zero());
  EXPECT_EQ(s.deliver(tcp(flags::psh | flags::ack, 100), SegmentRole::data).total(), Time::zero());
  EXPECT_EQ(s.receive_from_nic(tcp(flags::ack)), Time::zero());
}

// GRO: segments of one flow queued back to back on the receiving core reach
// TCP as one merged packet, acknowledged once, where segments that arrive
// one by one are acknowledged every second one.
TEST(HostStack, GroMergesSegmentsQueuedOnTheReceivingCoreIntoOnePacketAckedOnce) {
  const net::LinkConfig link{engine::BitRate::parse("100Gbps"), Time::ns(5), 10000, 0, 0};
  const auto acks_for_one_megabyte = [&](bool receiver_cpu) {
    Cluster c(2, "native", "iptables", proxy::IpvsScheduler::rr, link, HostStackCosts{});
    std::deque<NodeCpu> cpus;
    for (int i = 0; i < 2; ++i) {
      if (i == 1 && !receiver_cpu) break;
      cpus.emplace_back(c.sim, 1, "node-" + std::to_string(i));
      c.datapaths[static_cast<std::size_t>(i)].set_cpu(&cpus.back());
    }
    net::TcpStack& server = c.stack(*c.nodes[1]);
    server.listen(80, net::TcpCallbacks{});
    net::TcpCallbacks cb;
    cb.on_established = [](void*, net::TcpConnection& conn) { conn.send_message(1'000'000, 1); };
    c.stack(*c.nodes[0]).connect(c.nodes[1]->address(), 80, cb);
    c.sim.run_until(Time::ms(100));
    EXPECT_EQ(server.counters().bytes_received, 1'000'000u);
    return server.counters().segments_sent;
  };
  // Without the receiver's CPU nothing queues: an ACK for every second segment
  // after the 16 quick ones (691 segments: about 353).
  const std::uint64_t one_by_one = acks_for_one_megabyte(false);
  EXPECT_GT(one_by_one, 340u);
  // With one core the window's segments queue behind each other and merge.
  EXPECT_LT(acks_for_one_megabyte(true), one_by_one / 2);
}

// ---------------------------------------------------------------------------
// netperf between two nodes as the Cilium 2021 CNI benchmark ran it: two
// machines of 16 cores, 32 hardware threads, back to back over 100 Gbit/s,
// every cost at its default, netperf's own user work from its program profile.

const net::LinkConfig k100G{engine::BitRate::parse("100Gbps"), Time::ns(5), 1000, 0, 0};

struct Bench {
  Cluster c;
  std::deque<NodeCpu> cpus;
  net::TcpStack* client_stack = nullptr;
  net::TcpStack* server_stack = nullptr;
  net::Address target = 0;
  const HostStackCosts host{};
  Time program = app::find_program("netperf")->per_request;
  bool answers = true;  // TCP_RR/CRR; TCP_STREAM's netserver only reads
  // One netserver process per netperf process, one thread each: accept(),
  // recv(), send(), recv() of the end, close(), then the next accept().
  struct Netserver {
    Netserver(Bench* bench, net::TcpConnection* c)
        : b(bench), conn(c), cpu(&bench->cpus[1], 1, &bench->host) {}
    Bench* b;
    net::TcpConnection* conn;
    app::ProgramCpu cpu;
    bool free = false;
    void answer(std::uint64_t) {
      if (b->answers) conn->send_message(1, 1);
    }
    void accepted(std::uint64_t) {}
    void close(std::uint64_t) {
      conn->close();
      free = true;
    }
  };
  std::deque<Netserver> netservers;

  // variant: "node" (the nodes' own stacks), or pods through a ClusterIP in
  // proxy mode "ebpf", "ebpf-legacy" (host routing off) or "iptables".
  explicit Bench(const std::string& variant)
      : c(2, "native",
          variant == "node"          ? "iptables"
          : variant == "ebpf-legacy" ? "ebpf"
                                     : variant,
          proxy::IpvsScheduler::rr, k100G, HostStackCosts{}, 32) {
    for (int i = 0; i < 2; ++i) {
      cpus.emplace_back(c.sim, 32, "node-" + std::to_string(i), 1.0,
                        Smt{true, HostStackCosts{}.smt_share});
      c.datapaths[static_cast<std::size_t>(i)].set_cpu(&cpus.back());
    }
    if (variant == "ebpf-legacy") {
      c.proxy_config.ebpf_host_routing = false;
      c.rebuild_proxies();
    }
    net::Endpoint* client = c.nodes[0];
    net::Endpoint* server = c.nodes[1];
    target = c.nodes[1]->address();
    if (variant != "node") {
      client = &c.add_pod(0, "netperf");
      node::PodNetns& netserver = c.add_pod(1, "netserver");
      server = &netserver;
      target = net::parse_address("10.96.0.70");
      c.add_service("ns/netserver:12865", target, 12865, 12865, {&netserver});
    }
    client_stack = &c.stack(*client);
    server_stack = &c.stack(*server);
    net::TcpCallbacks cb;
    cb.context = this;
    cb.on_accept = [](void* ctx, net::TcpConnection& conn) {
      auto* b = static_cast<Bench*>(ctx);
      Netserver* n = nullptr;
      for (Netserver& idle : b->netservers) {
        if (idle.free) n = &idle;
      }
      if (n == nullptr) n = &b->netservers.emplace_back(b, &conn);
      n->conn = &conn;
      n->free = false;
      n->cpu.run<&Netserver::accepted>(n->cpu.accept_cost(), n, 0);
      net::TcpCallbacks mine;
      mine.context = n;
      mine.on_message = &Bench::on_request;
      mine.on_peer_closed = [](void* ctx, net::TcpConnection&) {
        auto* ns = static_cast<Netserver*>(ctx);
        ns->cpu.run<&Netserver::close>(ns->cpu.read_cost(0), ns, 0);  // recv() returns 0
      };
      conn.set_callbacks(mine);
    };
    server_stack->listen(12865, cb);
  }

  // netserver reads the request, does its user work, answers from that core.
  static void on_request(void* ctx, net::TcpConnection&, std::uint64_t, std::uint64_t bytes) {
    auto* n = static_cast<Netserver*>(ctx);
    n->cpu.run<&Netserver::answer>(n->cpu.read_cost(bytes) + n->b->program, n, 0);
  }
};

// One netperf process: a 1-byte request and its 1-byte answer, back to back,
// on one connection (TCP_RR) or a new connection each (TCP_CRR).
struct Netperf {
  Netperf(Bench* bench, bool c) : b(bench), crr(c), cpu(&bench->cpus[0], 1, &bench->host) {}
  Bench* b;
  bool crr;
  app::ProgramCpu cpu;
  std::uint64_t done = 0;
  net::TcpConnection* conn = nullptr;

  void open() {
    net::TcpCallbacks cb;
    cb.context = this;
    cb.on_established = [](void* ctx, net::TcpConnection& c) {
      static_cast<Netperf*>(ctx)->request(c);
    };
    cb.on_message = [](void* ctx, net::TcpConnection& c, std::uint64_t, std::uint64_t bytes) {
      auto* n = static_cast<Netperf*>(ctx);
      n->conn = &c;
      n->cpu.run<&Netperf::answered>(n->cpu.read_cost(bytes) + n->b->program, n, 0);
    };
    b->client_stack->connect(b->target, 12865, cb);
  }
  void request(net::TcpConnection& c) { c.send_message(1, 1); }
  void answered(std::uint64_t) {
    ++done;
    if (crr) {
      conn->close();
      open();
    } else {
      request(*conn);
    }
  }
};

struct Measured {
  double rate;            // transactions per second, all processes
  double client_cpu_pct;  // of the node's 32 threads, at 50,000 transactions/s
  double server_cpu_pct;
};

Measured netperf(const std::string& variant, bool crr, int processes) {
  Bench b(variant);
  std::deque<Netperf> procs;
  for (int i = 0; i < processes; ++i) procs.emplace_back(&b, crr);
  for (Netperf& n : procs) n.open();
  // Warm up, then measure a window, as netperf's -l does.
  b.c.sim.run_until(Time::ms(5));
  std::uint64_t before = 0;
  for (const Netperf& n : procs) before += n.done;
  const CpuUsage c0 = b.cpus[0].usage(), s0 = b.cpus[1].usage();
  const Time window = Time::ms(crr ? 40 : 20);
  b.c.sim.run_until(Time::ms(5) + window);
  std::uint64_t after = 0;
  for (const Netperf& n : procs) after += n.done;
  const CpuUsage c1 = b.cpus[0].usage(), s1 = b.cpus[1].usage();
  const double transactions = static_cast<double>(after - before);
  const auto pct = [&](const CpuUsage& u0, const CpuUsage& u1) {
    const Time busy = (u1.kernel - u0.kernel) + (u1.application - u0.application);
    return busy.seconds() / transactions * 50'000 / 32 * 100;
  };
  return Measured{transactions / window.seconds(), pct(c0, c1), pct(s0, s1)};
}

// netperf TCP_STREAM: one connection, 64 KiB writes back to back; goodput
// in Gbit/s as the receiver's stack counts in-order bytes.
double netperf_stream(const std::string& variant) {
  Bench b(variant);
  b.answers = false;
  net::TcpConnection* sender = nullptr;
  net::TcpCallbacks cb;
  cb.context = &sender;
  cb.on_established = [](void* ctx, net::TcpConnection& c) {
    *static_cast<net::TcpConnection**>(ctx) = &c;
    for (int i = 0; i < 4000; ++i) c.send_message(64 * 1024, 1);
  };
  b.client_stack->connect(b.target, 12865, cb);
  b.c.sim.run_until(Time::ms(5));
  const std::uint64_t before = b.server_stack->counters().bytes_received;
  b.c.sim.run_until(Time::ms(25));
  const std::uint64_t after = b.server_stack->counters().bytes_received;
  return static_cast<double>(after - before) * 8 / 0.020 / 1e9;
}

void expect_within(double simulated, double published, double tolerance, const std::string& what) {
  std::printf("%-36s published %10.2f  simulated %10.2f  (%+.1f%%)\n", what.c_str(), published,
              simulated, (simulated / published - 1) * 100);
  EXPECT_NEAR(simulated / published, 1.0, tolerance)
      << what << ": simulated " << simulated << ", published " << published;
}

struct Row {
  const char* variant;
  const char* name;
  double rr, crr, rr32, client_cpu, server_cpu, stream_gbps;
};
// calibration.md, "Datapath end to end (calibration set): Cilium CNI benchmark 2021".
const Row kCilium2021[] = {
    {"node", "node to node", 47'800, 12'990, 1'104'000, 0.96, 0.85, 41.6},
    {"ebpf", "Cilium eBPF", 45'100, 12'530, 964'000, 1.44, 1.28, 42.2},
    {"ebpf-legacy", "Cilium legacy host-routing", 34'000, 9'780, 721'000, 2.33, 2.02, 35.7},
    {"iptables", "Calico + kube-proxy iptables", 35'900, 9'260, 751'000, 2.36, 1.99, 35.1},
};

// The node-to-node column: no pods, no CNI, no proxy; the host stack alone.
TEST(Cilium2021, NodeToNodeTcpRrOneProcessWithin10Percent) {
  const Row& row = kCilium2021[0];
  expect_within(netperf(row.variant, false, 1).rate, row.rr, 0.10, "node to node TCP_RR/s");
}

TEST(Cilium2021, NodeToNodeTcpCrrOneProcessWithin10Percent) {
  const Row& row = kCilium2021[0];
  expect_within(netperf(row.variant, true, 1).rate, row.crr, 0.10, "node to node TCP_CRR/s");
}

// The CPU chart within 25% node to node; the Kubernetes columns are among
// the gaps below.
TEST(Cilium2021, NodeToNodeCpuAt50kTcpRrWithin25Percent) {
  const Row& row = kCilium2021[0];
  const Measured m = netperf(row.variant, false, 1);
  expect_within(m.client_cpu_pct, row.client_cpu, 0.25, "node to node client CPU %");
  expect_within(m.server_cpu_pct, row.server_cpu, 0.25, "node to node server CPU %");
}

// Pod to pod through a ClusterIP: the pod datapath's extra cost per packet
// (veth, the host namespace's forwarding, the proxy's path) against the
// same node-to-node base.
TEST(Cilium2021, PodToPodTcpRrOneProcessWithin10Percent) {
  for (const Row& row : {kCilium2021[1], kCilium2021[3]}) {
    expect_within(netperf(row.variant, false, 1).rate, row.rr, 0.10,
                  std::string(row.name) + " TCP_RR/s");
  }
}

TEST(Cilium2021, PodToPodThroughEbpfTcpCrrOneProcessWithin10Percent) {
  const Row& row = kCilium2021[1];
  expect_within(netperf(row.variant, true, 1).rate, row.crr, 0.10,
                std::string(row.name) + " TCP_CRR/s");
}

// TCP_STREAM is receiver-bound, as the benchmark's notes say: the receiving
// softirq's core is the one that fills, its GRO merges as large as the batch
// the NIC's adaptive interrupt moderation hands NAPI lets them be. The
// sender's segments mostly leave from the ACKs' softirq, their copies made by
// the writer on another core.
TEST(Cilium2021, TcpStreamEveryColumnWithin15Percent) {
  for (const Row& row : kCilium2021) {
    expect_within(netperf_stream(row.variant), row.stream_gbps, 0.15,
                  std::string(row.name) + " TCP_STREAM Gbit/s");
  }
}

// Not yet within 10%, run with --gtest_also_run_disabled_tests:
// - Cilium legacy host-routing TCP_RR is at +10.0%;
// - TCP_CRR through Calico's iptables path is 17% too fast (legacy host
//   routing: +8%): a new connection through a pod costs less here than the
//   5-9 us per node more the table implies (host-stack-costs.md 7.3);
//   Calico's own policy chains, walked by every packet, are not simulated;
// - with 32 processes the columns are 16% (node to node) to 36% too fast.
//   Sibling hyperthreads are simulated (cluster.host.smt_share; without them
//   38-62%); what else slows 32 concurrent flows on a 16-core machine is
//   not: wake-ups on another core than the softirq's (an IPI, an idle
//   core's wake-up, its cold cache) and the boost clock falling as every
//   core wakes. The NIC's adaptive interrupt moderation is simulated, and
//   one transaction in flight per flow keeps it at its latency setting;
// - the CPU chart of the Kubernetes columns is 33-45% above what is
//   simulated. The agents' idle work does not explain it (cilium-agent at
//   0.15% of two vCPUs, Cilium's scalability report), and Cilium's own
//   32-process figure (close to 1 M transactions/s at about 30% of both
//   machines) gives the same 9-10 us per transaction a side: CPU the pod
//   path spends off the latency path that is not simulated.
class Cilium2021Gaps : public testing::TestWithParam<Row> {};
INSTANTIATE_TEST_SUITE_P(Table, Cilium2021Gaps, testing::ValuesIn(kCilium2021),
                         [](const testing::TestParamInfo<Row>& info) {
                           std::string n = info.param.variant;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST_P(Cilium2021Gaps, DISABLED_TcpRrOneProcess) {
  const Row& row = GetParam();
  expect_within(netperf(row.variant, false, 1).rate, row.rr, 0.10,
                std::string(row.name) + " TCP_RR/s");
}

TEST_P(Cilium2021Gaps, DISABLED_TcpCrrOneProcess) {
  const Row& row = GetParam();
  expect_within(netperf(row.variant, true, 1).rate, row.crr, 0.10,
                std::string(row.name) + " TCP_CRR/s");
}

TEST_P(Cilium2021Gaps, DISABLED_TcpRr32Processes) {
  const Row& row = GetParam();
  expect_within(netperf(row.variant, false, 32).rate, row.rr32, 0.10,
                std::string(row.name) + " TCP_RR/s, 32 processes");
}

TEST_P(Cilium2021Gaps, DISABLED_CpuAt50kTcpRr) {
  const Row& row = GetParam();
  const Measured m = netperf(row.variant, false, 1);
  expect_within(m.client_cpu_pct, row.client_cpu, 0.25, std::string(row.name) + " client CPU %");
  expect_within(m.server_cpu_pct, row.server_cpu, 0.25, std::string(row.name) + " server CPU %");
}

}  // namespace
}  // namespace podwire::node
