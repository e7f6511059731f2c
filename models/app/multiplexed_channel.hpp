// MultiplexedChannel: how a gRPC client (HTTP/2) reaches one target: a
// long-lived connection per backend address, on which every request of the
// client is a stream of its own, many in flight at once, answered in any
// order. With pick_first (gRPC's default) the name's first address carries
// everything: behind a ClusterIP that is one connection, which kube-proxy
// pins to one endpoint, so a client pod's requests all go to one pod. With
// round_robin the channel keeps a connection to every address the name
// resolves to (a headless Service's pods) and deals the requests over them
// in turn. A connection that fails fails its requests in flight; the next
// request resolves the name again and reconnects.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "engine/ring_queue.hpp"
#include "models/app/name_resolver.hpp"
#include "models/app/requests.hpp"
#include "models/app/upstream.hpp"
#include "models/net/tcp_stack.hpp"

namespace podwire::app {

struct ChannelConfig {
  std::string host;  // a name or an address literal
  std::uint16_t port = 80;
  bool round_robin = false;  // false: pick_first
};

struct ChannelCounters {
  std::uint64_t connections_opened = 0;
  std::uint64_t resolutions = 0;
};

class MultiplexedChannel final : public Upstream {
 public:
  MultiplexedChannel(net::TcpStack& stack, NameResolver& resolver, RequestTable& table,
                     ChannelConfig config, Done done, void* context);
  MultiplexedChannel(const MultiplexedChannel&) = delete;
  MultiplexedChannel& operator=(const MultiplexedChannel&) = delete;

  // O(1) amortised; an answer finds its request among the connection's
  // streams in flight in O(streams).
  void send(std::uint64_t request, std::uint64_t request_bytes, std::uint64_t cookie) override;

  const ChannelConfig& config() const { return config_; }
  const ChannelCounters& counters() const { return counters_; }
  std::size_t connections() const { return active_.size(); }

 private:
  struct Pending {
    std::uint64_t request = 0;
    std::uint64_t bytes = 0;
    std::uint64_t cookie = 0;
  };
  struct Subchannel {
    MultiplexedChannel* channel = nullptr;
    net::Address address = 0;
    net::TcpConnection* tcp = nullptr;  // null: not connected
    bool established = false;
    std::vector<Pending> waiting;    // sent before the connection was up
    std::vector<Pending> in_flight;  // streams awaiting their answer
  };

  void resolve();
  static void on_resolved(void* context, std::uint64_t, bool ok, net::Address address);
  void dispatch(const Pending& p);
  void connect(Subchannel& s);
  void transmit(Subchannel& s, const Pending& p, bool reused);
  void fail_all(Subchannel& s, RequestStatus status);
  void finish(const Pending& p, RequestStatus status);

  net::TcpStack& stack_;
  NameResolver& resolver_;
  RequestTable& table_;
  ChannelConfig config_;
  Done done_;
  void* context_;
  std::deque<Subchannel> subchannels_;  // every address seen (their connections point here)
  std::vector<std::size_t> active_;     // those of the last resolution, in its order
  bool resolved_ = false;
  bool resolving_ = false;
  std::size_t next_ = 0;                   // round_robin: the next subchannel
  engine::RingQueue<Pending> unresolved_;  // waiting for the name
  ChannelCounters counters_;
};

}  // namespace podwire::app
