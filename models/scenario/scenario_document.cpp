#include "models/scenario/scenario_document.hpp"

#include "models/kube/yaml_documents.hpp"
#include "models/kube/yaml_tree_check.hpp"
#include "models/scenario/overrides.hpp"

namespace podwire::scenario {

using engine::Time;

std::string read_scenario_file(const std::string& path) {
  std::string text;
  const kube::FileRead read = kube::read_text_file(path, text);
  if (read != kube::FileRead::ok) {
    Diagnostics d;
    d.add(Diagnostic{Severity::error, path, 0, 0, "",
                     read == kube::FileRead::cannot_open ? "cannot open the scenario file"
                                                         : kube::file_read_message(read)});
    throw ScenarioError(std::move(d));
  }
  return text;
}

YAML::Node load_scenario_document(const std::string& text,
                                  const std::vector<std::string>& overrides, YamlContext& context) {
  // Text that is not YAML text is one error (not_yaml_text); then libyaml (a
  // 10,000-app scenario is 400 KB), and yaml-cpp, guarded, for its messages
  // when libyaml refuses.
  const std::size_t errors_before = context.diagnostics->count(Severity::error);
  const std::vector<YAML::Node> documents =
      kube::read_yaml_documents(text, context.file, *context.diagnostics);
  if (context.diagnostics->count(Severity::error) > errors_before)
    throw ScenarioError(std::move(*context.diagnostics));
  YAML::Node root = documents.empty() ? YAML::Node() : documents[0];
  // A scenario is one document: what follows a `---` would not be read.
  for (std::size_t i = 1; i < documents.size(); ++i) {
    const YAML::Node& extra = documents[i];
    if (!extra.IsDefined() || extra.IsNull()) continue;
    Diagnostic d{Severity::error,
                 context.file,
                 0,
                 0,
                 "",
                 "a scenario is one YAML document, and a second one begins here; Kubernetes "
                 "objects go in a file that manifests: names, or inline: under it"};
    if (!extra.Mark().is_null()) {
      d.line = extra.Mark().line + 1;
      d.column = extra.Mark().column + 1;
    }
    context.diagnostics->add(std::move(d));
    throw ScenarioError(std::move(*context.diagnostics));
  }
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  apply_overrides(root, overrides, context);
  // Keys given twice, cycles and alias bombs, before anything reads the tree.
  if (!kube::check_yaml_tree(root, "", context))
    throw ScenarioError(std::move(*context.diagnostics));
  return root;
}

void parse_run_settings(const YamlField& run, RunSettings& r) {
  run.expect_mapping({"seed", "duration", "warmup"});
  if (auto v = run["seed"].integer(0, INT64_MAX)) r.seed = static_cast<std::uint64_t>(*v);
  if (auto v = run["duration"].time()) {
    if (*v <= Time::zero()) run["duration"].error("must be positive, got " + v->to_string());
    r.duration = *v;
  }
  if (auto v = run["warmup"].time()) {
    if (*v < Time::zero()) {
      run["warmup"].error("must not be negative, got " + v->to_string());
    } else if (*v >= r.duration) {
      run["warmup"].error("must be shorter than the duration " + r.duration.to_string());
    }
    r.warmup = *v;
  }
}

std::string resolved_text(const YAML::Node& root) {
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace podwire::scenario
