// ServiceProxy: one node's service proxy, plugged into the node's kernel
// through its service hook. The base class holds what every mode shares —
// finding the Service a new flow is for, the endpoint lists this node has
// programmed, the eligibility of endpoints (ready, else serving terminating;
// traffic policies), session affinity and the masquerade rules — and each
// mode (iptables.cpp, ipvs.cpp, nftables.cpp, ebpf.cpp) says what it charges
// a first packet, how it picks among eligible endpoints, what a sync of its
// rules writes and costs, and how it describes itself. make_service_proxy()
// (proxy_factory.cpp) is the one place a mode's name is switched on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/random_stream.hpp"
#include "engine/time.hpp"
#include "models/node/kernel_datapath.hpp"
#include "models/node/service_hook.hpp"
#include "models/proxy/maglev.hpp"
#include "models/proxy/proxy_config.hpp"
#include "models/proxy/service_table.hpp"

namespace podwire::proxy {

class ServiceProxy : public node::ServiceHook {
 public:
  // Plugs itself into the datapath's service hook (and unplugs when
  // destroyed). The table is shared by every node; the random stream's name
  // should be stable ("proxy/<node>").
  ServiceProxy(node::KernelDatapath& datapath, const ServiceTable& services,
               const ProxyConfig& config, engine::RandomStream random);
  ~ServiceProxy() override;
  ServiceProxy(const ServiceProxy&) = delete;
  ServiceProxy& operator=(const ServiceProxy&) = delete;

  // node::ServiceHook
  node::ServiceVerdict translate(const net::Packet& p, node::Origin origin) override;
  std::string describe(const node::ServiceVerdict& v) const override;

  // --- what each mode says -----------------------------------------------
  virtual std::string_view mode() const = 0;
  // A first packet's Service: the frontend (and its index in the table),
  // how the packet addressed it, the frontends in the table, and the chosen
  // endpoint's place among the eligible ones in the order the proxy lists them.
  struct Lookup {
    const ServiceFrontend& frontend;
    std::uint32_t index;
    FrontendKind kind;
    std::size_t services;
    std::size_t chosen;
    bool off_cluster_source = false;  // the client is outside the pod CIDR
  };
  // The first packet's cost of finding the Service and choosing the endpoint.
  virtual engine::Time lookup_cost(const Lookup& l) const = 0;
  // Rule programming (ProxySync): what a sync writes and how long it takes,
  // for `changed_frontends` Services whose lists changed by
  // `changed_endpoints`, with `services`/`endpoints` in the tables now.
  // By default a full resync writes every element, a partial one what changed.
  virtual std::uint64_t sync_writes(const SyncCosts& c, bool full, std::uint64_t changed_frontends,
                                    std::uint64_t changed_endpoints, std::uint64_t services,
                                    std::uint64_t endpoints) const;
  virtual engine::Time sync_duration(const SyncCosts& c, bool full, std::uint64_t writes,
                                     std::uint64_t services, std::uint64_t endpoints) const = 0;
  // True when a sync rewrites a changed Service's rules whole, so its cost
  // counts the whole new list rather than what changed (iptables).
  virtual bool rewrites_whole_chains() const { return false; }
  // explain: how the first packet finds the Service, and how the endpoint is chosen.
  virtual std::string describe_lookup(const Lookup& l) const = 0;
  virtual std::string describe_choice(std::size_t eligible) const;
  // eBPF: a pod's connection to a ClusterIP is translated once, at
  // connect(), so its packets need no NAT.
  virtual bool translates_at_connect() const { return false; }
  // IPVS: the endpoint a new connection's first packet goes to because the
  // proxy still tracks a connection on its tuple; null: choose afresh.
  virtual const Backend* reused(const net::FlowKey&, std::uint32_t /*frontend*/) { return nullptr; }
  // A new connection was sent to `b` (IPVS records it in its own table).
  virtual void sent_to(const net::FlowKey&, const Backend&) {}
  // A sync has put its rules in place (ProxySync calls it when one ends).
  // iptables: every sync writes KUBE-SERVICES whole, in a new order.
  virtual void rules_rewritten() {}

  // --- the endpoints this node has programmed ------------------------------
  // What program() last set for a frontend, else the shared table's (every
  // node's state at time zero). Nodes share lists, so 5,000 nodes cost a
  // pointer each per change.
  const std::vector<Backend>& backends(std::uint32_t frontend) const;
  // The endpoints of every frontend as this node has them: O(1) while it has
  // programmed nothing (the table's count), else O(frontends).
  std::size_t backend_count() const;
  // The list program() last set for a frontend; null when none (the table's).
  std::shared_ptr<const std::vector<Backend>> programmed(std::uint32_t frontend) const {
    const auto it = programmed_.find(frontend);
    return it == programmed_.end() ? nullptr : it->second;
  }
  // A sync put a new endpoint list in place. For a UDP frontend, the
  // conntrack entries it steered to endpoints that are gone from the list or
  // no longer serving are deleted (as kube-proxy does after a sync); returns
  // how many. O(conntrack entries) when some endpoint went, plus
  // O(n log n) in the lists' lengths.
  std::size_t program(std::uint32_t frontend, std::shared_ptr<const std::vector<Backend>> backends);
  // What kube-proxy does when an endpoint goes away: delete the conntrack
  // entries that steer to it. Returns the entries removed.
  std::size_t forget_endpoint(std::uint32_t endpoint) {
    return datapath_.conntrack().erase_backend(endpoint);
  }

  node::KernelDatapath& datapath() { return datapath_; }
  const ServiceTable& services() const { return services_; }
  const ProxyConfig& config() const { return config_; }

 protected:
  // Which of a frontend's endpoints a new flow may take.
  struct Eligible {
    bool local_only = false;
    bool fallback = false;  // none ready: serving terminating endpoints
    std::uint32_t here = 0;
    // trafficDistribution: only endpoints in this zone (kNoZone: any).
    const ServiceTable* table = nullptr;
    std::uint32_t zone = ServiceTable::kNoZone;
    bool operator()(const Backend& b) const {
      if (local_only && b.node != here) return false;
      if (zone != ServiceTable::kNoZone && table->zone(b.node) != zone) return false;
      return fallback ? (b.serving && b.terminating) : b.ready;
    }
  };
  struct Choice {
    std::uint32_t frontend = 0;
    const std::vector<Backend>* endpoints = nullptr;
    Eligible eligible;
    std::uint32_t count = 0;  // eligible endpoints, at least 1
    const net::FlowKey* flow = nullptr;
    bool external = false;
  };
  // The index among the eligible endpoints that a new flow takes. The
  // default draws uniformly (iptables' probability rules, nftables' numgen,
  // Cilium's random selection).
  virtual std::uint64_t pick(const Choice& c) { return random_.uniform_int(c.count); }
  // eBPF: NodePort traffic may leave by DSR.
  virtual bool direct_server_return() const { return false; }

  node::KernelDatapath& datapath_;
  const ServiceTable& services_;
  ProxyConfig config_;
  engine::RandomStream random_;

 private:
  struct Affinity {
    std::uint32_t backend;
    engine::Time expires;
  };
  const Backend* choose_backend(const ServiceFrontend& f, std::uint32_t frontend, bool external,
                                const net::FlowKey& flow, std::size_t* chosen_index);

  std::unordered_map<std::uint64_t, Affinity> affinity_;  // (client address, frontend) -> backend
  std::unordered_map<std::uint32_t, std::shared_ptr<const std::vector<Backend>>>
      programmed_;                                   // by frontend
  std::vector<std::uint32_t> kept_ids_, stale_ids_;  // program()'s scratch
};

}  // namespace podwire::proxy
