// Ephemeral ports: taken per destination, held in TIME_WAIT by the side that
// closed first, reused sooner toward loopback, never a listening port.
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
