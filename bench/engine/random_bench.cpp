// Costs of one random draw: the raw generator, the uniform and exponential
// helpers of RandomStream, and Distribution::sample for the kinds models use.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/random_stream.hpp"

namespace {

using podwire::engine::Distribution;
using podwire::engine::RandomRoot;
using podwire::engine::RandomStream;

RandomStream bench_stream() { return RandomRoot(1).stream("bench"); }

void BM_NextU64(benchmark::State& state) {
  RandomStream s = bench_stream();
  for (auto _ : state) benchmark::DoNotOptimize(s.next_u64());
}
BENCHMARK(BM_NextU64);

void BM_Uniform01(benchmark::State& state) {
  RandomStream s = bench_stream();
  for (auto _ : state) benchmark::DoNotOptimize(s.uniform01());
}
BENCHMARK(BM_Uniform01);

// A range that is not a power of two, as when choosing among 7 destinations.
void BM_UniformInt(benchmark::State& state) {
  RandomStream s = bench_stream();
  for (auto _ : state) benchmark::DoNotOptimize(s.uniform_int(7));
}
BENCHMARK(BM_UniformInt);

void BM_Exponential(benchmark::State& state) {
  RandomStream s = bench_stream();
  for (auto _ : state) benchmark::DoNotOptimize(s.exponential(1e-3));
}
BENCHMARK(BM_Exponential);

void BM_StandardNormal(benchmark::State& state) {
  RandomStream s = bench_stream();
  for (auto _ : state) benchmark::DoNotOptimize(s.standard_normal());
}
BENCHMARK(BM_StandardNormal);

void sample_loop(benchmark::State& state, const Distribution& d) {
  RandomStream s = bench_stream();
  for (auto _ : state) benchmark::DoNotOptimize(d.sample(s));
}

void BM_SampleConstant(benchmark::State& state) {
  sample_loop(state, Distribution::constant(1e-3));
}
BENCHMARK(BM_SampleConstant);

void BM_SampleExponential(benchmark::State& state) {
  sample_loop(state, Distribution::exponential(1e-3));
}
BENCHMARK(BM_SampleExponential);

void BM_SampleLognormal(benchmark::State& state) {
  sample_loop(state, Distribution::lognormal_from_mean_stddev(1e-3, 2e-3));
}
BENCHMARK(BM_SampleLognormal);

void BM_SampleBoundedPareto(benchmark::State& state) {
  sample_loop(state, Distribution::bounded_pareto(1.2, 1e-6, 1e-1));
}
BENCHMARK(BM_SampleBoundedPareto);

// A 100-point table of a skewed CDF, the size of a measured latency profile.
void BM_SampleEmpirical100(benchmark::State& state) {
  std::vector<std::pair<double, double>> points;
  for (int k = 0; k < 100; ++k) {
    const double q = k / 99.0;
    points.emplace_back(1e-6 * (1 + 100 * q * q * q), q);
  }
  sample_loop(state, Distribution::empirical(std::move(points)));
}
BENCHMARK(BM_SampleEmpirical100);

}  // namespace
