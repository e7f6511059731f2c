// Building the control-plane state at the Kubernetes scalability envelope
// (5,000 nodes, 150,000 pods, 10,000 Services; at most 5,000 Services per
// namespace), and what one readiness change and one DNS lookup cost there.
// The objects are generated in code; only building the state is timed.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/support/envelope.hpp"
#include "models/kube/cluster.hpp"

namespace {

using namespace podwire::kube;

using podwire::bench::envelope_objects;
using podwire::bench::kNodes;
using podwire::bench::peak_rss_mib;

ClusterConfig envelope_config() {
  ClusterConfig c;
  c.nodes.reserve(kNodes);
  for (int i = 0; i < kNodes; ++i) {
    c.nodes.push_back(NodeConfig{"node-" + std::to_string(i), 4000, 16LL << 30, 110, {}});
  }
  // 5,000 /24 blocks do not fit the default 10.244.0.0/16 (256 of them).
  c.pod_cidr = Cidr::parse("10.128.0.0/9");
  return c;
}

void BM_BuildEnvelope(benchmark::State& state) {
  const ObjectSet& objects = envelope_objects();
  std::size_t pods = 0, endpoints = 0, problems_seen = 0;
  double seconds = 0;
  for (auto _ : state) {
    std::vector<Problem> problems;
    const auto start = std::chrono::steady_clock::now();
    auto cluster = std::make_unique<Cluster>(envelope_config(), objects, problems);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.PauseTiming();  // counting and freeing are not part of building
    pods = 0;
    endpoints = 0;
    for (const PodState& p : cluster->pods()) pods += p.node >= 0 ? 1 : 0;
    for (const ServiceState& s : cluster->services())
      endpoints += s.ports.empty() ? 0 : s.ports[0].endpoints.size();
    problems_seen = problems.size();
    cluster.reset();
    state.ResumeTiming();
  }
  state.counters["build_s"] = seconds;
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.counters["pods_placed"] = static_cast<double>(pods);
  state.counters["endpoints"] = static_cast<double>(endpoints);
  state.counters["problems"] = static_cast<double>(problems_seen);
}
BENCHMARK(BM_BuildEnvelope)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

Cluster& envelope_cluster() {
  static std::vector<Problem> problems;
  static Cluster cluster(envelope_config(), envelope_objects(), problems);
  return cluster;
}

// One pod leaves and rejoins its Service's endpoints: the cost churn pays per
// readiness change among 10,000 Services.
void BM_ReadinessFlip(benchmark::State& state) {
  Cluster& c = envelope_cluster();
  const int pod = *c.pod_index("tenant-1", c.pods().back().name);
  bool ready = true;
  for (auto _ : state) {
    ready = !ready;
    c.set_ready(pod, ready);
  }
  c.set_ready(pod, true);
}
BENCHMARK(BM_ReadinessFlip)->Unit(benchmark::kMicrosecond);

void BM_DnsLookupClusterIp(benchmark::State& state) {
  const Cluster& c = envelope_cluster();
  for (auto _ : state) benchmark::DoNotOptimize(c.lookup("svc-4321.tenant-1.svc.cluster.local"));
}
BENCHMARK(BM_DnsLookupClusterIp)->Unit(benchmark::kNanosecond);

}  // namespace
