// ScenarioError: what the scenario loaders throw when a scenario has errors,
// carrying every located Diagnostic found. Scenarios are read with the YAML
// layer of models/kube (the one the manifests are read with); its names are
// the scenario code's own.
#pragma once

#include <stdexcept>

#include "models/kube/diagnostic.hpp"
#include "models/kube/yaml_field.hpp"

namespace podwire::scenario {

using kube::Diagnostic;
using kube::Diagnostics;
using kube::Severity;
using kube::YamlContext;
using kube::YamlField;

class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(Diagnostics diagnostics);
  const Diagnostics& diagnostics() const { return diagnostics_; }

 private:
  Diagnostics diagnostics_;
};

}  // namespace podwire::scenario
