#include "models/net/host.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace podwire::net {

Host::Host(engine::Simulator& sim, PacketPool& pool, const AddressBook& addresses, std::string name,
           std::uint32_t node, Address address, std::uint32_t rss_queues)
    : Endpoint(sim, pool, std::move(name), node, address),
      addresses_(addresses),
      node_(node),
      nic_(rss_queues, 0x5bd1e995ULL * (node + 1)) {}

void Host::forward(Packet& p) {
  if (p.flow.src == 0) p.flow.src = address();
  const Address fabric_dst = p.encap.present() ? p.encap.outer_dst : p.flow.dst;
  const std::uint32_t dst = fabric_dst == address() ? node_ : addresses_.node_of(fabric_dst);
  if (dst == node_) {
    // Local: the kernel hands it back without the NIC or the fabric.
    p.dst_node = node_;
    if (datapath_ != nullptr) {
      datapath_->receive(p);
    } else {
      deliver(p);
    }
    return;
  }
  if (dst == AddressBook::kNone || uplink_ == nullptr) [[unlikely]] {
    ++no_route_drops_;
    pool().release(p);
    return;
  }
  p.dst_node = dst;
  uplink_->receive(p);
}

void Host::forward_to(Packet& p, std::uint32_t node) {
  if (uplink_ == nullptr || node == node_) [[unlikely]] {
    ++no_route_drops_;
    pool().release(p);
    return;
  }
  p.dst_node = node;
  uplink_->receive(p);
}

void Host::receive(Packet& p) {
  const std::uint32_t q = nic_.on_receive(p);
  p.rx_queue = static_cast<std::uint16_t>(q);
  if (rx_moderation_.delay == engine::Time::zero()) return take(p);
  std::vector<Packet*>& waiting = rx_waiting_[q];
  if (waiting.empty()) simulator().schedule_in<&Host::on_rx_interrupt>(rx_wait(q), this, q);
  waiting.push_back(&p);
}

void Host::set_rx_moderation(const RxModeration& moderation) {
  rx_moderation_ = moderation;
  rx_waiting_.assign(nic_.queue_count(), {});
  rx_state_.assign(nic_.queue_count(), RxQueueState{});
}

namespace {
// The driver's next update is due within a jiffy (HZ=250, Ubuntu's generic
// kernels); a queue that had no interrupt for longer starts again from the
// latency setting.
constexpr engine::Time kJiffy = engine::Time::ms(4);
constexpr engine::Time kItrFloor = engine::Time::us(2);  // ICE_ITR_ADAPTIVE_MIN_USECS
}  // namespace

engine::Time Host::rx_wait(std::uint32_t queue) {
  const RxQueueState& s = rx_state_[queue];
  if (s.itr == engine::Time::zero() || simulator().now() - s.last_interrupt > kJiffy) {
    return rx_moderation_.delay;
  }
  return std::max(rx_moderation_.delay, s.itr);
}

void Host::adapt(std::uint32_t queue, std::uint64_t packets, std::uint64_t bytes) {
  RxQueueState& s = rx_state_[queue];
  const engine::Time now = simulator().now();
  const engine::Time current = rx_wait(queue);
  s.last_interrupt = now;
  if (rx_moderation_.step == engine::Time::zero()) return;
  if (packets < 4 && bytes < 9000) {
    s.itr = engine::Time::zero();  // few small packets: latency-driven
  } else if (packets < 56) {
    s.itr = std::min(current + rx_moderation_.step, std::max(rx_moderation_.max, current));
  } else if (packets <= 112) {
    s.itr = current;  // "just right"
  } else if (packets <= 256) {
    s.itr = std::max(current / 2, kItrFloor);
  } else {
    // Bulk: from the mean packet size and the link's speed
    // (ice_adjust_itr_by_size_and_speed: 17 us-units at 100 Gbit/s, twice
    // that at 50, ... 170 at 10 Gbit/s and below).
    const double gbps =
        uplink_ != nullptr ? static_cast<double>(uplink_->config().rate.bps()) / 1e9 : 10.0;
    const double factor = gbps >= 100  ? 17
                          : gbps >= 50 ? 34
                          : gbps >= 40 ? 43
                          : gbps >= 25 ? 68
                          : gbps >= 20 ? 85
                                       : 170;
    const double size = static_cast<double>(bytes) / static_cast<double>(packets);
    const double us = std::ceil(factor * (size + 24) / (size + 640));
    s.itr = std::min(engine::Time::us(static_cast<std::int64_t>(us)), rx_moderation_.max);
  }
}

void Host::on_rx_interrupt(std::uint64_t queue) {
  // The poll takes the whole batch; packets arriving while it runs wait for
  // the next interrupt.
  rx_batch_.swap(rx_waiting_[queue]);
  std::uint64_t bytes = 0;
  for (const Packet* p : rx_batch_) bytes += p->wire_bytes;
  adapt(static_cast<std::uint32_t>(queue), rx_batch_.size(), bytes);
  for (Packet* p : rx_batch_) take(*p);
  rx_batch_.clear();
}

void Host::take(Packet& p) {
  if (datapath_ != nullptr) {
    datapath_->receive(p);
  } else {
    deliver(p);
  }
}

engine::Time Host::egress_backlog_wait(std::uint64_t limit_bytes) const {
  if (limit_bytes == 0 || uplink_ == nullptr) return engine::Time::zero();
  const auto queued = static_cast<std::uint64_t>(uplink_->queued_bytes());
  if (queued < limit_bytes) return engine::Time::zero();
  // Wake when half the limit has drained: the port stays busy meanwhile, and
  // senders wake once per half-limit of bytes, not once per segment.
  const auto drain = static_cast<std::int64_t>(queued - limit_bytes / 2);
  return std::max(engine::Time::ps(1), uplink_->config().rate.serialization(engine::Bytes(drain)));
}

void AddressBook::add(Address a, std::uint32_t node) {
  if (!nodes_.emplace(a, node).second) {
    throw std::invalid_argument("address " + format_address(a) + " is already in use");
  }
}

std::string format_address(Address a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xFF) + "." +
         std::to_string((a >> 8) & 0xFF) + "." + std::to_string(a & 0xFF);
}

Address parse_address(std::string_view text) {
  Address out = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    unsigned octet = 256;
    const auto [next, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || octet > 255 || (i < 3 && (next == end || *next != '.'))) {
      throw std::invalid_argument("'" + std::string(text) + "' is not an IPv4 address");
    }
    out = out << 8 | octet;
    p = i < 3 ? next + 1 : next;
  }
  if (p != end) throw std::invalid_argument("'" + std::string(text) + "' is not an IPv4 address");
  return out;
}

}  // namespace podwire::net
