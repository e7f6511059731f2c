// The documents of a YAML text read with libyaml's event parser into
// yaml-cpp nodes (through YamlNodeBuilder): the same trees, tags and marks as
// yaml-cpp's own reader, at a small fraction of its cost (yaml-cpp 0.7's
// scanner matched every character against regular expressions: half the
// time to load the scalability envelope's 6 MB of manifests). Text libyaml
// does not read cleanly is left to yaml-cpp, so every error message stays
// yaml-cpp's.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace podwire::kube {

// Every document of `text` (empty ones as null nodes), or nothing when libyaml
// reports an error, an alias names no anchor, or the nesting passes
// kMaxFastDepth (yaml-cpp's depth guard then says so).
std::optional<std::vector<YAML::Node>> read_yaml_fast(const std::string& text);

inline constexpr int kMaxFastDepth = 1000;

}  // namespace podwire::kube
