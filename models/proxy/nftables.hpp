// Nftables: kube-proxy's nftables mode. A new flow finds its Service in one
// verdict-map lookup on (daddr, proto, dport) and its endpoint by numgen; a
// sync sends one nft transaction of the changed map elements and chains.
#pragma once

#include "models/proxy/service_proxy.hpp"

namespace podwire::proxy {

class Nftables final : public ServiceProxy {
 public:
  using ServiceProxy::ServiceProxy;
  std::string_view mode() const override { return "nftables"; }
  engine::Time lookup_cost(const Lookup&) const override { return config_.costs.nftables_lookup; }
  engine::Time sync_duration(const SyncCosts& c, bool, std::uint64_t writes, std::uint64_t,
                             std::uint64_t) const override {
    return c.nftables_base + c.nftables_per_element * static_cast<std::int64_t>(writes);
  }
  std::string describe_lookup(const Lookup&) const override {
    return "nftables: one verdict-map lookup on (daddr, proto, dport)";
  }
};

}  // namespace podwire::proxy
