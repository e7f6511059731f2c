#include "models/proxy/ipvs.hpp"

#include <cstdint>

namespace podwire::proxy {

engine::Time Ipvs::sync_duration(const SyncCosts& c, bool full, std::uint64_t writes,
                                 std::uint64_t services, std::uint64_t endpoints) const {
  // A full resync also reads every server back (and writes none that is right).
  const auto servers = static_cast<std::int64_t>(services + endpoints);
  return c.ipvs_sync_base + c.ipvs_per_change * static_cast<std::int64_t>(writes) +
         (full ? c.ipvs_per_check * servers : engine::Time::zero());
}

std::uint64_t Ipvs::pick(const Choice& c) {
  const net::Address client = c.flow->src;
  switch (config_.ipvs_scheduler) {
    case IpvsScheduler::rr:
    case IpvsScheduler::wrr:
      return round_robin_[c.frontend]++ % c.count;
    case IpvsScheduler::sh:
      return net::FlowKey{client, 0, 0, 0, net::Protocol::tcp}.hash(0x7368) % c.count;
    case IpvsScheduler::mh:
      return net::FlowKey{client, 0, 0, 0, net::Protocol::tcp}.hash(0x6d68) % c.count;
    case IpvsScheduler::dh:
      return net::FlowKey{0, c.frontend, 0, 0, net::Protocol::tcp}.hash(0x6468) % c.count;
    case IpvsScheduler::lc:
    case IpvsScheduler::wlc:
    case IpvsScheduler::sed:
    case IpvsScheduler::nq: {
      // The eligible endpoint with the fewest connections through this node,
      // the first of equals (nq's "idle first" is the same with weights 1).
      std::uint64_t best = 0, index = 0;
      std::uint32_t fewest = UINT32_MAX;
      for (const Backend& b : *c.endpoints) {
        if (!c.eligible(b)) continue;
        const std::uint32_t n = datapath_.conntrack().connections_to(b.id);
        if (n < fewest) {
          fewest = n;
          best = index;
        }
        ++index;
      }
      return best;
    }
  }
  return 0;
}

}  // namespace podwire::proxy
