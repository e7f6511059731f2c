// UdpSource and UdpLatencySink: an open-loop datagram generator (fixed wire
// size, gaps from a distribution, destinations drawn uniformly from a list) and
// a receiver that measures one-way latency from each packet's creation time.
// Workload R1 and other fabric benchmarks are built from these two.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/latency_histogram.hpp"
#include "engine/random_stream.hpp"
#include "engine/running_stats.hpp"
#include "models/net/host.hpp"

namespace podwire::net {

struct UdpSourceConfig {
  std::uint32_t wire_bytes = 1500;  // on the wire: payload + UDP + IPv4 headers
  std::uint16_t src_port = 40000;
  std::uint16_t dst_port = 9;
  engine::Distribution gap =
      engine::Distribution::exponential(2.4e-6);  // seconds between datagrams
  engine::Time stop_at = engine::Time::max();     // no datagram is sent at or after this time
};

class UdpSource {
 public:
  // Draws gaps from stream "<host name>/udp-gaps" and destinations from
  // "<host name>/udp-destinations". std::invalid_argument when the wire size
  // cannot hold the headers or there are no destinations.
  UdpSource(Endpoint& host, const engine::RandomRoot& random, UdpSourceConfig config,
            std::vector<Address> destinations);

  void start();
  std::uint64_t sent() const { return sent_; }

 private:
  void send_next();

  Endpoint& host_;
  UdpSourceConfig config_;
  std::vector<Address> destinations_;
  engine::RandomStream gaps_;
  engine::RandomStream choose_;
  std::uint64_t sent_ = 0;
};

class UdpLatencySink {
 public:
  UdpLatencySink(Endpoint& host, std::uint16_t port);

  std::uint64_t received() const { return latency_.count(); }
  const engine::LatencyHistogram& latency() const { return latency_; }  // picoseconds
  const engine::RunningStats& latency_us() const { return latency_us_; }

 private:
  static void on_datagram(void* context, const Packet& p);

  Endpoint& host_;
  engine::LatencyHistogram latency_;
  engine::RunningStats latency_us_;
};

}  // namespace podwire::net
