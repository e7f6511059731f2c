// cluster_listing: what a cluster scenario builds in its control plane, as
// `kubectl get` lists a live cluster: nodes with their pod CIDRs, pods with
// their node and address (Pending when the scheduler found no node), Services
// with their ClusterIPs, allocated NodePorts and load-balancer addresses, and
// each Service's endpoints; at time 0, before any traffic or churn. Only the
// control plane is built (no datapath, no applications), so a scenario whose
// pods cannot all be scheduled still lists, with its problems beside.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/kube/cluster.hpp"
#include "models/scenario/cluster_scenario.hpp"

namespace podwire::builder {

// The control-plane configuration of a scenario's cluster: node i (counting
// across the node groups) is named as the fabric names it, labelled as the
// cloud provider labels it, with its group's CPUs, memory and pod limit.
kube::ClusterConfig cluster_config(const scenario::ClusterScenario& s);

struct ListedNode {
  std::string name;
  bool ready = true;
  std::vector<std::string> roles;  // from node-role.kubernetes.io/<role> labels
  std::string internal_ip;
  std::string pod_cidr;
  std::string instance_type;
  std::string zone;
  std::int64_t cpu_millicores = 0;
  std::int64_t memory_bytes = 0;
  int max_pods = 0;
  int pods = 0;  // pods placed on it
};

struct ListedPod {
  std::string namespace_;
  std::string name;
  std::string phase;  // "Running", "Pending"
  std::string node;   // "" when Pending
  std::string ip;     // "" when it has none
  bool host_network = false;
  int containers = 0;
  int ready_containers = 0;
  int restarts = 0;
  std::string owner_kind;  // "Deployment", ..., "Pod"
  std::string owner;
};

struct ListedServicePort {
  std::string name;
  std::string protocol;  // "TCP", "UDP", "SCTP"
  int port = 0;
  std::string target_port;  // "8080" or a port name
  int node_port = 0;        // 0: none
};

struct ListedEndpoint {
  std::string ip;
  int port = 0;
  std::string port_name;
  std::string protocol;
  std::string pod;  // "namespace/name"; "" for an address from a hand-written EndpointSlice
  std::string node;
  bool ready = true;
};

struct ListedService {
  std::string namespace_;
  std::string name;
  std::string type;                       // "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"
  std::string cluster_ip;                 // "None" when headless, "" for ExternalName
  std::vector<std::string> external_ips;  // load-balancer addresses, then spec.externalIPs
  std::string external_name;
  std::vector<ListedServicePort> ports;
  bool has_selector = false;
  std::string selector;  // "app=web,tier=front"; "" without one
  std::vector<ListedEndpoint> endpoints;
};

struct ClusterListing {
  std::vector<ListedNode> nodes;
  std::vector<ListedPod> pods;
  std::vector<ListedService> services;
  // What building the control plane found (unschedulable pods, conflicting
  // nodePorts), as "file:line:column: severity: field: message".
  std::vector<std::string> problems;
};

// ScenarioError for a cluster that cannot be built at all (a node network or
// pod CIDR too small for its nodes).
ClusterListing list_cluster(const scenario::ClusterScenario& s);

}  // namespace podwire::builder
