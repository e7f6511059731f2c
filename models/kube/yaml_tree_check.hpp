// The check a YAML tree gets before anything reads it, for manifests and
// scenarios alike: a key given twice in one mapping, an alias to a node that
// holds it (a cycle), nesting deeper than kMaxYamlDepth, and aliases that make
// the tree far larger than its text (a "billion laughs" bomb). yaml-cpp accepts
// all of these; readers that walk the tree would loop, overflow the stack or
// take exponential time.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

#include "models/kube/yaml_field.hpp"

namespace podwire::kube {

// Deeper than any Kubernetes object or scenario needs.
inline constexpr int kMaxYamlDepth = 100;
// Nodes a tree may hold beyond those written in its text, reached through
// aliases (as hardened YAML loaders bound alias expansion).
inline constexpr std::size_t kMaxAliasNodes = 100'000;

// Reports every problem above at its place (path `path` for the root). Linear
// in the nodes written: a node reached again through an alias is not walked
// again. Returns false when the tree must not be read (a cycle, too deep, too
// many nodes through aliases); duplicate keys alone leave it readable, the
// first value being the one yaml-cpp's lookups find.
bool check_yaml_tree(const YAML::Node& root, const std::string& path, YamlContext& context);

}  // namespace podwire::kube
