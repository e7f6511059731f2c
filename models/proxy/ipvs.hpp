// Ipvs: kube-proxy's IPVS mode. A new flow finds its virtual server in one
// hash lookup and IPVS's scheduler picks the real server; a sync changes the
// virtual and real servers that changed after a fixed amount of iptables and
// ipset work, and a full resync reads every server back.
#pragma once

#include <unordered_map>

#include "models/proxy/service_proxy.hpp"

namespace podwire::proxy {

class Ipvs final : public ServiceProxy {
 public:
  using ServiceProxy::ServiceProxy;
  std::string_view mode() const override { return "ipvs"; }
  engine::Time lookup_cost(const Lookup&) const override { return config_.costs.ipvs_lookup; }
  std::uint64_t sync_writes(const SyncCosts&, bool, std::uint64_t changed_frontends,
                            std::uint64_t changed_endpoints, std::uint64_t,
                            std::uint64_t) const override {
    return changed_frontends + changed_endpoints;
  }
  engine::Time sync_duration(const SyncCosts& c, bool full, std::uint64_t writes,
                             std::uint64_t services, std::uint64_t endpoints) const override;
  std::string describe_lookup(const Lookup&) const override {
    return "IPVS: virtual server hash lookup and the scheduler";
  }
  std::string describe_choice(std::size_t) const override { return "IPVS scheduler"; }

 protected:
  std::uint64_t pick(const Choice& c) override;

 private:
  std::unordered_map<std::uint32_t, std::uint64_t> round_robin_;  // rr: next turn, by frontend
};

}  // namespace podwire::proxy
