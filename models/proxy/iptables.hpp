// Iptables: kube-proxy's iptables mode. A new flow walks KUBE-SERVICES rule
// by rule to its Service's rule (NodePorts after every Service rule, in
// KUBE-NODEPORTS), then the external and Service chains' rules up to the
// chosen endpoint's probability rule, then the endpoint chain's DNAT, as the
// configured kube-proxy release lays them out (iptables_layout.hpp). Every
// sync writes KUBE-SERVICES in the order of a Go map's iteration, which
// starts at a random place each time: a Service's place changes with every
// sync. A sync runs iptables-restore over the lines it writes.
#pragma once

#include "engine/random_stream.hpp"
#include "models/proxy/iptables_layout.hpp"
#include "models/proxy/service_proxy.hpp"

namespace podwire::proxy {

class Iptables final : public ServiceProxy {
 public:
  Iptables(node::KernelDatapath& datapath, const ServiceTable& services, const ProxyConfig& config,
           engine::RandomStream random);
  std::string_view mode() const override { return "iptables"; }
  engine::Time lookup_cost(const Lookup& l) const override;
  std::uint64_t sync_writes(const SyncCosts& c, bool full, std::uint64_t changed_frontends,
                            std::uint64_t changed_endpoints, std::uint64_t services,
                            std::uint64_t endpoints) const override;
  engine::Time sync_duration(const SyncCosts& c, bool full, std::uint64_t writes,
                             std::uint64_t services, std::uint64_t endpoints) const override;
  bool rewrites_whole_chains() const override { return true; }
  std::string describe_lookup(const Lookup& l) const override;
  void rules_rewritten() override;

  // The rules a first packet walks in each chain, now.
  IptablesWalk walk(const Lookup& l) const;
  // The frontend's place in KUBE-SERVICES now, 0-based.
  std::uint32_t position(const ServiceFrontend& f) const;

 private:
  // The table is filled after the proxies are made: its counts and the
  // order's stride are taken at the first lookup.
  void settle() const;

  IptablesLayout layout_;
  mutable bool settled_ = false;
  mutable std::uint32_t node_ports_ = 0;  // NodePorts in KUBE-NODEPORTS
  // The map order: a Service's place is (stride x its index + start) mod
  // the number of Service ports, with a stride coprime to it drawn once
  // (the map's hash order on this node) and a start drawn per sync.
  mutable engine::RandomStream order_random_;
  mutable std::uint64_t stride_ = 1;
  mutable std::uint64_t start_ = 0;
};

}  // namespace podwire::proxy
