// Cluster's scheduler: kube-scheduler's filters and scores for one pod, over
// the nodes its adaptive percentageOfNodesToScore samples from a rotating
// start. Filters, in kube-scheduler's order: NotReady nodes (the unreachable
// taint), NodeAffinity (nodeSelector and required node affinity), NodePorts
// (host ports, and every port of a hostNetwork pod), NodeResourcesFit,
// PodTopologySpread (DoNotSchedule constraints) and InterPodAffinity
// (required affinity, anti-affinity, and existing pods' anti-affinity).
// Scores: podwire's least-allocated and owner-spreading terms, and, for pods
// that ask for them, NodeAffinity's preferred terms, PodTopologySpread's
// ScheduleAnyway constraints and InterPodAffinity's preferred terms (both
// ways), each normalized to 0-100 as kube-scheduler's plugins do
// (pkg/scheduler/framework/plugins/{nodeaffinity,podtopologyspread,
// interpodaffinity}) and weighted as its default profile weighs them.
// A pod that asks for none of these is scored exactly as before they existed.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "models/kube/cluster.hpp"
#include "models/kube/cluster_keys.hpp"

namespace podwire::kube {

namespace {

using cluster_keys::label_key;

// kube-scheduler's default profile weighs NodeAffinity, PodTopologySpread and
// InterPodAffinity 2 and NodeResourcesFit 1 (apis/config/v1/default_plugins.go).
constexpr int kPluginWeight = 2;
// podwire's least-allocated term spans 0-50 where NodeResourcesFit spans
// 0-100: half a podwire point per kube-scheduler score point keeps the
// plugins' weights relative to it.
constexpr double kPointsPerScore = 0.5;
constexpr std::int64_t kMaxNodeScore = 100;
// An existing pod's required affinity term that the incoming pod matches
// counts this much in scoring (InterPodAffinityArgs.hardPodAffinityWeight).
constexpr std::int64_t kHardPodAffinityWeight = 1;

const std::string* label_of(const Labels& labels, const std::string& key) {
  const auto it = labels.find(key);
  return it == labels.end() ? nullptr : &it->second;
}

// A label selector with a pod's matchLabelKeys (key in (value)) and
// mismatchLabelKeys (key notin (value)) resolved against its labels; keys
// the pod does not carry are left out, as the API server does.
LabelSelector keys_selector(const std::vector<std::string>& match,
                            const std::vector<std::string>& mismatch, const Labels& labels) {
  LabelSelector s;
  for (const std::string& k : match) {
    if (const std::string* v = label_of(labels, k)) s.match_labels[k] = *v;
  }
  for (const std::string& k : mismatch) {
    if (const std::string* v = label_of(labels, k))
      s.match_expressions.push_back({k, SelectorOperator::not_in, {*v}});
  }
  return s;
}

}  // namespace

// A pod affinity term as the pod that declares it reads it.
struct Cluster::Term {
  const PodAffinityTerm* term = nullptr;
  const std::string* namespace_ = nullptr;  // the declaring pod's
  LabelSelector keys;
  std::int64_t weight = 0;
};

// What InterPodAffinity precomputes for one incoming pod (its PreFilter and
// PreScore), keyed topology key -> value.
struct Cluster::InterPod {
  std::vector<Term> required, anti, preferred, preferred_anti;
  std::map<std::string, std::set<std::string>> affinity_pairs;  // pods matching all required terms
  bool any_affinity_pair = false;
  bool self_affine = false;  // the pod matches all of its own required terms
  std::map<std::string, std::set<std::string>> anti_pairs;     // pods its anti terms match
  std::map<std::string, std::set<std::string>> existing_anti;  // existing pods' anti terms match it
  std::map<std::string, std::map<std::string, std::int64_t>> score;
};

// What PodTopologySpread precomputes for one incoming pod.
struct Cluster::Spread {
  struct Constraint {
    const TopologySpreadConstraint* c = nullptr;
    LabelSelector keys;
    std::vector<std::int64_t> per_node;           // matching pods by node
    std::map<std::string, std::int64_t> domains;  // over the eligible nodes
    std::int64_t min = 0;
    int self = 0;  // the incoming pod matches its own selector
  };
  std::vector<Constraint> hard, soft;
};

bool Cluster::namespace_selected(const LabelSelector& selector, const std::string& ns) const {
  const auto it = namespace_labels_.find(ns);
  if (it != namespace_labels_.end()) return selector.matches(it->second);
  // A namespace no manifest declares has only the label the API server sets.
  return selector.matches(Labels{{"kubernetes.io/metadata.name", ns}});
}

Cluster::Term Cluster::make_term(const PodAffinityTerm& t, const PodState& owner,
                                 std::int64_t weight) const {
  return Term{&t, &owner.namespace_,
              keys_selector(t.match_label_keys, t.mismatch_label_keys, *owner.labels), weight};
}

bool Cluster::term_matches(const Term& t, const PodState& p) const {
  const PodAffinityTerm& term = *t.term;
  if (!term.label_selector) return false;
  bool in_namespace = false;
  if (term.namespaces.empty() && !term.namespace_selector) {
    in_namespace = p.namespace_ == *t.namespace_;
  } else {
    in_namespace =
        std::find(term.namespaces.begin(), term.namespaces.end(), p.namespace_) !=
            term.namespaces.end() ||
        (term.namespace_selector && namespace_selected(*term.namespace_selector, p.namespace_));
  }
  return in_namespace && term.label_selector->matches(*p.labels) && t.keys.matches(*p.labels);
}

template <class F>
void Cluster::for_each_candidate(const LabelSelector* selector, const std::vector<std::string>& nss,
                                 F&& f) const {
  // The pods under one matchLabels pair of each namespace, else every pod.
  if (selector != nullptr && !selector->match_labels.empty() && !nss.empty()) {
    const auto& [k, v] = *selector->match_labels.begin();
    std::set<std::string> seen;
    for (const std::string& ns : nss) {
      if (!seen.insert(ns).second) continue;
      const auto it = pods_by_label_.find(label_key(ns, k, v));
      if (it == pods_by_label_.end()) continue;
      for (int i : it->second) f(pods_[static_cast<std::size_t>(i)]);
    }
    return;
  }
  for (const PodState& p : pods_) f(p);
}

template <class F>
void Cluster::for_each_term_candidate(const Term& t, F&& f) const {
  const PodAffinityTerm& term = *t.term;
  if (!term.label_selector) return;
  std::vector<std::string> nss;
  if (term.namespaces.empty() && !term.namespace_selector) {
    nss.push_back(*t.namespace_);
  } else if (!term.namespace_selector) {
    nss = term.namespaces;
  }
  for_each_candidate(&*term.label_selector, nss, [&](const PodState& p) {
    if (p.node >= 0 && !p.deleted && term_matches(t, p)) f(p);
  });
}

void Cluster::prepare_inter_pod(const PodState& pod, InterPod& s) const {
  const Affinity& a = pod.spec->affinity;
  for (const PodAffinityTerm& t : a.pod.required) s.required.push_back(make_term(t, pod, 0));
  for (const PodAffinityTerm& t : a.anti.required) s.anti.push_back(make_term(t, pod, 0));
  for (const auto& w : a.pod.preferred) s.preferred.push_back(make_term(w.term, pod, w.weight));
  for (const auto& w : a.anti.preferred)
    s.preferred_anti.push_back(make_term(w.term, pod, w.weight));

  const auto add_pair = [&](auto& pairs, const std::string& key, const PodState& on) {
    if (const std::string* v = label_of(nodes_[static_cast<std::size_t>(on.node)].labels, key))
      pairs[key].insert(*v);
  };
  if (!s.required.empty()) {
    s.self_affine = std::all_of(s.required.begin(), s.required.end(),
                                [&](const Term& t) { return term_matches(t, pod); });
    for_each_term_candidate(s.required.front(), [&](const PodState& p) {
      if (!std::all_of(s.required.begin() + 1, s.required.end(),
                       [&](const Term& t) { return term_matches(t, p); }))
        return;
      for (const Term& t : s.required) {
        if (label_of(nodes_[static_cast<std::size_t>(p.node)].labels, t.term->topology_key)) {
          add_pair(s.affinity_pairs, t.term->topology_key, p);
          s.any_affinity_pair = true;
        }
      }
    });
  }
  for (const Term& t : s.anti)
    for_each_term_candidate(
        t, [&](const PodState& p) { add_pair(s.anti_pairs, t.term->topology_key, p); });
  const auto add_score = [&](const Term& t, const PodState& on, std::int64_t w) {
    if (const std::string* v =
            label_of(nodes_[static_cast<std::size_t>(on.node)].labels, t.term->topology_key))
      s.score[t.term->topology_key][*v] += w;
  };
  for (const Term& t : s.preferred)
    for_each_term_candidate(t, [&](const PodState& p) { add_score(t, p, t.weight); });
  for (const Term& t : s.preferred_anti)
    for_each_term_candidate(t, [&](const PodState& p) { add_score(t, p, -t.weight); });

  // The existing pods' own terms that the incoming pod matches.
  for (int i : pods_with_pod_terms_) {
    const PodState& e = pods_[static_cast<std::size_t>(i)];
    if (e.node < 0 || e.deleted) continue;
    const Affinity& ea = e.spec->affinity;
    for (const PodAffinityTerm& t : ea.anti.required) {
      if (term_matches(make_term(t, e, 0), pod)) add_pair(s.existing_anti, t.topology_key, e);
    }
    for (const PodAffinityTerm& t : ea.pod.required) {
      const Term term = make_term(t, e, kHardPodAffinityWeight);
      if (term_matches(term, pod)) add_score(term, e, term.weight);
    }
    for (const auto& w : ea.pod.preferred) {
      const Term term = make_term(w.term, e, w.weight);
      if (term_matches(term, pod)) add_score(term, e, term.weight);
    }
    for (const auto& w : ea.anti.preferred) {
      const Term term = make_term(w.term, e, w.weight);
      if (term_matches(term, pod)) add_score(term, e, -term.weight);
    }
  }
}

// 0: passes; 2: its affinity fails, 3: its anti-affinity, 1: an existing
// pod's anti-affinity (kube-scheduler's order).
int Cluster::inter_pod_filter(const InterPod& s, const NodeState& n) const {
  const auto has = [&](const std::map<std::string, std::set<std::string>>& pairs,
                       const std::string& key) {
    const std::string* v = label_of(n.labels, key);
    const auto it = pairs.find(key);
    return v != nullptr && it != pairs.end() && it->second.count(*v) > 0;
  };
  if (!s.required.empty()) {
    // A node without a term's topology key is never in its domain.
    for (const Term& t : s.required) {
      if (label_of(n.labels, t.term->topology_key) == nullptr) return 2;
    }
    const bool all = std::all_of(s.required.begin(), s.required.end(), [&](const Term& t) {
      return has(s.affinity_pairs, t.term->topology_key);
    });
    // The first pod of a group that is affine to itself goes anywhere.
    if (!all && (s.any_affinity_pair || !s.self_affine)) return 2;
  }
  for (const Term& t : s.anti) {
    if (has(s.anti_pairs, t.term->topology_key)) return 3;
  }
  for (const auto& [key, values] : s.existing_anti) {
    if (has(s.existing_anti, key)) return 1;
  }
  return 0;
}

bool Cluster::node_eligible(const PodSpec& spec, const NodeState& n, bool honor_affinity,
                            bool honor_taints) const {
  if (honor_taints && !n.ready) return false;
  if (!honor_affinity) return true;
  return map_selector_matches(spec.node_selector, n.labels) &&
         (!spec.affinity.node || spec.affinity.node->required_match(n.name, n.labels));
}

int Cluster::bound_node(const PodState& pod, std::string* why) const {
  const std::string& name = pod.spec->node_name;
  const std::optional<int> node = node_index(name);
  if (!node) {
    if (why != nullptr) *why = "spec.nodeName names node " + name + ", which does not exist";
    return -1;
  }
  // Bound without the scheduler, so NoSchedule taints (a NotReady node's
  // included) do not keep it off; kubelet's admission checks the selector.
  if (!node_eligible(*pod.spec, nodes_[static_cast<std::size_t>(*node)], true, false)) {
    if (why != nullptr)
      *why = "node " + name +
             " (spec.nodeName) rejects the pod: its labels do not match the pod's node selector "
             "or required node affinity (kubelet: NodeAffinity)";
    return -1;
  }
  return *node;
}

void Cluster::prepare_spread(const PodState& pod, Spread& s) const {
  for (const TopologySpreadConstraint& c : pod.spec->topology_spread) {
    Spread::Constraint k;
    k.c = &c;
    k.keys = keys_selector(c.match_label_keys, {}, *pod.labels);
    k.per_node.assign(nodes_.size(), 0);
    if (c.label_selector) {
      k.self = c.label_selector->matches(*pod.labels) && k.keys.matches(*pod.labels) ? 1 : 0;
      for_each_candidate(&*c.label_selector, {pod.namespace_}, [&](const PodState& p) {
        if (p.node < 0 || p.deleted || p.terminating || p.namespace_ != pod.namespace_) return;
        if (c.label_selector->matches(*p.labels) && k.keys.matches(*p.labels))
          ++k.per_node[static_cast<std::size_t>(p.node)];
      });
    }
    (c.do_not_schedule ? s.hard : s.soft).push_back(std::move(k));
  }
  for (auto* group : {&s.hard, &s.soft}) {
    for (Spread::Constraint& k : *group) {
      for (std::size_t i = 0; i < nodes_.size(); ++i) {
        const NodeState& n = nodes_[i];
        const bool all_keys = std::all_of(group->begin(), group->end(), [&](const auto& o) {
          return label_of(n.labels, o.c->topology_key) != nullptr;
        });
        if (!all_keys || !node_eligible(*pod.spec, n, k.c->honor_node_affinity, k.c->honor_taints))
          continue;
        k.domains[*label_of(n.labels, k.c->topology_key)] += k.per_node[i];
      }
      k.min = std::numeric_limits<std::int64_t>::max();
      for (const auto& [value, count] : k.domains) k.min = std::min(k.min, count);
      if (k.domains.empty() || static_cast<int>(k.domains.size()) < k.c->min_domains) k.min = 0;
    }
  }
}

// 0: passes; 1: the node lacks a constraint's key; 2: the skew would exceed maxSkew.
int Cluster::spread_filter(const Spread& s, const NodeState& n) const {
  for (const Spread::Constraint& k : s.hard) {
    if (label_of(n.labels, k.c->topology_key) == nullptr) return 1;
  }
  for (const Spread::Constraint& k : s.hard) {
    const auto it = k.domains.find(*label_of(n.labels, k.c->topology_key));
    const std::int64_t count = it == k.domains.end() ? 0 : it->second;
    if (count + k.self - k.min > k.c->max_skew) return 2;
  }
  return 0;
}

std::vector<std::uint32_t> Cluster::host_ports(const PodSpec& spec) {
  std::vector<std::uint32_t> out;
  for (const Container& c : spec.containers) {
    for (const ContainerPort& p : c.ports) {
      // A hostNetwork pod's container ports are its node's ports (the API
      // server defaults hostPort to containerPort).
      const int port = p.host_port != 0 ? p.host_port : spec.host_network ? p.container_port : 0;
      if (port != 0) out.push_back(static_cast<std::uint32_t>(p.protocol) << 16 | port);
    }
  }
  return out;
}

bool Cluster::ports_free(const std::vector<std::uint32_t>& wanted, const NodeState& n) {
  for (std::uint32_t w : wanted) {
    if (std::find(n.host_ports.begin(), n.host_ports.end(), w) != n.host_ports.end()) return false;
  }
  return true;
}

int Cluster::schedule(const PodState& pod, std::string* why) {
  const PodSpec& spec = *pod.spec;
  const NodeAffinity* node_affinity = spec.affinity.node ? &*spec.affinity.node : nullptr;
  const std::vector<std::uint32_t> ports = host_ports(spec);
  std::optional<InterPod> inter;
  if (spec.affinity.has_pod_terms() || !pods_with_pod_terms_.empty()) {
    inter.emplace();
    prepare_inter_pod(pod, *inter);
  }
  std::optional<Spread> spread;
  if (!spec.topology_spread.empty()) {
    spread.emplace();
    prepare_spread(pod, *spread);
  }

  const auto n_nodes = static_cast<std::uint32_t>(nodes_.size());
  // kube-scheduler's adaptive percentageOfNodesToScore: max(5, 50 - nodes/125)
  // percent, at least 100 nodes, searched from a rotating start.
  const std::uint32_t percent =
      std::max<std::int64_t>(5, 50 - static_cast<std::int64_t>(n_nodes) / 125);
  const std::uint32_t wanted =
      std::min(n_nodes, std::max<std::uint32_t>(100, n_nodes * percent / 100));
  std::uint32_t found = 0;
  int no_room = 0, no_cpu = 0, no_memory = 0, no_match = 0, not_ready = 0, no_ports = 0;
  int spread_label = 0, spread_skew = 0, existing_anti = 0, no_affinity = 0, anti = 0;
  std::vector<Candidate> candidates;
  std::uint32_t examined = 0;
  for (; examined < n_nodes && found < wanted; ++examined) {
    const std::uint32_t i = (next_start_node_ + examined) % n_nodes;
    const NodeState& n = nodes_[i];
    if (!n.ready) {
      ++not_ready;
      continue;
    }
    if (!map_selector_matches(spec.node_selector, n.labels) ||
        (node_affinity != nullptr && !node_affinity->required_match(n.name, n.labels))) {
      ++no_match;
      continue;
    }
    if (!ports.empty() && !ports_free(ports, n)) {
      ++no_ports;
      continue;
    }
    if (n.pods >= n.max_pods) {
      ++no_room;
      continue;
    }
    if (n.cpu_requested + pod.cpu_request > n.cpu_allocatable) {
      ++no_cpu;
      continue;
    }
    if (n.memory_requested + pod.memory_request > n.memory_allocatable) {
      ++no_memory;
      continue;
    }
    if (spread) {
      const int r = spread_filter(*spread, n);
      if (r != 0) {
        ++(r == 1 ? spread_label : spread_skew);
        continue;
      }
    }
    if (inter) {
      const int r = inter_pod_filter(*inter, n);
      if (r != 0) {
        ++(r == 1 ? existing_anti : r == 2 ? no_affinity : anti);
        continue;
      }
    }
    ++found;
    // NodeResourcesFit (least allocated) and spreading of one owner's pods.
    const double cpu_free =
        n.cpu_allocatable == 0
            ? 0
            : static_cast<double>(n.cpu_allocatable - n.cpu_requested - pod.cpu_request) /
                  static_cast<double>(n.cpu_allocatable);
    const double mem_free =
        n.memory_allocatable == 0
            ? 0
            : static_cast<double>(n.memory_allocatable - n.memory_requested - pod.memory_request) /
                  static_cast<double>(n.memory_allocatable);
    const double pods_free =
        1.0 - static_cast<double>(n.pods + 1) / static_cast<double>(n.max_pods);
    const auto spreading = static_cast<double>(owner_pods_on_node_[i]);
    candidates.push_back(
        {i, 50.0 * (cpu_free + mem_free) / 2.0 + 10.0 * pods_free - 100.0 * spreading});
  }
  next_start_node_ = (next_start_node_ + examined) % n_nodes;

  if (!candidates.empty()) {
    if (node_affinity != nullptr && !node_affinity->preferred.empty())
      add_node_affinity_scores(*node_affinity, candidates);
    if (spread && !spread->soft.empty()) add_spread_scores(*spread, candidates);
    if (inter && !inter->score.empty()) add_inter_pod_scores(*inter, candidates);
  }
  int best = -1;
  double best_score = -std::numeric_limits<double>::infinity();
  std::uint32_t ties = 0;
  engine::RandomStream tie_rng = random_.stream("scheduler/" + pod.namespace_ + "/" + pod.name);
  for (const Candidate& c : candidates) {
    if (c.score > best_score + 1e-9) {
      best = static_cast<int>(c.node);
      best_score = c.score;
      ties = 1;
    } else if (c.score > best_score - 1e-9 && tie_rng.uniform_int(++ties) == 0) {
      best = static_cast<int>(c.node);  // reservoir choice among equals
    }
  }
  if (best < 0 && why != nullptr) {
    std::string w = "0/" + std::to_string(n_nodes) + " nodes are available:";
    const auto add = [&](int count, const char* reason) {
      if (count > 0) w += " " + std::to_string(count) + " " + reason + ";";
    };
    add(no_cpu, "Insufficient cpu");
    add(no_memory, "Insufficient memory");
    add(no_room, "Too many pods (max pods)");
    add(no_match, "didn't match Pod's node affinity/selector");
    add(not_ready, "node(s) had untolerated taint {node.kubernetes.io/unreachable: }");
    add(no_ports, "node(s) didn't have free ports for the requested pod ports");
    add(spread_label,
        "node(s) didn't match pod topology spread constraints (missing required label)");
    add(spread_skew, "node(s) didn't match pod topology spread constraints");
    add(existing_anti, "node(s) didn't satisfy existing pods anti-affinity rules");
    add(no_affinity, "node(s) didn't match pod affinity rules");
    add(anti, "node(s) didn't match pod anti-affinity rules");
    w.pop_back();
    *why = w;
  }
  return best;
}

void Cluster::add_node_affinity_scores(const NodeAffinity& a,
                                       std::vector<Candidate>& candidates) const {
  std::vector<std::int64_t> raw(candidates.size(), 0);
  std::int64_t max = 0;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    const NodeState& n = nodes_[candidates[c].node];
    for (const PreferredNodeTerm& t : a.preferred) {
      if (t.preference.matches(n.name, n.labels)) raw[c] += t.weight;
    }
    max = std::max(max, raw[c]);
  }
  if (max == 0) return;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    const std::int64_t score = kMaxNodeScore * raw[c] / max;
    candidates[c].score += kPointsPerScore * kPluginWeight * static_cast<double>(score);
  }
}

void Cluster::add_spread_scores(const Spread& s, std::vector<Candidate>& candidates) const {
  // Nodes without every soft constraint's key are not scored (0).
  std::vector<bool> ignored(candidates.size(), false);
  std::size_t scored = 0;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    const NodeState& n = nodes_[candidates[c].node];
    ignored[c] = !std::all_of(s.soft.begin(), s.soft.end(), [&](const Spread::Constraint& k) {
      return label_of(n.labels, k.c->topology_key) != nullptr;
    });
    if (!ignored[c]) ++scored;
  }
  // Each constraint weighs log(domains among the scored nodes + 2), so small
  // topologies are not watered down by large ones.
  std::vector<double> weight;
  for (const Spread::Constraint& k : s.soft) {
    std::set<std::string> values;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      if (!ignored[c])
        values.insert(*label_of(nodes_[candidates[c].node].labels, k.c->topology_key));
    }
    const std::size_t size = k.c->topology_key == "kubernetes.io/hostname" ? scored : values.size();
    weight.push_back(std::log(static_cast<double>(size + 2)));
  }
  std::vector<std::int64_t> raw(candidates.size(), 0);
  std::int64_t min = std::numeric_limits<std::int64_t>::max(), max = 0;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    if (ignored[c]) continue;
    const std::uint32_t node = candidates[c].node;
    double sum = 0;
    for (std::size_t j = 0; j < s.soft.size(); ++j) {
      const Spread::Constraint& k = s.soft[j];
      std::int64_t count = k.per_node[node];
      if (k.c->topology_key != "kubernetes.io/hostname") {
        const auto it = k.domains.find(*label_of(nodes_[node].labels, k.c->topology_key));
        count = it == k.domains.end() ? 0 : it->second;
      }
      sum += static_cast<double>(count) * weight[j] + static_cast<double>(k.c->max_skew - 1);
    }
    raw[c] = std::llround(sum);
    min = std::min(min, raw[c]);
    max = std::max(max, raw[c]);
  }
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    if (ignored[c]) continue;
    const std::int64_t score =
        max == 0 ? kMaxNodeScore : kMaxNodeScore * (max + min - raw[c]) / max;
    candidates[c].score += kPointsPerScore * kPluginWeight * static_cast<double>(score);
  }
}

void Cluster::add_inter_pod_scores(const InterPod& s, std::vector<Candidate>& candidates) const {
  std::vector<std::int64_t> raw(candidates.size(), 0);
  std::int64_t min = 0, max = 0;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    const NodeState& n = nodes_[candidates[c].node];
    for (const auto& [key, values] : s.score) {
      if (const std::string* v = label_of(n.labels, key)) {
        const auto it = values.find(*v);
        if (it != values.end()) raw[c] += it->second;
      }
    }
    min = std::min(min, raw[c]);
    max = std::max(max, raw[c]);
  }
  if (max == min) return;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    const auto score = static_cast<std::int64_t>(static_cast<double>(kMaxNodeScore) *
                                                 static_cast<double>(raw[c] - min) /
                                                 static_cast<double>(max - min));
    candidates[c].score += kPointsPerScore * kPluginWeight * static_cast<double>(score);
  }
}

}  // namespace podwire::kube
