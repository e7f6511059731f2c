// TcpConnection's receive side: segments in (RST, SYN-ACK, ACKs, data, FIN),
// cumulative ACKs with NewReno recovery and RTT samples, and out-of-order
// segments reassembled into in-order messages for the application.
#include <algorithm>

#include "models/net/tcp_connection.hpp"
#include "models/net/tcp_stack.hpp"

namespace podwire::net {

using engine::Time;

namespace {
constexpr Time kUnset = Time::max();
}  // namespace

void TcpConnection::become_established() {
  state_ = TcpState::established;
  established_at_ = sim_.now();
  ++stack_.stack_counters_.established;
  if (passive_) notify(callbacks_.on_accept);
  if (state_ == TcpState::established) notify(callbacks_.on_established);
}

void TcpConnection::on_segment(const Packet& p) {
  enter();
  count(&TcpCounters::segments_received);
  const std::uint8_t f = p.tcp_flags;
  if (f & tcp_flags::rst) {
    on_rst(p);
  } else if (state_ == TcpState::syn_sent) {
    on_syn_ack(p);
  } else if (f & tcp_flags::syn) {
    // Our SYN-ACK or our handshake ACK was lost and the peer sent its SYN again.
    if (state_ == TcpState::syn_received && !(f & tcp_flags::ack)) {
      send_syn();
    } else if (state_ != TcpState::syn_received) {
      ack_now_ = true;
    }
  } else if (f & tcp_flags::ack) {
    // RFC 7323 (4.3): keep the timestamp of the segment our next ACK covers, so
    // the echo measures from the oldest unacknowledged segment.
    if (p.seq <= last_ack_sent_ && p.ts_val >= ts_recent_) ts_recent_ = p.ts_val;
    if (process_ack(p) && (p.payload_bytes > 0 || (f & tcp_flags::fin))) process_data(p);
    if (state_ != TcpState::closed) try_send();
  }
  if (ack_now_ && state_ != TcpState::closed && state_ != TcpState::syn_sent) send_ack();
  leave();
}

void TcpConnection::on_rst(const Packet& p) {
  switch (state_) {
    case TcpState::syn_sent:
      if ((p.tcp_flags & tcp_flags::ack) && p.ack == iss_ + 1) {
        ++stack_.stack_counters_.refused;
        finish(callbacks_.on_refused, TcpEnd::refused);
      }
      return;
    case TcpState::time_wait:
      state_ = TcpState::closed;
      return;
    default:
      break;
  }
  // RFC 793: a reset outside the window offered is stale and ignored.
  if (p.seq < rcv_nxt_ || p.seq > rcv_edge_) return;
  ++stack_.stack_counters_.resets_received;
  if (state_ == TcpState::syn_received) {
    state_ = TcpState::closed;  // the application never saw it
    return;
  }
  // Our FIN is all that is missing: the peer is gone, but every byte arrived.
  const bool all_delivered = fin_queued_ && snd_una_ >= snd_end_;
  if ((state_ == TcpState::last_ack || state_ == TcpState::closing) && all_delivered) {
    ++stack_.stack_counters_.closed;
    finish(callbacks_.on_closed, TcpEnd::closed);
  } else {
    finish(callbacks_.on_reset, TcpEnd::reset);
  }
}

void TcpConnection::on_syn_ack(const Packet& p) {
  const std::uint8_t f = p.tcp_flags;
  const std::uint8_t syn_ack = tcp_flags::syn | tcp_flags::ack;
  if ((f & syn_ack) != syn_ack || p.ack != iss_ + 1) return;
  rcv_nxt_ = rcv_edge_ = last_ack_sent_ = p.seq + 1;
  ts_recent_ = p.ts_val;
  peer_window_ = p.window;
  snd_una_ = iss_ + 1;
  retries_ = 0;
  backoff_ = 0;
  take_rtt_sample(p.ts_ecr);
  rto_at_ = kUnset;
  ack_now_ = true;
  become_established();
  // Data queued while connecting goes now, the first segment carrying the ACK.
  if (state_ == TcpState::established) try_send();
}

void TcpConnection::take_rtt_sample(Time echoed) {
  const Time r = sim_.now() - echoed;
  if (r < Time::zero()) return;
  count(&TcpCounters::rtt_samples);
  // RFC 6298 (2.2, 2.3) with alpha = 1/8, beta = 1/4.
  if (!have_rtt_) {
    srtt_ = r;
    rttvar_ = r / 2;
    have_rtt_ = true;
  } else {
    const Time err = srtt_ > r ? srtt_ - r : r - srtt_;
    rttvar_ = (rttvar_ * 3 + err) / 4;
    srtt_ = (srtt_ * 7 + r) / 8;
  }
  base_rto_ = std::clamp(srtt_ + rttvar_ * 4, config_.min_rto, config_.max_rto);
}

bool TcpConnection::process_ack(const Packet& p) {
  if (state_ == TcpState::syn_received) {
    if (p.ack != iss_ + 1) return false;
    snd_una_ = iss_ + 1;
    peer_window_ = p.window;
    retries_ = 0;
    backoff_ = 0;
    take_rtt_sample(p.ts_ecr);
    rto_at_ = kUnset;
    become_established();
    return state_ == TcpState::established;
  }
  const std::uint64_t ack = p.ack;
  if (ack > snd_max_) {
    ack_now_ = true;  // acknowledges what was never sent (RFC 793): answer, drop
    return false;
  }
  if (ack < snd_una_) return true;  // an old ACK; its data may still be new
  const bool window_changed = p.window != peer_window_;
  peer_window_ = p.window;
  if (ack == snd_una_) {
    const bool duplicate = p.payload_bytes == 0 && !(p.tcp_flags & tcp_flags::fin) &&
                           !window_changed && snd_max_ > snd_una_;
    if (duplicate) on_duplicate_ack();
    return true;
  }

  const std::uint64_t flight_before = snd_nxt_ - snd_una_;
  const std::uint64_t acked = ack - snd_una_;
  const std::uint64_t payload_acked = std::min(ack, snd_end_) - std::min(snd_una_, snd_end_);
  count(&TcpCounters::bytes_acked, payload_acked);
  // Timestamps make every ACK of new data a valid sample, retransmitted or not
  // (RFC 7323 (4.1)), so Karn's rule is not needed.
  take_rtt_sample(p.ts_ecr);
  snd_una_ = ack;
  if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
  while (!messages_.empty() && messages_.front().end <= snd_una_) {
    messages_.pop_front();
    if (send_index_ > 0) --send_index_;
  }
  while (send_index_ < messages_.size() && messages_[send_index_].end <= snd_nxt_) ++send_index_;
  retries_ = 0;
  backoff_ = 0;

  const std::uint32_t mss = config_.mss();
  if (in_recovery_) {
    if (ack >= recover_) {
      // RFC 6582 (3.2, step 3, option 1): deflate without a burst.
      const std::uint64_t flight = snd_max_ - snd_una_;
      cc_.set_cwnd(std::min(cc_.ssthresh(), std::max<std::uint64_t>(flight, mss) + mss));
      in_recovery_ = false;
      dupacks_ = 0;
    } else {
      // Partial ACK: the next hole is lost too. Retransmit it, deflate by what
      // was acknowledged and add back one MSS (RFC 6582 (3.2, step 5)).
      retransmit_head();
      std::uint64_t w = cc_.cwnd() > acked ? cc_.cwnd() - acked : 0;
      if (acked >= mss) w += mss;
      cc_.set_cwnd(w);
    }
  } else {
    dupacks_ = 0;
    // Linux tcp_is_cwnd_limited: in slow start, a flow using half its window counts.
    const bool limited = cwnd_limited_ || (cc_.in_slow_start() && 2 * flight_before >= cc_.cwnd());
    cc_.on_ack(payload_acked, limited);
  }
  if (config_.ecn && (p.tcp_flags & tcp_flags::ece) && !in_recovery_ && snd_una_ >= ecn_recover_) {
    // RFC 3168 (6.1.2): at most one reduction per window of data.
    cc_.on_ecn_echo();
    ecn_recover_ = snd_max_;
    send_cwr_ = true;
    count(&TcpCounters::ecn_reductions);
  }
  rto_at_ = snd_una_ == snd_max_ ? kUnset : sim_.now() + rto();

  if (fin_queued_ && snd_una_ == snd_end_ + 1) {
    switch (state_) {
      case TcpState::fin_wait_1:
        state_ = TcpState::fin_wait_2;
        break;
      case TcpState::closing:
        enter_time_wait();
        break;
      case TcpState::last_ack:
        ++stack_.stack_counters_.closed;
        finish(callbacks_.on_closed, TcpEnd::closed);
        break;
      default:
        break;
    }
  }
  return state_ != TcpState::closed;
}

void TcpConnection::on_duplicate_ack() {
  count(&TcpCounters::dup_acks);
  ++dupacks_;
  const std::uint32_t mss = config_.mss();
  if (in_recovery_) {
    cc_.set_cwnd(cc_.cwnd() + mss);  // one more segment has left the network
    return;
  }
  // RFC 6582 (3.2, step 1): only a loss beyond the last recovery or timeout
  // starts a new one, so duplicates of go-back-N resends do not.
  if (dupacks_ != config_.dupack_threshold || snd_una_ < recover_) return;
  cc_.on_fast_retransmit();
  recover_ = snd_max_;
  in_recovery_ = true;
  count(&TcpCounters::fast_retransmits);
  retransmit_head();
  cc_.set_cwnd(cc_.ssthresh() + static_cast<std::uint64_t>(config_.dupack_threshold) * mss);
}

void TcpConnection::process_data(const Packet& p) {
  const std::uint64_t seq = p.seq;
  const std::uint64_t end = seq + p.payload_bytes;
  const bool fin = p.tcp_flags & tcp_flags::fin;
  const bool message_end = p.tcp_flags & tcp_flags::psh;
  if (p.ecn_marked) ece_echo_ = true;
  if (p.tcp_flags & tcp_flags::cwr) ece_echo_ = false;
  const bool peer_finished = state_ == TcpState::close_wait || state_ == TcpState::last_ack ||
                             state_ == TcpState::closing || state_ == TcpState::time_wait;
  // Entirely old (a retransmission we already have), or out of order beyond
  // the offered window: acknowledge at once so the sender learns where we are.
  // In-order data is always taken (Linux prunes out-of-order data to make room).
  if (peer_finished || end + (fin ? 1 : 0) <= rcv_nxt_ || (seq > rcv_nxt_ && end > rcv_edge_)) {
    ack_now_ = true;
    return;
  }
  if (seq > rcv_nxt_) {
    auto at = std::lower_bound(out_of_order_.begin(), out_of_order_.end(), seq,
                               [](const OutOfOrder& s, std::uint64_t v) { return s.seq < v; });
    if (at == out_of_order_.end() || at->seq != seq) {
      out_of_order_.insert(at, OutOfOrder{seq, end, p.request_id, message_end, fin});
      out_of_order_bytes_ += end - seq;
    }
    count(&TcpCounters::out_of_order_segments);
    ack_now_ = true;  // a duplicate ACK for the sender's fast retransmit
    return;
  }
  const bool filled_hole = !out_of_order_.empty();
  if (end > rcv_nxt_) {
    // Linux tcp_event_data_recv: quickack mode on the first data, and again
    // after a gap longer than the RTO. Set before the application sees the
    // data, so an answer it sends at once counts as interactive.
    const Time now = sim_.now();
    if (last_data_in_ == kUnset || now - last_data_in_ > rto()) quickacks_left_ = config_.quickacks;
    last_data_in_ = now;
  }
  if (!accept_in_order(seq, end, p.request_id, message_end, fin)) return;
  std::size_t used = 0;
  while (used < out_of_order_.size() && out_of_order_[used].seq <= rcv_nxt_) {
    const OutOfOrder s = out_of_order_[used++];
    out_of_order_bytes_ -= s.end - s.seq;
    if (!accept_in_order(s.seq, s.end, s.tag, s.message_end, s.fin)) return;
  }
  out_of_order_.erase(out_of_order_.begin(),
                      out_of_order_.begin() + static_cast<std::ptrdiff_t>(used));

  // The application may have answered from on_message or on_peer_closed: its
  // segment carried the ACK already, and another would be a needless segment
  // (one that can even reach the peer in TIME_WAIT).
  if (rcv_nxt_ <= last_ack_sent_) return;
  // GRO merged this segment with the next, right behind it: TCP sees one
  // packet and decides on its ACK at the last segment.
  if (p.gro_held && !filled_hole && !fin) return;
  const bool quick = quickacks_left_ > 0 && pingpong_ < config_.pingpong_threshold;
  if (filled_hole || fin || !config_.delayed_ack || quick ||
      rcv_nxt_ - last_ack_sent_ > config_.mss()) {
    // Linux acknowledges at once when more than one full segment is unacknowledged.
    ack_now_ = true;
  } else if (delack_at_ == kUnset) {
    delack_at_ = sim_.now() + config_.ack_delay;
  }
}

bool TcpConnection::accept_in_order(std::uint64_t seq, std::uint64_t end, std::uint64_t tag,
                                    bool message_end, bool fin) {
  if (end > rcv_nxt_) {
    const std::uint64_t fresh = end - std::max(seq, rcv_nxt_);
    rcv_nxt_ = end;
    message_bytes_ += fresh;
    count(&TcpCounters::bytes_received, fresh);
    if (message_end) {
      const std::uint64_t bytes = message_bytes_;
      message_bytes_ = 0;
      count(&TcpCounters::messages_received);
      if (callbacks_.on_message != nullptr) {
        callbacks_.on_message(callbacks_.context, *this, tag, bytes);
      }
      if (state_ == TcpState::closed) return false;
    }
  } else if (end < rcv_nxt_ || !fin) {
    return true;  // nothing new
  }
  if (fin) on_fin();
  return state_ != TcpState::closed;
}

void TcpConnection::on_fin() {
  rcv_nxt_ += 1;
  ack_now_ = true;
  switch (state_) {
    case TcpState::established:
      state_ = TcpState::close_wait;
      if (callbacks_.on_peer_closed != nullptr) {
        notify(callbacks_.on_peer_closed);
      } else {
        close();
      }
      break;
    case TcpState::fin_wait_1:
      state_ = TcpState::closing;
      break;
    case TcpState::fin_wait_2:
      send_ack();
      enter_time_wait();
      break;
    default:
      break;
  }
}

}  // namespace podwire::net
