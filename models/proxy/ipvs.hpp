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
  // Puts IPVS's per-packet work into the node's kernel path (the "ipvs"
  // stage, before routing), and takes it out when destroyed.
  Ipvs(node::KernelDatapath& datapath, const ServiceTable& services, const ProxyConfig& config,
       engine::RandomStream random);
  ~Ipvs() override;
  std::string_view mode() const override { return "ipvs"; }
  // The virtual service's hash lookup, the scheduler and the new IPVS
  // connection, after the ipset-matching rules kube-proxy still writes in
  // the nat table (KUBE-SERVICES: masquerade and accept for KUBE-CLUSTER-IP,
  // the jump to KUBE-NODE-PORT and its set match).
  engine::Time lookup_cost(const Lookup&) const override {
    return config_.costs.ipvs_lookup + config_.costs.iptables_rule * kIpsetRules;
  }
  static constexpr int kIpsetRules = 4;
  std::uint64_t sync_writes(const SyncCosts&, bool, std::uint64_t changed_frontends,
                            std::uint64_t changed_endpoints, std::uint64_t,
                            std::uint64_t) const override {
    return changed_frontends + changed_endpoints;
  }
  engine::Time sync_duration(const SyncCosts& c, bool full, std::uint64_t writes,
                             std::uint64_t services, std::uint64_t endpoints) const override;
  std::string describe_lookup(const Lookup&) const override {
    return "IPVS: " + std::to_string(kIpsetRules) +
           " ipset-matching nat rules, the virtual server's hash lookup, the scheduler and a new "
           "IPVS connection";
  }
  std::string describe_choice(std::size_t) const override { return "IPVS scheduler"; }
  const Backend* reused(const net::FlowKey& flow, std::uint32_t frontend) override;
  void sent_to(const net::FlowKey& flow, const Backend& b) override;

  // Connections in IPVS's own table, and new ones sent where an old one on
  // their tuple went.
  std::size_t connections() const { return conns_.size(); }
  std::uint64_t reused_connections() const { return reused_; }

 protected:
  std::uint64_t pick(const Choice& c) override;

 private:
  struct PacketStage;
  // One connection of IPVS's table, by the client's tuple.
  struct Conn {
    Backend backend;
    engine::Time expires;
    bool closing = false;  // a FIN or reset seen (FIN_WAIT, TIME_WAIT, CLOSE)
  };
  struct FlowHash {
    std::size_t operator()(const net::FlowKey& k) const { return k.hash(0x69707673); }
  };
  // A packet of connection `original`, with these flags, now.
  void saw(const net::FlowKey& original, std::uint8_t tcp_flags, net::Protocol protocol);
  void sweep();  // drops expired connections (amortised over insertions)

  std::unordered_map<std::uint32_t, std::uint64_t> round_robin_;  // rr: next turn, by frontend
  std::unordered_map<net::FlowKey, Conn, FlowHash> conns_;
  std::size_t sweep_at_ = 1024;
  std::uint64_t reused_ = 0;
};

}  // namespace podwire::proxy
