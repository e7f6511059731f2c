// The `churn` section of a cluster scenario: events and random processes
// named by the table of churn actions, and the lifecycle and control-plane
// parameters.
#include <string>

#include "models/churn/churn_action.hpp"
#include "models/scenario/cluster_scenario_parse.hpp"

namespace podwire::scenario::detail {

using engine::Time;

namespace {

std::optional<churn::ChurnTarget> churn_target(const YamlField& f, bool nodes_allowed) {
  const auto v = f.string(true);
  if (!v) return std::nullopt;
  // [namespace/]kind/name
  churn::ChurnTarget t;
  t.text = *v;
  std::string rest = *v;
  if (std::count(rest.begin(), rest.end(), '/') == 2) {
    t.namespace_ = rest.substr(0, rest.find('/'));
    rest = rest.substr(rest.find('/') + 1);
  }
  const auto slash = rest.find('/');
  if (nodes_allowed && rest == "nodes") {
    t.kind = "nodes";
    return t;
  }
  std::string kind = slash == std::string::npos ? "" : rest.substr(0, slash);
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (kind == "deploy") kind = "deployment";
  if (kind == "sts") kind = "statefulset";
  if (kind == "rs") kind = "replicaset";
  if (kind == "rc") kind = "replicationcontroller";
  if (kind == "no") kind = "node";
  static const std::vector<std::string> kinds = {
      "deployment", "statefulset", "replicaset", "replicationcontroller",
      "daemonset",  "pod",         "node"};
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end() || slash + 1 >= rest.size()) {
    f.error(
        std::string(
            "expected [namespace/]KIND/NAME with KIND one of deployment, statefulset, replicaset, "
            "replicationcontroller, daemonset, pod or node") +
        (nodes_allowed ? ", or nodes" : "") + "; got '" + *v + "'");
    return std::nullopt;
  }
  t.kind = kind;
  t.name = rest.substr(slash + 1);
  return t;
}

// "rollout, scale, delete, crash or fail" (with `last` " or ").
std::string listed(const std::vector<std::string_view>& words, std::string_view last) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last : ", ";
    out += words[i];
  }
  return out;
}

// What the table of churn actions lets an event and a random process say:
// their keys and the messages that list them.
struct ChurnWords {
  std::vector<std::string_view> event_keys{"at"};  // each action's key, then its parameters
  std::vector<std::string_view> random_keys;
  std::string one_event;   // "expected exactly one of rollout, scale, delete, crash or fail"
  std::string one_random;  // "expected exactly one of delete, crash or fail"
  std::string replicas;    // "only a scale event takes replicas"
  std::string node_only;   // "a node can only fail: use fail: node/NAME"
  std::string take_rate;   // "pod deletions and crashes take rate (events per time)"
  std::string take_mtbf;   // "node failures take mtbf (...)"
};

const ChurnWords& churn_words() {
  static const ChurnWords words = [] {
    using churn::ChurnAction;
    ChurnWords w;
    std::vector<std::string_view> events, random, with_replicas, on_nodes, rate_nouns, mtbf_nouns;
    for (const ChurnAction* a : churn::churn_actions()) {
      events.push_back(a->key);
      w.event_keys.push_back(a->key);
      if (a->takes_replicas) {
        if (with_replicas.empty()) w.event_keys.push_back("replicas");
        with_replicas.push_back(a->key);
      }
      if (a->acts == ChurnAction::Acts::node) on_nodes.push_back(a->key);
      if (a->random()) {
        random.push_back(a->key);
        (a->frequency_key() == "mtbf" ? mtbf_nouns : rate_nouns).push_back(a->noun);
      }
    }
    w.random_keys = random;
    for (std::string_view k : {"rate", "mtbf", "start", "stop"}) w.random_keys.push_back(k);
    w.one_event = "expected exactly one of " + listed(events, " or ");
    w.one_random = "expected exactly one of " + listed(random, " or ");
    w.replicas = "only a " + listed(with_replicas, " or ") + " event takes replicas";
    w.node_only = on_nodes.empty() ? "nothing acts on a node"
                                   : "a node can only " + listed(on_nodes, " or ") + ": use " +
                                         std::string(on_nodes.front()) + ": node/NAME";
    w.take_rate = listed(rate_nouns, " and ") + " take rate (events per time)";
    w.take_mtbf =
        listed(mtbf_nouns, " and ") + " take mtbf (the mean time between failures of a node)";
    return w;
  }();
  return words;
}

}  // namespace

void parse_churn(const YamlField& c, YamlContext& ctx, ClusterScenario& scenario) {
  using churn::ChurnAction;
  churn::ChurnSpec& s = scenario.churn;
  if (!c.present() || !c.expect_mapping({"events", "random", "lifecycle", "control_plane"})) return;
  const ChurnWords& words = churn_words();
  int index = 0;
  for (const YamlField& e : items(c["events"], ctx)) {
    const std::string path = "churn.events[" + std::to_string(index++) + "]";
    if (!e.expect_mapping(words.event_keys)) continue;
    churn::ChurnActionSpec a;
    a.path = path;
    a.source = where(e, ctx.file);
    if (auto v = e["at"].time(true)) {
      if (*v < Time::zero()) e["at"].error("must not be negative");
      a.at = *v;
    }
    int actions = 0;
    for (const ChurnAction* action : churn::churn_actions()) {
      const YamlField f = e[action->key];
      if (!f.present()) continue;
      ++actions;
      a.action = action;
      if (auto t = churn_target(f, false)) a.target = *t;
    }
    if (actions != 1) {
      e.error(words.one_event);
      continue;
    }
    if (a.action->takes_replicas) {
      if (auto v = e["replicas"].integer(0, 1'000'000, true)) a.replicas = static_cast<int>(*v);
    } else if (e["replicas"].present()) {
      e["replicas"].error(words.replicas);
    }
    const bool node = a.target.kind == "node";
    if (!a.target.kind.empty() && node != (a.action->acts == ChurnAction::Acts::node)) {
      const std::string key(a.action->key);
      e.error(node ? words.node_only : key + " takes a node: " + key + ": node/NAME");
    }
    s.events.push_back(std::move(a));
  }
  index = 0;
  for (const YamlField& e : items(c["random"], ctx)) {
    const std::string path = "churn.random[" + std::to_string(index++) + "]";
    if (!e.expect_mapping(words.random_keys)) continue;
    churn::ChurnProcessSpec p;
    p.path = path;
    p.source = where(e, ctx.file);
    int kinds = 0;
    for (const ChurnAction* action : churn::churn_actions()) {
      if (!action->random()) continue;
      const YamlField f = e[action->key];
      if (!f.present()) continue;
      ++kinds;
      p.action = action;
      if (auto t = churn_target(f, action->acts == ChurnAction::Acts::node)) p.target = *t;
    }
    if (kinds != 1) {
      e.error(words.one_random);
      continue;
    }
    // A process on nodes takes `nodes` or node/NAME, one on pods a workload.
    const bool on_nodes = p.target.kind == "node" || p.target.kind == "nodes";
    if (!p.target.kind.empty() && on_nodes != (p.action->acts == ChurnAction::Acts::node)) {
      const std::string key(p.action->key);
      e.error(on_nodes ? words.node_only
                       : key + " takes nodes: " + key + ": nodes or " + key + ": node/NAME");
    }
    if (p.action->frequency_key() == "mtbf") {
      if (auto v = e["mtbf"].time(true)) {
        if (*v <= Time::zero())
          e["mtbf"].error("must be positive");
        else
          p.rate_per_s = 1.0 / v->seconds();
      }
      if (e["rate"].present()) e["rate"].error(words.take_mtbf);
    } else {
      if (auto v = e["rate"].rate(true)) {
        if (v->per_second() <= 0)
          e["rate"].error("must be positive");
        else
          p.rate_per_s = v->per_second();
      }
      if (e["mtbf"].present()) e["mtbf"].error(words.take_rate);
    }
    read_window(e, p.start, p.stop);
    s.random.push_back(std::move(p));
  }
  parse_parameters(c["lifecycle"], "churn.lifecycle", scenario);
  parse_parameters(c["control_plane"], "churn.control_plane", scenario);
}

}  // namespace podwire::scenario::detail
