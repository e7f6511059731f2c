#include "models/proxy/iptables.hpp"

#include <numeric>

namespace podwire::proxy {

Iptables::Iptables(node::KernelDatapath& datapath, const ServiceTable& services,
                   const ProxyConfig& config, engine::RandomStream random)
    : ServiceProxy(datapath, services, config, random),
      layout_(iptables_layout(config.version)),
      // Its own stream, so that drawing the order leaves the endpoint draws as they are.
      order_random_(engine::RandomStream(random).next_u64() ^ 0x4b5542452d534552ULL) {}

void Iptables::settle() const {
  if (settled_) return;
  settled_ = true;
  node_ports_ = static_cast<std::uint32_t>(services_.node_port_count());
  const std::uint64_t n = services_.size();
  if (config_.rule_order == RuleOrder::map_order && n > 1) {
    do {
      stride_ = 1 + order_random_.uniform_int(n - 1);
    } while (std::gcd(stride_, n) != 1);
    start_ = order_random_.uniform_int(n);
  }
}

void Iptables::rules_rewritten() {
  settle();
  const std::uint64_t n = services_.size();
  if (config_.rule_order == RuleOrder::map_order && n > 1) start_ = order_random_.uniform_int(n);
}

std::uint32_t Iptables::position(const ServiceFrontend& f) const {
  settle();
  if (config_.rule_order != RuleOrder::map_order) return f.position;
  const std::uint64_t n = services_.size();
  return static_cast<std::uint32_t>((stride_ * f.position + start_) % n);
}

IptablesWalk Iptables::walk(const Lookup& l) const {
  settle();
  const ServiceFrontend& f = l.frontend;
  IptablesWalkInput in;
  in.kind = l.kind;
  in.services = static_cast<std::uint32_t>(l.services);
  in.position = position(f);
  in.node_ports = node_ports_;
  // KUBE-NODEPORTS is written in the same pass over the Services, so a
  // NodePort sits as far down its chain as its Service down KUBE-SERVICES.
  in.node_port_position = l.services == 0
                              ? 0
                              : static_cast<std::uint32_t>(static_cast<std::uint64_t>(in.position) *
                                                           node_ports_ / l.services);
  in.has_node_port = f.node_port != 0;
  in.external_local = f.external_local && l.kind != FrontendKind::cluster_ip;
  in.chosen = static_cast<std::uint32_t>(l.chosen);
  in.off_cluster_source = l.off_cluster_source && l.kind == FrontendKind::cluster_ip;
  return iptables_walk(layout_, in);
}

engine::Time Iptables::lookup_cost(const Lookup& l) const {
  // The walk is arithmetic on the position: 30,000 Services cost no more to
  // simulate than 100.
  return config_.costs.iptables_rule * static_cast<std::int64_t>(walk(l).total());
}

std::uint64_t Iptables::sync_writes(const SyncCosts& c, bool full, std::uint64_t changed_frontends,
                                    std::uint64_t changed_endpoints, std::uint64_t services,
                                    std::uint64_t endpoints) const {
  // A full restore writes every rule (per Service port: its KUBE-SERVICES
  // rule, its chain and masquerade rule; per endpoint: its probability rule,
  // its KUBE-SEP chain and two rules there). A partial restore writes
  // KUBE-SERVICES in full and only the changed Services' chains, with all
  // their endpoints.
  const auto per_service = static_cast<std::uint64_t>(c.rules_per_service);
  const auto per_endpoint = static_cast<std::uint64_t>(c.rules_per_endpoint);
  if (full) return services * per_service + endpoints * per_endpoint;
  return services + changed_frontends * (per_service - 1) + changed_endpoints * per_endpoint;
}

engine::Time Iptables::sync_duration(const SyncCosts& c, bool, std::uint64_t writes, std::uint64_t,
                                     std::uint64_t) const {
  return c.iptables_restore_base + c.iptables_per_rule * static_cast<std::int64_t>(writes);
}

std::string Iptables::describe_lookup(const Lookup& l) const {
  const IptablesWalk w = walk(l);
  const std::string order =
      config_.rule_order == RuleOrder::map_order ? " in this sync's order" : "";
  return "iptables (kube-proxy " + config_.version.to_string() + ", " + to_string(layout_) +
         "): this Service's rule " + std::to_string(position(l.frontend) + 1) + " of " +
         std::to_string(l.services) + " in KUBE-SERVICES" + order + ", endpoint " +
         std::to_string(l.chosen + 1) + " in KUBE-SVC; rules walked: " + w.to_string();
}

}  // namespace podwire::proxy
