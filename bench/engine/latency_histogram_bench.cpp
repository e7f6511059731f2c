// LatencyHistogram costs: record() of pre-drawn lognormal latencies (the per-packet
// cost), percentile() on a filled histogram (the export cost), merge() of two.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/latency_histogram.hpp"

namespace {

using podwire::engine::LatencyHistogram;

// Heavy-tailed latencies around 10 us in ps, drawn once so the loop times only
// the histogram. 64 Ki values: larger than L1 like a real trace, small enough
// to stay in cache next to the 57 KiB bucket array.
const std::vector<std::int64_t>& latencies() {
  static const std::vector<std::int64_t> table = [] {
    std::mt19937_64 rng(3);
    std::lognormal_distribution<double> d(std::log(1e7), 1.5);
    std::vector<std::int64_t> t(1 << 16);
    for (auto& v : t) v = std::llround(d(rng));
    return t;
  }();
  return table;
}

LatencyHistogram filled(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(std::log(1e7), 1.5);
  LatencyHistogram h;
  for (int i = 0; i < 1'000'000; ++i) h.record(std::llround(d(rng)));
  return h;
}

void BM_Record(benchmark::State& state) {
  const std::vector<std::int64_t>& values = latencies();
  const std::size_t mask = values.size() - 1;
  LatencyHistogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & mask]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record);

void BM_Percentile(benchmark::State& state) {
  const LatencyHistogram h = filled(4);
  const double p = static_cast<double>(state.range(0)) / 100.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.percentile(p));
  }
}
BENCHMARK(BM_Percentile)->Arg(5000)->Arg(9900)->Arg(9999);

void BM_Merge(benchmark::State& state) {
  const LatencyHistogram source = filled(5);
  LatencyHistogram target = filled(6);
  for (auto _ : state) {
    target.merge(source);
    benchmark::DoNotOptimize(target.count());
  }
}
BENCHMARK(BM_Merge);

}  // namespace
