// explain: the path a request from one pod to a name takes through the
// simulated cluster, hop by hop, with what the simulation charges at each hop
// — the simulator's equivalent of the network-utils pod a developer runs in
// a cluster to debug it. The hops are read from the built model (the pod's
// resolv.conf, the DNS zone, the proxy's table, the datapath costs, the
// fabric); then one request is simulated end to end in an otherwise idle
// cluster and its measured parts are given beside them.
#pragma once

#include <string>
#include <vector>

#include "engine/time.hpp"
#include "models/scenario/cluster_scenario.hpp"

namespace podwire::builder {

using scenario::ClusterScenario;

struct ExplainStep {
  std::string where;  // "pod default/client-7d9f", "node worker-0 kernel", "wire", ...
  std::string what;
  engine::Time cost;  // CPU work charged, or time on the wire; zero when nothing is charged
};

struct ExplainResult {
  std::string from;              // "namespace/pod"
  std::string to;                // as asked
  std::vector<std::string> dns;  // the queries the resolver sends, in order, and their answers
  std::vector<std::string> endpoints;     // what the name leads to, and how one is chosen
  std::vector<ExplainStep> first_packet;  // the connection's first packet to one endpoint
  std::vector<std::string> notes;         // later packets, replies
  // One request simulated from the pod to the name in an idle cluster.
  bool measured = false;
  std::string status;  // "ok", "refused", ...
  std::string served_by;
  engine::Time dns_time, connect_time, network_time, at_server_time, total_time;
};

// `from` is "[namespace/]pod" (or a workload, whose first pod is taken);
// `to` is "name[:port]" (port 80 when absent). ScenarioError when the pod or
// the name cannot be found.
ExplainResult explain(const ClusterScenario& scenario, const std::string& from,
                      const std::string& to);

std::string format_explain(const ExplainResult& r);

}  // namespace podwire::builder
