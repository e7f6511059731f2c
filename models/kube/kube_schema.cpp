#include "models/kube/kube_schema.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string_view>

#include "models/kube/yaml_fast_reader.hpp"

namespace podwire::kube {

// --- reading the JSON schema -------------------------------------------------------

namespace {

// n[key], or a null node when n is not a mapping or lacks key (yaml-cpp's
// lookup on a const node gives a node that throws when asked its type).
YAML::Node at(const YAML::Node& n, const char* key) {
  if (!n.IsMap()) return YAML::Node();
  const YAML::Node c = n[key];
  return c.IsDefined() ? c : YAML::Node();
}

}  // namespace

class KubeSchema::Builder {
 public:
  Builder(const YAML::Node& defs, KubeSchema& out) : defs_(defs), out_(out) {}

  int definition(const std::string& name) {
    if (const auto it = by_name_.find(name); it != by_name_.end()) return it->second;
    const int index = add();
    by_name_[name] = index;  // before converting: types refer to themselves
    const YAML::Node d = at(defs_, name.c_str());
    if (d.IsMap()) fill(index, d);
    return index;
  }

 private:
  int add() {
    out_.nodes_.emplace_back();
    return static_cast<int>(out_.nodes_.size()) - 1;
  }

  // The index of the type `s` describes (a reference or an inline schema).
  int convert(const YAML::Node& s) {
    if (!s.IsMap()) return add();
    if (const YAML::Node ref = at(s, "$ref"); ref.IsScalar()) {
      const std::string& text = ref.Scalar();
      const std::size_t hash = text.rfind('/');
      return definition(hash == std::string::npos ? text : text.substr(hash + 1));
    }
    const int index = add();
    fill(index, s);
    return index;
  }

  static std::set<std::string> types(const YAML::Node& s) {
    std::set<std::string> t;
    const YAML::Node type = at(s, "type");
    if (type.IsScalar()) t.insert(type.Scalar());
    if (type.IsSequence())
      for (const YAML::Node& e : type)
        if (e.IsScalar()) t.insert(e.Scalar());
    t.erase("null");
    return t;
  }

  void fill(int index, const YAML::Node& s) {
    if (const YAML::Node one_of = at(s, "oneOf"); one_of.IsSequence()) {
      std::set<std::string> t;
      for (const YAML::Node& alt : one_of) t.merge(types(alt));
      Type type = Type::any;
      if (t == std::set<std::string>{"integer", "string"}) type = Type::int_or_string;
      if (t == std::set<std::string>{"number", "string"}) type = Type::string_or_number;
      out_.nodes_[index].type = type;
      return;
    }
    const std::set<std::string> t = types(s);
    if (t.size() != 1) return;  // any
    const std::string& type = *t.begin();
    if (type == "string") out_.nodes_[index].type = Type::string;
    if (type == "integer") out_.nodes_[index].type = Type::integer;
    if (type == "number") out_.nodes_[index].type = Type::number;
    if (type == "boolean") out_.nodes_[index].type = Type::boolean;
    if (type == "array") {
      const int element = convert(at(s, "items"));
      out_.nodes_[index].type = Type::array;
      out_.nodes_[index].element = element;
    }
    if (type != "object") return;
    const YAML::Node properties = at(s, "properties");
    const YAML::Node additional = at(s, "additionalProperties");
    if (properties.IsMap()) {
      std::vector<std::pair<std::string, int>> fields;
      for (const auto& kv : properties) fields.emplace_back(kv.first.Scalar(), convert(kv.second));
      std::sort(fields.begin(), fields.end());
      // A schema that lets other keys in is checked only for the fields it names.
      const bool closed = additional.IsScalar() && additional.Scalar() == "false";
      if (!closed) return;
      out_.nodes_[index].type = Type::object;
      out_.nodes_[index].fields = std::move(fields);
    } else if (additional.IsMap()) {
      const int element = convert(additional);
      out_.nodes_[index].type = Type::map;
      out_.nodes_[index].element = element;
    }
  }

  const YAML::Node& defs_;
  KubeSchema& out_;
  std::map<std::string, int> by_name_;
};

std::optional<KubeSchema> KubeSchema::parse(const std::string& json, const std::string& release,
                                            std::string* error) {
  const auto fail = [&](const std::string& why) -> std::optional<KubeSchema> {
    if (error) *error = why;
    return std::nullopt;
  };
  YAML::Node root;
  try {
    const auto documents = read_yaml_fast(json);
    root = documents ? (documents->empty() ? YAML::Node() : (*documents)[0]) : YAML::Load(json);
  } catch (const YAML::Exception& e) {
    return fail(std::string("not JSON: ") + e.what());
  }
  const YAML::Node defs = root.IsMap() ? at(root, "$defs") : YAML::Node();
  if (!defs.IsMap()) return fail("not a Kubernetes JSON schema (no $defs)");
  KubeSchema schema;
  schema.release_ = release;
  Builder builder(defs, schema);
  for (const auto& kv : defs) {
    const YAML::Node gvks = at(kv.second, "x-kubernetes-group-version-kind");
    if (!gvks.IsSequence()) continue;
    for (const YAML::Node& gvk : gvks) {
      if (!gvk.IsMap() || !at(gvk, "kind").IsScalar() || !at(gvk, "version").IsScalar()) continue;
      const std::string group = at(gvk, "group").IsScalar() ? at(gvk, "group").Scalar() : "";
      const std::string version =
          group.empty() ? at(gvk, "version").Scalar() : group + "/" + at(gvk, "version").Scalar();
      // An object's own type (not a kind's options or list type, which name
      // the same group, version and kind only when they are the kind).
      if (!at(kv.second, "properties").IsMap() || !at(at(kv.second, "properties"), "kind").IsMap())
        continue;
      schema.kinds_.emplace(std::pair{version, at(gvk, "kind").Scalar()},
                            builder.definition(kv.first.Scalar()));
    }
  }
  if (schema.kinds_.empty()) return fail("not a Kubernetes JSON schema (no kinds)");
  return schema;
}

std::optional<KubeSchema> KubeSchema::load(const std::string& file, const std::string& release,
                                           std::string* error) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    if (error) *error = file + ": cannot read this file";
    return std::nullopt;
  }
  auto schema = parse(text.str(), release, error);
  if (!schema && error) *error = file + ": " + *error;
  return schema;
}

bool KubeSchema::has_kind(const std::string& api_version, const std::string& kind) const {
  return kinds_.contains({api_version, kind});
}

std::vector<std::string_view> KubeSchema::kinds_of(const std::string& api_version) const {
  std::vector<std::string_view> out;
  for (auto it = kinds_.lower_bound({api_version, ""});
       it != kinds_.end() && it->first.first == api_version; ++it) {
    out.push_back(it->first.second);
  }
  return out;
}

// --- checking an object ------------------------------------------------------------

namespace {

enum class Scalar { null, boolean, integer, number, string };

// What a scalar is to Kubernetes' YAML reader (YAML 1.1 for bools, as
// sigs.k8s.io/yaml reads it): quoted or tagged text is a string.
Scalar scalar_type(const YAML::Node& n) {
  if (n.Tag() != "?") return n.Tag() == "tag:yaml.org,2002:null" ? Scalar::null : Scalar::string;
  const std::string& s = n.Scalar();
  static const std::set<std::string> nulls = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> bools = {"true", "True", "TRUE", "false", "False", "FALSE",
                                              "yes",  "Yes",  "YES",  "no",    "No",    "NO",
                                              "on",   "On",   "ON",   "off",   "Off",   "OFF"};
  if (nulls.contains(s)) return Scalar::null;
  if (bools.contains(s)) return Scalar::boolean;
  static const std::regex integer("[-+]?(0|[1-9][0-9_]*|0[0-7_]+|0x[0-9a-fA-F_]+|0o[0-7]+)");
  static const std::regex number(
      "[-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|"
      "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (s.size() > 64) return Scalar::string;
  if (std::regex_match(s, integer)) return Scalar::integer;
  if (s != "." && std::regex_match(s, number)) return Scalar::number;
  return Scalar::string;
}

std::string quoted(const std::string& s) {
  return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'";
}

std::string described(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  switch (scalar_type(n)) {
    case Scalar::null:
      return "null";
    case Scalar::boolean:
      return "the boolean " + n.Scalar();
    case Scalar::integer:
      return "the integer " + n.Scalar();
    case Scalar::number:
      return "the number " + n.Scalar();
    case Scalar::string:
      break;
  }
  return "the string " + quoted(n.Scalar());
}

}  // namespace

class KubeSchema::Checker {
 public:
  Checker(const KubeSchema& schema, YamlContext& context, Severity severity)
      : schema_(schema), context_(context), severity_(severity) {}

  void check(const YAML::Node& n, const std::string& path, int index) {
    if (!n.IsDefined() || n.IsNull()) return;
    const Node& type = schema_.nodes_[static_cast<std::size_t>(index)];
    if (n.IsMap() || n.IsSequence()) {
      // A node reached again through an alias was checked as this type already.
      const std::int64_t key = static_cast<std::int64_t>(n.Mark().pos) * 2 + (n.IsMap() ? 1 : 0);
      if (!seen_.insert({key, index}).second) return;
    }
    switch (type.type) {
      case Type::any:
        return;
      case Type::object:
        if (!n.IsMap()) return wrong(n, path, "a mapping");
        for (const auto& kv : n) {
          const std::string& key = kv.first.Scalar();
          const std::string child = path.empty() ? key : path + "." + key;
          const auto it = std::lower_bound(type.fields.begin(), type.fields.end(), key,
                                           [](const std::pair<std::string, int>& f,
                                              const std::string& k) { return f.first < k; });
          if (it != type.fields.end() && it->first == key) {
            check(kv.second, child, it->second);
          } else {
            unknown(kv.first, key, child, type);
          }
        }
        return;
      case Type::map:
        if (!n.IsMap()) return wrong(n, path, "a mapping");
        for (const auto& kv : n) {
          const std::string& key = kv.first.Scalar();
          check(kv.second, path.empty() ? key : path + "." + key, type.element);
        }
        return;
      case Type::array:
        if (!n.IsSequence()) return wrong(n, path, "a list");
        for (std::size_t i = 0; i < n.size(); ++i)
          check(n[i], path + "[" + std::to_string(i) + "]", type.element);
        return;
      default:
        break;
    }
    if (!n.IsScalar()) return wrong(n, path, expected(type.type));
    const Scalar s = scalar_type(n);
    bool ok = s == Scalar::null;
    switch (type.type) {
      case Type::string:
        ok = ok || s == Scalar::string;
        break;
      case Type::integer:
        ok = ok || s == Scalar::integer;
        break;
      case Type::number:
        ok = ok || s == Scalar::integer || s == Scalar::number;
        break;
      case Type::boolean:
        ok = ok || s == Scalar::boolean;
        break;
      case Type::int_or_string:
        ok = ok || s == Scalar::integer || s == Scalar::string;
        break;
      case Type::string_or_number:
        ok = ok || s != Scalar::boolean;
        break;
      default:
        ok = true;
    }
    if (!ok) wrong(n, path, expected(type.type));
  }

 private:
  static std::string expected(Type t) {
    switch (t) {
      case Type::string:
        return "a string";
      case Type::integer:
        return "an integer";
      case Type::number:
        return "a number";
      case Type::boolean:
        return "a boolean (true or false)";
      case Type::int_or_string:
        return "an integer or a string";
      case Type::string_or_number:
        return "a quantity (a number or a string such as 500m)";
      case Type::object:
      case Type::map:
        return "a mapping";
      case Type::array:
        return "a list";
      case Type::any:
        break;
    }
    return "a value";
  }

  std::string release() const { return "the Kubernetes " + schema_.release_ + " schema"; }

  void wrong(const YAML::Node& n, const std::string& path, const std::string& what) {
    std::string message = "expected " + what + ", got " + described(n);
    if (n.IsScalar() && what == "a string") message += " (quote it to make it a string)";
    report(n, path, message + " (" + release() + ")");
  }

  void unknown(const YAML::Node& key_node, const std::string& key, const std::string& path,
               const Node& type) {
    std::vector<std::string_view> names;
    names.reserve(type.fields.size());
    for (const auto& f : type.fields) names.emplace_back(f.first);
    std::string suggestion;
    for (std::string_view k : closest_names(key, names))
      suggestion += (suggestion.empty() ? "; did you mean " : " or ") + std::string(k);
    report(key_node, path,
           "unknown field '" + key + "'" + (suggestion.empty() ? "" : suggestion + "?") + " (" +
               release() + " has no such field" +
               (severity_ == Severity::error ? "" : "; it is ignored") + ")");
  }

  void report(const YAML::Node& at, const std::string& path, const std::string& message) {
    const YamlField f(at, path, context_);
    if (severity_ == Severity::error)
      f.error(message);
    else
      f.warning(message);
  }

  const KubeSchema& schema_;
  YamlContext& context_;
  Severity severity_;
  std::set<std::pair<std::int64_t, int>> seen_;
};

bool KubeSchema::check(const YamlField& object, const std::string& api_version,
                       const std::string& kind, Severity severity) const {
  const auto it = kinds_.find({api_version, kind});
  if (it == kinds_.end()) return false;
  YamlContext& context = object.context();
  Checker(*this, context, severity).check(object.node(), object.path(), it->second);
  return true;
}

}  // namespace podwire::kube
