// NodeDatapath: a node's kernel between its pods, its own sockets and its NIC.
// A packet passes the stages Linux passes — the pod's veth, bridge or routing,
// conntrack, Service translation (DNAT, and SNAT where kube-proxy masquerades),
// NetworkPolicy, VXLAN encapsulation or native routing — and is charged each
// stage's cost before it moves on. Same-node traffic never reaches the NIC;
// cross-node traffic is encapsulated (VXLAN adds 50 bytes on the wire) or
// routed as is.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "engine/random_stream.hpp"
#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "models/kube/cidr.hpp"
#include "models/kube/node_cpu.hpp"
#include "models/kube/pod_directory.hpp"
#include "models/kube/policy_check.hpp"
#include "models/net/host.hpp"
#include "models/proxy/conntrack.hpp"
#include "models/proxy/maglev.hpp"
#include "models/proxy/proxy_mode.hpp"
#include "models/proxy/service_table.hpp"

namespace podwire::proxy {

enum class CniMode : std::uint8_t { vxlan, native_routing };
const char* to_string(CniMode m);

// The cost of each stage a packet passes, as time on the node's CPU. Defaults
// and their sources are in docs/parameters.md.
struct DatapathCosts {
  engine::Time veth = engine::Time::ns(600);              // one traversal of a veth pair
  engine::Time bridge = engine::Time::ns(300);            // bridge forwarding or a route lookup
  engine::Time conntrack_lookup = engine::Time::ns(250);  // hit in the conntrack hash
  engine::Time conntrack_insert = engine::Time::ns(1000); // miss, allocate and confirm an entry
  engine::Time nat = engine::Time::ns(100);               // rewriting addresses/ports and checksums
  engine::Time service_lookup = engine::Time::ns(200);    // finding the Service and choosing an endpoint
  engine::Time policy = engine::Time::ns(200);            // one NetworkPolicy verdict
  engine::Time vxlan_encap = engine::Time::ns(800);
  engine::Time vxlan_decap = engine::Time::ns(800);
  // eBPF host routing (Cilium's kube-proxy replacement): packets to a local
  // pod are redirected into its namespace (bpf_redirect_peer) instead of
  // crossing the bridge and the upper stack; packets leaving a pod are sent to
  // the device (bpf_redirect_neigh) without the routing and netfilter hooks;
  // connection tracking is a BPF map.
  engine::Time ebpf_redirect = engine::Time::ns(250);
  engine::Time ebpf_ct_lookup = engine::Time::ns(150);
  engine::Time ebpf_ct_insert = engine::Time::ns(800);
};

// Which addresses are inside the cluster (no masquerade towards them).
struct ClusterNetworks {
  kube::Cidr pod_cidr;
  kube::Cidr service_cidr;
  kube::Cidr node_network;
  bool inside(net::Address a) const {
    return pod_cidr.contains(a) || service_cidr.contains(a) || node_network.contains(a);
  }
};

struct DatapathConfig {
  CniMode mode = CniMode::vxlan;
  ProxyMode proxy = ProxyMode::iptables;  // kube-proxy's default mode
  IpvsScheduler ipvs_scheduler = IpvsScheduler::rr;
  // eBPF's choice for NodePort and LoadBalancer traffic: random (Cilium's
  // default) or Maglev, whose table every node builds alike.
  bool ebpf_maglev = false;
  // eBPF NodePort/LoadBalancer under the Cluster policy: direct server return
  // (the backend's node answers the client itself, no SNAT) instead of SNAT.
  bool ebpf_dsr = false;
  std::uint32_t maglev_table_size = 16381;  // Cilium's default (a prime >= 100 x backends for <= 1% reshuffle)
  ProxyModeCosts proxy_costs;
  DatapathCosts costs;
  ClusterNetworks networks;
  std::uint64_t conntrack_max = 131072;
  ConntrackTimeouts conntrack_timeouts;
};

using PolicyCheck = kube::PolicyCheck;

// no_pod: to a pod address on this node that no pod has (any more); node_down:
// the node has failed.
enum class DropReason : std::uint8_t { no_endpoint, policy_ingress, policy_egress, conntrack_full, no_route, no_pod,
                                       node_down };
const char* to_string(DropReason r);

struct DatapathCounters {
  std::uint64_t from_pods = 0;
  std::uint64_t from_host = 0;  // the node's own sockets
  std::uint64_t from_nic = 0;
  std::uint64_t to_pods = 0;
  std::uint64_t to_fabric = 0;
  std::uint64_t encapsulated = 0;
  std::uint64_t decapsulated = 0;
  std::uint64_t service_translations = 0;  // new connections DNATed to an endpoint
  std::uint64_t snat = 0;                  // new connections masqueraded
  std::uint64_t dsr = 0;                   // new connections sent on with direct server return
  std::uint64_t rejected = 0;              // to a Service with no endpoint (TCP gets RST)
  std::uint64_t policy_drops = 0;
  std::uint64_t conntrack_drops = 0;
  std::uint64_t no_route_drops = 0;
  std::uint64_t no_pod = 0;      // to a pod address nobody has: TCP answered by RST
  std::uint64_t down_drops = 0;  // while the node was down
  std::uint64_t misrouted = 0;   // packets of a flow whose endpoint's address now belongs to another pod
  engine::Time work;  // stage costs charged, summed
};

class NodeDatapath final : public net::PacketSink {
 public:
  // Installs itself on the host (set_datapath, set_output). The table and
  // directory are shared by every node; the random stream's name should be
  // stable ("proxy/<node>").
  NodeDatapath(net::Host& host, const ServiceTable& services, const kube::PodDirectory& pods,
               DatapathConfig config, engine::RandomStream random);
  ~NodeDatapath() override;
  NodeDatapath(const NodeDatapath&) = delete;
  NodeDatapath& operator=(const NodeDatapath&) = delete;

  // The host end of this node's pods' veths: PodNetns egress goes here.
  net::PacketSink& veth() { return from_pods_; }

  void set_policy(const PolicyCheck* policy) { policy_ = policy; }
  // The node's cores. When set, each packet's stage costs are kernel work
  // queued on the core its flow hashes to (RSS for packets from the NIC, RPS
  // for packets from pods), sharing the cores with application work: a busy
  // node adds queueing to every packet and caps the packets it can move.
  // Null: the costs are pure delays.
  void set_cpu(kube::NodeCpu* cpu) { cpu_ = cpu; }

  // What kube-proxy does when an endpoint goes away: delete the conntrack
  // entries that steer to it (it does so for UDP, where no reset or timeout
  // ends the flow). Until then, or until the entries time out, packets of
  // those flows keep going to the old endpoint. Returns the entries removed.
  std::size_t forget_endpoint(std::uint32_t endpoint) { return conntrack_.erase_backend(endpoint); }

  // The endpoints this node's proxy has programmed for a frontend: what
  // program() last set, else the shared table's (every node's state at time
  // zero). Nodes share lists, so 5,000 nodes cost a pointer each per change.
  const std::vector<Backend>& backends(std::uint32_t frontend) const;
  // The list program() last set for a frontend; null when none (the table's).
  std::shared_ptr<const std::vector<Backend>> programmed(std::uint32_t frontend) const {
    const auto it = programmed_.find(frontend);
    return it == programmed_.end() ? nullptr : it->second;
  }
  // The proxy's sync put a new endpoint list in place. For a UDP frontend, the
  // conntrack entries it steered to endpoints that are gone from the list or
  // no longer serving are deleted (as kube-proxy does after a sync); returns
  // how many. O(conntrack entries) when some endpoint went, plus
  // O(n log n) in the lists' lengths.
  std::size_t program(std::uint32_t frontend, std::shared_ptr<const std::vector<Backend>> backends);

  // A failed node: every packet arriving or leaving is lost, nothing answers.
  void set_down(bool down) { down_ = down; }
  bool down() const { return down_; }

  // From the NIC (or routed locally by the host).
  void receive(net::Packet& p) override;

  net::Host& host() { return host_; }
  const ServiceTable& services() const { return services_; }
  Conntrack& conntrack() { return conntrack_; }
  const DatapathCounters& counters() const { return counters_; }
  const DatapathConfig& config() const { return config_; }

  // (packet, why): every packet this datapath drops or rejects.
  engine::Signal<const net::Packet&, DropReason> dropped;

 private:
  enum class Origin : std::uint8_t { pod, host, fabric };
  struct PodSide final : net::PacketSink {
    NodeDatapath* dp;
    void receive(net::Packet& p) override {
      dp->pool_.sample(p);
      dp->pool_.trace(p, net::HopKind::datapath, dp->host_.name());
      if (dp->down_) return dp->drop(p, DropReason::node_down);
      dp->process(p, Origin::pod, dp->config_.costs.veth);
    }
  };
  struct HostSide final : net::PacketSink {
    NodeDatapath* dp;
    void receive(net::Packet& p) override {
      dp->pool_.sample(p);
      dp->pool_.trace(p, net::HopKind::datapath, dp->host_.name());
      if (dp->down_) return dp->drop(p, DropReason::node_down);
      dp->process(p, Origin::host, engine::Time::zero());
    }
  };
  struct Affinity {
    std::uint32_t backend;
    engine::Time expires;
  };

  void process(net::Packet& p, Origin origin, engine::Time work);
  // A new flow: Service translation, masquerade, policy, conntrack insert.
  // False when the packet was dropped or rejected (and released).
  bool admit_new_flow(net::Packet& p, Origin origin, engine::Time& work);
  // The endpoint, and its index among the eligible ones (what an iptables
  // chain walks to reach it).
  const Backend* choose_backend(const ServiceFrontend& f, std::uint32_t frontend, bool external,
                                const net::FlowKey& flow, std::size_t* chosen_index);
  std::uint64_t ipvs_pick(std::uint32_t frontend, net::Address client, bool fallback,
                          bool local_only, std::uint32_t count);
  std::uint16_t snat_port(const net::FlowKey& translated);
  void route(net::Packet& p, bool from_pod, engine::Time work);
  void charge(net::Packet& p, engine::Time work);
  void on_charged(std::uint64_t packet);
  static void on_cpu_done(void* self, std::uint64_t packet);
  void output(net::Packet& p);
  void reject(net::Packet& p, engine::Time work, DropReason why = DropReason::no_endpoint);
  void drop(net::Packet& p, DropReason why);
  bool local_pod(net::Address a) const;

  engine::Simulator& sim_;
  net::Host& host_;
  net::PacketPool& pool_;
  const ServiceTable& services_;
  const kube::PodDirectory& pods_;
  DatapathConfig config_;
  engine::RandomStream random_;
  Conntrack conntrack_;
  const PolicyCheck* policy_ = nullptr;
  kube::NodeCpu* cpu_ = nullptr;
  PodSide from_pods_;
  HostSide from_host_;
  std::unordered_map<std::uint64_t, Affinity> affinity_;  // (client address, frontend) -> backend
  std::unordered_map<std::uint32_t, std::uint64_t> round_robin_;  // IPVS rr: next turn, by frontend
  std::unordered_map<std::uint32_t, std::shared_ptr<const std::vector<Backend>>> programmed_;  // by frontend
  std::vector<std::uint32_t> kept_ids_, stale_ids_;  // program()'s scratch
  struct Maglev {
    std::vector<std::uint32_t> ids;  // the eligible backends it was built for
    std::unique_ptr<MaglevTable> table;
  };
  std::unordered_map<std::uint32_t, Maglev> maglev_;  // by frontend, built on first use
  std::uint16_t next_snat_port_ = 32768;
  bool down_ = false;
  DatapathCounters counters_;
};

}  // namespace podwire::proxy
