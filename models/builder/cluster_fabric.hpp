// ClusterFabric: the physical network of a cluster scenario: one host per node
// (named and addressed from the node groups), the switches of the chosen
// topology, and the hosts outside the cluster that scenarios need: a client
// machine on the internet, the control plane's API server, and the cloud load
// balancer. Routes are computed once everything is cabled.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/net/network.hpp"
#include "models/scenario/cluster_scenario.hpp"

namespace podwire::builder {

using scenario::ClusterSpec;
using scenario::NodeGroupSpec;
using scenario::TopologySpec;

struct FabricNode {
  std::string name;
  std::size_t group = 0;  // index into ClusterSpec::nodes
  net::Host* host = nullptr;
};

struct ClusterFabric {
  std::vector<FabricNode> nodes;  // in node-group order
  net::Host* outside = nullptr;   // clients outside the cluster
  net::Host* apiserver = nullptr;
  net::Host* load_balancer = nullptr;
  std::size_t switches = 0;
};

// The node's name: "<group>-<i>", or "<group>" for a group of one.
std::string node_name(const NodeGroupSpec& group, int i);

// Builds the fabric into an empty network. Node i (counting across groups) has
// address node_network.at(i + 1); the API server node_network.at(size - 2);
// the outside client 192.0.2.10 and the load balancer 192.0.2.1 (TEST-NET-1).
// std::invalid_argument when the node network is too small for the nodes.
ClusterFabric build_cluster_fabric(net::Network& net, const ClusterSpec& spec);

}  // namespace podwire::builder
