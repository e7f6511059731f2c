// TCP's endings and give-ups: refused and reset connections, close, abort
// and TIME_WAIT, recycling of connection objects, retransmission backoff,
// retries2 and syn_retries, and ECN's window cuts without loss.
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

}  // namespace
}  // namespace podwire::net
