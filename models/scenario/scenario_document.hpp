// What every kind of scenario file shares: reading it, parsing it with a
// located syntax error, applying --set overrides, the `run` section, and the
// resolved text a trace keeps.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "models/scenario/queueing_scenario.hpp"
#include "models/scenario/scenario_error.hpp"

namespace podwire::scenario {

// The file's text; ScenarioError naming the path when it cannot be read.
std::string read_scenario_file(const std::string& path);

// The document with the overrides applied (an empty document is an empty
// mapping). A syntax error throws ScenarioError at once, with its place.
YAML::Node load_scenario_document(const std::string& text,
                                  const std::vector<std::string>& overrides, YamlContext& context);

// Reads `run: {seed, duration, warmup}`.
void parse_run_settings(const YamlField& run, RunSettings& settings);

// The document as YAML, for the trace.
std::string resolved_text(const YAML::Node& root);

}  // namespace podwire::scenario
