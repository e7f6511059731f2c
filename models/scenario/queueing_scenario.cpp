#include "models/scenario/queueing_scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <limits>
#include <memory>

#include "models/queueing/queueing_theory.hpp"
#include "models/scenario/scenario_document.hpp"
#include "models/scenario/yaml_field.hpp"
#include "models/trace/queueing_trace.hpp"

namespace podwire::scenario {

using engine::Time;


QueueingScenario parse_queueing_scenario(const std::string& text, const std::string& file,
                                         const std::vector<std::string>& overrides) {
  QueueingScenario s;
  s.file = file;
  Diagnostics diags;
  YamlContext ctx{file, &diags, {}};
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
      if (v->per_second() <= 0) q["arrival_rate"].error("must be positive");
      else s.arrival_rate = v->per_second();
    }
    if (auto v = q["service_time"].time_distribution(true)) {
      s.farm.service = *v;
      YAML::Emitter text;
      text << YAML::Flow << q["service_time"].node();
      s.service_text = text.c_str();
    }
  }
  s.farm.warmup = s.run.warmup;
  if (s.arrival_rate > 0) s.farm.interarrival = engine::Distribution::exponential(1.0 / s.arrival_rate);

  if (diags.has_errors()) throw ScenarioError(std::move(diags));
  s.resolved_text = resolved_text(root);
  s.diagnostics = std::move(diags);
  return s;
}

QueueingScenario load_queueing_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  return parse_queueing_scenario(read_scenario_file(path), path, overrides);
}

QueueingTheory queueing_theory_for(const QueueingScenario& s) {
  QueueingTheory t;
  const engine::Distribution& service = s.farm.service;
  const double mean_s = service.mean();
  const int c = s.farm.servers;
  const double lambda = s.arrival_rate;
  t.utilisation = lambda * mean_s / c;
  const bool exponential = service.kind() == engine::Distribution::Kind::exponential;
  const bool constant = service.kind() == engine::Distribution::Kind::constant;
  t.model = std::string("M/") + (exponential ? "M" : constant ? "D" : "G") + "/" + std::to_string(c);
  if (!(t.utilisation < 1.0)) return t;  // unstable: no steady state to compare with
  if (exponential) {
    const queueing::MmcQueue m(lambda, 1.0 / mean_s, c);
    t.p_wait = m.p_wait();
    t.mean_wait_s = m.mean_wait();
    t.mean_sojourn_s = m.mean_sojourn();
    t.mean_in_system = m.mean_in_system();
    t.p50_s = m.sojourn_quantile(0.50);
    t.p90_s = m.sojourn_quantile(0.90);
    t.p99_s = m.sojourn_quantile(0.99);
  } else if (constant && c == 1) {
    t.p_wait = t.utilisation;
    t.mean_wait_s = queueing::mg1_mean_wait(lambda, mean_s, mean_s * mean_s);
    t.mean_sojourn_s = *t.mean_wait_s + mean_s;
    t.mean_in_system = lambda * *t.mean_sojourn_s;
  }
  return t;
}

namespace {

trace::SummaryFigures summary_figures(const QueueingScenario& s, const QueueingResult& r) {
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  const queueing::ServerFarmStats& st = r.stats;
  auto percentile = [&](double p) { return st.sojourn.empty() ? kNone : st.sojourn.percentile_time(p).seconds(); };
  auto theory = [&](const std::optional<double>& v) { return v.value_or(kNone); };
  trace::SummaryFigures f;
  f.texts = {{"name", s.name}, {"model", r.theory.model}, {"service", s.service_text}};
  f.numbers = {
      {"servers", s.farm.servers},
      {"arrival_rate", s.arrival_rate},
      {"warmup_s", s.run.warmup.seconds()},
      {"duration_s", s.run.duration.seconds()},
      {"requests", static_cast<double>(st.completions)},
      {"window_s", st.window_s},
      {"utilisation", st.mean_busy / s.farm.servers},
      {"p_wait", st.wait.empty() ? kNone : static_cast<double>(st.waited) / static_cast<double>(st.wait.count())},
      {"mean_wait_s", st.wait_s.mean()},
      {"mean_sojourn_s", st.sojourn_s.mean()},
      {"p50_s", percentile(50)},
      {"p90_s", percentile(90)},
      {"p99_s", percentile(99)},
      {"p999_s", percentile(99.9)},
      {"mean_in_system", st.mean_in_system},
      {"theory_utilisation", r.theory.utilisation},
      {"theory_p_wait", theory(r.theory.p_wait)},
      {"theory_mean_wait_s", theory(r.theory.mean_wait_s)},
      {"theory_mean_sojourn_s", theory(r.theory.mean_sojourn_s)},
      {"theory_p50_s", theory(r.theory.p50_s)},
      {"theory_p90_s", theory(r.theory.p90_s)},
      {"theory_p99_s", theory(r.theory.p99_s)},
      {"theory_mean_in_system", theory(r.theory.mean_in_system)},
  };
  return f;
}

}  // namespace

QueueingResult run_queueing_scenario(const QueueingScenario& s, const std::atomic<bool>* stop_flag,
                                     const std::string& trace_path, engine::RunProgress* progress) {
  engine::Simulator sim;
  const engine::RandomRoot random(s.run.seed);
  queueing::ServerFarm farm(sim, random, s.farm, s.name);
  std::unique_ptr<trace::QueueingTrace> out;
  if (!trace_path.empty()) {
    out = std::make_unique<trace::QueueingTrace>(
        trace_path, trace::RunIdentity{PODWIRE_VERSION, s.run.seed, s.file, s.resolved_text});
    out->attach(farm);
  }
  farm.start();
  QueueingResult r;
  // Slices keep a stop request responsive without a check per event. If the
  // model throws, the trace's destructor still closes the file, complete = false.
  const Time slice = std::max(Time::ms(1), s.run.duration / 1000);
  if (progress != nullptr) progress->duration_ps.store(s.run.duration.ps());
  while (sim.now() < s.run.duration) {
    if (stop_flag != nullptr && stop_flag->load(std::memory_order_relaxed)) {
      r.stopped = true;
      break;
    }
    sim.run_until(std::min(s.run.duration, sim.now() + slice));
    if (progress != nullptr) {
      progress->simulated_ps.store(sim.now().ps(), std::memory_order_relaxed);
      progress->events.store(sim.events_executed(), std::memory_order_relaxed);
    }
  }
  r.stats = farm.stats();
  r.theory = queueing_theory_for(s);
  r.events = sim.events_executed();
  r.simulated = sim.now();
  if (out) out->finish(summary_figures(s, r), r.events, r.simulated, !r.stopped);
  return r;
}

}  // namespace podwire::scenario
