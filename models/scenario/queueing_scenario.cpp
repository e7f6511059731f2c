#include "models/scenario/queueing_scenario.hpp"

#include <yaml-cpp/yaml.h>

#include "models/scenario/scenario_document.hpp"
#include "models/scenario/scenario_error.hpp"

namespace podwire::scenario {

using engine::Time;

QueueingScenario parse_queueing_scenario(const std::string& text, const std::string& file,
                                         const std::vector<std::string>& overrides, bool strict) {
  QueueingScenario s;
  s.file = file;
  Diagnostics diags;
  YamlContext ctx{file, &diags, {}, strict, true};
  const YAML::Node root = load_scenario_document(text, overrides, ctx);

  const YamlField top(root, "", ctx);
  top.expect_mapping({"run", "queueing"});

  parse_run_settings(top["run"], s.run);

  const YamlField q = top["queueing"];
  if (!q.present()) {
    q.error("missing; expected a model section (queueing: {servers, arrival_rate, service_time})");
  } else if (q.expect_mapping({"name", "servers", "arrival_rate", "service_time"})) {
    if (auto v = q["name"].string()) s.name = *v;
    if (auto v = q["servers"].integer(1, 1'000'000, true)) s.farm.servers = static_cast<int>(*v);
    if (auto v = q["arrival_rate"].rate(true)) {
      if (v->per_second() <= 0)
        q["arrival_rate"].error("must be positive");
      else
        s.arrival_rate = v->per_second();
    }
    if (auto v = q["service_time"].time_distribution(true)) {
      s.farm.service = *v;
      YAML::Emitter text;
      text << YAML::Flow << q["service_time"].node();
      s.service_text = text.c_str();
    }
  }
  s.farm.warmup = s.run.warmup;
  if (s.arrival_rate > 0)
    s.farm.interarrival = engine::Distribution::exponential(1.0 / s.arrival_rate);

  if (diags.has_errors()) throw ScenarioError(std::move(diags));
  s.resolved_text = resolved_text(root);
  s.diagnostics = std::move(diags);
  return s;
}

QueueingScenario load_queueing_scenario(const std::string& path,
                                        const std::vector<std::string>& overrides, bool strict) {
  return parse_queueing_scenario(read_scenario_file(path), path, overrides, strict);
}

}  // namespace podwire::scenario
