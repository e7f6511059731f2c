// Iptables: kube-proxy's iptables mode. A new flow walks KUBE-SERVICES rule
// by rule to its Service's rule (NodePorts after every Service rule, in
// KUBE-NODEPORTS), then the Service chain's probability rules up to the
// chosen endpoint, then the endpoint chain's DNAT. A sync runs
// iptables-restore over the lines it writes.
#pragma once

#include "models/proxy/service_proxy.hpp"

namespace podwire::proxy {

class Iptables final : public ServiceProxy {
 public:
  using ServiceProxy::ServiceProxy;
  std::string_view mode() const override { return "iptables"; }
  engine::Time lookup_cost(const ServiceFrontend& f, FrontendKind kind, std::size_t services,
                           std::size_t chosen) const override;
  std::uint64_t sync_writes(const SyncCosts& c, bool full, std::uint64_t changed_frontends,
                            std::uint64_t changed_endpoints, std::uint64_t services,
                            std::uint64_t endpoints) const override;
  engine::Time sync_duration(const SyncCosts& c, bool full, std::uint64_t writes,
                             std::uint64_t services, std::uint64_t endpoints) const override;
  bool rewrites_whole_chains() const override { return true; }
  std::string describe_lookup(const ServiceFrontend& f, std::size_t services,
                              std::size_t chosen) const override;
};

}  // namespace podwire::proxy
