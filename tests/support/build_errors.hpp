// build_errors: every problem building a cluster scenario's model reports, as
// the command line prints them ("" when it builds).
#pragma once

#include <string>

#include "models/builder/cluster_model.hpp"

namespace podwire::test_support {

inline std::string build_errors(const std::string& text, const std::string& file = "test.yaml") {
  try {
    const scenario::ClusterScenario s = scenario::parse_cluster_scenario(text, file);
    builder::ClusterModel m(s);
  } catch (const scenario::ScenarioError& e) {
    return e.diagnostics().to_string();
  }
  return "";
}

}  // namespace podwire::test_support
