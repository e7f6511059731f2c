#include "models/net/tcp_config.hpp"

#include <stdexcept>
#include <string>

namespace podwire::net {

void validate(const TcpConfig& c) {
  auto refuse = [](const char* field, const std::string& why) {
    throw std::invalid_argument(std::string("TcpConfig.").append(field).append(": ").append(why));
  };
  if (c.mtu <= kTcpSegmentOverhead) {
    refuse("mtu", std::string("must exceed the ")
                      .append(std::to_string(kTcpSegmentOverhead))
                      .append(" header bytes"));
  }
  if (c.initial_rto <= engine::Time::zero()) refuse("initial_rto", "must be positive");
  if (c.min_rto <= engine::Time::zero()) refuse("min_rto", "must be positive");
  if (c.max_rto < c.min_rto) refuse("max_rto", "must not be below min_rto");
  if (c.dupack_threshold == 0) refuse("dupack_threshold", "must be at least 1");
  if (c.initial_cwnd_segments == 0) refuse("initial_cwnd_segments", "must be at least 1");
  if (c.receive_buffer < c.mss()) refuse("receive_buffer", "must hold at least one MSS");
  if (c.receive_buffer > 0xFFFFFFFFULL) {
    refuse("receive_buffer", "must fit the 32-bit window field");
  }
  if (c.delayed_ack && c.ack_delay <= engine::Time::zero()) refuse("ack_delay", "must be positive");
  if (c.time_wait < engine::Time::zero()) refuse("time_wait", "must not be negative");
  if (c.time_wait_ports < engine::Time::zero()) refuse("time_wait_ports", "must not be negative");
  if (c.ephemeral_first == 0 || c.ephemeral_last < c.ephemeral_first) {
    refuse("ephemeral_first", "the range must be non-empty and start above 0");
  }
}

}  // namespace podwire::net
