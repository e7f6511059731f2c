#include "models/proxy/iptables.hpp"

namespace podwire::proxy {

engine::Time Iptables::lookup_cost(const ServiceFrontend& f, FrontendKind kind,
                                   std::size_t services, std::size_t chosen) const {
  // KUBE-SERVICES: one rule per Service port, in order; the jump to
  // KUBE-NODEPORTS is its last rule, and that chain lists NodePorts in order.
  // The walk is arithmetic on the position: 30,000 Services cost no more to
  // simulate than 100.
  const std::uint64_t walk =
      kind == FrontendKind::node_port ? services + 1 + f.position + 1 : f.position + 1;
  // KUBE-SVC-*: `statistic --probability` rules until one fires, then the
  // KUBE-SEP-* chain's mark and DNAT.
  const std::uint64_t rules = walk + chosen + 1 + 2;
  return config_.costs.iptables_rule * static_cast<std::int64_t>(rules);
}

std::uint64_t Iptables::sync_writes(const SyncCosts& c, bool full, std::uint64_t changed_frontends,
                                    std::uint64_t changed_endpoints, std::uint64_t services,
                                    std::uint64_t endpoints) const {
  // A full restore writes every rule (per Service port: its KUBE-SERVICES
  // rule, its chain and masquerade rule; per endpoint: its probability rule,
  // its KUBE-SEP chain and two rules there). A partial restore (the default
  // since Kubernetes 1.28) writes KUBE-SERVICES in full and only the changed
  // Services' chains, with all their endpoints.
  const auto per_service = static_cast<std::uint64_t>(c.rules_per_service);
  const auto per_endpoint = static_cast<std::uint64_t>(c.rules_per_endpoint);
  if (full) return services * per_service + endpoints * per_endpoint;
  return services + changed_frontends * (per_service - 1) + changed_endpoints * per_endpoint;
}

engine::Time Iptables::sync_duration(const SyncCosts& c, bool, std::uint64_t writes, std::uint64_t,
                                     std::uint64_t) const {
  return c.iptables_restore_base + c.iptables_per_rule * static_cast<std::int64_t>(writes);
}

std::string Iptables::describe_lookup(const ServiceFrontend& f, std::size_t services,
                                      std::size_t chosen) const {
  return "iptables: KUBE-SERVICES walked rule by rule to this Service's rule (position " +
         std::to_string(f.position + 1) + " of " + std::to_string(services) + "), then " +
         std::to_string(chosen + 1) +
         " probability rule(s) in KUBE-SVC and the KUBE-SEP DNAT rules";
}

}  // namespace podwire::proxy
