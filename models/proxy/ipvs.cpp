#include "models/proxy/ipvs.hpp"

#include <algorithm>
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
    if (pass.entry != nullptr) {
      proxy.saw(pass.entry->original, pass.packet.tcp_flags, pass.packet.flow.protocol);
    }
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

const Backend* Ipvs::reused(const net::FlowKey& flow, std::uint32_t) {
  const auto it = conns_.find(flow);
  if (it == conns_.end()) return nullptr;
  const engine::Time now = datapath_.host().simulator().now();
  if (it->second.expires <= now ||
      (it->second.closing && config_.ipvs_table.conn_reuse_mode != 0)) {
    // Gone, or closing under conn_reuse_mode 1: the new connection is
    // scheduled afresh.
    conns_.erase(it);
    return nullptr;
  }
  // conn_reuse_mode 0: the old connection's real server, whether or not it
  // is still an endpoint (kube-proxy keeps a removed one at weight 0 while
  // IPVS tracks connections to it).
  ++reused_;
  return &it->second.backend;
}

void Ipvs::sent_to(const net::FlowKey& flow, const Backend& b) {
  const IpvsTable& t = config_.ipvs_table;
  const engine::Time now = datapath_.host().simulator().now();
  const Backend copy = b;  // `b` may be this table's own entry
  conns_[flow] = Conn{copy, now + (flow.protocol == net::Protocol::udp ? t.udp : t.tcp), false};
  if (conns_.size() >= sweep_at_) sweep();
}

void Ipvs::saw(const net::FlowKey& original, std::uint8_t tcp_flags, net::Protocol protocol) {
  const auto it = conns_.find(original);
  if (it == conns_.end()) return;
  const IpvsTable& t = config_.ipvs_table;
  const engine::Time now = datapath_.host().simulator().now();
  Conn& c = it->second;
  if (protocol == net::Protocol::udp) {
    c.expires = now + t.udp;
  } else if (tcp_flags & net::tcp_flags::rst) {
    c.closing = true;
    c.expires = now + t.tcp_close;
  } else if (c.closing || (tcp_flags & net::tcp_flags::fin)) {
    c.closing = true;
    c.expires = now + t.tcp_fin;
  } else {
    c.expires = now + t.tcp;
  }
}

void Ipvs::sweep() {
  const engine::Time now = datapath_.host().simulator().now();
  std::erase_if(conns_, [&](const auto& kv) { return kv.second.expires <= now; });
  sweep_at_ = std::max<std::size_t>(1024, 2 * conns_.size());
}

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
