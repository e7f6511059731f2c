// Placement rules and hostNetwork pods, built and run: hostNetwork pods live
// in their node's namespace, so a client's Service traffic leaves through the
// host's OUTPUT path with the node's address, and a server's EndpointSlice
// lists its node's address; the shipped placement scenario, which
// docs/cluster.md shows, places its pods as its rules say.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "models/builder/cluster_model.hpp"
#include "tests/support/my_app_manifests.hpp"

namespace podwire::builder {
namespace {

const std::string kCluster = R"(
run: {seed: 3, duration: 2s, warmup: 500ms}
cluster:
  nodes: [{name: worker, count: 3, cpus: 4}]
apps:
  my-app/web-server: {concurrency: 4, service_time: 1ms}
traffic:
  - {name: c, from: my-app/client, url: "http://web/", rate: 200/s, keep_alive: false}
)";

std::string with_host_network(const std::string& workload_spec) {
  std::string m = test_support::kMyAppManifests;
  const std::size_t at = m.find(workload_spec);
  EXPECT_NE(at, std::string::npos);
  m.replace(at, 7, "spec: {hostNetwork: true, ");
  return m;
}

struct Seen {
  std::set<net::Address> client_sources;  // the client end's own address
  std::set<net::Address> server_peers;    // whom the servers saw
  std::set<std::uint32_t> server_endpoints;
};

Seen run_and_watch(ClusterModel& m, std::uint32_t client_endpoint) {
  Seen seen;
  struct Ctx {
    Seen* seen;
    std::uint32_t client;
  } ctx{&seen, client_endpoint};
  m.connection_ended.connect(
      [](void* c, std::uint32_t endpoint, const net::TcpConnection& conn) {
        auto& x = *static_cast<Ctx*>(c);
        if (conn.flow().dst_port == 53 || conn.flow().src_port == 53) return;
        if (endpoint == x.client) {
          x.seen->client_sources.insert(conn.flow().src);
        } else if (conn.flow().src_port == 8080) {
          x.seen->server_peers.insert(conn.flow().dst);
          x.seen->server_endpoints.insert(endpoint);
        }
      },
      &ctx);
  const ClusterRunResult r = m.run();
  EXPECT_GT(r.traffic.at(0).ok, 200u);
  EXPECT_EQ(r.traffic.at(0).failed, 0u);
  return seen;
}

TEST(HostNetwork, AClientsServiceTrafficLeavesWithItsNodesAddress) {
  // ClusterFirstWithHostNet, as hostNetwork pods that use Service names say.
  std::string text =
      kCluster + with_host_network("spec: {containers: [{name: curl, image: curl}]}");
  text.replace(text.find("{hostNetwork: true, "), 20,
               "{hostNetwork: true, dnsPolicy: ClusterFirstWithHostNet, ");
  const ClusterScenario s = scenario::parse_cluster_scenario(text, "test.yaml", {});
  ClusterModel m(s);
  const kube::Cluster& c = m.cluster();
  const kube::PodState& client =
      c.pods()[static_cast<std::size_t>(c.pods_of("my-app", "client").at(0))];
  const net::Host& node = *m.fabric().nodes[static_cast<std::size_t>(client.node)].host;
  EXPECT_EQ(client.ip, node.address());
  const std::uint64_t from_host_before =
      m.datapath(static_cast<std::size_t>(client.node)).counters().from_host;
  const Seen seen = run_and_watch(m, node.id());
  EXPECT_EQ(seen.client_sources, std::set<net::Address>{node.address()});
  // Every server saw the client's node, never a pod address.
  EXPECT_EQ(seen.server_peers, std::set<net::Address>{node.address()});
  // Its packets entered the kernel from the node's own sockets (OUTPUT).
  EXPECT_GT(m.datapath(static_cast<std::size_t>(client.node)).counters().from_host,
            from_host_before + 200);
}

// Without it, kubelet gives a hostNetwork pod its node's resolv.conf: the
// resolver outside the cluster answers 'web' with an address out there, so
// no request reaches the Service; validation says why.
TEST(HostNetwork, ClusterFirstOnTheHostNetworkIsTheNodesResolverAndAWarningSaysSo) {
  const std::string text =
      kCluster + with_host_network("spec: {containers: [{name: curl, image: curl}]}");
  const ClusterScenario s = scenario::parse_cluster_scenario(text, "test.yaml", {});
  ClusterModel m(s);
  std::string notices;
  for (const std::string& n : m.notices()) notices += n + "\n";
  EXPECT_NE(notices.find("traffic[0].url: pod client-"), std::string::npos) << notices;
  EXPECT_NE(notices.find("it is a hostNetwork pod with dnsPolicy ClusterFirst, which kubelet "
                         "treats as Default"),
            std::string::npos)
      << notices;
  EXPECT_NE(notices.find("set dnsPolicy: ClusterFirstWithHostNet"), std::string::npos) << notices;
  const ClusterRunResult r = m.run();
  EXPECT_GT(r.traffic.at(0).sent, 200u);
  EXPECT_EQ(r.traffic.at(0).ok, 0u);
  // One lookup per request, answered from outside after one round trip, and
  // never a query to CoreDNS.
  EXPECT_EQ(r.dns.queries, 0u);
  EXPECT_GE(r.dns_lookups, r.traffic.at(0).sent);
}

TEST(HostNetwork, AServersEndpointsAreItsNodesAddresses) {
  const std::string text =
      kCluster + with_host_network("spec: {containers: [{name: web, image: nginx");
  const ClusterScenario s = scenario::parse_cluster_scenario(text, "test.yaml", {});
  ClusterModel m(s);
  const kube::Cluster& c = m.cluster();
  std::set<net::Address> node_addresses;
  std::set<std::uint32_t> node_ids;
  for (const FabricNode& n : m.fabric().nodes) {
    node_addresses.insert(n.host->address());
    node_ids.insert(n.host->id());
  }
  const kube::ServiceState& web =
      c.services()[static_cast<std::size_t>(*c.service_index("my-app", "web"))];
  std::set<net::Address> endpoints;
  for (const kube::EndpointState& e : web.ports.at(0).endpoints) endpoints.insert(e.ip);
  EXPECT_EQ(endpoints, node_addresses);  // three replicas, one per node (port 8080)
  const Seen seen = run_and_watch(m, 0xFFFFFFFF);
  ASSERT_FALSE(seen.server_endpoints.empty());
  for (std::uint32_t id : seen.server_endpoints) EXPECT_TRUE(node_ids.count(id)) << id;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Placement, TheDocumentedScenarioIsTheShippedOneAndPlacesAsItsRulesSay) {
  const std::string root = PODWIRE_SOURCE_DIR;
  const std::string scenario = read(root + "/scenarios/placement.yaml");
  // docs/cluster.md shows it whole, in the yaml block after its name.
  const std::string doc = read(root + "/docs/cluster.md");
  const std::size_t named = doc.find("`scenarios/placement.yaml`");
  ASSERT_NE(named, std::string::npos);
  const std::size_t open = doc.find("```yaml\n", named);
  ASSERT_NE(open, std::string::npos);
  const std::size_t close = doc.find("```", open + 8);
  EXPECT_EQ(doc.substr(open + 8, close - open - 8), scenario);

  const ClusterScenario s =
      scenario::parse_cluster_scenario(scenario, "placement.yaml", {"run.duration=2s"});
  ClusterModel m(s);
  const kube::Cluster& c = m.cluster();
  const auto node_of = [&](const std::string& workload) {
    std::vector<int> out;
    for (int i : c.pods_of("bench", workload))
      out.push_back(c.pods()[static_cast<std::size_t>(i)].node);
    return out;
  };
  const int worker0 = *c.node_index("worker-0");
  EXPECT_EQ(node_of("loadgen"), std::vector<int>{worker0});
  EXPECT_EQ(node_of("probe"), std::vector<int>{worker0});
  const std::vector<int> servers = node_of("server");
  EXPECT_EQ(servers.size(), 3u);
  EXPECT_EQ(std::set<int>(servers.begin(), servers.end()).size(), 3u);  // one per node
  for (int n : servers) EXPECT_NE(n, worker0);
  const net::Host& host = *m.fabric().nodes[static_cast<std::size_t>(worker0)].host;
  const Seen seen = run_and_watch(m, host.id());
  EXPECT_EQ(seen.client_sources, std::set<net::Address>{host.address()});  // the probe
  EXPECT_EQ(seen.server_peers.count(host.address()), 1u);
}

}  // namespace
}  // namespace podwire::builder
