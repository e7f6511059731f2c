// TcpConnection: one end of a TCP connection that carries application messages:
// handshake, MSS segmentation, cumulative ACKs, NewReno recovery, an RFC 6298
// timer, FIN/RST. A TcpStack creates and recycles it; it keeps one timer event.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/ring_queue.hpp"
#include "engine/simulator.hpp"
#include "models/net/packet.hpp"
#include "models/net/tcp_config.hpp"
#include "models/net/tcp_congestion.hpp"

namespace podwire::net {

class TcpConnection;
class TcpStack;

enum class TcpState : std::uint8_t {
  closed,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  closing,
  time_wait,
  close_wait,
  last_ack,
};
const char* to_string(TcpState state);

// What a connection tells its application: plain function pointers and one
// context, so nothing is allocated or type-erased per call; any may be null.
// After on_closed, on_refused, on_reset or on_timeout returns, the connection
// is recycled: drop every reference to it.
// The flag a message's tag carries when it is the last its sender will send
// on the connection.
inline constexpr std::uint64_t kLastMessage = std::uint64_t{1} << 63;

struct TcpCallbacks {
  void* context = nullptr;
  // The handshake completed. Messages sent from here leave at once.
  void (*on_established)(void* context, TcpConnection& c) = nullptr;
  // Server side only, just before on_established: a listener's connection. An
  // application that keeps per-connection state calls set_callbacks() here.
  void (*on_accept)(void* context, TcpConnection& c) = nullptr;
  // A whole message arrived, in order: the sender's tag and its size in bytes.
  // A tag with kLastMessage set is the sender's last on the connection (an
  // HTTP response with "Connection: close"); its segments carry the tag.
  void (*on_message)(void* context, TcpConnection& c, std::uint64_t tag,
                     std::uint64_t bytes) = nullptr;
  // The peer sent FIN after its last message. When null the connection closes
  // its own side at once, after its queued messages, as servers do on end of file.
  void (*on_peer_closed)(void* context, TcpConnection& c) = nullptr;
  // Both sides closed and every byte was acknowledged (the active closer gets
  // this on entering TIME_WAIT).
  void (*on_closed)(void* context, TcpConnection& c) = nullptr;
  // Client: the SYN was answered with RST (nobody listens on the port).
  void (*on_refused)(void* context, TcpConnection& c) = nullptr;
  // The peer aborted the connection (RST).
  void (*on_reset)(void* context, TcpConnection& c) = nullptr;
  // syn_retries SYNs or retries2 retransmissions went unanswered.
  void (*on_timeout)(void* context, TcpConnection& c) = nullptr;
};

// What a connection (and, summed, a stack) did. Segments include pure ACKs;
// retransmissions include SYNs and FINs sent again.
// How a connection ended.
enum class TcpEnd : std::uint8_t { closed, refused, reset, timeout, aborted };
const char* to_string(TcpEnd e);

struct TcpCounters {
  std::uint64_t segments_sent = 0;
  std::uint64_t data_segments_sent = 0;  // with payload, retransmissions included
  std::uint64_t bytes_sent = 0;          // payload, retransmissions included
  std::uint64_t retransmissions = 0;
  std::uint64_t fast_retransmits = 0;  // recoveries entered on duplicate ACKs
  std::uint64_t timeouts = 0;          // retransmission timer expiries, SYN included
  std::uint64_t bytes_acked = 0;       // payload acknowledged by the peer
  std::uint64_t rtt_samples = 0;
  std::uint64_t dup_acks = 0;        // duplicate ACKs received
  std::uint64_t ecn_reductions = 0;  // window cuts on ECN echo
  std::uint64_t segments_received = 0;
  std::uint64_t bytes_received = 0;  // payload delivered in order (duplicates not counted)
  std::uint64_t out_of_order_segments = 0;
  std::uint64_t messages_sent = 0;      // queued by send_message
  std::uint64_t messages_received = 0;  // delivered by on_message
};

class TcpConnection {
 public:
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Queues a message of `bytes` (>= 1) tagged `tag` and sends what the windows
  // allow. Allowed while connecting (sent once established), when established
  // and after the peer closed; std::logic_error after close() or once closed,
  // std::invalid_argument for zero bytes. O(segments sent).
  void send_message(std::uint64_t bytes, std::uint64_t tag);

  // Sends FIN once every queued message has been sent (while connecting, once
  // the handshake completes); on_closed follows the FIN exchange. A second
  // call does nothing.
  void close();

  // Sends RST (when the peer knows of this connection) and recycles the
  // connection; no callback on this side, on_reset on the peer.
  void abort();

  void set_callbacks(const TcpCallbacks& callbacks) { callbacks_ = callbacks; }
  const TcpCallbacks& callbacks() const { return callbacks_; }

  TcpState state() const { return state_; }
  // Local to remote: src is this end.
  const FlowKey& flow() const { return flow_; }
  // Shared by both ends (the client's), carried in Packet::flow_id for traces.
  std::uint64_t id() const { return id_; }
  const TcpCounters& counters() const { return counters_; }
  bool passive() const { return passive_; }
  engine::Time opened_at() const { return opened_at_; }
  engine::Time established_at() const { return established_at_; }  // zero: never
  TcpEnd end() const { return end_; }

  std::uint32_t mss() const { return config_.mss(); }
  std::uint64_t cwnd() const { return cc_.cwnd(); }  // bytes
  std::uint64_t ssthresh() const { return cc_.ssthresh(); }
  std::uint64_t bytes_in_flight() const { return snd_max_ - snd_una_; }  // sent, not acknowledged
  std::uint64_t unsent_bytes() const { return snd_end_ - snd_nxt_; }
  std::uint64_t peer_window() const { return peer_window_; }
  bool in_recovery() const { return in_recovery_; }
  engine::Time srtt() const { return srtt_; }  // zero before the first sample
  engine::Time rttvar() const { return rttvar_; }
  engine::Time rto() const;  // with the current backoff

 private:
  friend class TcpStack;

  struct OutMessage {
    std::uint64_t end = 0;  // sequence number after its last byte
    std::uint64_t tag = 0;
  };
  // A segment received beyond a hole, kept until the hole fills.
  struct OutOfOrder {
    std::uint64_t seq = 0;
    std::uint64_t end = 0;
    std::uint64_t tag = 0;
    bool message_end = false;
    bool fin = false;
  };

  TcpConnection(TcpStack& stack, engine::Simulator& sim, const TcpConfig& config,
                TcpCounters& stack_counters);

  // Entry points from the stack.
  void open_active(const FlowKey& flow, std::uint64_t id, std::uint64_t iss,
                   const TcpCallbacks& callbacks, bool owns_port);
  void open_passive(const Packet& syn, std::uint64_t iss, const TcpCallbacks& callbacks);
  void on_segment(const Packet& p);
  void on_timer();
  // Back to the state of a new object, keeping buffers' capacity.
  void reset();

  // Entry bookkeeping: the connection is recycled, or its timer armed, only
  // when the outermost entry returns, so callbacks may call abort() safely.
  void enter() { ++depth_; }
  void leave();

  // Receive path.
  void on_rst(const Packet& p);
  void on_syn_ack(const Packet& p);
  bool process_ack(const Packet& p);  // false when the segment must be dropped
  void process_data(const Packet& p);
  bool accept_in_order(std::uint64_t seq, std::uint64_t end, std::uint64_t tag, bool message_end,
                       bool fin);
  void on_fin();
  void become_established();
  void take_rtt_sample(engine::Time echoed);
  void on_duplicate_ack();

  // Send path.
  void try_send();
  void send_data(std::uint64_t seq, std::uint32_t len, const OutMessage& m);
  void retransmit_head();
  void send_syn();
  void send_ack();
  void send_fin();
  void send_rst();
  Packet& new_segment(std::uint8_t flags);
  std::uint32_t advertise_window();
  bool sending_state() const;

  // Timer.
  void on_rto();
  void arm_timer();
  void cancel_timer();
  void enter_time_wait();
  void finish(void (*callback)(void*, TcpConnection&), TcpEnd why);  // to closed, then notify
  void notify(void (*callback)(void*, TcpConnection&)) {
    if (callback != nullptr) callback(callbacks_.context, *this);
  }
  void count(std::uint64_t TcpCounters::*field, std::uint64_t n = 1) {
    counters_.*field += n;
    stack_counters_.*field += n;
  }

  TcpStack& stack_;
  engine::Simulator& sim_;
  const TcpConfig& config_;
  TcpCounters& stack_counters_;

  TcpCallbacks callbacks_;
  TcpCounters counters_;
  engine::Time opened_at_;
  engine::Time established_at_;
  TcpEnd end_ = TcpEnd::closed;
  FlowKey flow_;
  std::uint64_t id_ = 0;
  TcpState state_ = TcpState::closed;
  bool passive_ = false;
  bool owns_port_ = false;
  bool closed_first_ = false;  // entered TIME_WAIT (at time_wait_entered_)
  engine::Time time_wait_entered_;
  bool local_peer_ = false;  // same host: no uplink, no local queue limit
  int depth_ = 0;

  // Send side (64-bit sequence numbers never wrap in a run).
  std::uint64_t iss_ = 0;
  std::uint64_t snd_una_ = 0;               // oldest unacknowledged
  std::uint64_t snd_nxt_ = 0;               // next to send (moves back after a timeout)
  std::uint64_t snd_max_ = 0;               // highest sent + 1
  std::uint64_t snd_end_ = 0;               // end of queued messages; FIN takes this number
  engine::RingQueue<OutMessage> messages_;  // not fully acknowledged, oldest first
  std::size_t send_index_ = 0;              // message holding snd_nxt_
  bool fin_queued_ = false;
  std::uint64_t peer_window_ = 0;
  TcpCongestion cc_;
  bool cwnd_limited_ = false;
  bool in_write_ = false;  // send_message() is sending: its segments are the write's
  std::uint32_t dupacks_ = 0;
  bool in_recovery_ = false;
  std::uint64_t recover_ = 0;  // NewReno: snd_max_ when recovery (or a timeout) began
  std::uint32_t retries_ = 0;  // consecutive expiries without progress
  std::uint32_t backoff_ = 0;
  engine::Time srtt_;
  engine::Time rttvar_;
  engine::Time base_rto_;  // before backoff
  bool have_rtt_ = false;
  std::uint64_t ecn_recover_ = 0;  // no new ECN reduction before this is acked
  bool send_cwr_ = false;

  // Receive side.
  std::uint64_t rcv_nxt_ = 0;
  std::uint64_t rcv_edge_ = 0;  // right edge offered; never moves left
  std::uint64_t last_ack_sent_ = 0;
  engine::Time ts_recent_;
  std::uint64_t message_bytes_ = 0;       // in-order bytes of the message being received
  std::vector<OutOfOrder> out_of_order_;  // sorted by seq, disjoint
  std::uint64_t out_of_order_bytes_ = 0;
  bool ack_now_ = false;
  bool ece_echo_ = false;  // CE seen; set ECE until the sender's CWR
  // The delayed-ACK engine's state (Linux icsk_ack): quick ACKs left, answers
  // sent within ack_delay of receiving (interactive at the threshold), and
  // when data last arrived (Time::max(): never).
  std::uint32_t quickacks_left_ = 0;
  std::uint32_t pingpong_ = 0;
  engine::Time last_data_in_ = engine::Time::max();

  // One timer event for every deadline; Time::max() is unset.
  engine::Time rto_at_ = engine::Time::max();
  engine::Time delack_at_ = engine::Time::max();
  engine::Time local_queue_at_ = engine::Time::max();
  engine::Time time_wait_at_ = engine::Time::max();
  engine::EventId timer_;
  engine::Time timer_at_ = engine::Time::max();
};

}  // namespace podwire::net
