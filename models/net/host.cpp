#include "models/net/host.hpp"

#include <charconv>
#include <stdexcept>

namespace podwire::net {

Host::Host(engine::Simulator& sim, PacketPool& pool, const AddressBook& addresses, std::string name,
           std::uint32_t node, Address address, std::uint32_t rss_queues)
    : sim_(sim),
      pool_(pool),
      addresses_(addresses),
      name_(std::move(name)),
      node_(node),
      address_(address),
      nic_(rss_queues, 0x5bd1e995ULL * (node + 1)) {}

void Host::send(Packet& p) {
  if (p.flow.src == 0) p.flow.src = address_;
  const Address fabric_dst = p.encap.present() ? p.encap.outer_dst : p.flow.dst;
  const std::uint32_t dst = fabric_dst == address_ ? node_ : addresses_.node_of(fabric_dst);
  if (dst == node_) {
    // Loopback: the kernel hands it back without the NIC or the fabric.
    p.dst_node = node_;
    deliver(p);
    return;
  }
  if (dst == AddressBook::kNone || uplink_ == nullptr) [[unlikely]] {
    ++no_route_drops_;
    pool_.release(p);
    return;
  }
  p.dst_node = dst;
  uplink_->receive(p);
}

std::uint64_t Host::send_udp(std::uint16_t src_port, Address dst, std::uint16_t dst_port,
                             std::uint32_t payload_bytes, std::uint64_t request_id) {
  Packet& p = pool_.allocate();
  p.flow = FlowKey{address_, dst, src_port, dst_port, Protocol::udp};
  p.payload_bytes = payload_bytes;
  p.wire_bytes = payload_bytes + kUdpHeader + kIpv4Header;
  p.request_id = request_id;
  p.created = sim_.now();
  const std::uint64_t id = p.id;
  send(p);
  return id;
}

void Host::bind_udp(std::uint16_t port, DatagramHandler handler, void* context) {
  if (!udp_.emplace(port, UdpSocket{handler, context}).second) {
    throw std::invalid_argument("host '" + name_ + "': UDP port " + std::to_string(port) + " is already bound");
  }
}

void Host::receive(Packet& p) {
  nic_.on_receive(p);
  deliver(p);
}

void Host::deliver(Packet& p) {
  if (p.flow.protocol == Protocol::tcp && tcp_ != nullptr) {
    tcp_->receive(p);
    return;
  }
  if (p.flow.protocol == Protocol::udp) {
    const auto it = udp_.find(p.flow.dst_port);
    if (it != udp_.end()) {
      it->second.handler(it->second.context, p);
    } else {
      ++udp_unreachable_;
    }
  }
  pool_.release(p);
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
