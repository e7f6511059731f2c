// Nic: the receive side of a host's network card. Receive-side scaling spreads
// flows over queues by a salted 5-tuple hash, so one flow always lands on one
// queue (and, with the node CPU model, one core).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "models/net/packet.hpp"

namespace podwire::net {

class Nic {
 public:
  explicit Nic(std::uint32_t rss_queues = 1, std::uint64_t rss_salt = 0)
      : salt_(rss_salt), rx_packets_(rss_queues) {
    if (rss_queues == 0) throw std::invalid_argument("NIC: rss_queues must be at least 1");
  }

  std::uint32_t queue_count() const { return static_cast<std::uint32_t>(rx_packets_.size()); }
  std::uint32_t rss_queue(const FlowKey& flow) const {
    return rx_packets_.size() == 1
               ? 0
               : static_cast<std::uint32_t>(flow.hash(salt_) % rx_packets_.size());
  }

  // Counts the packet on its queue and returns the queue.
  std::uint32_t on_receive(const Packet& p) {
    const std::uint32_t q = rss_queue(p.flow);
    ++rx_packets_[q];
    return q;
  }
  std::uint64_t rx_packets(std::uint32_t queue) const { return rx_packets_.at(queue); }

 private:
  std::uint64_t salt_;
  std::vector<std::uint64_t> rx_packets_;
};

}  // namespace podwire::net
