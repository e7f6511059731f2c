// The cluster scenario parser's pieces shared between its files
// (cluster_scenario.cpp, cluster_scenario_apps.cpp, cluster_scenario_churn.cpp).
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "models/scenario/cluster_scenario.hpp"
#include "models/scenario/field_reads.hpp"
#include "models/scenario/parameter_table.hpp"

namespace podwire::scenario::detail {

// The keys of a mapping: the structured ones its parser reads itself, then
// the parameters the table has under `prefix`.
inline std::vector<std::string_view> keys(std::string_view prefix,
                                          std::initializer_list<std::string_view> structured = {}) {
  std::vector<std::string_view> out(structured);
  for (std::string_view k : parameter_keys(prefix)) out.push_back(k);
  return out;
}

// A mapping of parameters only (cluster.dns, cluster.datapath, ...).
inline void parse_parameters(const YamlField& f, std::string_view prefix, ClusterScenario& s) {
  if (f.present() && f.expect_mapping(keys(prefix))) read_parameters(f, prefix, s);
}

// `start` and `stop` of an entry that runs for a while (traffic, a random
// churn process): neither negative, stop after start.
inline void read_window(const YamlField& f, engine::Time& start,
                        std::optional<engine::Time>& stop) {
  if (auto v = f["start"].time()) {
    if (*v < engine::Time::zero())
      f["start"].error("must not be negative, got " + v->to_string());
    else
      start = *v;
  }
  if (auto v = f["stop"].time()) {
    if (*v < engine::Time::zero())
      f["stop"].error("must not be negative, got " + v->to_string());
    else if (*v <= start)
      f["stop"].error("must be after start (" + start.to_string() + "), got " + v->to_string());
    else
      stop = *v;
  }
}

// The `apps` section: each workload's handlers (its routes) and their calls.
void parse_apps(const YamlField& apps, YamlContext& ctx, ClusterScenario& s);
// The `traffic` section: each entry's source, target, route mix and loop.
void parse_traffic(const YamlField& traffic, YamlContext& ctx, ClusterScenario& s);

// The `churn` section: events, random processes, lifecycle and control plane.
void parse_churn(const YamlField& c, YamlContext& ctx, ClusterScenario& scenario);

}  // namespace podwire::scenario::detail
