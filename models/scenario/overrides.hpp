// --set path=value overrides, applied to a scenario document before it is read,
// so an overridden value is checked exactly like one written in the file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "models/scenario/scenario_error.hpp"

namespace podwire::scenario {

// Applies each "a.b.c=value" to root (creating mappings on the way; the value
// is read as YAML, so "{distribution: constant, value: 1ms}" works). Malformed
// assignments become errors in context; applied paths are recorded there so that
// problems with them are reported against the override, not the file.
void apply_overrides(YAML::Node& root, const std::vector<std::string>& assignments,
                     YamlContext& context);

}  // namespace podwire::scenario
