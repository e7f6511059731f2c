#include "models/builder/queueing_run.hpp"

#include <algorithm>
#include <limits>
#include <memory>

#include "models/queueing/queueing_theory.hpp"
#include "models/trace/queueing_trace.hpp"

namespace podwire::builder {

using engine::Time;

QueueingTheory queueing_theory_for(const QueueingScenario& s) {
  QueueingTheory t;
  const engine::Distribution& service = s.farm.service;
  const double mean_s = service.mean();
  const int c = s.farm.servers;
  const double lambda = s.arrival_rate;
  t.utilisation = lambda * mean_s / c;
  const bool exponential = service.kind() == engine::Distribution::Kind::exponential;
  const bool constant = service.kind() == engine::Distribution::Kind::constant;
  t.model = std::string("M/") +
            (exponential ? "M"
             : constant  ? "D"
                         : "G") +
            "/" + std::to_string(c);
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

RunEstimate estimate_queueing_run(const QueueingScenario& s) {
  // default.yaml at 1,000,000/s, 2 s and 6 s: 3.98 M more jobs waiting, 147 MB
  // more peak memory, 37 B each (16 B a job in a ring that doubles as it
  // grows). The lower bound of a full ring is taken, so that a run is refused
  // only when it cannot fit.
  constexpr double kBytesPerWaitingJob = 32;
  // default.yaml, 20 s at 3,200/s: 128,009 events for 64,000 jobs.
  constexpr double kEventsPerJob = 2;
  RunEstimate e;
  e.queueing = true;
  e.waiting_each_bytes = kBytesPerWaitingJob;
  const double duration = s.run.duration.seconds();
  const double served_per_s = s.farm.servers / s.farm.service.mean();
  e.requests = s.arrival_rate * duration;
  e.service_requests = e.requests;
  e.waiting = std::max(0.0, s.arrival_rate - served_per_s) * duration;
  e.events = (e.requests - e.waiting) * kEventsPerJob + e.waiting;
  e.waiting_bytes = e.waiting * kBytesPerWaitingJob;
  return e;
}

namespace {

trace::SummaryFigures summary_figures(const QueueingScenario& s, const QueueingResult& r) {
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  const queueing::ServerFarmStats& st = r.stats;
  auto percentile = [&](double p) {
    return st.sojourn.empty() ? kNone : st.sojourn.percentile_time(p).seconds();
  };
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
      {"p_wait", st.wait.empty()
                     ? kNone
                     : static_cast<double>(st.waited) / static_cast<double>(st.wait.count())},
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

}  // namespace podwire::builder
