// TCP on small fabrics: exact handshake, reset and timer timings, MSS segments on
// the wire, bulk goodput, fairness at a shared bottleneck, fast retransmit,
// backoff and give-up, close/abort and recycling of connection objects.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "models/net/network.hpp"
#include "models/net/tcp_stack.hpp"

namespace podwire::net {
namespace {

using namespace engine::time_literals;
using engine::BitRate;
using engine::Time;

const LinkConfig kTenGig{BitRate::parse("10Gbps"), 1_us, 1000, 0, 0};

// n hosts on one switch with zero forwarding latency; host n-1 is the server
// and its cable (the bottleneck towards it) may differ.
struct Fabric {
  engine::Simulator sim;
  PacketPool pool;
  Network net{sim, pool};
  Switch* sw = nullptr;
  std::vector<Host*> hosts;
  std::deque<TcpStack> stacks;

  Fabric(std::size_t n, const LinkConfig& link, const LinkConfig& server_link,
         const TcpConfig& tcp = {}) {
    sw = &net.add_switch("s0");
    for (std::size_t i = 0; i < n; ++i) {
      Host& h = net.add_host(std::string("h").append(std::to_string(i)),
                             parse_address("10.0.0.1") + static_cast<Address>(i));
      net.connect(h, *sw, i + 1 == n ? server_link : link);
      hosts.push_back(&h);
      stacks.emplace_back(h, tcp);
    }
    net.compute_routes();
  }
  Fabric(std::size_t n, const LinkConfig& link, const TcpConfig& tcp = {})
      : Fabric(n, link, link, tcp) {}

  TcpStack& client(std::size_t i = 0) { return stacks[i]; }
  TcpStack& server() { return stacks.back(); }
  Address server_address() const { return hosts.back()->address(); }
};

// Records what one application endpoint was told, with times.
struct App {
  engine::Simulator* sim = nullptr;
  TcpConnection* conn = nullptr;
  int established = 0, accepted = 0, refused = 0, resets = 0, timeouts = 0, closed = 0;
  Time established_at = Time::max(), refused_at = Time::max(), reset_at = Time::max();
  Time timeout_at = Time::max(), closed_at = Time::max();
  struct Message {
    std::uint64_t tag;
    std::uint64_t bytes;
    Time at;
  };
  std::vector<Message> messages;
  // What to do on events, set by a test.
  std::uint64_t send_on_established = 0;  // bytes, as message tag 1
  std::uint64_t reply_bytes = 0;          // answer each message with this many bytes
  bool close_on_message = false;
  bool abort_on_message = false;

  explicit App(engine::Simulator& s) : sim(&s) {}

  static App& of(void* c) { return *static_cast<App*>(c); }
  TcpCallbacks callbacks() {
    TcpCallbacks cb;
    cb.context = this;
    cb.on_established = [](void* c, TcpConnection& conn) {
      App& a = of(c);
      a.conn = &conn;
      ++a.established;
      a.established_at = a.sim->now();
      if (a.send_on_established > 0) conn.send_message(a.send_on_established, 1);
    };
    cb.on_accept = [](void* c, TcpConnection& conn) {
      of(c).conn = &conn;
      ++of(c).accepted;
    };
    cb.on_message = [](void* c, TcpConnection& conn, std::uint64_t tag, std::uint64_t bytes) {
      App& a = of(c);
      a.messages.push_back(Message{tag, bytes, a.sim->now()});
      if (a.reply_bytes > 0) conn.send_message(a.reply_bytes, tag + 100);
      if (a.close_on_message) conn.close();
      if (a.abort_on_message) conn.abort();
    };
    cb.on_closed = [](void* c, TcpConnection&) {
      App& a = of(c);
      ++a.closed;
      a.closed_at = a.sim->now();
      a.conn = nullptr;
    };
    cb.on_refused = [](void* c, TcpConnection&) {
      App& a = of(c);
      ++a.refused;
      a.refused_at = a.sim->now();
      a.conn = nullptr;
    };
    cb.on_reset = [](void* c, TcpConnection&) {
      App& a = of(c);
      ++a.resets;
      a.reset_at = a.sim->now();
      a.conn = nullptr;
    };
    cb.on_timeout = [](void* c, TcpConnection&) {
      App& a = of(c);
      ++a.timeouts;
      a.timeout_at = a.sim->now();
      a.conn = nullptr;
    };
    return cb;
  }
};

// A stage spliced into a link (link.connect(&dropper)) that forwards to the
// link's original far end, dropping what the test asks for and logging the rest.
struct Dropper final : PacketSink {
  engine::Simulator* sim;
  PacketPool* pool;
  PacketSink* next;
  std::uint64_t drop_data_index = 0;  // drop the n-th data segment seen (1-based); 0: none
  std::uint64_t drop_every = 0;       // drop every n-th packet seen; 0: none
  int drop_syns = 0;                  // drop this many SYNs
  Time drop_from = Time::max();       // drop everything in [drop_from, drop_until)
  Time drop_until = Time::max();
  std::uint64_t data_seen = 0;
  std::uint64_t dropped = 0;
  struct Seen {
    std::uint64_t seq;
    std::uint8_t flags;
    Time at;
    bool dropped;
  };
  std::vector<Seen> log;

  Dropper(engine::Simulator& s, PacketPool& p, PacketSink& n) : sim(&s), pool(&p), next(&n) {}
  void receive(Packet& p) override {
    bool drop = false;
    if (p.payload_bytes > 0 && ++data_seen == drop_data_index) drop = true;
    if (drop_every > 0 && (log.size() + 1) % drop_every == 0) drop = true;
    if ((p.tcp_flags & tcp_flags::syn) && drop_syns > 0) {
      --drop_syns;
      drop = true;
    }
    if (sim->now() >= drop_from && sim->now() < drop_until) drop = true;
    log.push_back(Seen{p.seq, p.tcp_flags, sim->now(), drop});
    if (drop) {
      ++dropped;
      pool->release(p);
      return;
    }
    next->receive(p);
  }
};

Time serialise(std::uint32_t bytes) { return kTenGig.rate.serialization(engine::Bytes(bytes)); }

double jain(const std::vector<double>& x) {
  double sum = 0, squares = 0;
  for (double v : x) {
    sum += v;
    squares += v * v;
  }
  return sum * sum / (static_cast<double>(x.size()) * squares);
}

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

// 6a. Nobody listens: the SYN (60 B) is answered by a 40-B RST.
TEST(TcpClose, SynToClosedPortIsRefusedOneRoundTripLater) {
  Fabric f(2, kTenGig);
  App client(f.sim);
  f.client().connect(f.server_address(), 81, client.callbacks());
  f.sim.run_until(1_s);
  EXPECT_EQ(client.refused, 1);
  EXPECT_EQ(client.refused_at, 2 * (serialise(60) + 1_us) + 2 * (serialise(40) + 1_us));
  EXPECT_EQ(client.refused_at, Time::ps(4'160'000));
  EXPECT_EQ(client.established, 0);
  EXPECT_EQ(f.client().live_connections(), 0u);
  EXPECT_EQ(f.server().stack_counters().resets_sent, 1u);
  EXPECT_EQ(f.client().stack_counters().refused, 1u);
  EXPECT_EQ(f.pool.in_use(), 0u);
}

// 6b. A request, its response, then the client aborts: the server is reset.
TEST(TcpClose, AbortResetsThePeer) {
  Fabric f(2, kTenGig);
  App client(f.sim), server(f.sim);
  client.send_on_established = 5000;
  client.abort_on_message = true;
  server.reply_bytes = 20'000;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(1_s);
  ASSERT_EQ(server.messages.size(), 1u);
  ASSERT_EQ(client.messages.size(), 1u);
  EXPECT_EQ(client.messages[0].tag, 101u);
  EXPECT_EQ(client.messages[0].bytes, 20'000u);
  EXPECT_EQ(server.resets, 1);
  EXPECT_EQ(client.resets, 0);
  EXPECT_EQ(server.reset_at, client.messages[0].at + serialise(52) * 2 + 2_us);
  EXPECT_EQ(f.client().live_connections(), 0u);
  EXPECT_EQ(f.server().live_connections(), 0u);
  EXPECT_EQ(f.client().stack_counters().aborted, 1u);
  EXPECT_EQ(f.pool.in_use(), 0u);
}

// 6c. Request/response, then close(): FIN both ways, on_closed at both ends,
// and both stacks' connections go back to their pools.
TEST(TcpClose, CloseEndsBothSidesAndRecyclesConnections) {
  Fabric f(2, kTenGig);
  App client(f.sim), server(f.sim);
  client.send_on_established = 10'000;
  client.close_on_message = true;
  server.reply_bytes = 100'000;
  f.server().listen(80, server.callbacks());
  for (int round = 0; round < 3; ++round) {
    f.client().connect(f.server_address(), 80, client.callbacks());
    f.sim.run_until(f.sim.now() + 10_ms);
    EXPECT_EQ(client.closed, round + 1);
    EXPECT_EQ(server.closed, round + 1);
    EXPECT_EQ(f.client().live_connections(), 0u);
    EXPECT_EQ(f.server().live_connections(), 0u);
  }
  // The same two connection objects served every round.
  EXPECT_EQ(f.client().pooled_connections(), 1u);
  EXPECT_EQ(f.server().pooled_connections(), 1u);
  EXPECT_EQ(server.messages.size(), 3u);
  EXPECT_EQ(client.messages.size(), 3u);
  EXPECT_EQ(f.client().stack_counters().closed, 3u);
  EXPECT_EQ(f.server().stack_counters().closed, 3u);
  EXPECT_EQ(f.client().counters().retransmissions + f.server().counters().retransmissions, 0u);
  EXPECT_EQ(f.pool.in_use(), 0u);
}

// An application may queue a request and close before the handshake is done:
// the request and the FIN follow the handshake.
TEST(TcpClose, CloseWhileConnectingSendsQueuedMessagesFirst) {
  Fabric f(2, kTenGig);
  App client(f.sim), server(f.sim);
  f.server().listen(80, server.callbacks());
  TcpConnection& c = *f.client().connect(f.server_address(), 80, client.callbacks());
  c.send_message(5000, 42);
  c.close();
  f.sim.run_until(1_ms);
  ASSERT_EQ(server.messages.size(), 1u);
  EXPECT_EQ(server.messages[0].tag, 42u);
  EXPECT_EQ(server.messages[0].bytes, 5000u);
  EXPECT_EQ(client.closed, 1);
  EXPECT_EQ(server.closed, 1);
  EXPECT_EQ(f.client().live_connections() + f.server().live_connections(), 0u);
}

TEST(TcpClose, SimultaneousCloseAndTimeWait) {
  TcpConfig tcp;
  tcp.time_wait = 1_s;
  Fabric f(2, kTenGig, tcp);
  App client(f.sim), server(f.sim);
  f.server().listen(80, server.callbacks());
  TcpConnection& c = *f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(1_ms);
  ASSERT_NE(server.conn, nullptr);
  c.close();
  server.conn->close();  // both FINs cross on the wire
  f.sim.run_until(2_ms);
  EXPECT_EQ(client.closed, 1);
  EXPECT_EQ(server.closed, 1);
  EXPECT_EQ(f.client().live_connections(), 1u);  // both in TIME_WAIT
  f.sim.run_until(2_s);
  EXPECT_EQ(f.client().live_connections(), 0u);
  EXPECT_EQ(f.server().live_connections(), 0u);
}

TEST(TcpTransfer, LoopbackAndMessageBoundaries) {
  Fabric f(2, kTenGig);
  App client(f.sim), server(f.sim);
  server.reply_bytes = 3000;
  f.client().listen(80, server.callbacks());
  TcpConnection& c = *f.client().connect(f.hosts[0]->address(), 80, client.callbacks());
  // Queued while connecting: sent once established, delivered one by one.
  c.send_message(1, 7);
  c.send_message(1448, 8);
  c.send_message(1449, 9);
  f.sim.run_until(1_ms);
  ASSERT_EQ(server.messages.size(), 3u);
  EXPECT_EQ(server.messages[0].bytes, 1u);
  EXPECT_EQ(server.messages[1].bytes, 1448u);
  EXPECT_EQ(server.messages[2].bytes, 1449u);
  EXPECT_EQ(server.messages[2].tag, 9u);
  EXPECT_EQ(c.counters().data_segments_sent, 4u);  // 1 + 1 + 2 segments
  ASSERT_EQ(client.messages.size(), 3u);
  EXPECT_EQ(client.messages[2].tag, 109u);
  EXPECT_EQ(f.hosts[0]->uplink()->counters().packets, 0u);
  EXPECT_THROW(c.send_message(0, 1), std::invalid_argument);
  c.close();
  EXPECT_THROW(c.send_message(10, 1), std::logic_error);
  f.sim.run_until(2_ms);
  EXPECT_EQ(f.client().live_connections(), 0u);
}

// Many request/response connections over lossy links (every 23rd packet lost
// each way: SYNs, data, FINs and final ACKs alike) all complete, close and go
// back to the pools, and no packet is left behind.
TEST(TcpClose, ManyLossyExchangesCompleteAndRecycle) {
  Fabric f(2, kTenGig);
  Dropper up(f.sim, f.pool, *f.sw), down(f.sim, f.pool, *f.sw);
  up.drop_every = 23;
  down.drop_every = 23;
  f.hosts[0]->uplink()->connect(&up);
  f.hosts[1]->uplink()->connect(&down);
  App client(f.sim), server(f.sim);
  client.send_on_established = 10'000;
  client.close_on_message = true;
  server.reply_bytes = 50'000;
  f.server().listen(80, server.callbacks());
  const int n = 100;
  for (int i = 0; i < n; ++i) f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(300_s);
  const TcpCounters& c = f.client().counters();
  const TcpCounters& s = f.server().counters();
  std::printf(
      "[ lossy    ] %zu + %zu drops; retransmissions %llu + %llu, timeouts %llu + %llu, "
      "%llu pooled connections\n",
      static_cast<std::size_t>(up.dropped), static_cast<std::size_t>(down.dropped),
      static_cast<unsigned long long>(c.retransmissions),
      static_cast<unsigned long long>(s.retransmissions),
      static_cast<unsigned long long>(c.timeouts), static_cast<unsigned long long>(s.timeouts),
      static_cast<unsigned long long>(f.client().pooled_connections()));
  EXPECT_GT(up.dropped + down.dropped, 50u);
  EXPECT_EQ(server.messages.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(client.messages.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(client.closed, n);
  EXPECT_EQ(server.closed, n);
  EXPECT_EQ(server.resets, 0);
  EXPECT_EQ(client.resets + client.timeouts + client.refused, 0);
  EXPECT_EQ(f.client().live_connections(), 0u);
  EXPECT_EQ(f.server().live_connections(), 0u);
  EXPECT_EQ(f.pool.in_use(), 0u);
}

// 7a. Everything the sender sends is lost for 1.5 s: timeouts at the 200 ms
// minimum RTO, then 400 ms and 800 ms later (backoff), and then the flow recovers.
TEST(TcpTimeout, LostTailIsRetransmittedWithExponentialBackoff) {
  Fabric f(2, kTenGig);
  Dropper drop(f.sim, f.pool, *f.sw);
  drop.drop_from = 100_us;
  drop.drop_until = 1500_ms;
  f.hosts[0]->uplink()->connect(&drop);
  App client(f.sim), server(f.sim);
  client.send_on_established = 1'000'000;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(5_s);
  ASSERT_EQ(server.messages.size(), 1u);
  EXPECT_EQ(server.messages[0].bytes, 1'000'000u);
  // The first segment lost is the head the timer resends.
  std::uint64_t head = 0;
  Time last_delivered;
  for (const auto& s : drop.log) {
    if (s.dropped) {
      head = s.seq;
      break;
    }
    last_delivered = s.at;
  }
  std::vector<Time> resent;
  for (const auto& s : drop.log) {
    if (s.seq == head && s.at > drop.drop_from) resent.push_back(s.at);
  }
  ASSERT_GE(resent.size(), 5u);
  std::printf("[ timeout  ] head resent at %s, %s, %s, %s, %s; last segment through at %s\n",
              resent[0].to_string().c_str(), resent[1].to_string().c_str(),
              resent[2].to_string().c_str(), resent[3].to_string().c_str(),
              resent[4].to_string().c_str(), last_delivered.to_string().c_str());
  EXPECT_GE(resent[1] - resent[0], 200_ms);
  EXPECT_EQ(resent[2] - resent[1], 400_ms);
  EXPECT_EQ(resent[3] - resent[2], 800_ms);
  EXPECT_EQ(resent[4] - resent[3], 1600_ms);  // through: the drop window has ended
  EXPECT_EQ(client.conn->counters().timeouts, 4u);
  EXPECT_EQ(client.conn->counters().fast_retransmits, 0u);
}

// 7b. The path dies for good: 15 retransmissions (retries2), then on_timeout
// after 0.2 s x (1 + 2 + ... + 512) + 6 x 120 s = 924.6 s, as Linux.
TEST(TcpTimeout, GivesUpAfterRetries2) {
  TcpConfig tcp;
  tcp.delayed_ack = false;  // every segment acknowledged: the last ACK is the last segment's
  Fabric f(2, kTenGig, tcp);
  Dropper drop(f.sim, f.pool, *f.sw);
  drop.drop_from = 100_us;
  f.hosts[0]->uplink()->connect(&drop);
  App client(f.sim), server(f.sim);
  client.send_on_established = 1'000'000;
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(100_us);
  ASSERT_NE(client.conn, nullptr);
  f.sim.run_until(2000_s);
  EXPECT_EQ(client.timeouts, 1);
  ASSERT_NE(client.timeout_at, Time::max());
  const TcpCounters& c = f.client().counters();
  EXPECT_EQ(c.timeouts, 16u);
  EXPECT_EQ(c.retransmissions, 15u);
  // The timer last restarted when the last ACK arrived, shortly after 100 us.
  const Time expected = 924'600_ms;
  std::printf("[ timeout  ] gave up at %s (%s after the drop began)\n",
              client.timeout_at.to_string().c_str(),
              (client.timeout_at - drop.drop_from).to_string().c_str());
  EXPECT_GT(client.timeout_at, drop.drop_from + expected);
  EXPECT_LT(client.timeout_at, drop.drop_from + expected + 100_us);
  EXPECT_EQ(f.client().live_connections(), 0u);
  EXPECT_EQ(f.client().stack_counters().timed_out, 1u);
}

TEST(TcpTimeout, ConnectGivesUpAfterSynRetries) {
  Fabric f(2, kTenGig);
  Dropper drop(f.sim, f.pool, *f.sw);
  drop.drop_syns = 100;
  f.hosts[0]->uplink()->connect(&drop);
  App client(f.sim), server(f.sim);
  f.server().listen(80, server.callbacks());
  f.client().connect(f.server_address(), 80, client.callbacks());
  f.sim.run_until(300_s);
  EXPECT_EQ(drop.dropped, 7u);  // the SYN and 6 retries
  EXPECT_EQ(client.timeouts, 1);
  EXPECT_EQ(client.timeout_at, 127_s);  // 1 + 2 + 4 + ... + 64 s
  EXPECT_EQ(f.client().live_connections(), 0u);
}

// ECN: with CE marking above 100 KB at the bottleneck and ECN-capable flows,
// windows are cut before the 250-packet queue overflows: no loss at all, and
// with no drops there is no phase lock-out even with 10 Gbps senders.
TEST(TcpCongestion, EcnEchoCutsTheWindowWithoutLoss) {
  TcpConfig tcp;
  tcp.ecn = true;
  LinkConfig bottleneck = kTenGig;
  bottleneck.queue_packets = 250;
  bottleneck.ecn_threshold_bytes = 100'000;
  Fabric f(3, kTenGig, bottleneck, tcp);
  App server(f.sim);
  f.server().listen(80, server.callbacks());
  std::deque<App> clients;
  for (std::size_t i = 0; i < 2; ++i) {
    App& a = clients.emplace_back(f.sim);
    a.send_on_established = 1'000'000'000;
    f.client(i).connect(f.server_address(), 80, a.callbacks());
  }
  f.sim.run_until(50_ms);
  const Link& port = f.sw->port(2);
  const double index = jain({static_cast<double>(f.client(0).counters().bytes_acked),
                             static_cast<double>(f.client(1).counters().bytes_acked)});
  std::printf(
      "[ ecn      ] marks %llu, drops %llu, window cuts %llu + %llu, port utilisation %.4f, "
      "Jain %.4f\n",
      static_cast<unsigned long long>(port.counters().ecn_marks),
      static_cast<unsigned long long>(port.counters().drops),
      static_cast<unsigned long long>(f.client(0).counters().ecn_reductions),
      static_cast<unsigned long long>(f.client(1).counters().ecn_reductions), port.utilisation(),
      index);
  EXPECT_GT(port.counters().ecn_marks, 0u);
  EXPECT_EQ(port.counters().drops, 0u);
  EXPECT_GT(f.client(0).counters().ecn_reductions, 0u);
  EXPECT_GT(f.client(1).counters().ecn_reductions, 0u);
  EXPECT_EQ(f.client(0).counters().retransmissions + f.client(1).counters().retransmissions, 0u);
  EXPECT_GT(port.utilisation(), 0.95);
  EXPECT_GE(index, 0.95);
}

// Ephemeral ports as Linux hands them out (__inet_hash_connect): a port is
// taken per destination (address and port), the side that closed first keeps
// its 4-tuple for TIME_WAIT's 60 s, and with none left toward a destination
// connect() fails at once (EADDRNOTAVAIL) instead of ending the run.
struct PortRig {
  static TcpConfig four_ports() {
    TcpConfig tcp;
    tcp.ephemeral_first = 40000;
    tcp.ephemeral_last = 40003;
    return tcp;
  }
  Fabric f{2, kTenGig, four_ports()};
  App client{f.sim}, server{f.sim};

  // Opens n connections from the client that each exchange 100 bytes and close.
  int exchange(Address dst, std::uint16_t port, int n) {
    int opened = 0;
    for (int i = 0; i < n; ++i) {
      if (f.client().connect(dst, port, client.callbacks()) != nullptr) ++opened;
    }
    f.sim.run_until(f.sim.now() + 10_ms);
    return opened;
  }
};

TEST(TcpPorts, TheSideThatClosedFirstHoldsItsPortTowardThatDestinationForSixtySeconds) {
  PortRig r;
  r.client.send_on_established = 100;
  r.client.close_on_message = true;  // the client closes first: TIME_WAIT is its
  r.server.reply_bytes = 100;
  r.f.server().listen(80, r.server.callbacks());
  r.f.server().listen(81, r.server.callbacks());
  const Address server = r.f.server_address();
  EXPECT_EQ(r.exchange(server, 80, 4), 4);
  EXPECT_EQ(r.client.closed, 4);
  EXPECT_EQ(r.f.client().live_connections(), 0u);
  // The connections are gone but their 4-tuples are held: port 80 has no port left.
  EXPECT_EQ(r.f.client().connect(server, 80, r.client.callbacks()), nullptr);
  EXPECT_EQ(r.f.client().stack_counters().addr_unavailable, 1u);
  EXPECT_EQ(r.f.client().stack_counters().active_opens, 4u);
  // The same four ports still serve another destination port.
  EXPECT_EQ(r.exchange(server, 81, 5), 4);
  EXPECT_EQ(r.f.client().stack_counters().addr_unavailable, 2u);
  r.f.sim.run_until(59_s);
  EXPECT_EQ(r.f.client().connect(server, 80, r.client.callbacks()), nullptr);
  r.f.sim.run_until(60_s + 10_ms);  // 60 s after the first FIN exchanges
  EXPECT_EQ(r.exchange(server, 80, 4), 4);
  EXPECT_EQ(r.f.client().stack_counters().addr_unavailable, 3u);
  EXPECT_EQ(r.server.messages.size(), 12u);
}

TEST(TcpPorts, APortIsFreeAgainAtOnceWhenThePeerClosedFirst) {
  PortRig r;
  r.client.send_on_established = 100;
  r.server.close_on_message = true;  // the server closes first: TIME_WAIT is the server's
  r.f.server().listen(80, r.server.callbacks());
  EXPECT_EQ(r.exchange(r.f.server_address(), 80, 4), 4);
  EXPECT_EQ(r.client.closed, 4);
  EXPECT_EQ(r.exchange(r.f.server_address(), 80, 4), 4);
  EXPECT_EQ(r.f.client().stack_counters().addr_unavailable, 0u);
}

TEST(TcpPorts, LoopbackReusesAPortInTimeWaitAfterOneSecond) {
  PortRig r;  // tcp_tw_reuse=2: TIME_WAIT is reused toward 127.0.0.0/8 only
  r.client.send_on_established = 100;
  r.client.close_on_message = true;
  r.server.reply_bytes = 100;
  r.f.client().listen(8080, r.server.callbacks());
  EXPECT_EQ(r.exchange(kLoopbackAddress, 8080, 4), 4);
  EXPECT_EQ(r.f.client().connect(kLoopbackAddress, 8080, r.client.callbacks()), nullptr);
  r.f.sim.run_until(1_s + 10_ms);
  EXPECT_EQ(r.exchange(kLoopbackAddress, 8080, 4), 4);
}

TEST(TcpPorts, ListeningPortsAreNeverHandedOut) {
  PortRig r;
  r.server.reply_bytes = 100;
  r.f.client().listen(40001, r.server.callbacks());
  r.f.server().listen(80, r.server.callbacks());
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 4; ++i) {
    TcpConnection* c = r.f.client().connect(r.f.server_address(), 80, r.client.callbacks());
    if (c != nullptr) ports.push_back(c->flow().src_port);
  }
  EXPECT_EQ(ports, (std::vector<std::uint16_t>{40000, 40002, 40003}));
}

}  // namespace
}  // namespace podwire::net
