#include "models/churn/lifecycle.hpp"

#include <algorithm>
#include <stdexcept>

namespace podwire::churn {

using engine::Time;

const char* to_string(ChurnEventKind k) {
  switch (k) {
    case ChurnEventKind::created:
      return "created";
    case ChurnEventKind::unschedulable:
      return "unschedulable";
    case ChurnEventKind::started:
      return "started";
    case ChurnEventKind::ready:
      return "ready";
    case ChurnEventKind::terminating:
      return "terminating";
    case ChurnEventKind::signalled:
      return "signalled";
    case ChurnEventKind::exited:
      return "exited";
    case ChurnEventKind::killed:
      return "killed";
    case ChurnEventKind::deleted:
      return "deleted";
    case ChurnEventKind::crashed:
      return "crashed";
    case ChurnEventKind::restarted:
      return "restarted";
    case ChurnEventKind::node_failed:
      return "node_failed";
    case ChurnEventKind::node_not_ready:
      return "node_not_ready";
    case ChurnEventKind::evicted:
      return "evicted";
    case ChurnEventKind::rollout_started:
      return "rollout_started";
    case ChurnEventKind::rollout_done:
      return "rollout_done";
    case ChurnEventKind::scaled:
      return "scaled";
  }
  return "?";
}

Lifecycle::Lifecycle(engine::Simulator& sim, kube::Cluster& cluster, PodRuntime& runtime,
                     LifecycleConfig config, engine::RandomStream random)
    : sim_(sim), cluster_(cluster), runtime_(runtime), config_(std::move(config)), random_(random) {
  const auto& owners = cluster_.owners();
  desired_.reserve(owners.size());
  for (const kube::OwnerState& o : owners) desired_.push_back(o.replicas);
  rollouts_.resize(owners.size());
  reconciling_.assign(owners.size(), false);
  again_.assign(owners.size(), false);
  lives_.resize(cluster_.pods().size());
  failed_nodes_.assign(cluster_.nodes().size(), false);
  for (std::size_t i = 0; i < lives_.size(); ++i) {
    const kube::PodState& p = cluster_.pods()[i];
    lives_[i].phase = p.node < 0 || p.deleted ? Phase::gone : Phase::running;
    lives_[i].ready_since = Time::zero() - Time::s(3600);  // long available
  }
  cluster_.take_changed_services();  // the state at time zero is everyone's starting point
}

Lifecycle::PodLife& Lifecycle::life(int pod) {
  if (static_cast<std::size_t>(pod) >= lives_.size())
    lives_.resize(static_cast<std::size_t>(pod) + 1);
  return lives_[static_cast<std::size_t>(pod)];
}

bool Lifecycle::current(std::uint64_t arg, int* pod) {
  *pod = static_cast<int>(arg >> 32);
  return life(*pod).epoch == static_cast<std::uint32_t>(arg);
}

void Lifecycle::emit(ChurnEventKind kind, int pod, int node, int owner) {
  if (pod >= 0) {
    const kube::PodState& p = cluster_.pods()[static_cast<std::size_t>(pod)];
    if (node < 0) node = p.node;
    if (owner < 0) owner = static_cast<int>(p.owner);
  }
  event.emit(ChurnEvent{sim_.now(), kind, pod, node, owner});
}

void Lifecycle::flush() {
  for (int s : cluster_.take_changed_services()) endpoints_changed.emit(s, sim_.now());
}

// --- one pod ------------------------------------------------------------------

const kube::Probe* Lifecycle::probe_of(int pod, ProbeField which) const {
  for (const kube::Container& c : cluster_.pods()[static_cast<std::size_t>(pod)].spec->containers) {
    if (c.*which) return &*(c.*which);
  }
  return nullptr;
}

Time Lifecycle::period_of(const kube::Probe& p) { return Time::s(std::max(1, p.period_seconds)); }

Time Lifecycle::tick_at_or_after(Time added, Time period, Time t) {
  if (t <= added) return added;
  const std::int64_t p = period.ps();
  const std::int64_t ticks = ((t - added).ps() + p - 1) / p;
  return added + Time::ps(ticks * p);
}

Time Lifecycle::pre_stop(int pod) const {
  // Containers run their hooks in parallel; the longest decides.
  Time longest;
  for (const kube::Container& c : cluster_.pods()[static_cast<std::size_t>(pod)].spec->containers) {
    if (c.pre_stop && c.pre_stop->sleep_seconds)
      longest = std::max(longest, Time::s(*c.pre_stop->sleep_seconds));
  }
  return longest;
}

int Lifecycle::create(std::uint32_t owner, int ordinal) {
  std::string why;
  const int pod = cluster_.create_pod(owner, ordinal, &why);
  if (pod < 0) {
    ++counters_.unschedulable;
    emit(ChurnEventKind::unschedulable, -1, -1, static_cast<int>(owner));
    const auto list = [owner](std::vector<std::uint32_t>& owners) {
      if (std::find(owners.begin(), owners.end(), owner) == owners.end()) owners.push_back(owner);
    };
    list(unschedulable_owners_);
    // (The scheduler's reasons as kube-scheduler words them; a spread
    // constraint's missing node label is not a pod's to satisfy.)
    if (why.find("didn't match pod affinity rules") != std::string::npos ||
        why.find("pod topology spread constraints;") != std::string::npos ||
        why.ends_with("pod topology spread constraints"))
      list(waiting_for_pods_);
    return -1;
  }
  ++counters_.pods_created;
  if (!waiting_for_pods_.empty() && !pod_placed_armed_) {
    pod_placed_armed_ = true;
    sim_.schedule_in<&Lifecycle::on_pod_placed>(Time::zero(), this);
  }
  PodLife& l = life(pod);
  l = PodLife{};
  l.phase = Phase::starting;
  l.added = sim_.now();
  emit(ChurnEventKind::created, pod);
  const int node = cluster_.pods()[static_cast<std::size_t>(pod)].node;
  if (failed_nodes_[static_cast<std::size_t>(node)]) {
    // Bound to a node that has failed but is not yet NotReady: its kubelet
    // never starts it.
    l.on_failed_node = true;
    return pod;
  }
  const Time start = Time::drawn(config_.container_start.sample(random_));
  sim_.schedule_in<&Lifecycle::on_started>(start, this, timer_arg(pod));
  return pod;
}

void Lifecycle::on_started(std::uint64_t arg) {
  int pod;
  if (!current(arg, &pod)) return;
  PodLife& l = life(pod);
  if (l.phase != Phase::starting) return;
  l.phase = Phase::running;
  l.probe_successes = 0;
  runtime_.start(pod);
  emit(ChurnEventKind::started, pod);
  // A probe of a port the container does not name cannot run, and the pod
  // stays unready (the manifest's warning says so).
  if (!cluster_.pods()[static_cast<std::size_t>(pod)].spec->readiness_can_pass()) return;
  // kubelet's probe workers (prober/worker.go) tick every periodSeconds from
  // when the pod was added, skip a probe while the container has run less
  // than initialDelaySeconds, and run no readiness probe until the startup
  // probe has passed. A pod status update runs a readiness probe that has no
  // result yet at once (prober_manager.go): when the container starts, and
  // when its startup probe passes.
  const Time now = sim_.now();
  Time trigger = now;
  if (const kube::Probe* startup = probe_of(pod, &kube::Container::startup_probe)) {
    trigger = tick_at_or_after(l.added, period_of(*startup),
                               now + Time::s(startup->initial_delay_seconds));
  }
  const kube::Probe* probe = probe_of(pod, &kube::Container::readiness_probe);
  if (probe == nullptr) {
    if (trigger == now) {
      became_ready(pod);
    } else {
      sim_.schedule_in<&Lifecycle::on_probe>(trigger - now, this, timer_arg(pod));
    }
    return;
  }
  const Time eligible = now + Time::s(probe->initial_delay_seconds);
  const Time first =
      trigger >= eligible ? trigger : tick_at_or_after(l.added, period_of(*probe), eligible);
  sim_.schedule_in<&Lifecycle::on_probe>(first - now, this, timer_arg(pod));
}

void Lifecycle::on_probe(std::uint64_t arg) {
  int pod;
  if (!current(arg, &pod)) return;
  PodLife& l = life(pod);
  if (l.phase != Phase::running) return;
  const kube::Probe* probe = probe_of(pod, &kube::Container::readiness_probe);
  if (probe == nullptr || ++l.probe_successes >= std::max(1, probe->success_threshold)) {
    became_ready(pod);
    return;
  }
  // The next success is the worker's next tick.
  const Time next = tick_at_or_after(l.added, period_of(*probe), sim_.now() + Time::ps(1));
  sim_.schedule_in<&Lifecycle::on_probe>(next - sim_.now(), this, timer_arg(pod));
}

void Lifecycle::became_ready(int pod) {
  PodLife& l = life(pod);
  l.ready_since = sim_.now();
  cluster_.set_ready(pod, true);
  emit(ChurnEventKind::ready, pod);
  flush();
  const kube::PodState& p = cluster_.pods()[static_cast<std::size_t>(pod)];
  const int min_ready = min_ready_seconds(p.owner);
  if (min_ready > 0) {
    sim_.schedule_in<&Lifecycle::on_available>(Time::s(min_ready), this, timer_arg(pod));
  } else {
    reconcile(p.owner);
  }
}

void Lifecycle::on_available(std::uint64_t arg) {
  int pod;
  if (!current(arg, &pod)) return;
  reconcile(cluster_.pods()[static_cast<std::size_t>(pod)].owner);
}

int Lifecycle::min_ready_seconds(std::uint32_t owner) const {
  const kube::Deployment* d = cluster_.owners()[owner].deployment;
  return d != nullptr ? d->min_ready_seconds : 0;
}

bool Lifecycle::available(int pod) const {
  const kube::PodState& p = cluster_.pods()[static_cast<std::size_t>(pod)];
  if (!p.ready || p.terminating || p.deleted) return false;
  return sim_.now() >=
         lives_[static_cast<std::size_t>(pod)].ready_since + Time::s(min_ready_seconds(p.owner));
}

void Lifecycle::delete_pod(int pod) {
  PodLife& l = life(pod);
  const kube::PodState& p = cluster_.pods().at(static_cast<std::size_t>(pod));
  if (p.deleted || p.terminating || l.phase == Phase::gone) return;
  const bool was_starting = l.phase == Phase::starting;
  l.phase = Phase::terminating;
  l.signalled = false;
  ++l.epoch;  // probes and restarts stop
  cluster_.set_terminating(pod);
  emit(ChurnEventKind::terminating, pod);
  flush();
  if (l.on_failed_node) {
    // Nobody runs the hooks: the API object goes, the pod went with its node.
    finish(pod);
    return;
  }
  const std::int64_t grace = p.spec->termination_grace_period_seconds;
  sim_.schedule_in<&Lifecycle::on_grace_over>(config_.kubelet_notice + Time::s(grace), this,
                                              timer_arg(pod));
  if (was_starting) {
    finish(pod);  // nothing was running yet
    return;
  }
  sim_.schedule_in<&Lifecycle::on_signal>(config_.kubelet_notice + pre_stop(pod), this,
                                          timer_arg(pod));
  reconcile(p.owner);
}

void Lifecycle::on_signal(std::uint64_t arg) {
  int pod;
  if (!current(arg, &pod)) return;
  PodLife& l = life(pod);
  if (l.phase != Phase::terminating || l.signalled) return;
  l.signalled = true;
  emit(ChurnEventKind::signalled, pod);
  runtime_.terminate(pod);  // may call exited() at once
}

void Lifecycle::exited(int pod) {
  PodLife& l = life(pod);
  if (l.phase != Phase::terminating) return;
  emit(ChurnEventKind::exited, pod);
  finish(pod);
}

void Lifecycle::on_grace_over(std::uint64_t arg) {
  int pod;
  if (!current(arg, &pod)) return;
  if (life(pod).phase != Phase::terminating) return;
  ++counters_.killed_at_grace;
  emit(ChurnEventKind::killed, pod);
  finish(pod);
}

void Lifecycle::finish(int pod) {
  PodLife& l = life(pod);
  l.phase = Phase::gone;
  ++l.epoch;
  const kube::PodState& p = cluster_.pods()[static_cast<std::size_t>(pod)];
  const std::uint32_t owner = p.owner;
  if (!l.on_failed_node) {
    runtime_.kill(pod);
    runtime_.remove(pod);
  }
  emit(ChurnEventKind::deleted, pod);
  cluster_.delete_pod(pod);
  ++counters_.pods_deleted;
  flush();
  // The pending pods, woken by the deletion, are placed before the
  // controller's replacement is created.
  retry_unschedulable();
  reconcile(owner);
}

void Lifecycle::retry_unschedulable() {
  if (unschedulable_owners_.empty()) return;
  const std::vector<std::uint32_t> owners = std::move(unschedulable_owners_);
  unschedulable_owners_.clear();
  for (std::uint32_t o : owners) reconcile(o);  // re-listed by create() if still unplaceable
}

void Lifecycle::on_pod_placed(std::uint64_t) {
  pod_placed_armed_ = false;
  const std::vector<std::uint32_t> owners = std::move(waiting_for_pods_);
  waiting_for_pods_.clear();
  for (std::uint32_t o : owners) reconcile(o);  // re-listed by create() if still unplaceable
}

void Lifecycle::crash(int pod) {
  PodLife& l = life(pod);
  const kube::PodState& p = cluster_.pods().at(static_cast<std::size_t>(pod));
  if (l.phase != Phase::running || p.deleted || p.terminating || l.on_failed_node) return;
  ++counters_.crashes;
  l.phase = Phase::crashed;
  ++l.epoch;
  runtime_.kill(pod);
  cluster_.restart_container(pod);
  cluster_.set_ready(pod, false);
  emit(ChurnEventKind::crashed, pod);
  flush();
  l.backoff = l.backoff == Time::zero() ? config_.restart_backoff_initial
                                        : std::min(config_.restart_backoff_max, l.backoff * 2);
  sim_.schedule_in<&Lifecycle::on_restart>(l.backoff, this, timer_arg(pod));
  reconcile(p.owner);
}

void Lifecycle::on_restart(std::uint64_t arg) {
  int pod;
  if (!current(arg, &pod)) return;
  PodLife& l = life(pod);
  if (l.phase != Phase::crashed) return;
  l.phase = Phase::starting;
  emit(ChurnEventKind::restarted, pod);
  on_started(timer_arg(pod));
}

// --- nodes --------------------------------------------------------------------

void Lifecycle::fail_node(int node) {
  if (failed_nodes_.at(static_cast<std::size_t>(node))) return;
  failed_nodes_[static_cast<std::size_t>(node)] = true;
  runtime_.fail_node(node);
  for (std::size_t i = 0; i < cluster_.pods().size(); ++i) {
    const kube::PodState& p = cluster_.pods()[i];
    if (p.node == node && !p.deleted) {
      PodLife& l = life(static_cast<int>(i));
      l.on_failed_node = true;
      ++l.epoch;  // its kubelet is gone: no probes, restarts or hooks
    }
  }
  emit(ChurnEventKind::node_failed, -1, node);
  sim_.schedule_in<&Lifecycle::on_node_not_ready>(config_.node_monitor_grace_period, this,
                                                  static_cast<std::uint64_t>(node));
}

void Lifecycle::on_node_not_ready(std::uint64_t n) {
  const int node = static_cast<int>(n);
  cluster_.set_node_ready(node, false);
  emit(ChurnEventKind::node_not_ready, -1, node);
  for (std::size_t i = 0; i < cluster_.pods().size(); ++i) {
    const kube::PodState& p = cluster_.pods()[i];
    if (p.node == node && !p.deleted) cluster_.set_ready(static_cast<int>(i), false);
  }
  flush();
  sim_.schedule_in<&Lifecycle::on_node_evict>(config_.eviction_timeout, this, n);
}

void Lifecycle::on_node_evict(std::uint64_t n) {
  const int node = static_cast<int>(n);
  std::vector<std::uint32_t> owners;
  for (std::size_t i = 0; i < cluster_.pods().size(); ++i) {
    const kube::PodState& p = cluster_.pods()[i];
    if (p.node != node || p.deleted || p.terminating) continue;
    ++counters_.evictions;
    emit(ChurnEventKind::evicted, static_cast<int>(i));
    if (p.owner_kind == "StatefulSet" || p.owner_kind == "DaemonSet") {
      // Terminating until the node answers again (or someone force-deletes):
      // a StatefulSet never runs two pods of one identity.
      cluster_.set_terminating(static_cast<int>(i));
      life(static_cast<int>(i)).phase = Phase::terminating;
      continue;
    }
    owners.push_back(p.owner);
    PodLife& l = life(static_cast<int>(i));
    l.phase = Phase::terminating;
    finish(static_cast<int>(i));
  }
  flush();
  for (std::uint32_t o : owners) reconcile(o);
}

// --- controllers ----------------------------------------------------------------

int Lifecycle::random_pod(std::uint32_t owner) {
  const kube::OwnerState& o = cluster_.owners().at(owner);
  std::vector<int> live;
  for (int pod : cluster_.pods_of(o.namespace_, o.name)) {
    const kube::PodState& p = cluster_.pods()[static_cast<std::size_t>(pod)];
    if (!p.terminating && life(pod).phase != Phase::gone) live.push_back(pod);
  }
  if (live.empty()) return -1;
  return live[random_.uniform_int(live.size())];
}

bool Lifecycle::rollout_in_progress(std::uint32_t owner) const {
  return rollouts_.at(owner).active;
}

void Lifecycle::rollout(std::uint32_t owner) {
  const kube::OwnerState& o = cluster_.owners().at(owner);
  if (o.kind != "Deployment" && o.kind != "StatefulSet") {
    throw std::invalid_argument("cannot roll out " + std::string(o.kind) + " " + o.namespace_ +
                                "/" + o.name + ": only Deployments and StatefulSets roll out");
  }
  cluster_.bump_revision(owner);
  rollouts_[owner] = Rollout{true, sim_.now()};
  emit(ChurnEventKind::rollout_started, -1, -1, static_cast<int>(owner));
  reconcile(owner);
}

void Lifecycle::scale(std::uint32_t owner, int replicas) {
  const kube::OwnerState& o = cluster_.owners().at(owner);
  if (o.kind == "DaemonSet" || o.kind == "Pod") {
    throw std::invalid_argument("cannot scale " + std::string(o.kind) + " " + o.namespace_ + "/" +
                                o.name);
  }
  if (replicas < 0) throw std::invalid_argument("replicas must not be negative");
  desired_[owner] = replicas;
  emit(ChurnEventKind::scaled, -1, -1, static_cast<int>(owner));
  reconcile(owner);
}

void Lifecycle::reconcile(std::uint32_t owner) {
  // A controller's sync can delete or create pods, which calls back here;
  // the outer sync sees the result.
  if (reconciling_[owner]) {
    again_[owner] = true;
    return;
  }
  reconciling_[owner] = true;
  const std::string_view kind = cluster_.owners()[owner].kind;
  // A sync that changed something gets another look at once, as the
  // controller's informer would requeue it (bounded: each round converges).
  for (int round = 0; round < 16; ++round) {
    again_[owner] = false;
    if (kind == "StatefulSet") {
      reconcile_stateful(owner);
    } else if (kind != "DaemonSet" && kind != "Pod") {
      reconcile_replicas(owner);
    }
    if (!again_[owner]) break;
  }
  reconciling_[owner] = false;
}

// Deployments (rolling update or Recreate), ReplicaSets and
// ReplicationControllers: pods of the current revision are "new", others
// "old"; terminating pods count for nothing.
void Lifecycle::reconcile_replicas(std::uint32_t owner) {
  const kube::OwnerState& o = cluster_.owners()[owner];
  const int desired = desired_[owner];
  std::vector<int> fresh, old;
  bool any_terminating_old = false;
  for (int pod : cluster_.pods_of(o.namespace_, o.name)) {
    const kube::PodState& p = cluster_.pods()[static_cast<std::size_t>(pod)];
    if (p.terminating) {
      any_terminating_old |= p.revision != o.revision;
      continue;
    }
    (p.revision == o.revision ? fresh : old).push_back(pod);
  }
  // Which pods go first when scaling down: not ready, then the newest.
  const auto scale_down_order = [&](std::vector<int>& pods) {
    std::stable_sort(pods.begin(), pods.end(), [&](int a, int b) {
      const bool ra = cluster_.pods()[static_cast<std::size_t>(a)].ready;
      const bool rb = cluster_.pods()[static_cast<std::size_t>(b)].ready;
      if (ra != rb) return !ra;
      return a > b;
    });
  };

  const kube::Deployment* d = o.deployment;
  const bool recreate =
      d != nullptr && d->strategy.type == kube::DeploymentStrategy::Type::recreate;
  if (recreate && !old.empty()) {
    for (int pod : old) delete_pod(pod);
    return;
  }
  if (recreate && any_terminating_old) return;  // Recreate waits for the old pods to be gone

  if (old.empty()) {
    // Steady state: keep the count.
    const int have = static_cast<int>(fresh.size());
    for (int i = have; i < desired; ++i) {
      if (create(owner, -1) < 0) break;
    }
    if (have > desired) {
      scale_down_order(fresh);
      for (int i = 0; i < have - desired; ++i) delete_pod(fresh[static_cast<std::size_t>(i)]);
    }
  } else {
    // A rolling update (DeploymentController.rolloutRolling).
    int max_surge = d->strategy.max_surge.resolve(desired, true);
    int max_unavailable = d->strategy.max_unavailable.resolve(desired, false);
    if (max_surge == 0 && max_unavailable == 0) max_unavailable = 1;
    int total = static_cast<int>(fresh.size() + old.size());
    // Scale the new ReplicaSet up within the surge.
    const int room = desired + max_surge - total;
    const int want_new = std::min(desired, static_cast<int>(fresh.size()) + std::max(0, room));
    for (int i = static_cast<int>(fresh.size()); i < want_new; ++i) {
      const int pod = create(owner, -1);
      if (pod < 0) break;
      fresh.push_back(pod);
      ++total;
    }
    // Scale the old ones down while enough stay available.
    const int min_available = desired - max_unavailable;
    int fresh_unavailable = 0;
    for (int pod : fresh) fresh_unavailable += available(pod) ? 0 : 1;
    int max_scaled_down = total - min_available - fresh_unavailable;
    if (max_scaled_down > 0) {
      scale_down_order(old);
      // Unhealthy old pods go first, whatever the availability.
      std::vector<int> keep;
      for (int pod : old) {
        if (max_scaled_down > 0 && !cluster_.pods()[static_cast<std::size_t>(pod)].ready) {
          delete_pod(pod);
          --max_scaled_down;
        } else {
          keep.push_back(pod);
        }
      }
      int available_now = 0;
      for (int pod : fresh) available_now += available(pod) ? 1 : 0;
      for (int pod : keep) available_now += available(pod) ? 1 : 0;
      int can_remove = std::min(max_scaled_down, available_now - min_available);
      for (int pod : keep) {
        if (can_remove <= 0) break;
        delete_pod(pod);
        --can_remove;
      }
    }
  }
  // Done when every pod is new and available and the old ones are gone.
  if (rollouts_[owner].active) {
    int ready_new = 0, live_old = 0;
    for (int pod : cluster_.pods_of(o.namespace_, o.name)) {
      const kube::PodState& p = cluster_.pods()[static_cast<std::size_t>(pod)];
      if (p.revision != o.revision)
        ++live_old;
      else if (available(pod))
        ++ready_new;
    }
    if (live_old == 0 && ready_new >= desired) {
      rollouts_[owner].active = false;
      ++counters_.rollouts_done;
      emit(ChurnEventKind::rollout_done, -1, -1, static_cast<int>(owner));
    }
  }
}

// StatefulSets, OrderedReady: ordinals are created in order, each once the one
// before is ready; removed from the highest; an update replaces the highest
// pod not yet updated once every pod is ready. A replacement takes its
// ordinal's name once the old pod is gone.
void Lifecycle::reconcile_stateful(std::uint32_t owner) {
  const kube::OwnerState& o = cluster_.owners()[owner];
  const int desired = desired_[owner];
  const bool ordered = o.stateful_set == nullptr || o.stateful_set->pod_management_policy ==
                                                        kube::PodManagementPolicy::ordered_ready;
  std::vector<int> by_ordinal;  // -1: none
  bool any_terminating = false;
  for (int pod : cluster_.pods_of(o.namespace_, o.name)) {
    const kube::PodState& p = cluster_.pods()[static_cast<std::size_t>(pod)];
    const int ordinal = p.ordinal >= 0 ? p.ordinal : 0;
    if (static_cast<std::size_t>(ordinal) >= by_ordinal.size())
      by_ordinal.resize(static_cast<std::size_t>(ordinal) + 1, -1);
    by_ordinal[static_cast<std::size_t>(ordinal)] = pod;
    any_terminating |= p.terminating;
  }
  if (static_cast<std::size_t>(desired) > by_ordinal.size())
    by_ordinal.resize(static_cast<std::size_t>(desired), -1);
  const auto ready = [&](int pod) {
    return pod >= 0 && cluster_.pods()[static_cast<std::size_t>(pod)].ready &&
           !cluster_.pods()[static_cast<std::size_t>(pod)].terminating;
  };
  // Create missing ordinals below the desired count.
  for (int i = 0; i < desired; ++i) {
    const int pod = by_ordinal[static_cast<std::size_t>(i)];
    if (pod < 0) {
      if (ordered && any_terminating) return;
      by_ordinal[static_cast<std::size_t>(i)] = create(owner, i);
      if (ordered) return;
      continue;
    }
    if (ordered && !ready(pod)) return;  // wait for it before the next ordinal
  }
  // Scale down from the highest ordinal.
  for (int i = static_cast<int>(by_ordinal.size()) - 1; i >= desired; --i) {
    const int pod = by_ordinal[static_cast<std::size_t>(i)];
    if (pod < 0) continue;
    if (cluster_.pods()[static_cast<std::size_t>(pod)].terminating) {
      if (ordered) return;
      continue;
    }
    delete_pod(pod);
    if (ordered) return;
  }
  // Rolling update: the highest ordinal still on an old revision.
  if (any_terminating) return;
  for (int i = 0; i < desired; ++i) {
    if (!ready(by_ordinal[static_cast<std::size_t>(i)])) return;
  }
  for (int i = desired - 1; i >= 0; --i) {
    const int pod = by_ordinal[static_cast<std::size_t>(i)];
    if (cluster_.pods()[static_cast<std::size_t>(pod)].revision != o.revision) {
      delete_pod(pod);
      return;
    }
  }
  if (rollouts_[owner].active) {
    rollouts_[owner].active = false;
    ++counters_.rollouts_done;
    emit(ChurnEventKind::rollout_done, -1, -1, static_cast<int>(owner));
  }
}

}  // namespace podwire::churn
