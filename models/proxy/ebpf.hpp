// Ebpf: Cilium's kube-proxy replacement. A pod's connection to a ClusterIP is
// translated once, at connect(), by the socket-level balancer, so its packets
// need no NAT; NodePort and LoadBalancer traffic is translated by the tc
// program on a map lookup, its endpoint drawn at random or from a Maglev
// table that every node builds alike, and may leave by direct server return.
// Host routing replaces the bridge, the upper stack and netfilter's
// conntrack (kernel_path()). The agent writes each update to its maps at once.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "models/proxy/service_proxy.hpp"

namespace podwire::proxy {

class Ebpf final : public ServiceProxy, public node::XdpHook {
 public:
  Ebpf(node::KernelDatapath& datapath, const ServiceTable& services, const ProxyConfig& config,
       engine::RandomStream random);
  ~Ebpf() override;
  // node::XdpHook (with ebpf_xdp): a packet from the NIC for a NodePort or a
  // load-balancer or external address, or an answer of a connection it
  // translated there.
  bool claims(const net::Packet& p) override;
  std::string_view mode() const override { return "ebpf"; }
  engine::Time lookup_cost(const Lookup&) const override { return config_.costs.ebpf_lookup; }
  engine::Time sync_duration(const SyncCosts& c, bool, std::uint64_t writes, std::uint64_t,
                             std::uint64_t) const override {
    return c.ebpf_base + c.ebpf_per_update * static_cast<std::int64_t>(writes);
  }
  std::string describe_lookup(const Lookup&) const override {
    return "eBPF socket LB: the Service address is translated once at connect(); no per-packet NAT "
           "after";
  }
  bool translates_at_connect() const override { return true; }
  std::string describe_choice(std::size_t eligible) const override {
    return "chosen at random by the socket-level balancer (1 in " + std::to_string(eligible) + ")";
  }

 protected:
  std::uint64_t pick(const Choice& c) override;
  bool direct_server_return() const override { return config_.ebpf_dsr; }

 private:
  struct Maglev {
    std::vector<std::uint32_t> ids;  // the eligible backends it was built for
    std::unique_ptr<MaglevTable> table;
  };
  std::unordered_map<std::uint32_t, Maglev> maglev_;  // by frontend, built on first use
};

}  // namespace podwire::proxy
