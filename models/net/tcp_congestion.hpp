// TcpCongestion: a connection's congestion window (bytes) and its reaction to
// ACKs, losses and ECN echoes; an enum and a switch, so DCTCP or CUBIC are new
// cases, not a virtual call per ACK. Loss recovery itself is TcpConnection's.
#pragma once

#include <cstdint>

namespace podwire::net {

enum class CongestionAlgorithm : std::uint8_t {
  new_reno,  // RFC 5681 slow start and AIMD, RFC 6582 recovery in the connection
};

class TcpCongestion {
 public:
  // Initial window of initial_segments x mss; ssthresh starts unbounded.
  void reset(CongestionAlgorithm algorithm, std::uint32_t mss, std::uint32_t initial_segments);

  std::uint64_t cwnd() const { return cwnd_; }
  std::uint64_t ssthresh() const { return ssthresh_; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }

  // New data acknowledged outside loss recovery. Slow start adds the bytes
  // acked (as Linux adds packets acked), congestion avoidance one MSS per
  // window of bytes acked (Linux tcp_cong_avoid_ai, RFC 5681 eq. 3 per byte so
  // delayed ACKs do not slow growth). Only a flow that used its window grows it
  // (RFC 7661; Linux tcp_is_cwnd_limited). O(1).
  void on_ack(std::uint64_t acked_bytes, bool cwnd_limited);

  // Fast retransmit: ssthresh = max(cwnd / 2, 2 MSS) (Linux tcp_reno_ssthresh;
  // RFC 5681 eq. 4 halves the flight instead, which after a NewReno recovery
  // that inflated the flight far beyond cwnd would barely reduce anything); the
  // connection then sets cwnd for recovery.
  void on_fast_retransmit();
  // Retransmission timeout: cwnd = 1 MSS; ssthresh as above only when `reduce`
  // (the first expiry of a series outside recovery, as Linux tcp_enter_loss):
  // later expiries would halve an already collapsed window.
  void on_timeout(bool reduce);
  // An ECN echo (once per window): as a loss, but nothing to retransmit.
  void on_ecn_echo();

  // Loss recovery sets the window directly (NewReno inflation and deflation).
  void set_cwnd(std::uint64_t bytes);

 private:
  std::uint64_t halved() const;

  CongestionAlgorithm algorithm_ = CongestionAlgorithm::new_reno;
  std::uint32_t mss_ = 1448;
  std::uint64_t cwnd_ = 0;
  std::uint64_t ssthresh_ = 0;
  std::uint64_t ca_acked_ = 0;  // bytes acked towards the next one-MSS increase
};

}  // namespace podwire::net
