#include "models/proxy/ipvs.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace podwire::proxy {

// IPVS on every packet of a connection it translated, in both directions:
// ip_vs_in/ip_vs_out find the connection in IPVS's own table (beside
// conntrack, which kube-proxy keeps: net.ipv4.vs.conntrack=1) and its NAT
// transmit routes the rewritten packet and passes it through LOCAL_OUT.
// Service addresses sit on the kube-ipvs0 dummy device, so a connection to
// a ClusterIP is delivered locally to IPVS instead of forwarded.
struct Ipvs::PacketStage final : node::KernelStage {
  explicit PacketStage(Ipvs& p) : KernelStage("ipvs", false), proxy(p) {}
  Ipvs& proxy;

  Verdict run(node::PacketPass& pass) override {
    const bool ours = pass.new_flow != nullptr
                          ? pass.new_flow->service.kind == node::ServiceVerdict::Kind::translated
                          : pass.entry != nullptr &&
                                pass.entry->frontend != node::CtEntry::kNoFrontend &&
                                pass.entry->nat();
    if (!ours) return Verdict::accept;
    const engine::Time cost = proxy.config_.costs.ipvs_packet;
    pass.work += cost;
    proxy.datapath_.note(
        pass.packet,
        [] {
          return std::string(
              "IPVS: the connection in its own table, NAT transmit through kube-ipvs0");
        },
        cost);
    return Verdict::accept;
  }
};

Ipvs::Ipvs(node::KernelDatapath& datapath, const ServiceTable& services, const ProxyConfig& config,
           engine::RandomStream random)
    : ServiceProxy(datapath, services, config, random) {
  datapath_.insert_stage_before("routing", std::make_unique<PacketStage>(*this));
}

Ipvs::~Ipvs() { datapath_.remove_stage("ipvs"); }

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
