// KernelDatapath: a node's kernel between its pods, its own sockets and its
// NIC. A packet enters through the sending socket's TCP/UDP output
// (HostStack) and the pod's veth, or through the NIC driver, then passes an
// ordered list of stages (kernel_stage.hpp): conntrack, the service hook for
// a new flow's Service translation (DNAT), masquerade (SNAT),
// NetworkPolicy, the new entry's confirmation, and routing to a local pod or
// through the CNI to another node, the NIC driver, the receiving socket's
// input and its reader's wake-up. It is charged each stage's cost on the
// node's cores before it moves on: a local socket's packet on the sending
// thread's core, a packet from the NIC on its RSS queue's core, as Linux runs
// them (Documentation/networking/scaling.rst, no RPS). Same-node traffic
// never reaches the NIC.
// The proxy mode and the CNI plug in from outside (ServiceHook, Cni).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "models/kube/cidr.hpp"
#include "models/kube/policy_check.hpp"
#include "models/net/host.hpp"
#include "models/node/cni.hpp"
#include "models/node/conntrack.hpp"
#include "models/node/host_stack.hpp"
#include "models/node/kernel_stage.hpp"
#include "models/node/node_cpu.hpp"
#include "models/node/pod_directory.hpp"
#include "models/node/service_hook.hpp"

namespace podwire::node {

// The cost of each kernel stage a packet passes, as time on the node's CPU.
// Defaults and their sources are in docs/parameters.md.
struct DatapathCosts {
  engine::Time veth = engine::Time::ns(600);               // one traversal of a veth pair
  engine::Time bridge = engine::Time::ns(300);             // bridge forwarding or a route lookup
  engine::Time conntrack_lookup = engine::Time::ns(250);   // hit in the conntrack hash
  engine::Time conntrack_insert = engine::Time::ns(1000);  // miss, allocate and confirm an entry
  engine::Time nat = engine::Time::ns(100);     // rewriting addresses/ports and checksums
  engine::Time policy = engine::Time::ns(200);  // one NetworkPolicy verdict
};

// The kernel path packets take, as the service proxy leaves it: netfilter's
// (the default, from DatapathCosts) or eBPF host routing's, which a proxy
// sets with set_kernel_path(). The names are what explain prints.
struct KernelPath {
  engine::Time conntrack_lookup;
  engine::Time conntrack_insert;
  engine::Time local_delivery;  // to a pod on this node
  engine::Time pod_to_device;   // a pod's packet for another node
  engine::Time host_to_device;  // the node's own packets for another node
  // A packet from the fabric that leaves by the fabric again (a NodePort's
  // connection to an endpoint elsewhere): the route lookup and output.
  engine::Time fabric_to_device;
  // Packets routed through the host namespace pay the IP stack's forwarding
  // (HostStackCosts::ip_forward); eBPF host routing redirects past it.
  bool forwards = true;
  std::string conntrack_name = "conntrack";
  std::string veth_in = "veth into the host";
  std::string local_delivery_name = "bridge to the endpoint's veth";
  static KernelPath netfilter(const DatapathCosts& c);
};

// A program in the NIC driver's XDP hook (Cilium's XDP load balancer): it
// takes the packets it claims before the kernel allocates a socket buffer,
// translates them as the stages would, and sends them back out of the NIC
// (XDP_TX), past the host stack. KernelDatapath asks it for every packet
// from the NIC.
class XdpHook {
 public:
  virtual ~XdpHook() = default;
  virtual bool claims(const net::Packet& p) = 0;
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
  std::string cni = "vxlan";  // a name of cni_names()
  CniCosts cni_costs;
  DatapathCosts costs;
  HostStackCosts host;
  ClusterNetworks networks;
  std::uint64_t conntrack_max = 131072;
  ConntrackTimeouts conntrack_timeouts;
};

// no_pod: to a pod address on this node that no pod has (any more); node_down:
// the node has failed.
enum class DropReason : std::uint8_t {
  no_endpoint,
  policy_ingress,
  policy_egress,
  conntrack_full,
  no_route,
  no_pod,
  node_down
};
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
  std::uint64_t misrouted =
      0;              // packets of a flow whose endpoint's address now belongs to another pod
  engine::Time work;  // kernel CPU charged, summed
  engine::Time system_work;  // of which in a socket owner's process context (the rest is softirq)
  DatapathCounters& operator+=(const DatapathCounters& o);

  // Names each counter once (models/builder/figures.hpp says how).
  template <class V>
  void visit(V& v) const {
    v("from_pods", from_pods);
    v("from_host", from_host);
    v("from_nic", from_nic);
    v("to_pods", to_pods);
    v("to_fabric", to_fabric);
    v("encapsulated", encapsulated);
    v("decapsulated", decapsulated);
    v("service_translations", service_translations);
    v("snat", snat);
    v("dsr", dsr);
    v("rejected", rejected);
    v("policy_drops", policy_drops);
    v("conntrack_drops", conntrack_drops);
    v("no_route_drops", no_route_drops);
    v("no_pod", no_pod);
    v("down_drops", down_drops);
    v("misrouted", misrouted);
    v("kernel_work_s", work);
    v("kernel_system_s", system_work);
  }
};

class KernelDatapath final : public net::PacketSink {
 public:
  // Installs itself on the host (set_datapath, set_output). The directory is
  // shared by every node. std::invalid_argument when config.cni names no CNI.
  KernelDatapath(net::Host& host, const PodDirectory& pods, DatapathConfig config);
  ~KernelDatapath() override;
  KernelDatapath(const KernelDatapath&) = delete;
  KernelDatapath& operator=(const KernelDatapath&) = delete;

  // The host end of this node's pods' veths: PodNetns egress goes here.
  net::PacketSink& veth() { return from_pods_; }

  // The service proxy; null: no Service translation.
  void set_service_hook(ServiceHook* hook) { service_hook_ = hook; }
  const ServiceHook* service_hook() const { return service_hook_; }
  void set_kernel_path(const KernelPath& path) { path_ = path; }
  // The XDP program on the NIC; null: none (XDP packets are those it claims).
  void set_xdp_hook(XdpHook* hook) { xdp_ = hook; }
  XdpHook* xdp_hook() const { return xdp_; }
  void set_policy(const kube::PolicyCheck* policy) { policy_ = policy; }
  // The node's cores. When set, each packet's stage costs are kernel work
  // queued on the core its flow hashes to (RSS for packets from the NIC, RPS
  // for packets from pods), sharing the cores with application work: a busy
  // node adds queueing to every packet and caps the packets it can move.
  // Null: the costs are pure delays.
  void set_cpu(NodeCpu* cpu) { cpu_ = cpu; }

  // A failed node: every packet arriving or leaving is lost, nothing answers.
  void set_down(bool down) { down_ = down; }
  bool down() const { return down_; }

  // From the NIC (or routed locally by the host).
  void receive(net::Packet& p) override;

  net::Host& host() { return host_; }
  const net::Host& host() const { return host_; }
  Conntrack& conntrack() { return conntrack_; }
  const Conntrack& conntrack() const { return conntrack_; }
  const Cni& cni() const { return *cni_; }
  const KernelPath& kernel_path() const { return path_; }
  const DatapathCounters& counters() const { return counters_; }
  const DatapathConfig& config() const { return config_; }

  // The stages every packet passes, in order: conntrack, service, masquerade,
  // policy, confirm, routing.
  const std::vector<std::unique_ptr<KernelStage>>& stages() const { return stages_; }
  // Puts `stage` before the stage named `before` (a stage cannot follow
  // routing, which hands the packet on). std::invalid_argument when no
  // stage has that name.
  void insert_stage_before(std::string_view before, std::unique_ptr<KernelStage> stage);
  // Takes out the stage named `name` (one inserted before); false when none has it.
  bool remove_stage(std::string_view name);

  // For stages: drops the packet (counted, signalled, released).
  void drop(net::Packet& p, DropReason why);
  // For stages: tells stage_charged listeners what a stage did to `p` and
  // its CPU; `what` (returning a std::string) is only called when there are
  // some.
  template <class What>
  void note(const net::Packet& p, What&& what, engine::Time cost) {
    if (stage_charged.connected()) [[unlikely]]
      stage_charged.emit(p, what(), cost);
  }

  // (packet, why): every packet this datapath drops or rejects.
  engine::Signal<const net::Packet&, DropReason> dropped;
  // (packet, what the stage did, its CPU): each stage as it charges a packet,
  // while someone listens (explain). Costs nothing otherwise.
  engine::Signal<const net::Packet&, const std::string&, engine::Time> stage_charged;

 private:
  struct PodSide final : net::PacketSink {
    KernelDatapath* dp;
    void receive(net::Packet& p) override;
  };
  struct HostSide final : net::PacketSink {
    KernelDatapath* dp;
    void receive(net::Packet& p) override;
  };

  // The built-in stages (kernel_stages.cpp).
  struct ConntrackStage;
  struct ServiceStage;
  struct MasqueradeStage;
  struct PolicyStage;
  struct ConfirmStage;
  struct RoutingStage;
  void install_stages();
  void index_stages();  // steps_ from stages_

  // Runs the stages on a packet that entered from `origin` with `work` so far.
  void process(net::Packet& p, Origin origin, engine::Time work);
  std::uint16_t snat_port(const net::FlowKey& translated);
  void route(net::Packet& p, Origin origin, engine::Time work);
  void charge(net::Packet& p, Origin origin, engine::Time work);
  // The host namespace's IP forwarding, for a packet it routes between devices.
  void add_forward(const net::Packet& p, engine::Time& work);
  // The XDP program's packet out of the NIC again (XDP_TX).
  void xdp_transmit(net::Packet& p, engine::Time work);

  // The write() part of a segment the kernel sent on its own: system time
  // of the writing thread, on the node's shared run queue.
  void charge_writer(const net::Packet& p, engine::Time work);
  void on_charged(std::uint64_t packet);
  static void on_cpu_done(void* self, std::uint64_t packet);
  // A packet from the NIC: GRO holds a bulk segment whose flow's next segment
  // waits right behind it on the same core, up to kGroMaxBytes.
  static void on_nic_cpu_done(void* self, std::uint64_t packet);
  void output(net::Packet& p);
  void reject(net::Packet& p, engine::Time work, DropReason why = DropReason::no_endpoint);
  bool local_pod(net::Address a) const;
  std::string nat_text(const net::FlowKey& from, const net::FlowKey& to) const;
  // The host stack's share of a packet: added to `work`, its system part to
  // system_, and noted for explain.
  template <class What>
  void add_stack(const net::Packet& p, const StackCharge& c, engine::Time& work, What&& what) {
    if (c.total() == engine::Time::zero()) return;
    work += c.total();
    stack_part_ += c.total();
    system_ += c.system;
    note(p, what, c.total());
  }

  engine::Simulator& sim_;
  net::Host& host_;
  net::PacketPool& pool_;
  const PodDirectory& pods_;
  DatapathConfig config_;
  std::unique_ptr<Cni> cni_;
  KernelPath path_;
  Conntrack conntrack_;
  HostStack stack_;
  std::vector<std::unique_ptr<KernelStage>> stages_;
  // The same in one flat array that process() walks: after each stage, the
  // next one for a packet of a known connection skips the new-flow stages.
  struct Step {
    KernelStage* stage;
    std::uint32_t next_established;  // the next step that is not new_flows_only
  };
  std::vector<Step> steps_;
  std::uint32_t first_established_ = 0;
  NewFlow new_flow_;  // of the packet being processed, when it is a connection's first
  XdpHook* xdp_ = nullptr;
  bool in_xdp_ = false;  // the packet being processed is the XDP program's
  // Of the packet being processed: its process-context work so far, its host
  // stack work so far, and what it is to its connection here.
  engine::Time system_;
  engine::Time stack_part_;
  SegmentRole role_ = SegmentRole::data;
  std::vector<std::uint32_t>
      gro_bytes_;  // by core: bytes GRO holds for the merged packet in progress
  ServiceHook* service_hook_ = nullptr;
  const kube::PolicyCheck* policy_ = nullptr;
  NodeCpu* cpu_ = nullptr;
  PodSide from_pods_;
  HostSide from_host_;
  std::uint16_t next_snat_port_ = 32768;
  bool down_ = false;
  DatapathCounters counters_;
};

}  // namespace podwire::node
