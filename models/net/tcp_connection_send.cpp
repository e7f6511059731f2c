// TcpConnection's send side: what the congestion, peer and local-queue windows
// let out, and the segments it builds (data, SYN, ACK, FIN, RST).
#include <algorithm>

#include "models/net/tcp_connection.hpp"
#include "models/net/tcp_stack.hpp"

namespace podwire::net {

using engine::Time;

namespace {
constexpr Time kUnset = Time::max();
}  // namespace

bool TcpConnection::sending_state() const {
  switch (state_) {
    case TcpState::established:
    case TcpState::close_wait:
    case TcpState::fin_wait_1:
    case TcpState::closing:
    case TcpState::last_ack:
      return true;
    default:
      return false;
  }
}

void TcpConnection::try_send() {
  if (!sending_state()) return;
  const std::uint32_t mss = config_.mss();
  // Limited Transmit (RFC 3042; Linux counts duplicate ACKs as segments that
  // left): each of the first duplicate ACKs lets one new segment out, so a
  // small window still collects enough duplicates for a fast retransmit.
  const std::uint64_t allowance = !in_recovery_ && dupacks_ < config_.dupack_threshold
                                      ? static_cast<std::uint64_t>(dupacks_) * mss
                                      : 0;
  const std::uint64_t window = cc_.cwnd() + allowance;
  bool cwnd_blocked = false;
  while (snd_nxt_ < snd_end_) {
    const OutMessage& m = messages_[send_index_];
    const auto len = static_cast<std::uint32_t>(std::min<std::uint64_t>(mss, m.end - snd_nxt_));
    // The segment at snd_una always goes: it is what every window is waiting for.
    if (snd_nxt_ != snd_una_) {
      const std::uint64_t used = snd_nxt_ + len - snd_una_;
      if (used > window) {
        cwnd_blocked = true;
        break;
      }
      if (used > peer_window_) break;
      if (local_queue_at_ != kUnset) break;  // waiting for our uplink to drain
      if (!local_peer_) {
        const Time wait = stack_.local_queue_wait();
        if (wait > Time::zero()) {
          local_queue_at_ = sim_.now() + wait;
          break;
        }
      }
    }
    send_data(snd_nxt_, len, m);
    snd_nxt_ += len;
    if (snd_nxt_ == m.end) ++send_index_;
    snd_max_ = std::max(snd_max_, snd_nxt_);
  }
  cwnd_limited_ = cwnd_blocked;
  if (fin_queued_ && snd_nxt_ == snd_end_) send_fin();
}

Packet& TcpConnection::new_segment(std::uint8_t flags) {
  Packet& p = stack_.pool_.allocate();
  const Time now = sim_.now();
  p.flow = flow_;
  p.flow_id = id_;
  p.created = now;
  p.ts_val = now;
  p.ts_ecr = ts_recent_;
  if (flags & tcp_flags::ack) {
    if (rcv_nxt_ > last_ack_sent_ && quickacks_left_ > 0)
      --quickacks_left_;  // tcp_dec_quickack_mode
    p.ack = rcv_nxt_;
    last_ack_sent_ = rcv_nxt_;
    ack_now_ = false;
    delack_at_ = kUnset;
    if (ece_echo_) flags |= tcp_flags::ece;
  }
  p.tcp_flags = flags;
  p.window = advertise_window();
  count(&TcpCounters::segments_sent);
  return p;
}

std::uint32_t TcpConnection::advertise_window() {
  const std::uint64_t free = config_.receive_buffer > out_of_order_bytes_
                                 ? config_.receive_buffer - out_of_order_bytes_
                                 : 0;
  // Never move the right edge left (RFC 7323 (2.4), Linux tcp_select_window):
  // a shrinking window would make the duplicate ACKs of a loss look like
  // window updates.
  rcv_edge_ = std::max(rcv_edge_, rcv_nxt_ + free);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(rcv_edge_ - rcv_nxt_, 0xFFFFFFFFULL));
}

void TcpConnection::send_data(std::uint64_t seq, std::uint32_t len, const OutMessage& m) {
  std::uint8_t flags = tcp_flags::ack;
  if (seq + len == m.end) flags |= tcp_flags::psh;
  if (send_cwr_) {
    flags |= tcp_flags::cwr;
    send_cwr_ = false;
  }
  // An answer within ack_delay of the last data in: the connection is
  // interactive (Linux tcp_event_data_sent, inet_csk_inc_pingpong_cnt).
  if (last_data_in_ != kUnset && sim_.now() - last_data_in_ < config_.ack_delay &&
      pingpong_ < config_.pingpong_threshold) {
    ++pingpong_;
  }
  Packet& p = new_segment(flags);
  p.seq = seq;
  p.payload_bytes = len;
  p.wire_bytes = len + kTcpSegmentOverhead;
  p.request_id = m.tag;
  p.ecn_capable = config_.ecn;
  p.sent_by = seq < snd_max_ ? SentBy::retransmission : in_write_ ? SentBy::write : SentBy::kernel;
  count(&TcpCounters::data_segments_sent);
  count(&TcpCounters::bytes_sent, len);
  if (seq < snd_max_) count(&TcpCounters::retransmissions);
  if (rto_at_ == kUnset) rto_at_ = sim_.now() + rto();  // RFC 6298 (5.1)
  stack_.transmit(p);
}

void TcpConnection::retransmit_head() {
  if (snd_una_ < snd_end_) {
    const OutMessage& m = messages_.front();
    const auto len =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(config_.mss(), m.end - snd_una_));
    send_data(snd_una_, len, m);
  } else if (fin_queued_ && snd_max_ > snd_end_) {
    send_fin();
  }
}

void TcpConnection::send_syn() {
  std::uint8_t flags = tcp_flags::syn;
  if (passive_) flags |= tcp_flags::ack;
  if (counters_.segments_sent > 0) count(&TcpCounters::retransmissions);  // the SYN is always first
  Packet& p = new_segment(flags);
  p.seq = iss_;
  p.wire_bytes = kTcpSynBytes;
  stack_.transmit(p);
}

void TcpConnection::send_ack() {
  Packet& p = new_segment(tcp_flags::ack);
  p.seq = snd_nxt_;
  p.wire_bytes = kTcpSegmentOverhead;
  stack_.transmit(p);
}

void TcpConnection::send_fin() {
  if (snd_max_ > snd_end_) count(&TcpCounters::retransmissions);
  Packet& p = new_segment(tcp_flags::fin | tcp_flags::ack);
  p.seq = snd_end_;
  p.wire_bytes = kTcpSegmentOverhead;
  snd_nxt_ = snd_end_ + 1;
  snd_max_ = std::max(snd_max_, snd_nxt_);
  if (rto_at_ == kUnset) rto_at_ = sim_.now() + rto();
  if (state_ == TcpState::established) {
    state_ = TcpState::fin_wait_1;
  } else if (state_ == TcpState::close_wait) {
    state_ = TcpState::last_ack;
  }
  stack_.transmit(p);
}

void TcpConnection::send_rst() {
  // snd_max is inside the peer's window even after a timeout moved snd_nxt back.
  Packet& p = new_segment(tcp_flags::rst | tcp_flags::ack);
  p.seq = snd_max_;
  p.wire_bytes = kTcpSegmentOverhead;
  ++stack_.stack_counters_.resets_sent;
  stack_.transmit(p);
}

}  // namespace podwire::net
