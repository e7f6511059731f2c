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

#include "models/kube/cluster.hpp"

namespace {

using namespace podwire::kube;

constexpr int kNodes = 5000;
constexpr int kNamespaces = 2;
constexpr int kServicesPerNamespace = 5000;
constexpr int kReplicas = 15;

// Peak resident set (VmHWM) of this process in MiB; 0 when /proc is missing.
double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // the value is in kB
  }
  return 0;
}

// kNamespaces x kServicesPerNamespace Deployments of kReplicas pods, each with
// a ClusterIP Service selecting it through a named targetPort. Requests of
// 100m and 128 MiB put the 30 pods a node gets well within 4 CPUs and 16 GiB.
const ObjectSet& envelope_objects() {
  static const ObjectSet objects = [] {
    ObjectSet o;
    o.deployments.reserve(kNamespaces * kServicesPerNamespace);
    o.services.reserve(kNamespaces * kServicesPerNamespace);
    for (int n = 0; n < kNamespaces; ++n) {
      const std::string ns = "tenant-" + std::to_string(n);
      o.namespaces.push_back(Namespace{ObjectMeta{ns, "", {}, {}}, {}});
      for (int i = 0; i < kServicesPerNamespace; ++i) {
        const std::string app = "svc-" + std::to_string(i);
        Deployment d;
        d.meta.name = app;
        d.meta.namespace_ = ns;
        d.replicas = kReplicas;
        d.selector.match_labels = {{"app", app}};
        d.template_.metadata.labels = {{"app", app}, {"tier", i % 2 == 0 ? "frontend" : "backend"}};
        Container c;
        c.name = "server";
        c.image = "registry.example/server:1";
        c.ports = {ContainerPort{"http", 8080, Protocol::tcp, 0, {}}};
        c.cpu_request_millicores = 100;
        c.memory_request_bytes = std::int64_t{128} << 20;
        d.template_.spec.containers.push_back(std::move(c));
        o.deployments.push_back(std::move(d));

        Service s;
        s.meta.name = app;
        s.meta.namespace_ = ns;
        s.selector = Labels{{"app", app}};
        s.ports = {ServicePort{"http", Protocol::tcp, 80, PortRef{0, "http"}, 0, "", {}, {}}};
        o.services.push_back(std::move(s));
      }
    }
    return o;
  }();
  return objects;
}

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
    for (const ServiceState& s : cluster->services()) endpoints += s.ports.empty() ? 0 : s.ports[0].endpoints.size();
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
