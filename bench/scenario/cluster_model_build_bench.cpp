// Building the whole simulation model at the Kubernetes scalability envelope
// (5,000 nodes on a leaf-spine fabric, 150,000 pods, 10,000 Services), from a
// scenario generated in code: the fabric and its routes, each node's cores
// and datapath, a namespace per pod, every Service programmed into the
// proxies' table, CoreDNS, and a server in every pod. Reports the build time
// and the peak resident memory; the bound is 30 s and 4 GiB.
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench/support/envelope.hpp"
#include "models/builder/cluster_model.hpp"

namespace {

using namespace podwire;

scenario::ClusterScenario envelope_scenario() {
  scenario::ClusterScenario s;
  s.file = "(generated envelope)";
  s.run.duration = engine::Time::s(1);
  scenario::NodeGroupSpec g;
  g.name = "node";
  g.count = bench::kNodes;
  g.cpus = 4;
  s.cluster.nodes.push_back(g);
  s.cluster.topology.kind = scenario::TopologySpec::Kind::leaf_spine;
  s.cluster.topology.nodes_per_rack = 40;
  s.cluster.topology.spines = 4;
  s.cluster.pod_cidr = kube::Cidr::parse("10.128.0.0/9");  // 5,000 node blocks of /24
  s.objects = bench::envelope_objects();
  for (const kube::Deployment& d : s.objects.deployments) {
    scenario::AppSpec a;
    a.namespace_ = d.meta.namespace_;
    a.workload = d.meta.name;
    a.concurrency = 4;
    a.service_time = engine::Distribution::exponential(1e-3);
    s.apps.push_back(std::move(a));
  }
  return s;
}

void BM_BuildEnvelopeModel(benchmark::State& state) {
  const scenario::ClusterScenario s = envelope_scenario();
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    builder::ClusterModel model(s);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(seconds);
    state.counters["build_s"] = seconds;
    state.counters["pods"] = static_cast<double>(model.pod_count());
    state.counters["nodes"] = static_cast<double>(model.fabric().nodes.size());
    benchmark::DoNotOptimize(model);
  }
  state.counters["peak_rss_MiB"] = bench::peak_rss_mib();
}
BENCHMARK(BM_BuildEnvelopeModel)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace
