// UdpUpstream: how a client reaches one target host:port with UDP datagrams,
// from a socket of its own: one local port, connect()ed once, so the name is
// resolved at the first datagram and kept (as StatsD and trace-agent clients
// do), and the flow is one conntrack entry, which sends every datagram of it
// to one endpoint of a Service while the entry lives. Fire and forget: a
// request is one datagram, finished `ok` as it is handed to the kernel.
// With replies: one datagram out and one back, matched by request id; an
// attempt still unanswered after `timeout` is sent again, `retries` times,
// then the request fails with `timeout`.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/ring_queue.hpp"
#include "engine/slot_pool.hpp"
#include "models/app/name_resolver.hpp"
#include "models/app/requests.hpp"
#include "models/app/upstream.hpp"
#include "models/net/endpoint.hpp"

namespace podwire::app {

struct UdpUpstreamConfig {
  std::string host;  // a name or an address literal
  std::uint16_t port = 0;
  bool reply = false;  // false: fire and forget
  // With replies (resolv.conf(5)'s defaults for the glibc resolver: timeout
  // 5 s, attempts 2).
  engine::Time timeout = engine::Time::s(5);
  int retries = 1;
};

struct UdpUpstreamCounters {
  std::uint64_t datagrams = 0;  // sent, retries included
  std::uint64_t replies = 0;    // matched to a request in flight
  std::uint64_t late_replies = 0;
  std::uint64_t timeouts = 0;  // attempts that went unanswered
  std::uint64_t retries = 0;
  std::uint64_t resolutions = 0;
};

class UdpUpstream final : public Upstream {
 public:
  // Binds the first free UDP port from 50000 up in the endpoint's namespace
  // (the stub resolver's 40000-41023 stay apart); the port stays bound to it
  // for the endpoint's life.
  UdpUpstream(net::Endpoint& endpoint, NameResolver& resolver, RequestTable& table,
              UdpUpstreamConfig config, Done done, void* context);
  UdpUpstream(const UdpUpstream&) = delete;
  UdpUpstream& operator=(const UdpUpstream&) = delete;

  // O(1) amortised. `done` is called after the send returns, never inside it.
  void send(std::uint64_t request, std::uint64_t request_bytes, std::uint64_t cookie) override;

  const UdpUpstreamConfig& config() const { return config_; }
  const UdpUpstreamCounters& counters() const { return counters_; }
  std::uint16_t local_port() const { return local_port_; }

 private:
  struct Pending {
    std::uint64_t request = 0;
    std::uint64_t bytes = 0;
    std::uint64_t cookie = 0;
  };

  void resolve();
  static void on_resolved(void* context, std::uint64_t, bool ok, net::Address address);
  void transmit(const Pending& p);
  void arm_timeout(std::uint64_t request);
  static void on_timeout(void* self, std::uint64_t arg);
  static void on_datagram(void* self, const net::Packet& p);
  // `done` for a finished request in an event of its own.
  void done_later(const Pending& p);
  void on_later(std::uint64_t slot);

  net::Endpoint& endpoint_;
  NameResolver& resolver_;
  RequestTable& table_;
  UdpUpstreamConfig config_;
  Done done_;
  void* context_;
  std::uint16_t local_port_ = 0;
  net::Address address_ = 0;
  bool resolved_ = false;
  bool resolving_ = false;
  engine::RingQueue<Pending> unresolved_;
  std::unordered_map<std::uint64_t, Pending> in_flight_;  // with replies: by request id
  engine::SlotPool<Pending> later_;
  UdpUpstreamCounters counters_;
};

}  // namespace podwire::app
