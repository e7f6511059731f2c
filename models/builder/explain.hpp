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
  std::string from;              // "namespace/pod", or "outside"
  std::string to;                // as asked
  bool outside = false;          // from the machine outside the cluster
  bool udp = false;              // a datagram (udp://), not a TCP connection
  std::vector<std::string> dns;  // the queries the resolver sends, in order, and their answers
  std::vector<std::string> endpoints;     // what the name leads to, and how one is chosen
  std::vector<ExplainStep> first_packet;  // the connection's first packet to one endpoint
  std::vector<std::string> notes;         // later packets, replies
  // One request simulated from the pod to the name in an idle cluster.
  bool measured = false;
  std::string status;  // "ok", "refused", ...
  std::string served_by;
  engine::Time dns_time, connect_time, network_time, at_server_time, total_time;
  // A datagram: sent and done at once; what became of it at its receiver
  // ("taken in", "dropped at the receive queue", "lost: ..."), and how long
  // after it was sent it arrived there.
  std::string datagram;
  engine::Time to_server_time;
};

// `from` is "[namespace/]pod" (or a workload, whose first pod is taken), or
// "outside": the machine outside the cluster, which reaches what the
// scenario publishes (a load balancer's name, a node's nodePort) as a
// `from: outside` traffic entry does. `to` is "name[:port]" (port 80 when
// absent), or "udp://name:port" for one datagram instead of a connection.
// ScenarioError when the pod or the name cannot be found, or, from outside,
// when the name or port is not one traffic from outside may have.
ExplainResult explain(const ClusterScenario& scenario, const std::string& from,
                      const std::string& to);

std::string format_explain(const ExplainResult& r);

}  // namespace podwire::builder
