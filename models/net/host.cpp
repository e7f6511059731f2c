#include "models/net/host.hpp"

#include <algorithm>
#include <charconv>
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
  if (rx_moderation_ == engine::Time::zero()) return take(p);
  std::vector<Packet*>& waiting = rx_waiting_[q];
  if (waiting.empty()) simulator().schedule_in<&Host::on_rx_interrupt>(rx_moderation_, this, q);
  waiting.push_back(&p);
}

void Host::set_rx_moderation(engine::Time delay) {
  rx_moderation_ = delay;
  rx_waiting_.assign(nic_.queue_count(), {});
}

void Host::on_rx_interrupt(std::uint64_t queue) {
  // The poll takes the whole batch; packets arriving while it runs wait for
  // the next interrupt.
  rx_batch_.swap(rx_waiting_[queue]);
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
