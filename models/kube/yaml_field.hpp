// YamlField: a typed, located view of one value in a YAML document. Reads
// never throw: a missing or malformed value becomes a Diagnostic at the
// value's file:line:column and field path, and the read returns nullopt, so one
// pass over a manifest or a scenario reports every problem in it. The manifest
// loader reads with it, and so does every scenario parser (models/scenario/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/time.hpp"
#include "engine/units.hpp"
#include "models/kube/diagnostic.hpp"

namespace podwire::kube {

// What every field of one document shares: where it came from and where
// problems go. Paths set from the command line (--set) are reported as such.
struct YamlContext {
  std::string file;
  Diagnostics* diagnostics = nullptr;
  std::set<std::string> overridden_paths;
  // An unknown field is an error, not a warning (`--strict`).
  bool strict = false;
  // A key with no value is reported, as a scenario's are (a manifest's
  // `creationTimestamp: null` is the API's way of saying "unset").
  bool report_nulls = false;
};

// The names of `known` closest to `name` (a typo's likely meaning): those at
// the smallest edit distance, if it is small for the name's length; at most 3.
std::vector<std::string_view> closest_names(std::string_view name,
                                            std::span<const std::string_view> known);

class YamlField {
 public:
  YamlField(YAML::Node node, std::string path, YamlContext& context,
            YAML::Mark parent = YAML::Mark::null_mark())
      : node_(std::move(node)), path_(std::move(path)), context_(&context), parent_mark_(parent) {}

  bool present() const { return node_.IsDefined() && !node_.IsNull(); }
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  YamlContext& context() const { return *context_; }

  // The value under `key` of this mapping (absent when this is not a mapping).
  YamlField operator[](std::string_view key) const;

  // Typed reads. `required` fields that are absent are errors; optional ones
  // that are absent return nullopt silently.
  std::optional<std::string> string(bool required = false) const;
  std::optional<std::int64_t> integer(std::int64_t min, std::int64_t max,
                                      bool required = false) const;
  std::optional<double> number(double min, double max, bool required = false) const;
  std::optional<engine::Time> time(bool required = false) const;
  std::optional<engine::Rate> rate(bool required = false) const;
  std::optional<engine::Bytes> bytes(bool required = false) const;
  std::optional<engine::BitRate> bit_rate(bool required = false) const;

  // A distribution of times, in seconds: a time ("2ms" is constant 2 ms) or a
  // mapping {distribution: exponential, mean: 1ms} (see docs/scenario-format.md).
  std::optional<engine::Distribution> time_distribution(bool required = false) const;

  // Warns about keys of this mapping that are not in `known` (a typo in a
  // scenario should not pass silently), and errors when this is not a mapping.
  // A key that a --set override wrote is an error, with the closest known keys.
  // Under report_nulls a known key with no value warns (errs under --strict).
  bool expect_mapping(std::initializer_list<std::string_view> known) const;
  bool expect_mapping(std::span<const std::string_view> known) const;

  void error(const std::string& message) const { report(Severity::error, message); }
  void warning(const std::string& message) const { report(Severity::warning, message); }

 private:
  void report(Severity severity, const std::string& message) const;
  bool check_present(bool required, std::string_view what) const;
  std::optional<std::string> scalar(bool required, std::string_view what) const;

  YAML::Node node_;
  std::string path_;
  YamlContext* context_;
  YAML::Mark parent_mark_;  // where the enclosing mapping is: an absent field is reported there
};

}  // namespace podwire::kube
