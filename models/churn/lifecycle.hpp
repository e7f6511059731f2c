// Churn: pods and nodes changing under a running cluster, as the kubelet and
// the controllers change them.
//
// A created pod is scheduled and given an address, its containers start after
// a delay, and it becomes an endpoint only when its readiness probe has passed
// (initialDelaySeconds, then every periodSeconds, successThreshold times).
// Deleting a pod marks it terminating at once (the EndpointSlice controller
// takes it out of rotation), while the kubelet runs the preStop hook, then
// sends SIGTERM; the app drains and exits, or is killed when the grace period
// (terminationGracePeriodSeconds from the deletion) runs out; then the address
// goes back to the node's pool. A crashed container restarts in place after
// the kubelet's back-off (10 s doubling to 5 min), keeping the pod's address,
// and is not ready meanwhile. A failed node answers nothing; after the node
// monitor grace period its pods are marked not ready, and after the eviction
// timeout (the default tolerationSeconds of the unreachable taint) they are
// deleted and their ReplicaSets create replacements on other nodes
// (StatefulSet pods stay until the node is back, as Kubernetes keeps them).
//
// Deployments scale and roll out with maxSurge/maxUnavailable (or Recreate),
// ReplicaSets keep their replica count, StatefulSets create, replace and
// update their pods one ordinal at a time (OrderedReady) with stable names.
//
// What the pods' containers do is the runtime's business (the scenario layer
// starts namespaces and apps); every change to Services' endpoints is
// announced on endpoints_changed for the control-plane propagation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/random_stream.hpp"
#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "models/kube/cluster.hpp"

namespace podwire::churn {

// What runs in the pods: the scenario layer implements it.
class PodRuntime {
 public:
  virtual ~PodRuntime() = default;
  // The pod's containers are running: its namespace is up and its apps listen.
  virtual void start(int pod) = 0;
  // SIGTERM: the apps stop accepting and finish what they have; the runtime
  // calls Lifecycle::exited(pod) when nothing is left (at once if nothing runs).
  virtual void terminate(int pod) = 0;
  // SIGKILL or a crash: nothing more is served, connections are reset. The
  // namespace (and address) stays.
  virtual void kill(int pod) = 0;
  // The sandbox is gone: the address answers nothing any more.
  virtual void remove(int pod) = 0;
  // The node stops: nothing on it answers, nothing leaves it.
  virtual void fail_node(int node) = 0;
};

struct LifecycleConfig {
  // Scheduled to containers running (sandbox, image present, process start).
  engine::Distribution container_start = engine::Distribution::constant(1.0);
  // The deletion reaching the kubelet (its watch) before preStop runs.
  engine::Time kubelet_notice = engine::Time::ms(100);
  engine::Time restart_backoff_initial = engine::Time::s(10);  // kubelet's crash back-off
  engine::Time restart_backoff_max = engine::Time::s(300);
  engine::Time node_monitor_grace_period = engine::Time::s(40);  // kube-controller-manager
  engine::Time eviction_timeout =
      engine::Time::s(300);  // default tolerationSeconds for unreachable
};

enum class ChurnEventKind : std::uint8_t {
  created,        // scheduled, address assigned
  unschedulable,  // a pod its controller wanted could not be placed
  started,        // containers running
  ready,          // readiness probe passed: an endpoint
  terminating,    // deletion started
  signalled,      // SIGTERM after preStop
  exited,         // the app drained and exited
  killed,         // SIGKILL at the end of the grace period
  deleted,        // gone, address released
  crashed,
  restarted,
  node_failed,
  node_not_ready,  // the node controller noticed
  evicted,
  rollout_started,
  rollout_done,
  scaled,
};
const char* to_string(ChurnEventKind k);

struct ChurnEvent {
  engine::Time at;
  ChurnEventKind kind = ChurnEventKind::created;
  int pod = -1;
  int node = -1;
  int owner = -1;

  // Names each field once (models/builder/figures.hpp says how).
  template <class V>
  void visit(V& v) const {
    v("at_s", at);
    v("kind", to_string(kind));
    v("pod", pod);
    v("node", node);
    v("owner", owner);
  }
};

struct LifecycleCounters {
  std::uint64_t pods_created = 0;
  std::uint64_t pods_deleted = 0;
  std::uint64_t killed_at_grace = 0;  // still busy when the grace period ran out
  std::uint64_t crashes = 0;
  std::uint64_t evictions = 0;
  std::uint64_t unschedulable = 0;
  std::uint64_t rollouts_done = 0;

  // Names each counter once (models/builder/figures.hpp says how).
  template <class V>
  void visit(V& v) const {
    v("pods_created", pods_created);
    v("pods_deleted", pods_deleted);
    v("killed_at_grace", killed_at_grace);
    v("crashes", crashes);
    v("evictions", evictions);
    v("unschedulable", unschedulable);
    v("rollouts_done", rollouts_done);
  }
};

class Lifecycle {
 public:
  // The pods the cluster already holds are running and ready (a steady
  // cluster at time zero). The random stream should be named "churn".
  Lifecycle(engine::Simulator& sim, kube::Cluster& cluster, PodRuntime& runtime,
            LifecycleConfig config, engine::RandomStream random);
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // Actions, at the simulator's now. Owners are kube::Cluster::owners()
  // indexes. std::invalid_argument for an action the owner's kind does not
  // support (rolling out a bare Pod, scaling a DaemonSet).
  void rollout(std::uint32_t owner);
  void scale(std::uint32_t owner, int replicas);
  void delete_pod(int pod);  // graceful; its controller replaces it
  void crash(int pod);
  void fail_node(int node);
  // A live pod of the owner chosen at random, -1 when none.
  int random_pod(std::uint32_t owner);
  bool node_failed(int node) const { return failed_nodes_.at(static_cast<std::size_t>(node)); }

  // From the runtime: the pod's apps drained after SIGTERM.
  void exited(int pod);

  bool rollout_in_progress(std::uint32_t owner) const;
  int desired_replicas(std::uint32_t owner) const { return desired_.at(owner); }
  const LifecycleCounters& counters() const { return counters_; }
  const kube::Cluster& cluster() const { return cluster_; }

  // (service index, when): a Service's endpoints changed.
  engine::Signal<int, engine::Time> endpoints_changed;
  engine::Signal<const ChurnEvent&> event;

 private:
  enum class Phase : std::uint8_t { starting, running, crashed, terminating, gone };
  struct PodLife {
    Phase phase = Phase::running;
    std::uint32_t epoch = 0;  // timers of an older epoch are stale
    int probe_successes = 0;
    // When the kubelet took the pod in and started its probe workers: each
    // probes at once, then every periodSeconds from here.
    engine::Time added;
    bool signalled = false;
    bool on_failed_node = false;
    engine::Time ready_since;
    engine::Time backoff;
  };
  struct Rollout {
    bool active = false;
    engine::Time started;
  };

  PodLife& life(int pod);
  std::uint64_t timer_arg(int pod) {
    return static_cast<std::uint64_t>(pod) << 32 | life(pod).epoch;
  }
  bool current(std::uint64_t arg, int* pod);
  void emit(ChurnEventKind kind, int pod, int node = -1, int owner = -1);
  void flush();  // announce the Services whose endpoints changed

  int create(std::uint32_t owner, int ordinal);
  void on_started(std::uint64_t arg);
  void on_probe(std::uint64_t arg);
  void on_available(std::uint64_t arg);
  void on_signal(std::uint64_t arg);
  void on_grace_over(std::uint64_t arg);
  void on_restart(std::uint64_t arg);
  void on_node_not_ready(std::uint64_t node);
  void on_node_evict(std::uint64_t node);
  void on_pod_placed(std::uint64_t);
  void became_ready(int pod);
  void finish(int pod);

  void reconcile(std::uint32_t owner);
  void retry_unschedulable();
  void reconcile_replicas(std::uint32_t owner);
  void reconcile_stateful(std::uint32_t owner);
  bool available(int pod) const;
  int min_ready_seconds(std::uint32_t owner) const;
  // The first of the pod's containers' probes of one kind (readiness, startup).
  using ProbeField = std::optional<kube::Probe> kube::Container::*;
  const kube::Probe* probe_of(int pod, ProbeField which) const;
  static engine::Time period_of(const kube::Probe& p);  // periodSeconds, at least 1 s
  // The first tick of a probe worker of `period`, started at `added`, at or
  // after `t`.
  static engine::Time tick_at_or_after(engine::Time added, engine::Time period, engine::Time t);
  engine::Time pre_stop(int pod) const;

  engine::Simulator& sim_;
  kube::Cluster& cluster_;
  PodRuntime& runtime_;
  LifecycleConfig config_;
  engine::RandomStream random_;
  std::vector<PodLife> lives_;  // by pod index
  std::vector<int> desired_;    // by owner
  std::vector<Rollout> rollouts_;
  std::vector<bool> reconciling_;
  std::vector<bool> again_;  // a change arrived during the owner's sync
  std::vector<bool> failed_nodes_;
  // Owners whose controller wanted a pod the scheduler could not place: as
  // kube-scheduler requeues unschedulable pods when a pod is deleted, their
  // controllers try again each time a pod goes (retry_unschedulable).
  std::vector<std::uint32_t> unschedulable_owners_;
  // Those of them that failed on pod affinity or topology spreading, which
  // a pod placed elsewhere can satisfy: kube-scheduler requeues them when a
  // pod is bound too (the InterPodAffinity and PodTopologySpread plugins'
  // Pod/Add event), which on_pod_placed does after the placing sync.
  std::vector<std::uint32_t> waiting_for_pods_;
  bool pod_placed_armed_ = false;
  LifecycleCounters counters_;
};

}  // namespace podwire::churn
