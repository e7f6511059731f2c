#include "models/proxy/load_balancer.hpp"

namespace podwire::proxy {

LoadBalancer::LoadBalancer(net::Host& host, const ServiceTable& services,
                           std::vector<std::uint32_t> nodes)
    : host_(host), services_(services), nodes_(std::move(nodes)), per_node_(nodes_.size(), 0) {
  healthy_.reserve(nodes_.size());
  host_.set_datapath(this);
}

void LoadBalancer::receive(net::Packet& p) {
  ++counters_.packets;
  const ServiceTable::Match m = services_.find(p.flow.dst, p.flow.dst_port, p.flow.protocol);
  if (m.frontend == nullptr || m.kind != FrontendKind::load_balancer || nodes_.empty()) {
    ++counters_.no_target;
    host_.pool().release(p);
    return;
  }
  healthy_.clear();
  if (m.frontend->external_local) {
    // The health check node port answers only where a ready endpoint runs.
    // It reads the shared table, not each node's programmed view: the health
    // checks are taken as instant. (Each node's kube-proxy answers them from
    // the endpoints it knows, and the balancer polls every few seconds.)
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      for (const Backend& b : m.frontend->backends) {
        if (b.node == nodes_[i] && b.ready) {
          healthy_.push_back(i);
          break;
        }
      }
    }
  } else {
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) healthy_.push_back(i);
  }
  if (healthy_.empty()) {
    ++counters_.no_target;
    host_.pool().release(p);
    return;
  }
  const std::uint32_t pick = healthy_[p.flow.hash(0x4c42) % healthy_.size()];
  ++per_node_[pick];
  host_.forward_to(p, nodes_[pick]);
}

}  // namespace podwire::proxy
