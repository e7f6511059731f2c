// A relay hop whose own stack has no local port left toward the next hop
// resets the stream it accepted, as a proxy whose connect() fails with
// EADDRNOTAVAIL closes its client's connection; the streams it holds go on.
#include "models/kube/tcp_relay.hpp"

#include <gtest/gtest.h>

#include <string>

#include "models/net/network.hpp"

namespace podwire::kube {
namespace {

using engine::Time;

struct Peer {
  int established = 0, resets = 0, accepted = 0;
  net::TcpCallbacks callbacks() {
    net::TcpCallbacks cb;
    cb.context = this;
    cb.on_established = [](void* c, net::TcpConnection&) { ++static_cast<Peer*>(c)->established; };
    cb.on_reset = [](void* c, net::TcpConnection&) { ++static_cast<Peer*>(c)->resets; };
    cb.on_accept = [](void* c, net::TcpConnection&) { ++static_cast<Peer*>(c)->accepted; };
    return cb;
  }
};

TEST(TcpRelay, AHopWithoutALocalPortResetsTheStreamItAccepted) {
  engine::Simulator sim;
  net::PacketPool pool;
  net::Network net{sim, pool};
  net::Switch& sw = net.add_switch("s0");
  const net::LinkConfig link{engine::BitRate::parse("10Gbps"), Time::us(1), 1000, 0, 0};
  net::Host& user = net.add_host("user", net::parse_address("10.0.0.1"));
  net::Host& hop = net.add_host("hop", net::parse_address("10.0.0.2"));
  net::Host& server = net.add_host("server", net::parse_address("10.0.0.3"));
  for (net::Host* h : {&user, &hop, &server}) net.connect(*h, sw, link);
  net.compute_routes();
  net::TcpConfig one_port;
  one_port.ephemeral_first = one_port.ephemeral_last = 40000;
  net::TcpStack user_stack(user), hop_stack(hop, one_port), server_stack(server);
  Peer upstream, first, second;
  server_stack.listen(80, upstream.callbacks());
  TcpRelay relay(hop_stack, 8080, hop_stack, server.address(), 80, Time::us(10), "hop");
  user_stack.connect(hop.address(), 8080, first.callbacks());
  sim.run_until(Time::ms(1));
  user_stack.connect(hop.address(), 8080, second.callbacks());
  sim.run_until(Time::ms(2));
  EXPECT_EQ(upstream.accepted, 1);
  EXPECT_EQ(first.resets, 0);
  EXPECT_EQ(second.resets, 1);
  EXPECT_EQ(relay.counters().connections, 2u);
  EXPECT_EQ(relay.counters().upstream_failures, 1u);
  EXPECT_EQ(hop_stack.stack_counters().addr_unavailable, 1u);
}

}  // namespace
}  // namespace podwire::kube
