// The cluster scenario format: values with units, defaults, manifests from
// files and inline, URLs, and every problem reported at once with its place.
#include "models/scenario/cluster_scenario.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/error_of.hpp"

namespace podwire::scenario {
namespace {

using engine::Time;

std::string errors_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_cluster_scenario(text, "s.yaml", overrides);
  } catch (const ScenarioError& e) {
    return e.diagnostics().to_string();
  }
  return "";
}

const char* kSeed = R"(
run: {seed: 7, duration: 10s, warmup: 1s}
cluster:
  nodes:
    - {name: worker, count: 3, cpus: 8, memory: 32GiB, nic: 10Gbps, labels: {zone: a}}
    - {name: edge, cpus: 2}
  cni: native
  node_port_range: 31000-31999
  dns: {replicas: 3, ndots: 2}
  datapath: {veth: 1us}
manifests:
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: my-app}
      spec:
        selector: {app: web-server}
        ports: [{port: 80, targetPort: 8080}]
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web-server, namespace: my-app}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web-server}}
        template:
          metadata: {labels: {app: web-server}}
          spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]}
apps:
  my-app/web-server:
    concurrency: 8
    service_time: {distribution: exponential, mean: 2ms}
    cpu_per_request: 50us
    calls:
      - parallel:
          - {url: "http://cart:7070/items", request_size: 100B, response_size: 2KiB}
          - {url: "redis.db:6379", count: 2}
traffic:
  - {name: users, url: "http://web.my-app/", rate: 200/s}
  - {from: my-app/client, url: "https://web", users: 4, think_time: 10ms, keep_alive: false}
)";

TEST(ClusterScenario, ReadsEverySectionWithUnits) {
  const ClusterScenario s = parse_cluster_scenario(kSeed, "s.yaml");
  EXPECT_EQ(s.run.seed, 7u);
  EXPECT_EQ(s.run.duration, Time::s(10));
  ASSERT_EQ(s.cluster.nodes.size(), 2u);
  EXPECT_EQ(s.cluster.nodes[0].count, 3);
  EXPECT_EQ(s.cluster.nodes[0].memory_bytes, std::int64_t{32} << 30);
  EXPECT_EQ(s.cluster.nodes[0].nic.bps(), 10'000'000'000);
  EXPECT_EQ(s.cluster.nodes[0].labels.at("zone"), "a");
  EXPECT_EQ(s.cluster.nodes[1].cpus, 2);
  EXPECT_EQ(s.cluster.nodes[1].max_pods, 110);  // kubelet default
  EXPECT_EQ(s.cluster.cni, "native");
  EXPECT_EQ(s.cluster.node_port_first, 31000);
  EXPECT_EQ(s.cluster.node_port_last, 31999);
  EXPECT_EQ(s.cluster.service_cidr.to_string(), "10.96.0.0/12");  // kubeadm default
  EXPECT_EQ(s.cluster.dns.replicas, 3);
  EXPECT_EQ(s.cluster.dns.ndots, 2);
  EXPECT_EQ(s.cluster.datapath.veth, Time::us(1));
  EXPECT_EQ(s.objects.services.size(), 1u);
  EXPECT_EQ(s.objects.deployments.size(), 1u);
  ASSERT_EQ(s.apps.size(), 1u);
  const AppSpec& a = s.apps[0];
  EXPECT_EQ(a.namespace_, "my-app");
  EXPECT_EQ(a.workload, "web-server");
  EXPECT_EQ(a.concurrency, 8);
  EXPECT_DOUBLE_EQ(a.service_time.mean(), 0.002);
  EXPECT_EQ(a.cpu_per_request, Time::us(50));
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_TRUE(a.calls[0].parallel);
  ASSERT_EQ(a.calls[0].calls.size(), 2u);
  EXPECT_EQ(a.calls[0].calls[0].target.host, "cart");
  EXPECT_EQ(a.calls[0].calls[0].target.port, 7070);
  EXPECT_EQ(a.calls[0].calls[0].target.path, "/items");
  EXPECT_EQ(a.calls[0].calls[0].response_bytes.count(), 2048);
  EXPECT_EQ(a.calls[0].calls[1].target.host, "redis.db");
  EXPECT_FALSE(a.calls[0].calls[1].count.drawn());
  EXPECT_EQ(a.calls[0].calls[1].count.a, 2);
  ASSERT_EQ(s.traffic.size(), 2u);
  EXPECT_EQ(s.traffic[0].from, TrafficSpec::From::outside);
  EXPECT_TRUE(s.traffic[0].open_loop);
  EXPECT_DOUBLE_EQ(s.traffic[0].interarrival.mean(), 1.0 / 200);
  EXPECT_EQ(s.traffic[1].from, TrafficSpec::From::pod);
  EXPECT_EQ(s.traffic[1].from_namespace, "my-app");
  EXPECT_EQ(s.traffic[1].target.port, 443);
  EXPECT_FALSE(s.traffic[1].open_loop);
  EXPECT_EQ(s.traffic[1].users, 4);
  EXPECT_FALSE(s.traffic[1].keep_alive);
}

TEST(ClusterScenario, OverridesReachNestedFields) {
  const ClusterScenario s = parse_cluster_scenario(
      kSeed, "s.yaml", {"cluster.cni=vxlan", "cluster.nodes=[{name: big, cpus: 64}]"});
  EXPECT_EQ(s.cluster.cni, "vxlan");
  ASSERT_EQ(s.cluster.nodes.size(), 1u);
  EXPECT_EQ(s.cluster.nodes[0].cpus, 64);
  const ClusterScenario t = parse_cluster_scenario(
      kSeed, "s.yaml", {"traffic[1].keep_alive=true", "traffic[0].rate=50/s"});
  EXPECT_TRUE(t.traffic[1].keep_alive);
  EXPECT_DOUBLE_EQ(t.traffic[0].rate_per_s, 50);
  EXPECT_NE(errors_of(kSeed, {"traffic[7].rate=1/s"}).find("'traffic' has no item 7 (it has 2)"),
            std::string::npos);
  EXPECT_NE(errors_of(kSeed, {"traffic[x].rate=1/s"}).find("a list index is a number in brackets"),
            std::string::npos);
  const std::string e = errors_of(kSeed, {"cluster.dns.replicas=zero"});
  EXPECT_NE(e.find("--set cluster.dns.replicas"), std::string::npos) << e;
}

TEST(ClusterScenario, ReportsEveryProblemAtOnceWithItsPlace) {
  const std::string text = R"(cluster:
  nodes:
    - {name: w, cpus: four, nic: 10}
  cni: flannel
  node_port_range: 40000-30000
apps:
  web: {concurrency: 0, sevice_time: 1ms}
traffic:
  - {url: "ftp://x", rate: 10/s}
  - {url: "http://web:99999/"}
)";
  const std::string e = errors_of(text);
  EXPECT_NE(e.find("s.yaml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("cluster.nodes[0].cpus"), std::string::npos) << e;
  EXPECT_NE(e.find("cluster.nodes[0].nic"), std::string::npos) << e;
  EXPECT_NE(e.find("s.yaml:4:8: error: cluster.cni: expected vxlan or native, got 'flannel'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("cluster.node_port_range: expected FIRST-LAST"), std::string::npos) << e;
  EXPECT_NE(e.find("apps.web.concurrency"), std::string::npos) << e;
  EXPECT_NE(e.find("sevice_time"), std::string::npos) << e;  // unknown field warned
  EXPECT_NE(
      e.find("traffic[0].url: 'ftp://x': only http://, https:// and udp:// URLs are understood"),
      std::string::npos)
      << e;
  EXPECT_NE(
      e.find("traffic[1].url: 'http://web:99999/': the port must be a number from 1 to 65535"),
      std::string::npos)
      << e;
  EXPECT_NE(e.find("traffic[1]: expected either rate: (open loop) or users: (closed loop)"),
            std::string::npos)
      << e;
}

// What a kube-proxy release does not have is an error at the field, and a
// syncPeriod that the release does not resync on says so.
TEST(ClusterScenario, TheProxyReleaseDecidesWhatItsSettingsMean) {
  const std::string base = std::string(kSeed).substr(0, std::string(kSeed).find("manifests:"));
  const std::string rest = std::string(kSeed).substr(std::string(kSeed).find("manifests:"));
  const auto with = [&](const std::string& proxy) { return base + proxy + rest; };
  EXPECT_NE(errors_of(with("  proxy: {mode: nftables, version: 1.28}\n"))
                .find("cluster.proxy.version: kube-proxy 1.28 has no nftables mode (it came with "
                      "1.29)"),
            std::string::npos);
  EXPECT_EQ(errors_of(with("  proxy: {mode: nftables, version: 1.29}\n")), "");
  const auto warnings = [&](const std::string& proxy) {
    return parse_cluster_scenario(with(proxy), "s.yaml", {}).diagnostics.to_string();
  };
  EXPECT_NE(warnings("  proxy: {mode: iptables, sync: {sync_period: 10s}}\n")
                .find("warning: cluster.proxy.sync.sync_period: kube-proxy 1.36 in iptables mode "
                      "restores in full once an hour"),
            std::string::npos);
  EXPECT_EQ(warnings("  proxy: {mode: iptables, version: 1.16, sync: {sync_period: 10s}}\n"), "");
  EXPECT_EQ(warnings("  proxy: {mode: ipvs, sync: {sync_period: 10s}}\n"), "");
  const ClusterScenario old = parse_cluster_scenario(
      with("  proxy: {mode: iptables, version: 1.16, sync: {sync_period: 10s}}\n"), "s.yaml", {});
  EXPECT_EQ(old.cluster.proxy.sync_config().resync_interval, Time::s(10));
  const ClusterScenario now =
      parse_cluster_scenario(with("  proxy: {mode: iptables}\n"), "s.yaml", {});
  EXPECT_EQ(now.cluster.proxy.sync_config().resync_interval, Time::s(3600));
}

// kube-proxy and Cilium look at the kernel: IPVS's conn_reuse_mode is set
// to 0 before 5.9, nftables mode refuses to start before 5.13, and Cilium
// routes in BPF only from 5.10.
TEST(ClusterScenario, TheNodesKernelDecidesWhatTheProxiesSetUp) {
  const std::string base = std::string(kSeed).substr(0, std::string(kSeed).find("manifests:"));
  const std::string rest = std::string(kSeed).substr(std::string(kSeed).find("manifests:"));
  const auto with = [&](const std::string& lines) { return base + lines + rest; };
  const auto parsed = [&](const std::string& lines) {
    return parse_cluster_scenario(with(lines), "s.yaml", {});
  };
  const ClusterScenario current = parsed("");
  EXPECT_EQ(current.cluster.kernel.to_string(), "6.1");
  EXPECT_EQ(current.cluster.proxy.config.ipvs_table.conn_reuse_mode, 1);
  EXPECT_TRUE(current.cluster.proxy.config.ebpf_host_routing);
  const ClusterScenario old = parsed("  kernel: 5.4.0-150-generic\n");
  EXPECT_EQ(old.cluster.kernel.to_string(), "5.4");
  EXPECT_EQ(old.cluster.proxy.config.ipvs_table.conn_reuse_mode, 0);
  EXPECT_FALSE(old.cluster.proxy.config.ebpf_host_routing);
  // What the scenario says itself stands.
  EXPECT_EQ(parsed("  kernel: '5.4'\n  proxy: {ipvs_conn_reuse_mode: 1}\n")
                .cluster.proxy.config.ipvs_table.conn_reuse_mode,
            1);
  EXPECT_EQ(parsed("  kernel: '5.9'\n").cluster.proxy.config.ipvs_table.conn_reuse_mode, 1);
  EXPECT_NE(errors_of(with("  kernel: '5.10'\n  proxy: {mode: nftables}\n"))
                .find("cluster.kernel: kube-proxy in nftables mode requires kernel 5.13 or later; "
                      "the nodes run 5.10"),
            std::string::npos);
  EXPECT_EQ(errors_of(with("  kernel: '5.13'\n  proxy: {mode: nftables}\n")), "");
  EXPECT_NE(errors_of(with("  kernel: '5.4'\n  proxy: {mode: ebpf, ebpf_host_routing: true}\n"))
                .find("cluster.proxy.ebpf_host_routing: BPF host routing needs kernel 5.10"),
            std::string::npos);
  EXPECT_NE(errors_of(with("  kernel: five\n"))
                .find("cluster.kernel: expected a Linux release such as '5.10' or "
                      "'6.1.0-18-amd64', got 'five'"),
            std::string::npos);
  EXPECT_NE(errors_of(with("  kernel: '5'\n")).find("cluster.kernel: expected"), std::string::npos);
}

TEST(ClusterScenario, FillerEndpointsAreBoundedAsAProduct) {
  const std::string base = std::string(kSeed).substr(0, std::string(kSeed).find("manifests:"));
  const std::string rest = std::string(kSeed).substr(std::string(kSeed).find("manifests:"));
  const auto with = [&](const std::string& proxy) { return base + proxy + rest; };
  // Each factor within its range; 10,000,000 in all is the most.
  EXPECT_EQ(errors_of(with("  proxy: {filler_services: 1000000, endpoints_per_service: 10}\n")),
            "");
  EXPECT_EQ(errors_of(with("  proxy: {filler_services: 1000, endpoints_per_service: 10000}\n")),
            "");
  EXPECT_EQ(errors_of(with("  proxy: {filler_services: 1000000, endpoints_per_service: 11}\n")),
            "s.yaml:11:60: error: cluster.proxy.endpoints_per_service: filler_services x "
            "endpoints_per_service is 11000000 endpoints, more than 10000000 (about 66 times the "
            "150,000 pods Kubernetes supports in a cluster)\n");
  // Told at the override that made it so.
  EXPECT_NE(errors_of(with("  proxy: {filler_services: 2000}\n"),
                      {"cluster.proxy.endpoints_per_service=5001"})
                .find("--set cluster.proxy.endpoints_per_service: error: "
                      "cluster.proxy.endpoints_per_service: filler_services x "
                      "endpoints_per_service is 10002000 endpoints"),
            std::string::npos);
}

TEST(ClusterScenario, AMissingClusterOrManifestIsAnError) {
  EXPECT_NE(errors_of("run: {duration: 1s}\n").find("cluster: missing"), std::string::npos);
  const std::string e =
      errors_of("cluster: {nodes: [{name: a}]}\nmanifests: [does-not-exist.yaml]\n");
  EXPECT_NE(e.find("does-not-exist.yaml"), std::string::npos) << e;
}

TEST(ClusterScenario, ManifestProblemsAreReportedWithTheScenarioErrors) {
  const std::string text = R"(cluster: {nodes: [{name: a}]}
manifests:
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec: {ports: [{port: 99999}]}
)";
  const std::string e = errors_of(text);
  EXPECT_NE(e.find("spec.ports[0].port"), std::string::npos) << e;
}

TEST(ClusterScenario, ProgramsAndCpusComeFromTheirProfilesUnlessGiven) {
  const ClusterScenario d = parse_cluster_scenario(kSeed, "s.yaml");
  // Defaults: nginx serves (its CPU overridden here), fortio sends, reference cores.
  EXPECT_EQ(d.apps[0].program, "nginx");
  EXPECT_EQ(d.apps[0].cpu_per_request, Time::us(50));
  EXPECT_EQ(d.apps[0].threads, 0);
  EXPECT_EQ(d.traffic[0].program, "fortio");
  EXPECT_EQ(d.traffic[0].threads, 4);
  EXPECT_EQ(d.cluster.nodes[0].cpu_speed, 1.0);
  const ClusterScenario s = parse_cluster_scenario(
      kSeed, "s.yaml",
      {"traffic[0].client=ab", "traffic[1].client.program=wrk", "traffic[1].client.threads=8",
       "apps.my-app/web-server.program=envoy", "cluster.nodes[0].cpu=xeon-e5-2699-v3",
       "cluster.nodes[1].cpu_speed=2", "cluster.host.close=20us"});
  EXPECT_EQ(s.traffic[0].program, "ab");
  EXPECT_EQ(s.traffic[0].threads, 1);
  EXPECT_FALSE(s.traffic[0].keep_alive);  // ab's, as the entry does not say
  EXPECT_EQ(s.traffic[1].threads, 8);
  EXPECT_FALSE(s.traffic[1].keep_alive);  // the entry says so
  EXPECT_EQ(s.apps[0].program, "envoy");
  EXPECT_EQ(s.apps[0].cpu_per_request, Time::us(50));  // given beside the program
  EXPECT_EQ(s.apps[0].threads, 2);
  EXPECT_NEAR(s.cluster.nodes[0].cpu_speed, 1 / 1.4, 1e-12);
  EXPECT_EQ(s.cluster.nodes[1].cpu_speed, 2.0);
  EXPECT_EQ(s.cluster.host.close, Time::us(20));
}

TEST(ClusterScenario, AnUnknownProgramOrCpuIsAnErrorListingTheKnownOnes) {
  EXPECT_NE(
      errors_of(kSeed, {"traffic[0].client=jmeter"})
          .find(
              "traffic[0].client: expected netperf, wrk, ab, fortio, nginx or envoy, got 'jmeter'"),
      std::string::npos);
  EXPECT_NE(errors_of(kSeed, {"cluster.nodes[0].cpu=m1"})
                .find("cluster.nodes[0].cpu: expected ryzen-9-3950x, xeon-e5-2699-v3 or "
                      "xeon-8375c, got 'm1'"),
            std::string::npos);
}

TEST(Url, ParsesSchemesPortsAndPaths) {
  std::string error;
  auto u = Url::parse("http://web.my-app.svc.cluster.local:8080/a/b", &error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "web.my-app.svc.cluster.local");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/a/b");
  EXPECT_EQ(Url::parse("https://shop.example.com", &error)->port, 443);
  EXPECT_EQ(Url::parse("10.96.0.10:53", &error)->port, 53);
  EXPECT_FALSE(Url::parse("http://:80/", &error));
  EXPECT_EQ(error, "'http://:80/': no host name");
}

}  // namespace
}  // namespace podwire::scenario
