// TcpRelay: one hop of a proxied TCP stream, as `kubectl port-forward` builds
// them: kubectl on the user's machine, the API server, and the kubelet of the
// pod's node each accept a connection, open their own towards the next hop
// and copy each message across after their processing latency. The kubelet's
// last hop dials the pod's own localhost from inside its network namespace.
// (kubectl multiplexes its streams over one connection to the API server;
// here each forwarded connection has its own, which costs the same per
// request once connections are up.)
#pragma once

#include <cstdint>
#include <string>

#include "engine/ring_queue.hpp"
#include "engine/simulator.hpp"
#include "engine/slot_pool.hpp"
#include "models/net/tcp_stack.hpp"

namespace podwire::kube {

struct TcpRelayCounters {
  std::uint64_t connections = 0;
  std::uint64_t messages_forwarded = 0;  // both directions
  std::uint64_t upstream_failures = 0;   // refused, reset, timed out or no local port
};

class TcpRelay {
 public:
  // Listens on listen_stack:listen_port; each accepted connection gets its own
  // connection from upstream_stack to upstream:upstream_port.
  TcpRelay(net::TcpStack& listen_stack, std::uint16_t listen_port, net::TcpStack& upstream_stack,
           net::Address upstream, std::uint16_t upstream_port, engine::Time latency,
           std::string name);
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  const std::string& name() const { return name_; }
  engine::Time latency() const { return latency_; }
  const TcpRelayCounters& counters() const { return counters_; }

 private:
  struct Message {
    engine::Time due;
    std::uint64_t tag;
    std::uint64_t bytes;
    bool upward;  // from the accepted side towards upstream
  };
  struct Pair {
    TcpRelay* relay = nullptr;
    std::uint32_t index = 0;
    net::TcpConnection* down = nullptr;
    net::TcpConnection* up = nullptr;
    bool up_ready = false;
    bool in_use = false;
    engine::RingQueue<Message> due;      // in latency order (constant latency keeps FIFO)
    engine::RingQueue<Message> waiting;  // upward, until the upstream connection is up
  };

  static net::TcpCallbacks down_callbacks(Pair* p);
  static net::TcpCallbacks up_callbacks(Pair* p);
  static void on_accept(void* ctx, net::TcpConnection& c);
  Pair& allocate();
  void release(Pair& p);
  void enqueue(Pair& p, std::uint64_t tag, std::uint64_t bytes, bool upward);
  void on_due(std::uint64_t pair);
  void send(Pair& p, const Message& m);

  net::TcpStack& listen_stack_;
  net::TcpStack& upstream_stack_;
  net::Address upstream_;
  std::uint16_t upstream_port_;
  engine::Time latency_;
  std::string name_;
  engine::Simulator& sim_;
  engine::SlotPool<Pair> pairs_;
  TcpRelayCounters counters_;
};

}  // namespace podwire::kube
