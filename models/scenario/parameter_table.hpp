// The parameter table: every setting of a cluster scenario that has a
// default — where it is written, what it takes, its default (read from the
// models' own config structs) and where that default comes from — and the
// constants of the models that no scenario sets. The parser reads every
// setting through it, the unknown-key check knows its keys from it, and
// docs/parameters.md is generated from it (parameters_markdown()).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "models/scenario/cluster_scenario.hpp"
#include "models/scenario/scenario_error.hpp"

namespace podwire::scenario {

struct Parameter {
  // "cluster.datapath.veth"; empty for a constant of the models that no
  // scenario sets (documented only).
  std::string path;
  std::string name;          // what the docs call it: the last part of the path, or the C++ field
  std::string default_text;  // "600ns", as a scenario would write it
  std::string source;        // where the default comes from
  // Reads the value at `f` into the scenario, reporting a bad value at f.
  std::function<void(const YamlField& f, ClusterScenario& s)> read;
  // What a scenario writes there: "time", "integer 1-1000", "rr, lc or sh".
  std::string takes;
};

struct ParameterSection {
  std::string title;  // "Node datapath (`node::DatapathCosts`, scenario `cluster.datapath`)"
  std::string intro;  // paragraphs before the table
  std::vector<Parameter> rows;
  std::string outro;  // paragraphs after it
};

const std::vector<ParameterSection>& parameter_sections();

// The keys the table knows directly under `prefix` ("cluster.datapath" ->
// veth, bridge, ...), in table order.
std::vector<std::string_view> parameter_keys(std::string_view prefix);

// Reads every parameter directly under `prefix` from `f`, the mapping
// written at `prefix`, in table order.
void read_parameters(const YamlField& f, std::string_view prefix, ClusterScenario& s);

// docs/parameters.md.
std::string parameters_markdown();

}  // namespace podwire::scenario
