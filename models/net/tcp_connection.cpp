// TcpConnection's life and the application's calls: opening either way,
// send_message/close/abort, and the entry bookkeeping that recycles a closed
// connection. Receive, send and timers: tcp_connection_{receive,send,timer}.cpp.
#include "models/net/tcp_connection.hpp"

#include <stdexcept>
#include <string>

#include "models/net/tcp_stack.hpp"

namespace podwire::net {

using engine::Time;

namespace {
constexpr Time kUnset = Time::max();
}  // namespace

const char* to_string(TcpState state) {
  switch (state) {
    case TcpState::closed:
      return "CLOSED";
    case TcpState::syn_sent:
      return "SYN_SENT";
    case TcpState::syn_received:
      return "SYN_RECEIVED";
    case TcpState::established:
      return "ESTABLISHED";
    case TcpState::fin_wait_1:
      return "FIN_WAIT_1";
    case TcpState::fin_wait_2:
      return "FIN_WAIT_2";
    case TcpState::closing:
      return "CLOSING";
    case TcpState::time_wait:
      return "TIME_WAIT";
    case TcpState::close_wait:
      return "CLOSE_WAIT";
    case TcpState::last_ack:
      return "LAST_ACK";
  }
  return "?";
}

TcpConnection::TcpConnection(TcpStack& stack, engine::Simulator& sim, const TcpConfig& config,
                             TcpCounters& stack_counters)
    : stack_(stack), sim_(sim), config_(config), stack_counters_(stack_counters) {
  reset();
}

void TcpConnection::reset() {
  callbacks_ = TcpCallbacks{};
  counters_ = TcpCounters{};
  opened_at_ = established_at_ = engine::Time::zero();
  end_ = TcpEnd::closed;
  flow_ = FlowKey{};
  id_ = 0;
  state_ = TcpState::closed;
  passive_ = false;
  owns_port_ = false;
  closed_first_ = false;
  time_wait_entered_ = engine::Time::zero();
  local_peer_ = false;
  depth_ = 0;
  iss_ = snd_una_ = snd_nxt_ = snd_max_ = snd_end_ = 0;
  messages_.clear();
  send_index_ = 0;
  fin_queued_ = false;
  peer_window_ = 0;
  cc_.reset(config_.congestion, config_.mss(), config_.initial_cwnd_segments);
  cwnd_limited_ = false;
  dupacks_ = 0;
  in_recovery_ = false;
  recover_ = 0;
  retries_ = 0;
  backoff_ = 0;
  srtt_ = rttvar_ = Time::zero();
  base_rto_ = config_.initial_rto;
  have_rtt_ = false;
  ecn_recover_ = 0;
  send_cwr_ = false;
  rcv_nxt_ = rcv_edge_ = last_ack_sent_ = 0;
  ts_recent_ = Time::zero();
  message_bytes_ = 0;
  out_of_order_.clear();
  out_of_order_bytes_ = 0;
  ack_now_ = false;
  quickacks_left_ = pingpong_ = 0;
  last_data_in_ = kUnset;
  ece_echo_ = false;
  rto_at_ = delack_at_ = local_queue_at_ = time_wait_at_ = kUnset;
  timer_ = engine::EventId{};
  timer_at_ = kUnset;
}

void TcpConnection::open_active(const FlowKey& flow, std::uint64_t id, std::uint64_t iss,
                                const TcpCallbacks& callbacks, bool owns_port) {
  flow_ = flow;
  id_ = id;
  callbacks_ = callbacks;
  owns_port_ = owns_port;
  opened_at_ = sim_.now();
  local_peer_ = flow.dst == flow.src;
  iss_ = iss;
  snd_una_ = iss;
  snd_nxt_ = snd_max_ = snd_end_ = iss + 1;
  recover_ = iss + 1;
  ecn_recover_ = iss + 1;
  state_ = TcpState::syn_sent;
  enter();
  send_syn();
  rto_at_ = sim_.now() + rto();
  leave();
}

void TcpConnection::open_passive(const Packet& syn, std::uint64_t iss,
                                 const TcpCallbacks& callbacks) {
  flow_ = syn.flow.reversed();
  id_ = syn.flow_id;
  callbacks_ = callbacks;
  passive_ = true;
  opened_at_ = sim_.now();
  local_peer_ = flow_.dst == flow_.src;
  iss_ = iss;
  snd_una_ = iss;
  snd_nxt_ = snd_max_ = snd_end_ = iss + 1;
  recover_ = iss + 1;
  ecn_recover_ = iss + 1;
  rcv_nxt_ = rcv_edge_ = last_ack_sent_ = syn.seq + 1;
  ts_recent_ = syn.ts_val;
  peer_window_ = syn.window;
  state_ = TcpState::syn_received;
  enter();
  send_syn();
  rto_at_ = sim_.now() + rto();
  leave();
}

void TcpConnection::send_message(std::uint64_t bytes, std::uint64_t tag) {
  if (bytes == 0) {
    throw std::invalid_argument("TcpConnection::send_message: a message needs at least one byte");
  }
  const bool open = state_ == TcpState::syn_sent || state_ == TcpState::syn_received ||
                    state_ == TcpState::established || state_ == TcpState::close_wait;
  if (!open || fin_queued_) {
    throw std::logic_error(std::string("TcpConnection::send_message: connection is ")
                               .append(fin_queued_ ? "closing" : to_string(state_)));
  }
  enter();
  snd_end_ += bytes;
  messages_.push_back(OutMessage{snd_end_, tag});
  count(&TcpCounters::messages_sent);
  in_write_ = true;
  try_send();
  in_write_ = false;
  leave();
}

void TcpConnection::close() {
  if (fin_queued_ || state_ == TcpState::closed || state_ == TcpState::time_wait) return;
  enter();
  fin_queued_ = true;
  try_send();  // while connecting, the FIN waits for the handshake like queued messages
  leave();
}

void TcpConnection::abort() {
  if (state_ == TcpState::closed) return;
  enter();
  if (state_ != TcpState::syn_sent && state_ != TcpState::time_wait) send_rst();
  ++stack_.stack_counters_.aborted;
  state_ = TcpState::closed;
  end_ = TcpEnd::aborted;
  leave();
}

void TcpConnection::leave() {
  if (--depth_ > 0) return;
  if (state_ == TcpState::closed) {
    stack_.recycle(*this);
    return;
  }
  arm_timer();
}

const char* to_string(TcpEnd e) {
  switch (e) {
    case TcpEnd::closed:
      return "closed";
    case TcpEnd::refused:
      return "refused";
    case TcpEnd::reset:
      return "reset";
    case TcpEnd::timeout:
      return "timeout";
    case TcpEnd::aborted:
      return "aborted";
  }
  return "?";
}

void TcpConnection::finish(void (*callback)(void*, TcpConnection&), TcpEnd why) {
  state_ = TcpState::closed;
  end_ = why;
  notify(callback);
}

}  // namespace podwire::net
