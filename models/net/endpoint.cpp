#include "models/net/endpoint.hpp"

#include <stdexcept>

namespace podwire::net {

void Endpoint::send(Packet& p) {
  if (p.flow.src == 0) p.flow.src = address_;
  if (p.flow.dst == address_ || is_loopback(p.flow.dst)) {
    deliver(p);
    return;
  }
  egress(p);
}

std::uint64_t Endpoint::send_udp(std::uint16_t src_port, Address dst, std::uint16_t dst_port,
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

void Endpoint::bind_udp(std::uint16_t port, DatagramHandler handler, void* context) {
  if (!udp_.emplace(port, UdpSocket{handler, context}).second) {
    throw std::invalid_argument("'" + name_ + "': UDP port " + std::to_string(port) +
                                " is already bound");
  }
}

void Endpoint::deliver(Packet& p) {
  pool_.trace(p, HopKind::delivered, name_);
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

}  // namespace podwire::net
