#include "models/proxy/ebpf.hpp"

#include <algorithm>

namespace podwire::proxy {

Ebpf::Ebpf(node::KernelDatapath& datapath, const ServiceTable& services, const ProxyConfig& config,
           engine::RandomStream random)
    : ServiceProxy(datapath, services, config, random) {
  const ProxyModeCosts& c = config_.costs;
  const node::DatapathCosts& kernel = datapath_.config().costs;
  if (!config_.ebpf_host_routing) {
    // Legacy host routing: Cilium's conntrack map on the veth, then the host
    // stack's own conntrack, bridge and routing as under any other CNI.
    node::KernelPath legacy = node::KernelPath::netfilter(kernel);
    legacy.conntrack_lookup += c.ebpf_ct_lookup;
    legacy.conntrack_insert += c.ebpf_ct_insert;
    legacy.conntrack_name = "conntrack (BPF map, then netfilter's)";
    legacy.veth_in = "veth into the host (eBPF programs on the veth, then the host stack)";
    datapath_.set_kernel_path(legacy);
    return;
  }
  node::KernelPath path;
  path.conntrack_lookup = c.ebpf_ct_lookup;
  path.conntrack_insert = c.ebpf_ct_insert;
  path.local_delivery = c.ebpf_redirect;      // bpf_redirect_peer into the pod's namespace
  path.pod_to_device = engine::Time::zero();  // bpf_redirect_neigh: no routing or netfilter hooks
  path.host_to_device = kernel.bridge;        // the node's own traffic takes the stack as ever
  // A NodePort's packet for an endpoint elsewhere: the tc program's FIB
  // lookup and redirect to the NIC, past the stack's routing and neighbour
  // output.
  path.fabric_to_device = c.ebpf_redirect;
  path.forwards = false;
  path.conntrack_name = "conntrack (BPF map)";
  path.veth_in = "veth into the host (eBPF programs on the veth)";
  path.local_delivery_name = "bpf_redirect_peer into the endpoint's veth";
  datapath_.set_kernel_path(path);
  if (config_.ebpf_xdp) datapath_.set_xdp_hook(this);
}

Ebpf::~Ebpf() {
  if (datapath_.xdp_hook() == this) datapath_.set_xdp_hook(nullptr);
}

bool Ebpf::claims(const net::Packet& p) {
  const net::FlowKey& f = p.flow;
  const net::Address node = datapath_.host().address();
  if (f.dst == node) {
    if (services_.find_node_port(f.dst_port, f.protocol).frontend != nullptr) return true;
  } else if (const ServiceTable::Match m = services_.find(f.dst, f.dst_port, f.protocol);
             m.frontend != nullptr && m.kind != FrontendKind::cluster_ip) {
    return true;
  }
  // An endpoint's answer to a client it was translated for here.
  const node::Conntrack::Hit hit =
      datapath_.conntrack().find(f, datapath_.host().simulator().now());
  return hit.entry != nullptr && hit.direction == node::CtDirection::reply &&
         hit.entry->frontend != node::CtEntry::kNoFrontend && !hit.entry->socket_lb;
}

std::uint64_t Ebpf::pick(const Choice& c) {
  if (!config_.ebpf_maglev || !c.external) return random_.uniform_int(c.count);
  // The same table on every node: a flow reaches the same backend through
  // any of them. Rebuilt when the eligible backends change.
  std::vector<std::uint32_t> ids;
  for (const Backend& b : *c.endpoints) {
    if (c.eligible(b)) ids.push_back(b.id);
  }
  Maglev& mg = maglev_[c.frontend];
  if (!mg.table || mg.ids != ids) {
    mg.ids = ids;
    mg.table = std::make_unique<MaglevTable>(ids, config_.maglev_table_size);
  }
  const net::FlowKey& flow = *c.flow;
  const std::uint32_t id =
      mg.table->lookup(net::FlowKey{flow.src, 0, flow.src_port, 0, flow.protocol}.hash(0x4d47));
  return static_cast<std::uint64_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
}

}  // namespace podwire::proxy
