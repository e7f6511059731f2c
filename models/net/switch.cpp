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
  if (hops_.size() <= dst_node) hops_.resize(dst_node + 1);
  Hop& h = hops_[dst_node];
  h.count = static_cast<std::uint16_t>(ports.size());
  h.first = 0;
  h.port = ports.empty() ? 0 : ports[0];
  if (ports.size() > 1) {
    const auto [it, fresh] =
        ecmp_groups_.emplace(ports, static_cast<std::uint32_t>(ecmp_ports_.size()));
    if (fresh) ecmp_ports_.insert(ecmp_ports_.end(), ports.begin(), ports.end());
    h.first = it->second;
  }
}

std::span<const std::uint16_t> Switch::route(std::uint32_t dst_node) const {
  if (dst_node >= hops_.size()) return {};
  const Hop& h = hops_[dst_node];
  if (h.count <= 1) return {&h.port, h.count};
  return {ecmp_ports_.data() + h.first, h.count};
}

void Switch::forward(Packet& p) {
  if (p.dst_node >= hops_.size() || hops_[p.dst_node].count == 0) [[unlikely]] {
    ++no_route_drops_;
    pool_.release(p);
    return;
  }
  const Hop h = hops_[p.dst_node];
  const std::uint16_t port =
      h.count == 1 ? h.port : ecmp_ports_[h.first + p.flow.hash(salt_) % h.count];
  ports_[port]->receive(p);
}

}  // namespace podwire::net
