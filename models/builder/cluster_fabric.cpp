#include "models/builder/cluster_fabric.hpp"

#include <stdexcept>

namespace podwire::builder {

std::string node_name(const NodeGroupSpec& group, int i) {
  return group.count == 1 ? group.name : group.name + "-" + std::to_string(i);
}

ClusterFabric build_cluster_fabric(net::Network& net, const ClusterSpec& spec) {
  ClusterFabric f;
  std::uint64_t total = 0;
  for (const auto& g : spec.nodes) total += static_cast<std::uint64_t>(g.count);
  if (total + 3 > spec.node_network.size()) {
    throw std::invalid_argument("cluster.node_network " + spec.node_network.to_string() +
                                " has room for " + std::to_string(spec.node_network.size() - 3) +
                                " nodes, not " + std::to_string(total));
  }
  const auto link = [&](engine::BitRate rate) {
    return net::LinkConfig{rate, spec.topology.link_delay,
                           static_cast<std::uint32_t>(spec.topology.queue_packets), 0, 0};
  };

  // Switches: one for a star; leaves and spines otherwise. The hosts outside
  // the cluster hang off the first spine (or the star's switch).
  std::vector<net::Switch*> leaves;
  std::vector<net::Switch*> spines;
  const bool star = spec.topology.kind == TopologySpec::Kind::star;
  const std::uint64_t per_rack = static_cast<std::uint64_t>(spec.topology.nodes_per_rack);
  if (star) {
    leaves.push_back(&net.add_switch("switch", spec.topology.switch_latency));
  } else {
    const std::uint64_t racks = (total + per_rack - 1) / per_rack;
    for (std::uint64_t r = 0; r < racks; ++r) {
      leaves.push_back(&net.add_switch("leaf" + std::to_string(r), spec.topology.switch_latency));
    }
    for (int s = 0; s < spec.topology.spines; ++s) {
      spines.push_back(&net.add_switch("spine" + std::to_string(s), spec.topology.switch_latency));
    }
    for (net::Switch* leaf : leaves) {
      for (net::Switch* spine : spines) net.connect(*leaf, *spine, link(spec.topology.uplink));
    }
  }

  std::uint64_t i = 0;
  for (std::size_t g = 0; g < spec.nodes.size(); ++g) {
    const NodeGroupSpec& group = spec.nodes[g];
    for (int k = 0; k < group.count; ++k, ++i) {
      const std::string name = node_name(group, k);
      net::Host& h =
          net.add_host(name, spec.node_network.at(i + 1), static_cast<std::uint32_t>(group.cpus));
      net::Switch& tor = star ? *leaves[0] : *leaves[i / per_rack];
      // The node's NIC delay on its last hop, adapted under bulk flows.
      net.connect(
          h, tor, link(group.nic),
          net::RxModeration{spec.host.nic_latency, spec.host.rx_itr_step, spec.host.rx_itr_max});
      f.nodes.push_back(FabricNode{name, g, &h});
    }
  }

  net::Switch& core = star ? *leaves[0] : *spines[0];
  const engine::BitRate edge(100'000'000'000);
  f.apiserver = &net.add_host("apiserver", spec.node_network.at(spec.node_network.size() - 2));
  net.connect(*f.apiserver, core, link(edge));
  f.outside = &net.add_host("outside", net::parse_address("192.0.2.10"));
  net.connect(*f.outside, core, link(edge));
  f.load_balancer = &net.add_host("cloud-lb", net::parse_address("192.0.2.1"));
  net.connect(*f.load_balancer, core, link(edge));
  f.switches = net.switch_count();
  net.compute_routes();
  return f;
}

}  // namespace podwire::builder
