// TCP on small fabrics: exact handshake and timer timings, MSS segments on
// the wire, delayed and piggybacked ACKs, bulk goodput, fairness at a shared
// bottleneck, fast retransmit and a lost SYN.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/tcp_rig.hpp"

namespace podwire::net {
namespace {

using namespace engine::time_literals;
using namespace tcp_rig;
using engine::BitRate;
using engine::Time;

TEST(TcpConfig, DefaultsFollowLinux) {
  const TcpConfig c;
  EXPECT_EQ(c.mss(), 1448u);
  EXPECT_EQ(kTcpSegmentOverhead, 52u);
  EXPECT_EQ(kTcpSynBytes, 60u);
  EXPECT_EQ(c.min_rto, 200_ms);
  EXPECT_EQ(c.initial_rto, 1_s);
  EXPECT_EQ(c.max_rto, 120_s);
  EXPECT_EQ(c.syn_retries, 6u);
  EXPECT_EQ(c.retries2, 15u);
  EXPECT_EQ(c.initial_cwnd_segments, 10u);
  TcpConfig bad;
  bad.mtu = 40;
  EXPECT_THROW(validate(bad), std::invalid_argument);
  bad = TcpConfig{};
  bad.max_rto = 100_ms;
  EXPECT_THROW(validate(bad), std::invalid_argument);
}

TEST(TcpStack, ListenTwiceThrowsAndEphemeralPortsAreHandedOutInTurn) {
  Fabric f(2, kTenGig);
  App app(f.sim);
  f.server().listen(80, app.callbacks());
  EXPECT_THROW(f.server().listen(80, app.callbacks()), std::invalid_argument);
  TcpConnection& a = *f.client().connect(f.server_address(), 80, app.callbacks());
  TcpConnection& b = *f.client().connect(f.server_address(), 80, app.callbacks());
  EXPECT_EQ(a.flow().src_port, 32768);
  EXPECT_EQ(b.flow().src_port, 32769);
  EXPECT_EQ(a.state(), TcpState::syn_sent);
  f.sim.run_until(1_ms);
  EXPECT_EQ(app.established, 4);  // two clients, two accepted
  EXPECT_EQ(f.server().live_connections(), 2u);
}

// 1. SYN (60 B) and SYN-ACK (60 B) each cross two 10 Gbps links with 1 us of
// propagation; the server completes one 52-B ACK later.
TEST(TcpHandshake, EstablishedExactlyOneRoundTripAfterConnect) {
  Fabric f(2, kTenGig);
  App client(f.sim), server(f.sim);
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(1_ms);
  const Time syn_hop = serialise(60) + 1_us;  // 48 ns + 1 us per link
  const Time ack_hop = serialise(52) + 1_us;  // 41.6 ns + 1 us
  EXPECT_EQ(client.established_at, Time::ps(4 * 1'048'000));
  EXPECT_EQ(client.established_at, 4 * syn_hop);
  EXPECT_EQ(server.established_at, 4 * syn_hop + 2 * ack_hop);
  EXPECT_EQ(server.accepted, 1);
  EXPECT_EQ(f.client().stack_counters().established, 1u);
  // One handshake sample each: the RTT of a SYN and a SYN-ACK.
  ASSERT_NE(client.conn, nullptr);
  EXPECT_EQ(client.conn->srtt(), 4 * syn_hop);
  EXPECT_EQ(client.conn->rto(), 200_ms);
}

TEST(TcpTransfer, AnAnswerFromOnMessageCarriesTheAckAndNoPureAckFollows) {
  Fabric f(2, kTenGig);
  App client(f.sim), server(f.sim);
  client.send_on_established = 300;
  server.reply_bytes = 500;  // answered from inside on_message
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(1_s);  // well past the delayed-ACK timer
  ASSERT_EQ(client.messages.size(), 1u);
  // The server sent its SYN-ACK and the answer, which acknowledged the request.
  EXPECT_EQ(f.server().counters().segments_sent, 2u);
}

// 2. 1,000,000 B = 690 full segments of 1448 B + one of 880 B, each with 52 B
// of headers; the first carries the handshake ACK. Without delayed ACKs the
// receiver answers each segment.
TEST(TcpTransfer, OneMegabyteArrivesAsMssSegments) {
  TcpConfig tcp;
  tcp.delayed_ack = false;
  Fabric f(2, kTenGig, tcp);
  App client(f.sim), server(f.sim);
  client.send_on_established = 1'000'000;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(100_ms);
  ASSERT_EQ(server.messages.size(), 1u);
  EXPECT_EQ(server.messages[0].tag, 1u);
  EXPECT_EQ(server.messages[0].bytes, 1'000'000u);
  const TcpCounters& c = client.conn->counters();
  EXPECT_EQ(c.data_segments_sent, 691u);
  EXPECT_EQ(c.retransmissions, 0u);
  EXPECT_EQ(c.bytes_acked, 1'000'000u);
  const Link& up = *f.hosts[0]->uplink();
  EXPECT_EQ(up.counters().packets, 1u + 691u);
  EXPECT_EQ(up.counters().bytes, 60u + 1'000'000u + 691u * 52u);
  const Link& back = *f.hosts[1]->uplink();  // SYN-ACK and one ACK per segment
  EXPECT_EQ(back.counters().packets, 1u + 691u);
  EXPECT_EQ(back.counters().bytes, 60u + 691u * 52u);
  EXPECT_EQ(f.pool.in_use(), 0u);
}

// Linux's default: the first 16 segments are acknowledged at once (quickack
// mode), then every second one.
TEST(TcpTransfer, DelayedAckAcknowledgesEverySecondSegment) {
  TcpConfig tcp;
  Fabric f(2, kTenGig, tcp);
  App client(f.sim), server(f.sim);
  client.send_on_established = 1'000'000;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(100_ms);
  ASSERT_EQ(server.messages.size(), 1u);
  const std::uint64_t acks = f.hosts[1]->uplink()->counters().packets - 1;
  EXPECT_GE(acks, 16u + (691u - 16u) / 2);
  EXPECT_LE(acks, 16u + (691u - 16u) / 2 + 2);  // the odd last segment waits up to 40 ms
  EXPECT_EQ(client.conn->counters().retransmissions, 0u);
}

// The 40 ms delayed-ACK timer (Linux TCP_ATO_MIN): out of quickack mode, one
// short message is acknowledged exactly 40 ms after it arrives.
TEST(TcpTransfer, DelayedAckTimerFiresAfterFortyMilliseconds) {
  TcpConfig tcp;
  tcp.quickacks = 0;
  Fabric f(2, kTenGig, tcp);
  Dropper log(f.sim, f.pool, *f.sw);
  f.hosts[1]->uplink()->connect(&log);
  App client(f.sim), server(f.sim);
  client.send_on_established = 100;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(1_s);
  ASSERT_EQ(server.messages.size(), 1u);
  const Time arrived = 4 * (serialise(60) + 1_us) + 2 * (serialise(152) + 1_us);
  EXPECT_EQ(server.messages[0].at, arrived);
  ASSERT_EQ(log.log.size(), 2u);  // SYN-ACK, then the delayed ACK
  EXPECT_EQ(log.log[1].at, arrived + 40_ms + serialise(52) + 1_us);
}

// Request/response with answers that take 5 us: Linux acknowledges the first
// requests at once (quickack mode), until three answers sent within 40 ms of
// their requests make the connection interactive (pingpong); from then on a
// request's ACK rides its answer.
struct DelayedEcho {
  engine::Simulator* sim;
  TcpConnection* conn = nullptr;
  void reply() { conn->send_message(1, 2); }
  static void on_message(void* c, TcpConnection& conn, std::uint64_t, std::uint64_t) {
    auto* e = static_cast<DelayedEcho*>(c);
    e->conn = &conn;
    e->sim->schedule_in<&DelayedEcho::reply>(5_us, e);
  }
};

TEST(TcpTransfer, AnInteractiveConnectionsAcksRideItsAnswersAfterThreeExchanges) {
  Fabric f(2, kTenGig);
  DelayedEcho echo{&f.sim};
  TcpCallbacks server;
  server.context = &echo;
  server.on_message = &DelayedEcho::on_message;
  f.server().listen(80, server);
  struct Client {
    int left = 10;
    static void ask(void*, TcpConnection& c) { c.send_message(1, 1); }
    static void answered(void* ctx, TcpConnection& c, std::uint64_t, std::uint64_t) {
      if (--static_cast<Client*>(ctx)->left > 0) c.send_message(1, 1);
    }
  } client;
  TcpCallbacks cb;
  cb.context = &client;
  cb.on_established = &Client::ask;
  cb.on_message = &Client::answered;
  f.client().connect(f.server_address(), 80, cb);
  f.sim.run_until(10_ms);
  EXPECT_EQ(client.left, 0);
  const TcpCounters& c = f.server().counters();
  // SYN-ACK, ten answers, and a pure ACK for each of the first three requests only.
  EXPECT_EQ(c.data_segments_sent, 10u);
  EXPECT_EQ(c.segments_sent, 1u + 10u + 3u);
}

// 3. A single flow is held back by its own NIC queue (TCP Small Queues) and
// never loses a packet; goodput is the header-limited line rate.
TEST(TcpTransfer, BulkFlowReachesLineRateGoodput) {
  Fabric f(2, kTenGig);
  App client(f.sim), server(f.sim);
  client.send_on_established = 1'000'000'000;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(10_ms);
  ASSERT_NE(server.conn, nullptr);
  const std::uint64_t bytes0 = server.conn->counters().bytes_received;
  const std::uint64_t events0 = f.sim.events_executed();
  f.sim.run_until(60_ms);
  const std::uint64_t bytes = server.conn->counters().bytes_received - bytes0;
  const std::uint64_t events = f.sim.events_executed() - events0;
  const double goodput = static_cast<double>(bytes) * 8 / 0.050;
  const double ceiling = 10e9 * 1448.0 / 1500.0;
  const double segments = static_cast<double>(bytes) / 1448.0;
  std::printf(
      "[ bulk     ] goodput %.4f Gbps = %.2f%% of %.4f; cwnd %llu B, srtt %s; %.2f "
      "events/segment\n",
      goodput / 1e9, 100 * goodput / ceiling, ceiling / 1e9,
      static_cast<unsigned long long>(client.conn->cwnd()), client.conn->srtt().to_string().c_str(),
      static_cast<double>(events) / segments);
  EXPECT_GE(goodput, 0.95 * ceiling);
  EXPECT_EQ(client.conn->counters().retransmissions, 0u);
  std::uint64_t drops = 0;
  for (const Link& l : f.net.links()) drops += l.counters().drops;
  EXPECT_EQ(drops, 0u);
  // Timers do not flood the queue: a handful of pending events for links and two connections.
  EXPECT_LE(f.sim.pending(), 10u);
}

// 4. N senders on their own hosts share the 10 Gbps port towards one receiver.
// That port buffers 100 packets (150 KB, 120 us at 10 Gbps): a shallow-buffer
// ToR's share of its memory for one congested port, and some 25 times this
// path's bandwidth-delay product, so AIMD keeps the port busy while the
// slow-start overshoot stays small enough for NewReno to recover in a few
// milliseconds. The senders have 40 Gbps NICs, faster than the bottleneck:
// with NICs as fast as the port, a sender that the port serves back-to-back
// delivers each packet at the very instant a slot frees, so in a simulator
// without timing noise it wins every slot and never loses a packet while the
// other flow is locked out (a phase effect, Floyd & Jacobson 1992); real hosts
// escape it through jitter the model does not have.
void run_fairness(std::size_t flows, double& index, double& utilisation, std::uint64_t& retx,
                  std::uint64_t& timeouts) {
  LinkConfig sender = kTenGig;
  sender.rate = BitRate::parse("40Gbps");
  LinkConfig bottleneck = kTenGig;
  bottleneck.queue_packets = 100;
  Fabric f(flows + 1, sender, bottleneck);
  App server(f.sim);
  std::vector<TcpConnection*> accepted;
  TcpCallbacks cb = server.callbacks();
  cb.context = &accepted;
  cb.on_established = nullptr;
  cb.on_accept = [](void* c, TcpConnection& conn) {
    static_cast<std::vector<TcpConnection*>*>(c)->push_back(&conn);
  };
  f.server().listen(80, cb);
  std::deque<App> clients;
  for (std::size_t i = 0; i < flows; ++i) {
    App& a = clients.emplace_back(f.sim);
    a.send_on_established = 1'000'000'000;
    f.client(i).connect(f.server_address(), 80, a.callbacks());
  }
  const Time start = 20_ms, span = 100_ms;
  f.sim.run_until(start);
  ASSERT_EQ(accepted.size(), flows);
  std::vector<std::uint64_t> before;
  for (TcpConnection* c : accepted) before.push_back(c->counters().bytes_received);
  f.sim.run_until(start + span);
  std::vector<double> rates;
  double total = 0;
  for (std::size_t i = 0; i < flows; ++i) {
    rates.push_back(static_cast<double>(accepted[i]->counters().bytes_received - before[i]));
    total += rates.back();
  }
  index = jain(rates);
  utilisation = total * 8 / span.seconds() / (10e9 * 1448.0 / 1500.0);
  retx = f.client(0).counters().retransmissions;
  timeouts = 0;
  for (std::size_t i = 0; i < flows; ++i) timeouts += f.client(i).counters().timeouts;
}

TEST(TcpCongestion, FlowsShareABottleneckFairly) {
  for (std::size_t flows : {2u, 4u, 8u}) {
    double index = 0, utilisation = 0;
    std::uint64_t retx = 0, timeouts = 0;
    run_fairness(flows, index, utilisation, retx, timeouts);
    std::printf(
        "[ fairness ] %zu flows: Jain %.4f, goodput %.2f%% of the header-limited rate, "
        "flow 0 retransmissions %llu, timeouts (all flows) %llu\n",
        flows, index, 100 * utilisation, static_cast<unsigned long long>(retx),
        static_cast<unsigned long long>(timeouts));
    EXPECT_GE(index, 0.95) << flows << " flows";
    EXPECT_GE(utilisation, 0.90) << flows << " flows";
  }
}

// 5a. One lost data segment in the middle of a transfer: three duplicate ACKs,
// one fast retransmission, no timeout.
TEST(TcpLoss, OneDroppedSegmentIsFastRetransmittedOnce) {
  Fabric f(2, kTenGig);
  Dropper drop(f.sim, f.pool, *f.sw);
  drop.drop_data_index = 100;
  f.hosts[0]->uplink()->connect(&drop);
  App client(f.sim), server(f.sim);
  client.send_on_established = 1'000'000;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(100_ms);
  ASSERT_EQ(server.messages.size(), 1u);
  EXPECT_EQ(server.messages[0].bytes, 1'000'000u);
  const TcpCounters& c = client.conn->counters();
  std::printf(
      "[ loss     ] 1 drop: retransmissions %llu, fast retransmits %llu, timeouts %llu, "
      "dup ACKs %llu, message done at %s\n",
      static_cast<unsigned long long>(c.retransmissions),
      static_cast<unsigned long long>(c.fast_retransmits),
      static_cast<unsigned long long>(c.timeouts), static_cast<unsigned long long>(c.dup_acks),
      server.messages[0].at.to_string().c_str());
  EXPECT_EQ(drop.dropped, 1u);
  EXPECT_EQ(c.retransmissions, 1u);
  EXPECT_EQ(c.fast_retransmits, 1u);
  EXPECT_EQ(c.timeouts, 0u);
  EXPECT_EQ(c.data_segments_sent, 692u);
  EXPECT_GE(c.dup_acks, 3u);
  EXPECT_FALSE(client.conn->in_recovery());
  EXPECT_LT(server.messages[0].at, 10_ms);  // no 200 ms timeout on the way
}

// Who sent each data segment, for the host stack to charge its write where
// Linux does: the write itself sends what the initial window allows; the rest
// leaves as ACKs open the window (the kernel's own tcp_write_xmit); the lost
// one is sent again by the kernel as a retransmission.
TEST(TcpLoss, EachSegmentSaysWhetherItsWriteTheKernelOrARetransmissionSentIt) {
  Fabric f(2, kTenGig);
  Dropper drop(f.sim, f.pool, *f.sw);
  drop.drop_data_index = 100;
  f.hosts[0]->uplink()->connect(&drop);
  App client(f.sim), server(f.sim);
  client.send_on_established = 1'000'000;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(100_ms);
  ASSERT_EQ(server.messages.size(), 1u);
  std::uint64_t by_write = 0, by_kernel = 0, retransmitted = 0, lost_seq = 0;
  for (const Dropper::Seen& s : drop.log) {
    if (s.payload == 0) continue;
    if (s.dropped) lost_seq = s.seq;
    if (s.sent_by == SentBy::write) {
      EXPECT_EQ(by_kernel, 0u);  // the write went first, with the initial window
      ++by_write;
    }
    if (s.sent_by == SentBy::kernel) ++by_kernel;
    if (s.sent_by == SentBy::retransmission) {
      ++retransmitted;
      EXPECT_EQ(s.seq, lost_seq);
    }
  }
  EXPECT_EQ(by_write, 10u);  // RFC 6928's initial window
  EXPECT_EQ(retransmitted, 1u);
  EXPECT_EQ(by_write + by_kernel + retransmitted, client.conn->counters().data_segments_sent);
}

// 5b. A lost SYN is sent again after the initial RTO of exactly 1 s.
TEST(TcpLoss, DroppedSynIsRetransmittedOneSecondLater) {
  Fabric f(2, kTenGig);
  Dropper drop(f.sim, f.pool, *f.sw);
  drop.drop_syns = 1;
  f.hosts[0]->uplink()->connect(&drop);
  App client(f.sim), server(f.sim);
  f.server().listen(80, server.callbacks());
  f.sim.run_until(3_us);
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(2_s);
  ASSERT_EQ(drop.log.size(), 3u);  // SYN, SYN again, ACK
  const Time first_on_wire =
      3_us + serialise(60) + 1_us;  // the dropper sits at the far end of the wire
  EXPECT_TRUE(drop.log[0].dropped);
  EXPECT_EQ(drop.log[0].at, first_on_wire);
  EXPECT_EQ(drop.log[1].at, first_on_wire + 1_s);
  EXPECT_EQ(client.established_at, 3_us + 1_s + 4 * (serialise(60) + 1_us));
  EXPECT_EQ(client.conn->counters().retransmissions, 1u);
  EXPECT_EQ(client.conn->counters().timeouts, 1u);
}

}  // namespace
}  // namespace podwire::net
