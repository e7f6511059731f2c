#include "models/proxy/service_table.hpp"

#include <stdexcept>

#include "models/net/host.hpp"

namespace podwire::proxy {

const char* to_string(FrontendKind k) {
  switch (k) {
    case FrontendKind::cluster_ip:
      return "ClusterIP";
    case FrontendKind::node_port:
      return "NodePort";
    case FrontendKind::load_balancer:
      return "LoadBalancer";
    case FrontendKind::external_ip:
      return "externalIP";
  }
  return "?";
}

std::uint32_t ServiceTable::add(ServiceFrontend f) {
  counted_ = false;
  frontends_.push_back(std::move(f));
  return static_cast<std::uint32_t>(frontends_.size() - 1);
}

void ServiceTable::expose(std::uint32_t frontend, FrontendKind kind, net::Address address,
                          std::uint16_t port) {
  const ServiceFrontend& f = frontends_.at(frontend);
  if (!by_address_.emplace(key(address, port, f.protocol), Slot{frontend, kind}).second) {
    throw std::invalid_argument(f.name + ": " + net::format_address(address) + ":" +
                                std::to_string(port) + " is already used by another Service");
  }
  ++virtual_addresses_[address];
}

void ServiceTable::expose_node_port(std::uint32_t frontend, std::uint16_t node_port) {
  ServiceFrontend& f = frontends_.at(frontend);
  if (!by_node_port_.emplace(key(0, node_port, f.protocol), frontend).second) {
    throw std::invalid_argument(f.name + ": nodePort " + std::to_string(node_port) +
                                " is already used by another Service");
  }
  f.node_port = node_port;
  counted_ = false;
}

void ServiceTable::count() const {
  if (counted_) return;
  backends_ = node_ports_ = 0;
  for (const ServiceFrontend& f : frontends_) {
    backends_ += f.backends.size();
    node_ports_ += f.node_port != 0 ? 1 : 0;
  }
  counted_ = true;
}

ServiceTable::Match ServiceTable::find(net::Address address, std::uint16_t port,
                                       net::Protocol protocol) const {
  const auto it = by_address_.find(key(address, port, protocol));
  if (it == by_address_.end()) return {};
  return {&frontends_[it->second.index], it->second.index, it->second.kind};
}

ServiceTable::Match ServiceTable::find_node_port(std::uint16_t port, net::Protocol protocol) const {
  const auto it = by_node_port_.find(key(0, port, protocol));
  if (it == by_node_port_.end()) return {};
  return {&frontends_[it->second], it->second, FrontendKind::node_port};
}

}  // namespace podwire::proxy
