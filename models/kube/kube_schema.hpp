// KubeSchema: the Kubernetes API schema of one release, as the strict JSON
// schemas that kubernetes-validate ships per release (`_definitions.json`, made
// from the release's OpenAPI document), reduced to what a strict field check
// needs: each type's fields, its items or values, and its scalar type. It
// checks a manifest's objects as `kubectl apply --validate=strict` does:
// unknown fields, wrong types (duplicate keys are check_yaml_tree's).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/kube/yaml_field.hpp"

namespace podwire::kube {

class KubeSchema {
 public:
  // Reads `_definitions.json` (the `$defs` of every API type). `release` names
  // it in messages ("1.36"). nullopt, with *error set, when the text is not
  // such a schema.
  static std::optional<KubeSchema> parse(const std::string& json, const std::string& release,
                                         std::string* error);
  static std::optional<KubeSchema> load(const std::string& file, const std::string& release,
                                        std::string* error);

  const std::string& release() const { return release_; }
  std::size_t kinds() const { return kinds_.size(); }
  bool has_kind(const std::string& api_version, const std::string& kind) const;
  // The kinds the schema has in `api_version`: none for a version it does
  // not serve (a custom resource's).
  std::vector<std::string_view> kinds_of(const std::string& api_version) const;

  // Reports every field of `object` (a mapping whose apiVersion and kind the
  // schema has) that the schema does not name, and every value of the wrong
  // type, with `severity`. Linear in the nodes written: a node reached again
  // through an alias is not checked again. Returns false when the schema has
  // no such kind (nothing is checked).
  bool check(const YamlField& object, const std::string& api_version, const std::string& kind,
             Severity severity) const;

 private:
  enum class Type {
    any,
    object,  // fields_ named; others are unknown
    map,     // any keys, values of type element
    array,
    string,
    integer,
    number,
    boolean,
    int_or_string,
    string_or_number,  // a resource.Quantity
  };
  struct Node {
    Type type = Type::any;
    std::vector<std::pair<std::string, int>> fields;  // sorted by name
    int element = -1;                                 // an array's items, a map's values
  };
  class Builder;
  class Checker;

  std::string release_;
  std::vector<Node> nodes_;
  std::map<std::pair<std::string, std::string>, int> kinds_;  // (apiVersion, kind)
};

// How manifests are checked against a schema: warnings by default, errors
// when strict (podwire validate --strict).
struct SchemaCheck {
  const KubeSchema* schema = nullptr;
  bool strict = false;
};

}  // namespace podwire::kube
