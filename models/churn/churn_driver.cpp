#include "models/churn/churn_driver.hpp"

#include <algorithm>
#include <stdexcept>

namespace podwire::churn {

using engine::Time;

namespace {

// A target's kind as kube::Cluster names owners; "" for none.
std::string_view owner_kind(const std::string& kind) {
  if (kind == "deployment") return "Deployment";
  if (kind == "statefulset") return "StatefulSet";
  if (kind == "replicaset") return "ReplicaSet";
  if (kind == "replicationcontroller") return "ReplicationController";
  if (kind == "daemonset") return "DaemonSet";
  if (kind == "pod") return "Pod";
  return "";
}

}  // namespace

ChurnDriver::ChurnDriver(engine::Simulator& sim, const kube::Cluster& cluster,
                         const ChurnSpec& spec, engine::RandomStream random)
    : sim_(sim), cluster_(cluster), random_(random) {
  events_.reserve(spec.events.size());
  for (const ChurnActionSpec& a : spec.events) {
    Event e{a.action, {}, a.replicas, a.at};
    resolve(a.target, *a.action, a.source, a.path, e.subject);
    events_.push_back(e);
  }
  for (const ChurnProcessSpec& p : spec.random) {
    Process q{p.action, {}, p.rate_per_s, p.start, p.stop};
    if (!resolve(p.target, *p.action, p.source, p.path, q.subject)) continue;
    if (p.target.kind == "pod") {
      problems_.push_back(Problem{p.source, p.path,
                                  "a random process acts on a workload's pods or on nodes, "
                                  "not on one pod"});
      continue;
    }
    processes_.push_back(q);
  }
}

bool ChurnDriver::resolve(const ChurnTarget& t, const ChurnAction& action,
                          const kube::SourceLocation& at, const std::string& path, Subject& out) {
  const auto problem = [&](std::string message) {
    problems_.push_back(Problem{at, path, std::move(message)});
    return false;
  };
  if (t.kind == "nodes") {
    out.every_node = true;
    return true;
  }
  if (t.kind == "node") {
    const auto n = cluster_.node_index(t.name);
    if (!n) return problem("no node named '" + t.name + "'");
    out.node = *n;
    return true;
  }
  const std::string_view kind_name = owner_kind(t.kind);
  if (t.kind == "pod" && action.acts == ChurnAction::Acts::pod) {
    if (const auto pod = cluster_.pod_index(t.namespace_, t.name)) {
      out.pod = *pod;
      return true;
    }
  }
  const auto owner = cluster_.owner_index(t.namespace_, t.name, kind_name);
  if (!owner) {
    return problem("no " + std::string(kind_name) + " named '" + t.name + "' in namespace '" +
                   t.namespace_ + "'");
  }
  if (action.refuses) {
    std::string why = action.refuses(t, cluster_.owners()[*owner].kind);
    if (!why.empty()) return problem(std::move(why));
  }
  out.owner = *owner;
  return true;
}

void ChurnDriver::start(Lifecycle& lifecycle, Time end) {
  if (!problems_.empty())
    throw std::logic_error("ChurnDriver::start: the churn has unresolved targets");
  lifecycle_ = &lifecycle;
  end_ = end;
  for (std::size_t i = 0; i < events_.size(); ++i)
    sim_.schedule_at<&ChurnDriver::on_event>(events_[i].at, this, i);
  for (std::size_t i = 0; i < processes_.size(); ++i) schedule(i);
}

int ChurnDriver::pick(const ChurnAction& action, const Subject& s) {
  if (action.acts == ChurnAction::Acts::pod)
    return s.pod >= 0 ? s.pod : lifecycle_->random_pod(s.owner);
  if (!s.every_node) return s.node;
  std::vector<int> up;
  for (std::size_t i = 0; i < cluster_.nodes().size(); ++i) {
    if (!lifecycle_->node_failed(static_cast<int>(i))) up.push_back(static_cast<int>(i));
  }
  return up.empty() ? -1 : up[random_.uniform_int(up.size())];
}

void ChurnDriver::on_event(std::uint64_t index) {
  const Event& e = events_[index];
  const ChurnAction& a = *e.action;
  if (a.acts == ChurnAction::Acts::workload) {
    a.on_workload(*lifecycle_, e.subject.owner, e.replicas);
    return;
  }
  const int one = pick(a, e.subject);
  if (one >= 0) a.on_one(*lifecycle_, one);
}

void ChurnDriver::schedule(std::size_t index) {
  const Process& p = processes_[index];
  double rate = p.rate_per_s;
  if (p.subject.every_node)
    rate *= static_cast<double>(cluster_.nodes().size());  // each node at its own rate
  const Time from = std::max(sim_.now(), p.start);
  const Time at = from + Time::from_seconds(random_.exponential(1.0 / rate));
  if (at > p.stop.value_or(Time::max()) || at > end_) return;
  sim_.schedule_at<&ChurnDriver::on_process>(at, this, index);
}

void ChurnDriver::on_process(std::uint64_t index) {
  const Process& p = processes_[index];
  const int one = pick(*p.action, p.subject);
  if (one >= 0) p.action->on_one(*lifecycle_, one);
  if (p.action->acts == ChurnAction::Acts::node && !p.subject.every_node)
    return;  // one node fails once
  schedule(index);
}

}  // namespace podwire::churn
