// TcpStack: a host's TCP: listening ports, connect() with ephemeral ports,
// demultiplexing of arriving segments to connections by 4-tuple, resets for
// segments that match nothing, and a pool that recycles connection objects.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include "engine/flat_hash_map.hpp"
#include "engine/ring_queue.hpp"
#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "models/net/endpoint.hpp"
#include "models/net/packet_sink.hpp"
#include "models/net/tcp_config.hpp"
#include "models/net/tcp_connection.hpp"

namespace podwire::net {

struct TcpStackCounters {
  std::uint64_t active_opens = 0;      // connect() calls
  std::uint64_t passive_opens = 0;     // SYNs taken by a listener
  std::uint64_t established = 0;       // handshakes completed, both roles
  std::uint64_t refused = 0;           // connect() answered by RST
  std::uint64_t resets_received = 0;   // connections ended by a peer's RST
  std::uint64_t timed_out = 0;         // connections given up (SYN or data retries)
  std::uint64_t closed = 0;            // orderly closes
  std::uint64_t aborted = 0;           // abort() calls
  std::uint64_t resets_sent = 0;       // by abort() and for segments that match nothing
  std::uint64_t addr_unavailable = 0;  // connect() calls that found no free port (EADDRNOTAVAIL)
};

class TcpStack final : public PacketSink {
 public:
  // Registers itself as the endpoint's TCP stack (endpoint.set_tcp_stack(this)).
  // std::invalid_argument naming the field for a config validate() refuses.
  explicit TcpStack(Endpoint& endpoint, TcpConfig config = {});
  // Unregisters, cancels its connections' timers and releases packets it holds.
  ~TcpStack() override;
  TcpStack(const TcpStack&) = delete;
  TcpStack& operator=(const TcpStack&) = delete;

  // Accepts connections on `port`; each gets a copy of `callbacks` and
  // on_accept. std::invalid_argument when the port is already listening.
  void listen(std::uint16_t port, const TcpCallbacks& callbacks);
  void stop_listening(std::uint16_t port) { listeners_.erase(port); }
  // Every connection when it is done with (closed, refused, reset, timed
  // out or aborted), just before the stack reuses it.
  engine::Signal<const TcpConnection&> connection_ended;

  // What the kernel does when a killed process's sockets go: every connection
  // is reset (RST to peers that know it), without callbacks on this side.
  void abort_all();

  // Opens a connection from the next free ephemeral port and sends SYN. A port
  // is free toward (dst, dst_port) when no live connection of this stack has
  // that 4-tuple and none that closed first holds it (TcpConfig::time_wait_ports);
  // listening ports are never taken. The pointer stays valid until the
  // connection is recycled (see TcpCallbacks). Null, with nothing sent, when
  // no port is free toward that destination: Linux's EADDRNOTAVAIL, counted in
  // stack_counters().addr_unavailable. O(1) amortised, and O(1) when the
  // destination has no port left.
  TcpConnection* connect(Address dst, std::uint16_t dst_port, const TcpCallbacks& callbacks);

  // Takes an arriving segment: to its connection, to a listener, or answered
  // with RST. Releases the packet. O(1) expected (hash lookup).
  void receive(Packet& p) override;

  Endpoint& endpoint() { return host_; }
  const TcpConfig& config() const { return config_; }
  // Summed over every connection this stack has had.
  const TcpCounters& counters() const { return counters_; }
  const TcpStackCounters& stack_counters() const { return stack_counters_; }
  std::size_t live_connections() const { return live_; }
  std::size_t pooled_connections() const { return all_.size(); }

 private:
  friend class TcpConnection;

  struct FlowKeyHash {
    std::size_t operator()(const FlowKey& k) const { return static_cast<std::size_t>(k.hash()); }
  };

  TcpConnection& allocate();
  // 0 when no ephemeral port is free toward (dst, dst_port).
  std::uint16_t allocate_port(Address local, Address dst, std::uint16_t dst_port);
  // Lets go of the 4-tuples whose hold has ended.
  void release_holds();
  static std::uint64_t destination(Address dst, std::uint16_t dst_port) {
    return static_cast<std::uint64_t>(dst) << 16 | dst_port;
  }
  // Puts a segment on the wire, or on the loopback queue for this host.
  void transmit(Packet& p);
  void on_loopback();
  void send_reset_for(const Packet& p);
  // How long until the uplink has drained below the local queue limit; zero
  // when a segment may be sent now.
  engine::Time local_queue_wait() const;
  // Called by a connection that reached CLOSED with no entry point active.
  void recycle(TcpConnection& c);
  std::uint64_t next_iss() { return next_iss_ += std::uint64_t{1} << 32; }

  Endpoint& host_;
  engine::Simulator& sim_;
  PacketPool& pool_;
  TcpConfig config_;
  std::unordered_map<std::uint16_t, TcpCallbacks> listeners_;
  // Keyed by the flow of arriving segments (remote to local): by_flow_ for the
  // lookups (open addressing, one cache line per segment), connections_ for
  // the order in which abort_all has always walked them.
  engine::FlatHashMap<FlowKey, TcpConnection*, FlowKeyHash> by_flow_;
  std::unordered_map<FlowKey, TcpConnection*, FlowKeyHash> connections_;
  std::vector<std::unique_ptr<TcpConnection>> all_;
  std::vector<TcpConnection*> free_;
  // Ephemeral ports are taken per destination, by a live connection (in
  // connections_) or by a hold after TIME_WAIT began (in held_, keyed as
  // connections_, and in hold_ends_, soonest end first).
  struct Hold {
    engine::Time until;
    FlowKey key;
    bool operator>(const Hold& o) const { return until > o.until; }
  };
  engine::FlatHashMap<FlowKey, engine::Time, FlowKeyHash> held_;
  std::priority_queue<Hold, std::vector<Hold>, std::greater<>> hold_ends_;
  engine::FlatHashMap<std::uint64_t, std::uint32_t> taken_toward_;  // by destination()
  std::uint16_t next_port_;
  std::uint64_t next_iss_ = 0;
  std::uint64_t next_id_ = 0;
  std::size_t live_ = 0;
  engine::RingQueue<Packet*> loopback_;
  bool loopback_scheduled_ = false;
  engine::EventId loopback_event_;
  TcpCounters counters_;
  TcpStackCounters stack_counters_;
};

}  // namespace podwire::net
