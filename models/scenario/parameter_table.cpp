#include "models/scenario/parameter_table.hpp"

#include <sstream>

#include "models/scenario/parameter_kinds.hpp"

namespace podwire::scenario {

namespace {

std::vector<ParameterSection> make_sections() {
  std::vector<ParameterSection> out;
  param::add_cluster_sections(out);
  param::add_node_sections(out);
  param::add_proxy_sections(out);
  param::add_churn_sections(out);
  return out;
}

std::string parent_of(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

}  // namespace

const std::vector<ParameterSection>& parameter_sections() {
  static const std::vector<ParameterSection> sections = make_sections();
  return sections;
}

std::vector<std::string_view> parameter_keys(std::string_view prefix) {
  std::vector<std::string_view> keys;
  for (const ParameterSection& s : parameter_sections()) {
    for (const Parameter& p : s.rows) {
      if (!p.path.empty() && parent_of(p.path) == prefix) keys.push_back(p.name);
    }
  }
  return keys;
}

void read_parameters(const YamlField& f, std::string_view prefix, ClusterScenario& s) {
  if (!f.present() || !f.node().IsMap()) return;
  for (const ParameterSection& section : parameter_sections()) {
    for (const Parameter& p : section.rows) {
      if (!p.path.empty() && parent_of(p.path) == prefix && f[p.name].present())
        p.read(f[p.name], s);
    }
  }
}

std::string parameters_markdown() {
  std::ostringstream o;
  o << "# Parameters, defaults and their sources\n\n"
       "Every constant that shapes a result is a named parameter with a unit, a default\n"
       "and where the default comes from. A parameter written as a path (`cluster.datapath.veth`)\n"
       "is set in a scenario or with `--set`; the others are constants of the models, named by\n"
       "their C++ field. This page is generated from the parameter table\n"
       "(`models/scenario/parameter_rows_*.cpp`) with `podwire parameters > docs/parameters.md`;\n"
       "a test fails when the two differ.\n";
  for (const ParameterSection& s : parameter_sections()) {
    o << "\n## " << s.title << "\n\n";
    if (!s.intro.empty()) o << s.intro << "\n\n";
    o << "| parameter | takes | default | source |\n|---|---|---|---|\n";
    for (const Parameter& p : s.rows) {
      o << "| " << (p.path.empty() ? p.name : "`" + p.path + "`") << " | "
        << (p.path.empty() ? "constant" : p.takes) << " | " << p.default_text << " | " << p.source
        << " |\n";
    }
    if (!s.outro.empty()) o << "\n" << s.outro << "\n";
  }
  return o.str();
}

}  // namespace podwire::scenario
