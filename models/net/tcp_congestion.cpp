#include "models/net/tcp_congestion.hpp"

#include <algorithm>
#include <limits>

namespace podwire::net {

void TcpCongestion::reset(CongestionAlgorithm algorithm, std::uint32_t mss,
                          std::uint32_t initial_segments) {
  algorithm_ = algorithm;
  mss_ = mss;
  cwnd_ = static_cast<std::uint64_t>(initial_segments) * mss;
  ssthresh_ = std::numeric_limits<std::uint64_t>::max();
  ca_acked_ = 0;
}

void TcpCongestion::on_ack(std::uint64_t acked_bytes, bool cwnd_limited) {
  if (!cwnd_limited) return;
  switch (algorithm_) {
    case CongestionAlgorithm::new_reno: {
      if (cwnd_ < ssthresh_) {
        const std::uint64_t room = ssthresh_ - cwnd_;
        const std::uint64_t grow = std::min(room, acked_bytes);
        cwnd_ += grow;
        acked_bytes -= grow;
        if (acked_bytes == 0) return;
      }
      ca_acked_ += acked_bytes;
      if (ca_acked_ >= cwnd_) {
        const std::uint64_t steps = ca_acked_ / cwnd_;
        ca_acked_ -= steps * cwnd_;
        cwnd_ += steps * mss_;
      }
      return;
    }
  }
}

std::uint64_t TcpCongestion::halved() const {
  return std::max<std::uint64_t>(cwnd_ / 2, 2ULL * mss_);
}

void TcpCongestion::on_fast_retransmit() {
  switch (algorithm_) {
    case CongestionAlgorithm::new_reno:
      ssthresh_ = halved();
      ca_acked_ = 0;
      return;
  }
}

void TcpCongestion::on_timeout(bool reduce) {
  switch (algorithm_) {
    case CongestionAlgorithm::new_reno:
      if (reduce) ssthresh_ = halved();
      cwnd_ = mss_;
      ca_acked_ = 0;
      return;
  }
}

void TcpCongestion::on_ecn_echo() {
  switch (algorithm_) {
    case CongestionAlgorithm::new_reno:
      ssthresh_ = halved();
      cwnd_ = ssthresh_;
      ca_acked_ = 0;
      return;
  }
}

void TcpCongestion::set_cwnd(std::uint64_t bytes) { cwnd_ = std::max<std::uint64_t>(bytes, mss_); }

}  // namespace podwire::net
