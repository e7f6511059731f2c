// The cluster's control-plane state (kube::Cluster) against hand-worked
// expectations: host-local addresses per node block, the scheduler's filters,
// spreading and determinism, names as the controllers make them, explicit and
// conflicting Service addresses, named targetPorts that differ per template,
// selector-less Services, DNS answers that follow readiness, and the Online
// Boutique manifests' target ports. Complements cluster_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "models/kube/cluster.hpp"
#include "models/kube/manifest_loader.hpp"
#include "models/net/host.hpp"
#include "tests/support/cluster_objects.hpp"

namespace podwire::kube {
namespace {

using net::format_address;
using net::parse_address;

const std::string kSuffix = "[bcdfghjklmnpqrstvwxz2456789]";

using test_support::nodes;
using test_support::objects_of;

const PodState& pod(const Cluster& c, const std::string& ns, const std::string& name) {
  const auto i = c.pod_index(ns, name);
  EXPECT_TRUE(i.has_value()) << ns << "/" << name;
  return c.pods()[static_cast<std::size_t>(i.value_or(0))];
}

const ServiceState& service(const Cluster& c, const std::string& ns, const std::string& name) {
  const auto i = c.service_index(ns, name);
  EXPECT_TRUE(i.has_value()) << ns << "/" << name;
  return c.services()[static_cast<std::size_t>(i.value_or(0))];
}

std::string deployment(const std::string& name, int replicas, const std::string& spec_extra = "",
                       const std::string& container_extra = "") {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name +
         "}\nspec:\n  replicas: " + std::to_string(replicas) +
         "\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n" +
         "    metadata: {labels: {app: " + name + "}}\n    spec:\n" + spec_extra +
         "      containers: [{name: c, image: x" + container_extra + "}]\n";
}

TEST(ClusterState, EachNodeHandsOutItsOwnBlockFromDotTwoUpwards) {
  const ObjectSet o = objects_of(deployment("web", 7));
  std::vector<Problem> problems;
  const Cluster c(nodes(3), o, problems);
  ASSERT_TRUE(problems.empty());
  // Node i owns 10.244.i.0/24; host-local gives .2, .3, ... in order (.1 is the bridge).
  std::map<int, std::vector<net::Address>> by_node;
  for (const PodState& p : c.pods()) by_node[p.node].push_back(p.ip);
  ASSERT_EQ(by_node.size(), 3u);
  int total = 0;
  for (auto& [node, ips] : by_node) {
    std::sort(ips.begin(), ips.end());
    for (std::size_t k = 0; k < ips.size(); ++k) {
      EXPECT_EQ(format_address(ips[k]),
                "10.244." + std::to_string(node) + "." + std::to_string(k + 2));
    }
    EXPECT_EQ(c.nodes()[static_cast<std::size_t>(node)].pod_ips.in_use(), ips.size());
    total += static_cast<int>(ips.size());
  }
  EXPECT_EQ(total, 9);  // 7 + the 2 CoreDNS pods added
  // Node addresses: node i is the (i+1)-th address of 10.0.0.0/16.
  EXPECT_EQ(format_address(c.nodes()[2].address), "10.0.0.3");
}

TEST(ClusterState, TheHundredAndEleventhPodOnAHundredAndTenPodNodeIsUnschedulable) {
  // 108 + 2 CoreDNS fill the node's 110; one more does not fit.
  const ObjectSet o = objects_of(deployment("fill", 109));
  std::vector<Problem> problems;
  Cluster c(nodes(1), o, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Problem::Severity::error);
  EXPECT_EQ(problems[0].source.file, "test.yaml");
  EXPECT_EQ(problems[0].source.line, 1);  // the Deployment
  EXPECT_NE(problems[0].message.find("1 of 109 pods"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].message.find("max pods"), std::string::npos) << problems[0].message;
  EXPECT_EQ(c.nodes()[0].pods, 110);
  int unplaced = -1;
  for (const PodState& p : c.pods()) {
    if (p.node < 0) {
      EXPECT_EQ(p.ip, 0u);
      EXPECT_FALSE(p.ready);
      unplaced = c.pod_index(p.namespace_, p.name).value_or(-1);
    }
  }
  ASSERT_GE(unplaced, 0);
  // Deleting a scheduled pod returns its address to the node's pool.
  const std::vector<int> fill = c.pods_of("default", "fill");
  const int first = fill[0] == unplaced ? fill[1] : fill[0];
  const net::Address ip = c.pods()[static_cast<std::size_t>(first)].ip;
  EXPECT_TRUE(c.nodes()[0].pod_ips.allocated(ip));
  c.delete_pod(first);
  EXPECT_FALSE(c.nodes()[0].pod_ips.allocated(ip));
  EXPECT_EQ(c.nodes()[0].pods, 109);
  EXPECT_EQ(c.nodes()[0].pod_ips.in_use(), 109u);
}

TEST(ClusterState, ReplicasWithoutRequestsSpreadEvenlyAndDeterministically) {
  const ObjectSet o = objects_of(deployment("web", 6));
  std::vector<Problem> p1, p2, p3;
  ClusterConfig cfg = nodes(3);
  cfg.dns_replicas = 0;  // only the Deployment's pods
  const Cluster a(cfg, o, p1);
  const Cluster b(cfg, o, p2);
  cfg.seed = 2;
  const Cluster other(cfg, o, p3);
  std::map<int, int> per_node;
  ASSERT_EQ(a.pods().size(), 6u);
  for (std::size_t i = 0; i < a.pods().size(); ++i) {
    ++per_node[a.pods()[i].node];
    EXPECT_EQ(a.pods()[i].name, b.pods()[i].name);  // same seed, same names and places
    EXPECT_EQ(a.pods()[i].node, b.pods()[i].node);
    EXPECT_EQ(a.pods()[i].ip, b.pods()[i].ip);
    EXPECT_NE(a.pods()[i].name, other.pods()[i].name);  // another seed draws other suffixes
  }
  EXPECT_EQ(per_node, (std::map<int, int>{{0, 2}, {1, 2}, {2, 2}}));
}

TEST(ClusterState, RequestsThatFitOnlyTheBigNodeGoThere) {
  // 2.5 CPUs each: a 4-CPU node holds one, the 16-CPU node six; spreading
  // would prefer the small nodes, fitting forbids more than one there.
  const ObjectSet o =
      objects_of(deployment("batch", 3, "", ", resources: {requests: {cpu: 2500m}}"));
  ClusterConfig cfg = nodes(3);
  cfg.dns_replicas = 0;
  cfg.nodes[0].cpu_millicores = 2000;
  cfg.nodes[1].cpu_millicores = 2000;
  cfg.nodes[2].cpu_millicores = 16000;
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  EXPECT_TRUE(problems.empty());
  for (const PodState& p : c.pods()) EXPECT_EQ(p.node, 2) << p.name;
  EXPECT_EQ(c.nodes()[2].cpu_requested, 7500);
}

TEST(ClusterState, NodeSelectorsRestrictPlacementAndNoMatchingNodeIsReported) {
  const ObjectSet o =
      objects_of(deployment("fast", 4, "      nodeSelector: {disktype: ssd}\n") + "---\n" +
                 deployment("gpu", 2, "      nodeSelector: {accelerator: a100}\n"));
  ClusterConfig cfg = nodes(3);
  cfg.nodes[1].labels = {{"disktype", "ssd"}};
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  for (int i : c.pods_of("default", "fast"))
    EXPECT_EQ(c.pods()[static_cast<std::size_t>(i)].node, 1);
  ASSERT_EQ(problems.size(), 1u);  // one per workload, not per pod
  EXPECT_NE(problems[0].message.find("Deployment default/gpu: 2 of 2 pods"), std::string::npos)
      << problems[0].message;
  EXPECT_NE(problems[0].message.find("3 didn't match Pod's node affinity/selector"),
            std::string::npos)
      << problems[0].message;
  for (int i : c.pods_of("default", "gpu"))
    EXPECT_EQ(c.pods()[static_cast<std::size_t>(i)].node, -1);
}

TEST(ClusterState, DaemonSetsPutOnePodOnEveryEligibleNode) {
  const ObjectSet o = objects_of(R"(
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: x}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: gpu-plugin, namespace: kube-system}
spec:
  selector: {matchLabels: {app: gpu-plugin}}
  template:
    metadata: {labels: {app: gpu-plugin}}
    spec: {nodeSelector: {accelerator: a100}, containers: [{name: a, image: x}]}
)");
  ClusterConfig cfg = nodes(4);
  cfg.nodes[0].labels = {{"accelerator", "a100"}};
  cfg.nodes[3].labels = {{"accelerator", "a100"}};
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  EXPECT_TRUE(problems.empty());
  std::set<int> agent_nodes;
  for (int i : c.pods_of("kube-system", "agent")) {
    const PodState& p = c.pods()[static_cast<std::size_t>(i)];
    agent_nodes.insert(p.node);
    EXPECT_TRUE(std::regex_match(p.name, std::regex("agent-" + kSuffix + "{5}"))) << p.name;
    EXPECT_EQ(p.owner_kind, "DaemonSet");
  }
  EXPECT_EQ(agent_nodes, (std::set<int>{0, 1, 2, 3}));
  std::set<int> gpu_nodes;
  for (int i : c.pods_of("kube-system", "gpu-plugin"))
    gpu_nodes.insert(c.pods()[static_cast<std::size_t>(i)].node);
  EXPECT_EQ(gpu_nodes, (std::set<int>{0, 3}));
}

TEST(ClusterState, PodsAreNamedAsTheirControllersNameThem) {
  const ObjectSet o = objects_of(deployment("web", 2) + R"(---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: legacy}
spec:
  replicas: 2
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: older}
spec:
  replicas: 1
  template:
    metadata: {labels: {app: older}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db-headless
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, labels: {app: debug}}
spec: {containers: [{name: c, image: x}]}
)");
  std::vector<Problem> problems;
  const Cluster c(nodes(2), o, problems);
  EXPECT_TRUE(problems.empty());
  const std::vector<int> web = c.pods_of("default", "web");
  ASSERT_EQ(web.size(), 2u);
  const std::regex deployment_name("web-(" + kSuffix + "{10})-" + kSuffix + "{5}");
  std::smatch m0, m1;
  const std::string n0 = c.pods()[static_cast<std::size_t>(web[0])].name;
  const std::string n1 = c.pods()[static_cast<std::size_t>(web[1])].name;
  ASSERT_TRUE(std::regex_match(n0, m0, deployment_name)) << n0;
  ASSERT_TRUE(std::regex_match(n1, m1, deployment_name)) << n1;
  EXPECT_EQ(m0[1], m1[1]);  // one pod-template-hash per template
  EXPECT_NE(n0, n1);
  for (int i : c.pods_of("default", "legacy")) {
    EXPECT_TRUE(std::regex_match(c.pods()[static_cast<std::size_t>(i)].name,
                                 std::regex("legacy-" + kSuffix + "{5}")));
  }
  ASSERT_EQ(c.pods_of("default", "older").size(), 1u);
  EXPECT_TRUE(
      std::regex_match(c.pods()[static_cast<std::size_t>(c.pods_of("default", "older")[0])].name,
                       std::regex("older-" + kSuffix + "{5}")));
  for (int k = 0; k < 3; ++k) {
    const PodState& p = pod(c, "default", "db-" + std::to_string(k));
    EXPECT_EQ(p.hostname, "db-" + std::to_string(k));
    EXPECT_EQ(p.subdomain, "db-headless");
    EXPECT_EQ(p.owner_kind, "StatefulSet");
  }
  EXPECT_FALSE(c.pod_index("default", "db-3").has_value());
  EXPECT_EQ(pod(c, "default", "debug").owner_kind, "Pod");
  // CoreDNS, added as kubeadm does: coredns-<hash>-<suffix> in kube-system.
  for (int i : c.pods_of("kube-system", "coredns")) {
    EXPECT_TRUE(std::regex_match(c.pods()[static_cast<std::size_t>(i)].name,
                                 std::regex("coredns-" + kSuffix + "{10}-" + kSuffix + "{5}")));
  }
}

TEST(ClusterState, ExplicitClusterIpsAreHonouredWhenInsideTheCidrAndFree) {
  const ObjectSet o = objects_of(R"(
apiVersion: v1
kind: Service
metadata: {name: pinned}
spec: {clusterIP: 10.96.100.100, selector: {app: a}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: outside}
spec: {clusterIP: 172.16.0.1, selector: {app: a}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: twice}
spec: {clusterIP: 10.96.100.100, selector: {app: a}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec: {selector: {k8s-app: kube-dns}, ports: [{name: dns, port: 53, protocol: UDP}]}
)");
  std::vector<Problem> problems;
  const Cluster c(nodes(1), o, problems);
  EXPECT_EQ(format_address(service(c, "default", "pinned").cluster_ip), "10.96.100.100");
  // A kube-dns the user brings gets .10 too, and no CoreDNS is added.
  EXPECT_EQ(format_address(service(c, "kube-system", "kube-dns").cluster_ip), "10.96.0.10");
  EXPECT_TRUE(c.pods_of("kube-system", "coredns").empty());
  ASSERT_EQ(problems.size(), 2u);
  for (const Problem& p : problems) {
    EXPECT_EQ(p.field, "spec.clusterIP");
    EXPECT_EQ(p.severity, Problem::Severity::error);
  }
  EXPECT_EQ(problems[0].source.line, 7);  // "outside"
  EXPECT_NE(problems[0].message.find("10.96.0.0/12"), std::string::npos) << problems[0].message;
  EXPECT_EQ(problems[1].source.line, 12);  // "twice"
  EXPECT_NE(problems[1].message.find("already allocated"), std::string::npos)
      << problems[1].message;
}

TEST(ClusterState, NodePortsOutsideTheRangeOrTakenAreErrorsAtThePort) {
  const ObjectSet o = objects_of(R"(
apiVersion: v1
kind: Service
metadata: {name: first}
spec:
  type: NodePort
  selector: {app: a}
  ports:
  - {name: http, port: 80, nodePort: 31000}
---
apiVersion: v1
kind: Service
metadata: {name: second}
spec:
  type: NodePort
  selector: {app: a}
  ports:
  - {name: http, port: 80}
  - {name: admin, port: 81, nodePort: 31000}
  - {name: debug, port: 82, nodePort: 29999}
)");
  std::vector<Problem> problems;
  const Cluster c(nodes(1), o, problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].field, "spec.ports[1].nodePort");
  EXPECT_EQ(problems[0].source.line, 19);  // second's "admin" port
  EXPECT_NE(problems[0].message.find("default/first"), std::string::npos) << problems[0].message;
  EXPECT_EQ(problems[1].field, "spec.ports[2].nodePort");
  EXPECT_NE(problems[1].message.find("30000-32767"), std::string::npos) << problems[1].message;
  EXPECT_EQ(service(c, "default", "first").ports[0].node_port, 31000);
  const ServiceState& second = service(c, "default", "second");
  EXPECT_GE(second.ports[0].node_port, 30000);
  EXPECT_LE(second.ports[0].node_port, 32767);
  EXPECT_NE(second.ports[0].node_port, 31000);
  EXPECT_EQ(second.ports[1].node_port, 0);  // refused: not a second owner of 31000
}

TEST(ClusterState, LoadBalancerAddressesComeFromStatusThenSpecThenThePool) {
  const ObjectSet o = objects_of(R"(
apiVersion: v1
kind: Service
metadata: {name: from-status}
spec: {type: LoadBalancer, loadBalancerIP: 203.0.113.9, selector: {app: a}, ports: [{port: 80}]}
status: {loadBalancer: {ingress: [{ip: 203.0.113.7}]}}
---
apiVersion: v1
kind: Service
metadata: {name: from-spec}
spec: {type: LoadBalancer, loadBalancerIP: 203.0.113.9, selector: {app: a}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: pooled-1}
spec: {type: LoadBalancer, selector: {app: a}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: pooled-2}
spec: {type: LoadBalancer, selector: {app: a}, ports: [{port: 80}]}
)");
  std::vector<Problem> problems;
  const Cluster c(nodes(1), o, problems);
  EXPECT_TRUE(problems.empty());
  const auto lb = [&](const char* name) {
    const ServiceState& s = service(c, "default", name);
    EXPECT_EQ(s.load_balancer_ips.size(), 1u) << name;
    EXPECT_NE(s.ports[0].node_port, 0) << name;  // a LoadBalancer Service is also a NodePort one
    return s.load_balancer_ips.empty() ? std::string() : format_address(s.load_balancer_ips[0]);
  };
  EXPECT_EQ(lb("from-status"), "203.0.113.7");
  EXPECT_EQ(lb("from-spec"), "203.0.113.9");
  EXPECT_EQ(lb("pooled-1"), "198.18.0.1");
  EXPECT_EQ(lb("pooled-2"), "198.18.0.2");
}

TEST(ClusterState, ANamedTargetPortResolvesPerPodAndSkipsPodsWithoutIt) {
  // Two templates behind one Service name "http" differently (allowed: the
  // name is resolved per pod); a third declares no "http" and is no endpoint.
  const ObjectSet o = objects_of(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: api-v1}
spec:
  replicas: 2
  selector: {matchLabels: {app: api, version: v1}}
  template:
    metadata: {labels: {app: api, version: v1}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api-v2}
spec:
  replicas: 3
  selector: {matchLabels: {app: api, version: v2}}
  template:
    metadata: {labels: {app: api, version: v2}}
    spec:
      containers:
      - {name: c, image: x, ports: [{name: http, containerPort: 9090}, {name: admin, containerPort: 9091}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api-sidecar}
spec:
  replicas: 1
  selector: {matchLabels: {app: api, version: sidecar}}
  template:
    metadata: {labels: {app: api, version: sidecar}}
    spec: {containers: [{name: c, image: x, ports: [{name: metrics, containerPort: 7000}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: raw, port: 81, targetPort: 5000}
)");
  std::vector<Problem> problems;
  const Cluster c(nodes(2), o, problems);
  const ServiceState& api = service(c, "default", "api");
  std::map<int, int> ports;  // port -> endpoints
  for (const EndpointState& e : api.ports[0].endpoints) {
    ++ports[e.port];
    const PodState& p = c.pods()[static_cast<std::size_t>(e.pod)];
    EXPECT_EQ(e.ip, p.ip);
    EXPECT_EQ(e.node, p.node);
    EXPECT_EQ(p.labels->at("version") == "v1" ? 8080 : 9090, e.port);
  }
  EXPECT_EQ(ports, (std::map<int, int>{{8080, 2}, {9090, 3}}));
  EXPECT_EQ(api.ports[1].endpoints.size(), 6u);  // a number applies to every selected pod
  for (const EndpointState& e : api.ports[1].endpoints) EXPECT_EQ(e.port, 5000);
}

TEST(ClusterState, SelectorlessServicesTakeTheirEndpointSlices) {
  const ObjectSet o = objects_of(R"(
apiVersion: v1
kind: Service
metadata: {name: legacy-db, namespace: data}
spec: {ports: [{name: pg, port: 5432}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: legacy-db-1, namespace: data, labels: {kubernetes.io/service-name: legacy-db}}
addressType: IPv4
ports: [{name: pg, port: 15432, protocol: TCP}]
endpoints:
- {addresses: [192.168.10.5]}
- {addresses: [192.168.10.6], conditions: {ready: false}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: elsewhere, namespace: default, labels: {kubernetes.io/service-name: legacy-db}}
addressType: IPv4
ports: [{name: pg, port: 1, protocol: TCP}]
endpoints:
- {addresses: [192.168.99.1]}
)");
  std::vector<Problem> problems;
  const Cluster c(nodes(1), o, problems);
  const ServiceState& s = service(c, "data", "legacy-db");
  ASSERT_EQ(s.ports[0].endpoints.size(), 2u);  // not the slice of another namespace
  const EndpointState& a = s.ports[0].endpoints[0];
  const EndpointState& b = s.ports[0].endpoints[1];
  EXPECT_EQ(format_address(a.ip), "192.168.10.5");
  EXPECT_EQ(a.port, 15432);
  EXPECT_EQ(a.pod, -1);
  EXPECT_EQ(a.node, -1);
  EXPECT_TRUE(a.ready);
  EXPECT_EQ(format_address(b.ip), "192.168.10.6");
  EXPECT_FALSE(b.ready);
}

const char* kHeadless = R"(
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: shop}
spec: {selector: {app: other}, ports: [{port: 80}]}
)";

TEST(ClusterState, HeadlessAnswersAndEndpointsFollowReadinessAndDeletion) {
  const ObjectSet o = objects_of(kHeadless);
  std::vector<Problem> problems;
  Cluster c(nodes(2), o, problems);
  const int db1 = *c.pod_index("shop", "db-1");
  const int db2 = *c.pod_index("shop", "db-2");
  const net::Address ip1 = c.pods()[static_cast<std::size_t>(db1)].ip;
  const auto addresses = [&](std::string_view name) {
    const DnsAnswer a = c.lookup(name);
    return std::set<net::Address>(a.addresses.begin(), a.addresses.end());
  };
  std::set<net::Address> all;
  for (const char* n : {"db-0", "db-1", "db-2"}) all.insert(pod(c, "shop", n).ip);
  EXPECT_EQ(addresses("db.shop.svc.cluster.local"), all);
  EXPECT_EQ(c.lookup("db.shop.svc.cluster.local").ttl_s, 5u);
  EXPECT_EQ(addresses("DB-1.db.Shop.svc.Cluster.Local."), std::set<net::Address>{ip1});

  const ServiceState& db = service(c, "shop", "db");
  const ServiceState& other = service(c, "shop", "other");
  const std::uint64_t g = db.generation, g_other = other.generation;
  c.set_ready(db1, false);
  EXPECT_GT(db.generation, g);
  EXPECT_EQ(other.generation, g_other);  // an unrelated Service does not move
  EXPECT_EQ(db.ports[0].endpoints.size(), 2u);
  all.erase(ip1);
  EXPECT_EQ(addresses("db.shop.svc.cluster.local"), all);
  EXPECT_EQ(c.lookup("db-1.db.shop.svc.cluster.local").kind, DnsAnswer::Kind::nxdomain);

  c.set_ready(db1, true);
  c.restart_container(db1);
  EXPECT_EQ(c.pods()[static_cast<std::size_t>(db1)].ip, ip1);  // a restart keeps the address
  EXPECT_EQ(db.ports[0].endpoints.size(), 3u);
  c.delete_pod(db2);
  EXPECT_EQ(db.ports[0].endpoints.size(), 2u);
  EXPECT_EQ(addresses("db.shop.svc.cluster.local").size(), 2u);
  EXPECT_EQ(c.lookup("db-2.db.shop.svc.cluster.local").kind, DnsAnswer::Kind::nxdomain);
  EXPECT_EQ(c.lookup("db-9.db.shop.svc.cluster.local").kind, DnsAnswer::Kind::nxdomain);
  EXPECT_EQ(c.lookup("db.nope.svc.cluster.local").kind, DnsAnswer::Kind::nxdomain);
  EXPECT_EQ(c.lookup("cluster.local").kind, DnsAnswer::Kind::nxdomain);
  EXPECT_EQ(c.lookup("kubernetes.io.").kind, DnsAnswer::Kind::external);
  EXPECT_EQ(c.lookup("cluster.local.example.com").kind, DnsAnswer::Kind::external);
}

TEST(ClusterState, PodsUseTheAddressKubeDnsReallyHas) {
  const ObjectSet o = objects_of(R"(
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec: {clusterIP: 10.96.0.53, selector: {k8s-app: kube-dns}, ports: [{name: dns, port: 53, protocol: UDP}]}
)");
  std::vector<Problem> problems;
  const Cluster c(nodes(1), o, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(format_address(service(c, "kube-system", "kube-dns").cluster_ip), "10.96.0.53");
  EXPECT_EQ(format_address(c.dns_service_ip()), "10.96.0.53");
}

TEST(ClusterState, AReadinessChangeReachesEveryServiceThatSelectsThePodAndNoOther) {
  const ObjectSet o = objects_of(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  replicas: 2
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache, tier: backend}}
    spec: {containers: [{name: c, image: redis, ports: [{containerPort: 6379}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: by-both}
spec: {selector: {tier: backend, app: cache}, ports: [{port: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: by-tier}
spec: {selector: {tier: backend}, ports: [{port: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: wrong-tier}
spec: {selector: {app: cache, tier: frontend}, ports: [{port: 6379}]}
)");
  std::vector<Problem> problems;
  Cluster c(nodes(2), o, problems);
  const ServiceState& both = service(c, "default", "by-both");
  const ServiceState& tier = service(c, "default", "by-tier");
  const ServiceState& wrong = service(c, "default", "wrong-tier");
  EXPECT_EQ(both.ports[0].endpoints.size(), 2u);
  EXPECT_EQ(tier.ports[0].endpoints.size(), 2u);
  EXPECT_EQ(wrong.ports[0].endpoints.size(), 0u);
  const std::uint64_t g_both = both.generation, g_tier = tier.generation,
                      g_wrong = wrong.generation;
  c.set_ready(c.pods_of("default", "cache")[0], false);
  EXPECT_EQ(both.ports[0].endpoints.size(), 1u);
  EXPECT_EQ(tier.ports[0].endpoints.size(), 1u);
  EXPECT_GT(both.generation, g_both);
  EXPECT_GT(tier.generation, g_tier);
  EXPECT_EQ(wrong.generation, g_wrong);
}

TEST(ClusterState, OnlineBoutiqueServicesReachTheirContainerPorts) {
  Diagnostics d;
  const ObjectSet o =
      load_manifests({std::string(PODWIRE_SOURCE_DIR) +
                      "/scenarios/manifests/online-boutique/kubernetes-manifests.yaml"},
                     d);
  ASSERT_FALSE(d.has_errors()) << d.to_string();
  std::vector<Problem> problems;
  const Cluster c(nodes(3), o, problems);
  EXPECT_TRUE(problems.empty());
  // Service -> targetPort, read off the manifest; each Deployment has one replica.
  const std::map<std::string, int> target = {
      {"frontend", 8080},        {"frontend-external", 8080},     {"adservice", 9555},
      {"currencyservice", 7000}, {"cartservice", 7070},           {"redis-cart", 6379},
      {"emailservice", 8080},    {"recommendationservice", 8080}, {"checkoutservice", 5050},
      {"paymentservice", 50051}, {"shippingservice", 50051},      {"productcatalogservice", 3550}};
  for (const auto& [name, port] : target) {
    const ServiceState& s = service(c, "default", name);
    ASSERT_EQ(s.ports.size(), 1u) << name;
    ASSERT_EQ(s.ports[0].endpoints.size(), 1u) << name;
    EXPECT_EQ(s.ports[0].endpoints[0].port, port) << name;
  }
  EXPECT_EQ(c.pods().size(), 12u + 2u);  // 12 Deployments and CoreDNS
  const DnsAnswer a = c.lookup("frontend.default.svc.cluster.local");
  ASSERT_EQ(a.kind, DnsAnswer::Kind::a);
  EXPECT_EQ(a.addresses, std::vector<net::Address>{service(c, "default", "frontend").cluster_ip});
  EXPECT_EQ(service(c, "default", "frontend-external").load_balancer_ips.size(), 1u);
}

}  // namespace
}  // namespace podwire::kube
