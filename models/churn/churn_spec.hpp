// ChurnSpec: what changes in a cluster during a run (a scenario's `churn:`):
// events at given times and random processes, each an action of the
// churn_actions() table on a target as written, with the lifecycle and
// control-plane settings. Plain config; ChurnDriver resolves and runs it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/time.hpp"
#include "models/churn/endpoint_propagation.hpp"
#include "models/churn/lifecycle.hpp"
#include "models/kube/objects.hpp"

namespace podwire::churn {

struct ChurnAction;

// "[namespace/]kind/name" as parsed, or "nodes".
struct ChurnTarget {
  std::string kind;  // deployment, statefulset, replicaset, replicationcontroller, daemonset, pod,
                     // node, nodes
  std::string namespace_ = "default";
  std::string name;
  std::string text;  // as written
};

struct ChurnActionSpec {
  const ChurnAction* action = nullptr;  // an entry of churn_actions()
  engine::Time at;
  ChurnTarget target;
  int replicas = 0;  // an action that takes replicas (scale)
  std::string path;  // "churn.events[2]"
  kube::SourceLocation source;
};

// A random process: an action at exponentially distributed intervals, e.g.
// deletions or crashes of a workload's pods at a rate, or node failures with
// a mean time between failures per node.
struct ChurnProcessSpec {
  const ChurnAction* action = nullptr;  // an entry of churn_actions() that can be random
  ChurnTarget target;                   // an action on nodes also takes kind "nodes" (every node)
  double rate_per_s = 0;                // per node for "nodes"
  engine::Time start = engine::Time::zero();
  std::optional<engine::Time> stop;
  std::string path;  // "churn.random[0]"
  kube::SourceLocation source;
};

struct ChurnSpec {
  std::vector<ChurnActionSpec> events;
  std::vector<ChurnProcessSpec> random;
  LifecycleConfig lifecycle;
  PropagationConfig control_plane;
  bool present() const { return !events.empty() || !random.empty(); }
};

}  // namespace podwire::churn
