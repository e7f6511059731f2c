// KubeFields: reads the value types of Kubernetes objects (labels, selectors,
// ports, quantities, enumerations) from YamlFields. Like YamlField it never
// throws: a bad value becomes a located Diagnostic and the read returns nullopt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/kube/objects.hpp"
#include "models/kube/yaml_field.hpp"

namespace podwire::kube {

// True for an IPv4 or IPv6 address literal.
bool is_ip_address(const std::string& text);

class KubeFields {
 public:
  explicit KubeFields(YamlContext& context) : context_(&context) {}

  YamlContext& context() const { return *context_; }
  YamlField root(const YAML::Node& node, std::string path) const {
    return YamlField(node, std::move(path), *context_);
  }

  // The i-th element of a list field, with the path "list[i]".
  YamlField item(const YamlField& list, std::size_t i) const;
  // How many elements a list field has: 0 when absent, and an error (and 0)
  // when it is not a list.
  std::size_t list_size(const YamlField& list) const;
  // True when `f` is a mapping; an error when it is present but not one.
  bool is_mapping(const YamlField& f, std::string_view what) const;

  // Reports at `parent` (an absent field has no line of its own) with the
  // path parent.key.
  void missing(const YamlField& parent, std::string_view key, const std::string& what) const;
  void report_at(const YamlField& where, const std::string& path, Severity severity,
                 const std::string& message) const;

  SourceLocation location(const YamlField& f) const;
  std::size_t error_count() const { return context_->diagnostics->count(Severity::error); }

  std::optional<bool> boolean(const YamlField& f) const;
  std::optional<int> integer(const YamlField& f, int min, int max) const;
  // A list of strings; an error for anything else.
  std::vector<std::string> strings(const YamlField& f) const;
  // A mapping of strings to strings (labels, annotations, nodeSelector); null
  // values read as "".
  std::optional<Labels> string_map(const YamlField& f, std::string_view what) const;
  std::optional<LabelSelector> label_selector(const YamlField& f) const;
  // A port number (1-65535, and 0 when allow_zero) or an IANA port name. A
  // quoted number is a name to Kubernetes, and so an error.
  std::optional<PortRef> port_ref(const YamlField& f, bool allow_zero = false) const;
  std::optional<IntOrPercent> int_or_percent(const YamlField& f) const;
  std::optional<Protocol> protocol(const YamlField& f) const;
  std::optional<std::int64_t> cpu(const YamlField& f) const;
  std::optional<std::int64_t> memory(const YamlField& f) const;

  // One of the spelled values, e.g. {{"ClusterIP", ServiceType::cluster_ip}, ...}.
  template <class E>
  std::optional<E> one_of(const YamlField& f,
                          std::initializer_list<std::pair<std::string_view, E>> choices) const {
    const auto text = f.string();
    if (!text) return std::nullopt;
    for (const auto& [spelled, value] : choices) {
      if (*text == spelled) return value;
    }
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + std::string(c.first);
    f.error("expected one of " + list + ", got '" + *text + "'");
    return std::nullopt;
  }

 private:
  YamlContext* context_;
};

}  // namespace podwire::kube
