// ChurnAction: one kind of change a scenario's churn makes (a rollout, a pod
// deleted, a node failing): the key that names it, what it acts on and what
// it does to the Lifecycle. churn_actions() is the table that the scenario
// parser and ChurnDriver read; each entry lives in its own <key>_action.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "models/churn/churn_spec.hpp"

namespace podwire::churn {

class Lifecycle;

struct ChurnAction {
  // What it acts on, and so which targets it takes.
  enum class Acts : std::uint8_t {
    workload,  // a workload as a whole (deployment/NAME, ...); events only
    pod,       // one pod: pod/NAME, or one of a workload's live pods at random
    node,      // node/NAME; a random process also takes `nodes`: one of those up, at random
  };

  std::string_view key;  // what names it in an event and a random process: "rollout"
  Acts acts = Acts::workload;
  bool takes_replicas = false;  // an event's `replicas:` (scale)
  // Its random process in messages ("pod deletions"); Acts::pod and Acts::node only.
  std::string_view noun = {};
  // Why it cannot act on this workload (its owner kind, e.g. "DaemonSet");
  // "" when it can. Null: it acts on every kind.
  std::string (*refuses)(const ChurnTarget& target, std::string_view owner_kind) = nullptr;
  // Acts::workload: what it does to the workload (a kube::Cluster::owners() index).
  void (*on_workload)(Lifecycle& lifecycle, std::uint32_t owner, int replicas) = nullptr;
  // Acts::pod, Acts::node: what it does to the pod or node (an index) picked.
  void (*on_one)(Lifecycle& lifecycle, int index) = nullptr;

  // It can run as a random process (ChurnProcessSpec).
  bool random() const { return acts != Acts::workload; }
  // How a random process of it says how often: "rate" (events per time), or
  // on nodes "mtbf" (the mean time between failures of each node).
  std::string_view frequency_key() const { return acts == Acts::node ? "mtbf" : "rate"; }
};

// Every action, in the order a scenario's messages list them.
std::span<const ChurnAction* const> churn_actions();
// The action named `key`; null when none is.
const ChurnAction* find_churn_action(std::string_view key);

}  // namespace podwire::churn
