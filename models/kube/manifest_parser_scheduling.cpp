// ManifestParser: what a pod spec asks of the scheduler beyond nodeSelector:
// affinity (nodeAffinity, podAffinity, podAntiAffinity) and
// topologySpreadConstraints, checked as the API server validates them. A key
// the API does not have is an error here, not a warning: a misspelt rule
// that the scheduler never sees places pods where the user said not to.
#include <algorithm>
#include <set>

#include "models/kube/manifest_parser.hpp"

namespace podwire::kube {

namespace {

std::string join_keys(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (std::string_view k : keys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

}  // namespace

bool ManifestParser::strict_mapping(const YamlField& f,
                                    std::initializer_list<std::string_view> known,
                                    std::string_view what) {
  if (!f.present()) return false;
  if (!f_.is_mapping(f, what)) return false;
  const std::vector<std::string_view> names(known.begin(), known.end());
  for (const auto& kv : f.node()) {
    const std::string key = kv.first.Scalar();
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string suggestion;
    for (std::string_view k : closest_names(key, names))
      suggestion += std::string(suggestion.empty() ? "; did you mean " : " or ") + std::string(k);
    f_.root(kv.first, f.path().empty() ? key : f.path() + "." + key)
        .error("unknown field '" + key + "'" + (suggestion.empty() ? "" : suggestion + "?") +
               " (known fields: " + join_keys(known) + ")");
  }
  return true;
}

std::optional<LabelSelector> ManifestParser::strict_selector(const YamlField& f) {
  if (!strict_mapping(f, {"matchLabels", "matchExpressions"},
                      "a label selector (a mapping with matchLabels and/or matchExpressions)"))
    return std::nullopt;
  const std::size_t n = f_.list_size(f["matchExpressions"]);
  for (std::size_t i = 0; i < n; ++i)
    strict_mapping(f_.item(f["matchExpressions"], i), {"key", "operator", "values"},
                   "a requirement {key, operator, values}");
  return f_.label_selector(f);
}

std::vector<NodeRequirement> ManifestParser::node_requirements(const YamlField& list, bool fields) {
  std::vector<NodeRequirement> out;
  const std::size_t n = f_.list_size(list);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField e = f_.item(list, i);
    if (!strict_mapping(e, {"key", "operator", "values"}, "a requirement {key, operator, values}"))
      continue;
    NodeRequirement r;
    if (!e["key"].present()) f_.missing(e, "key", fields ? "metadata.name" : "a node label key");
    if (auto k = e["key"].string()) r.key = *k;
    if (fields && !r.key.empty() && r.key != "metadata.name")
      e["key"].error("'" + r.key + "' is not a supported field selector; only metadata.name is");
    if (!e["operator"].present()) {
      f_.missing(e, "operator", "one of In, NotIn, Exists, DoesNotExist, Gt, Lt");
      continue;
    }
    const auto op =
        f_.one_of<NodeOperator>(e["operator"], {{"In", NodeOperator::in},
                                                {"NotIn", NodeOperator::not_in},
                                                {"Exists", NodeOperator::exists},
                                                {"DoesNotExist", NodeOperator::does_not_exist},
                                                {"Gt", NodeOperator::gt},
                                                {"Lt", NodeOperator::lt}});
    if (!op) continue;
    r.op = *op;
    r.values = f_.strings(e["values"]);
    const std::string name(to_string(r.op));
    const std::string values_path = e.path() + ".values";
    if (fields && r.op != NodeOperator::in && r.op != NodeOperator::not_in) {
      e["operator"].error("a field selector takes In or NotIn, not " + name);
    } else if (fields && r.values.size() != 1) {
      f_.report_at(e, values_path, Severity::error,
                   "a metadata.name requirement needs exactly one value");
    } else if ((r.op == NodeOperator::in || r.op == NodeOperator::not_in) && r.values.empty()) {
      f_.report_at(e, values_path, Severity::error,
                   "operator " + name + " needs at least one value");
    } else if ((r.op == NodeOperator::exists || r.op == NodeOperator::does_not_exist) &&
               !r.values.empty()) {
      e["values"].error("operator " + name + " takes no values");
    } else if (r.op == NodeOperator::gt || r.op == NodeOperator::lt) {
      const bool one_integer =
          r.values.size() == 1 && !r.values[0].empty() &&
          std::all_of(r.values[0].begin() + (r.values[0][0] == '-' ? 1 : 0), r.values[0].end(),
                      [](char c) { return c >= '0' && c <= '9'; }) &&
          r.values[0] != "-";
      if (!one_integer)
        f_.report_at(e, values_path, Severity::error,
                     "operator " + name + " needs exactly one value, an integer");
    }
    out.push_back(std::move(r));
  }
  return out;
}

NodeSelectorTerm ManifestParser::node_selector_term(const YamlField& t) {
  NodeSelectorTerm term;
  if (!strict_mapping(t, {"matchExpressions", "matchFields"},
                      "a node selector term (a mapping with matchExpressions and/or matchFields)"))
    return term;
  term.match_expressions = node_requirements(t["matchExpressions"], false);
  term.match_fields = node_requirements(t["matchFields"], true);
  return term;
}

int ManifestParser::weight(const YamlField& item) {
  if (!item["weight"].present()) f_.missing(item, "weight", "an integer from 1 to 100");
  return f_.integer(item["weight"], 1, 100).value_or(1);
}

PodAffinityTerm ManifestParser::pod_affinity_term(const YamlField& t) {
  PodAffinityTerm term;
  if (!strict_mapping(t,
                      {"labelSelector", "namespaces", "topologyKey", "namespaceSelector",
                       "matchLabelKeys", "mismatchLabelKeys"},
                      "a pod affinity term (labelSelector, namespaces, topologyKey, ...)"))
    return term;
  term.label_selector = strict_selector(t["labelSelector"]);
  term.namespaces = f_.strings(t["namespaces"]);
  term.namespace_selector = strict_selector(t["namespaceSelector"]);
  if (!t["topologyKey"].present())
    f_.missing(t, "topologyKey", "a node label key, such as kubernetes.io/hostname");
  term.topology_key = t["topologyKey"].string().value_or("");
  term.match_label_keys = f_.strings(t["matchLabelKeys"]);
  term.mismatch_label_keys = f_.strings(t["mismatchLabelKeys"]);
  for (const std::string& k : term.match_label_keys) {
    if (std::find(term.mismatch_label_keys.begin(), term.mismatch_label_keys.end(), k) !=
        term.mismatch_label_keys.end())
      t["mismatchLabelKeys"].error("'" + k + "' is in both matchLabelKeys and mismatchLabelKeys");
  }
  return term;
}

PodAffinityRules ManifestParser::pod_affinity_rules(const YamlField& a) {
  PodAffinityRules rules;
  if (!strict_mapping(a,
                      {"requiredDuringSchedulingIgnoredDuringExecution",
                       "preferredDuringSchedulingIgnoredDuringExecution"},
                      "a mapping with requiredDuringSchedulingIgnoredDuringExecution and/or "
                      "preferredDuringSchedulingIgnoredDuringExecution"))
    return rules;
  const YamlField required = a["requiredDuringSchedulingIgnoredDuringExecution"];
  for (std::size_t i = 0, n = f_.list_size(required); i < n; ++i)
    rules.required.push_back(pod_affinity_term(f_.item(required, i)));
  const YamlField preferred = a["preferredDuringSchedulingIgnoredDuringExecution"];
  for (std::size_t i = 0, n = f_.list_size(preferred); i < n; ++i) {
    const YamlField p = f_.item(preferred, i);
    if (!strict_mapping(p, {"weight", "podAffinityTerm"},
                        "a weighted term (a mapping with weight and podAffinityTerm)"))
      continue;
    WeightedPodAffinityTerm w;
    w.weight = weight(p);
    if (!p["podAffinityTerm"].present()) f_.missing(p, "podAffinityTerm", "a pod affinity term");
    w.term = pod_affinity_term(p["podAffinityTerm"]);
    rules.preferred.push_back(std::move(w));
  }
  return rules;
}

void ManifestParser::affinity(const YamlField& a, Affinity& out) {
  if (!strict_mapping(a, {"nodeAffinity", "podAffinity", "podAntiAffinity"},
                      "a mapping with nodeAffinity, podAffinity and/or podAntiAffinity"))
    return;
  const YamlField na = a["nodeAffinity"];
  if (strict_mapping(na,
                     {"requiredDuringSchedulingIgnoredDuringExecution",
                      "preferredDuringSchedulingIgnoredDuringExecution"},
                     "a mapping with requiredDuringSchedulingIgnoredDuringExecution and/or "
                     "preferredDuringSchedulingIgnoredDuringExecution")) {
    NodeAffinity node;
    const YamlField required = na["requiredDuringSchedulingIgnoredDuringExecution"];
    if (strict_mapping(required, {"nodeSelectorTerms"}, "a node selector (nodeSelectorTerms)")) {
      if (!required["nodeSelectorTerms"].present())
        f_.missing(required, "nodeSelectorTerms", "a list of node selector terms");
      std::vector<NodeSelectorTerm> terms;
      const YamlField list = required["nodeSelectorTerms"];
      for (std::size_t i = 0, n = f_.list_size(list); i < n; ++i)
        terms.push_back(node_selector_term(f_.item(list, i)));
      node.required = std::move(terms);
    }
    const YamlField preferred = na["preferredDuringSchedulingIgnoredDuringExecution"];
    for (std::size_t i = 0, n = f_.list_size(preferred); i < n; ++i) {
      const YamlField p = f_.item(preferred, i);
      if (!strict_mapping(p, {"weight", "preference"},
                          "a preferred term (a mapping with weight and preference)"))
        continue;
      PreferredNodeTerm t;
      t.weight = weight(p);
      if (!p["preference"].present()) f_.missing(p, "preference", "a node selector term");
      t.preference = node_selector_term(p["preference"]);
      node.preferred.push_back(std::move(t));
    }
    out.node = std::move(node);
  }
  out.pod = pod_affinity_rules(a["podAffinity"]);
  out.anti = pod_affinity_rules(a["podAntiAffinity"]);
}

void ManifestParser::topology_spread(const YamlField& list,
                                     std::vector<TopologySpreadConstraint>& out) {
  std::set<std::pair<std::string, bool>> seen;
  for (std::size_t i = 0, n = f_.list_size(list); i < n; ++i) {
    const YamlField c = f_.item(list, i);
    if (!strict_mapping(c,
                        {"maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector",
                         "minDomains", "nodeAffinityPolicy", "nodeTaintsPolicy", "matchLabelKeys"},
                        "a topology spread constraint (maxSkew, topologyKey, whenUnsatisfiable, "
                        "labelSelector, ...)"))
      continue;
    TopologySpreadConstraint t;
    if (!c["maxSkew"].present()) f_.missing(c, "maxSkew", "an integer from 1");
    t.max_skew = f_.integer(c["maxSkew"], 1, 1'000'000'000).value_or(1);
    if (!c["topologyKey"].present())
      f_.missing(c, "topologyKey", "a node label key, such as topology.kubernetes.io/zone");
    t.topology_key = c["topologyKey"].string().value_or("");
    if (!c["whenUnsatisfiable"].present())
      f_.missing(c, "whenUnsatisfiable", "DoNotSchedule or ScheduleAnyway");
    t.do_not_schedule = f_.one_of<bool>(c["whenUnsatisfiable"],
                                        {{"DoNotSchedule", true}, {"ScheduleAnyway", false}})
                            .value_or(true);
    t.label_selector = strict_selector(c["labelSelector"]);
    if (c["minDomains"].present()) {
      t.min_domains = f_.integer(c["minDomains"], 1, 1'000'000'000).value_or(1);
      if (!t.do_not_schedule)
        c["minDomains"].error("minDomains may only be given with whenUnsatisfiable: DoNotSchedule");
    }
    t.honor_node_affinity =
        f_.one_of<bool>(c["nodeAffinityPolicy"], {{"Honor", true}, {"Ignore", false}})
            .value_or(true);
    t.honor_taints = f_.one_of<bool>(c["nodeTaintsPolicy"], {{"Honor", true}, {"Ignore", false}})
                         .value_or(false);
    t.match_label_keys = f_.strings(c["matchLabelKeys"]);
    if (!t.topology_key.empty() && !seen.emplace(t.topology_key, t.do_not_schedule).second) {
      c.error("a second constraint with topologyKey " + t.topology_key +
              " and the same whenUnsatisfiable; Kubernetes rejects the pair");
    }
    out.push_back(std::move(t));
  }
}

}  // namespace podwire::kube
