#include "models/net/switch.hpp"

#include <stdexcept>

namespace podwire::net {

Switch::Switch(engine::Simulator& sim, PacketPool& pool, std::string name,
               engine::Time forwarding_latency, std::uint64_t ecmp_salt)
    : pool_(pool), name_(std::move(name)), salt_(ecmp_salt), forwarding_(sim, forwarding_latency) {
  if (forwarding_latency < engine::Time::zero()) {
    throw std::invalid_argument("switch '" + name_ +
                                "': forwarding latency must not be negative, got " +
                                forwarding_latency.to_string());
  }
  forwarding_.connect(&forwarder_);
}

std::uint16_t Switch::add_port(Link& egress) {
  if (ports_.size() >= 0xFFFF) throw std::length_error("switch '" + name_ + "': too many ports");
  ports_.push_back(&egress);
  return static_cast<std::uint16_t>(ports_.size() - 1);
}

void Switch::set_route(std::uint32_t dst_node, std::vector<std::uint16_t> ports) {
  for (std::uint16_t port : ports) {
    if (port >= ports_.size()) {
      throw std::out_of_range("switch '" + name_ + "': route to host " + std::to_string(dst_node) +
                              " names port " + std::to_string(port) + " of " +
                              std::to_string(ports_.size()));
    }
  }
  if (routes_.size() <= dst_node) routes_.resize(dst_node + 1);
  routes_[dst_node] = std::move(ports);
}

const std::vector<std::uint16_t>& Switch::route(std::uint32_t dst_node) const {
  static const std::vector<std::uint16_t> kNone;
  return dst_node < routes_.size() ? routes_[dst_node] : kNone;
}

void Switch::forward(Packet& p) {
  if (p.dst_node >= routes_.size() || routes_[p.dst_node].empty()) [[unlikely]] {
    ++no_route_drops_;
    pool_.release(p);
    return;
  }
  const std::vector<std::uint16_t>& group = routes_[p.dst_node];
  const std::uint16_t port =
      group.size() == 1 ? group[0] : group[p.flow.hash(salt_) % group.size()];
  ports_[port]->receive(p);
}

}  // namespace podwire::net
