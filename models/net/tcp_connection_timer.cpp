// TcpConnection's timers: one event serves the RFC 6298 retransmission timer
// (with backoff and its give-up limits), the delayed ACK, the local-queue wait
// and TIME_WAIT.
#include <algorithm>

#include "models/net/tcp_connection.hpp"
#include "models/net/tcp_stack.hpp"

namespace podwire::net {

using engine::Time;

namespace {
constexpr Time kUnset = Time::max();
}  // namespace

Time TcpConnection::rto() const {
  Time t = base_rto_;
  for (std::uint32_t i = 0; i < backoff_ && t < config_.max_rto; ++i) t = t * 2;
  return std::min(t, config_.max_rto);
}

void TcpConnection::on_timer() {
  timer_ = engine::EventId{};
  timer_at_ = kUnset;
  enter();
  const Time now = sim_.now();
  if (time_wait_at_ <= now) {
    time_wait_at_ = kUnset;
    state_ = TcpState::closed;
  }
  if (state_ != TcpState::closed && rto_at_ <= now) {
    rto_at_ = kUnset;
    on_rto();
  }
  if (state_ != TcpState::closed && delack_at_ <= now) {
    delack_at_ = kUnset;
    // Delayed ACK missed: an interactive connection is not (Linux
    // tcp_delack_timer_handler leaves pingpong mode).
    if (pingpong_ >= config_.pingpong_threshold) pingpong_ = 0;
    send_ack();
  }
  if (state_ != TcpState::closed && local_queue_at_ <= now) {
    local_queue_at_ = kUnset;
    try_send();
  }
  leave();
}

void TcpConnection::on_rto() {
  count(&TcpCounters::timeouts);
  const Time now = sim_.now();
  if (state_ == TcpState::syn_sent || state_ == TcpState::syn_received) {
    const std::uint32_t limit =
        state_ == TcpState::syn_sent ? config_.syn_retries : config_.synack_retries;
    if (retries_ >= limit) {
      ++stack_.stack_counters_.timed_out;
      // A half-open server connection was never seen by its application.
      finish(state_ == TcpState::syn_sent ? callbacks_.on_timeout : nullptr, TcpEnd::timeout);
      return;
    }
    ++retries_;
    ++backoff_;  // RFC 6298 (5.5): 1 s, 2 s, 4 s, ...
    send_syn();
    rto_at_ = now + rto();
    return;
  }
  if (snd_una_ == snd_max_) return;
  if (retries_ >= config_.retries2) {
    ++stack_.stack_counters_.timed_out;
    finish(callbacks_.on_timeout, TcpEnd::timeout);
    return;
  }
  cc_.on_timeout(retries_ == 0 && !in_recovery_);
  ++retries_;
  ++backoff_;
  in_recovery_ = false;
  dupacks_ = 0;
  // Everything outstanding is presumed lost: resend from snd_una in slow start
  // (go-back-N, as Linux marks the whole queue lost), and let only losses of
  // data sent after this point trigger a fast retransmit (RFC 6582 (3.2)).
  recover_ = snd_max_;
  snd_nxt_ = snd_una_;
  send_index_ = 0;
  rto_at_ = now + rto();
  try_send();
}

void TcpConnection::enter_time_wait() {
  ++stack_.stack_counters_.closed;
  rto_at_ = delack_at_ = local_queue_at_ = kUnset;
  closed_first_ = true;
  time_wait_entered_ = sim_.now();
  if (config_.time_wait > Time::zero()) {
    state_ = TcpState::time_wait;
    time_wait_at_ = sim_.now() + config_.time_wait;
  } else {
    state_ = TcpState::closed;
  }
  notify(callbacks_.on_closed);
}

void TcpConnection::arm_timer() {
  const Time next = std::min({rto_at_, delack_at_, local_queue_at_, time_wait_at_});
  // Deadlines that moved later (the RTO on every ACK) keep the pending event,
  // which fires early and re-arms; only an earlier deadline reschedules.
  if (next == kUnset) return;
  if (timer_.valid() && timer_at_ <= next) return;
  if (timer_.valid()) sim_.cancel(timer_);
  timer_at_ = std::max(next, sim_.now());
  timer_ = sim_.schedule_at<&TcpConnection::on_timer>(timer_at_, this);
}

void TcpConnection::cancel_timer() {
  if (timer_.valid()) sim_.cancel(timer_);
  timer_ = engine::EventId{};
  timer_at_ = kUnset;
}

}  // namespace podwire::net
