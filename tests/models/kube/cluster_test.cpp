// The cluster's control-plane state: pod addresses from node CIDRs, the
// scheduler's spreading and fitting, names as controllers make them, Service
// addresses and NodePorts, endpoints through named ports and EndpointSlices,
// and what CoreDNS answers. Built from real manifests where it matters.
#include "models/kube/cluster.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "models/kube/manifest_loader.hpp"
#include "models/net/host.hpp"
#include "tests/support/cluster_objects.hpp"

namespace podwire::kube {
namespace {

using net::format_address;
using net::parse_address;

using test_support::nodes;
using test_support::objects_of;

const char* kWeb = R"(
apiVersion: v1
kind: Namespace
metadata: {name: my-app}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-server, namespace: my-app}
spec:
  replicas: 6
  selector: {matchLabels: {app: web-server}}
  template:
    metadata: {labels: {app: web-server}}
    spec:
      containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: my-app}
spec:
  selector: {app: web-server}
  ports: [{name: http, port: 80, targetPort: http}]
)";

TEST(Cluster, PodsGetAddressesFromTheirNodesBlockAndSpreadAcrossNodes) {
  const ObjectSet o = objects_of(kWeb);
  std::vector<Problem> problems;
  Cluster c(nodes(3), o, problems);
  EXPECT_TRUE(problems.empty());
  std::map<int, int> per_node;
  for (int i : c.pods_of("my-app", "web-server")) {
    const PodState& p = c.pods()[static_cast<std::size_t>(i)];
    ASSERT_GE(p.node, 0);
    ++per_node[p.node];
    // node i's block is 10.244.i.0/24; the first pod is .2 (.1 is the bridge)
    EXPECT_EQ(p.ip >> 8, (parse_address("10.244.0.0") >> 8) + static_cast<net::Address>(p.node));
    EXPECT_GE(p.ip & 0xFF, 2u);
    EXPECT_TRUE(std::regex_match(
        p.name,
        std::regex(
            "web-server-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}")))
        << p.name;
  }
  ASSERT_EQ(per_node.size(), 3u);
  for (auto [node, n] : per_node) EXPECT_EQ(n, 2) << "node " << node;  // 6 replicas over 3 nodes
}

// kubelet looks a probe's named port up in the probed container's own ports;
// when it finds none the probe fails every time, and the pod is never Ready.
TEST(Cluster, APodWhoseReadinessProbeNamesAPortItLacksIsNeverReady) {
  std::string text = kWeb;
  const std::string ports = "ports: [{name: http, containerPort: 8080}]";
  text.replace(text.find(ports), ports.size(),
               ports +
                   ", readinessProbe: {httpGet: {port: http}}}, {name: sidecar, image: envoy, "
                   "readinessProbe: {tcpSocket: {port: admin}}");
  Diagnostics d;
  const ObjectSet o = parse_manifest_text(text, "web.yaml", d);
  EXPECT_EQ(d.to_string(),
            "web.yaml:15:197: warning: spec.template.spec.containers[1].readinessProbe.tcpSocket."
            "port: container 'sidecar' has no port named 'admin', so kubelet cannot run this "
            "probe: the pod never becomes Ready, and no Service sends it traffic\n");
  std::vector<Problem> problems;
  Cluster c(nodes(3), o, problems);
  for (int i : c.pods_of("my-app", "web-server"))
    EXPECT_FALSE(c.pods()[static_cast<std::size_t>(i)].ready);
  for (const EndpointState& e : c.services()[*c.service_index("my-app", "web")].ports[0].endpoints)
    EXPECT_FALSE(e.ready);
  // The web container's own probe finds its port: with it alone the pods are Ready.
  Diagnostics d2;
  text.replace(text.find(", {name: sidecar"),
               text.find("]", text.find(", {name: sidecar")) - text.find(", {name: sidecar"), "");
  Cluster ready(nodes(3), parse_manifest_text(text, "web.yaml", d2), problems);
  EXPECT_EQ(d2.to_string(), "");
  for (int i : ready.pods_of("my-app", "web-server"))
    EXPECT_TRUE(ready.pods()[static_cast<std::size_t>(i)].ready);
}

// Until a startup probe passes kubelet runs no readiness probe: one that
// cannot run keeps the pod unready too. Liveness and startup probes pass once
// or not at all, so their successThreshold must be 1.
TEST(Cluster, AStartupProbeThatCannotRunKeepsThePodUnreadyAndItsThresholdIsOne) {
  const std::string ports = "ports: [{name: http, containerPort: 8080}]";
  const auto with = [&](const std::string& probes) {
    std::string text = kWeb;
    text.replace(text.find(ports), ports.size(), ports + ", " + probes);
    return text;
  };
  Diagnostics d;
  const ObjectSet o =
      parse_manifest_text(with("startupProbe: {httpGet: {port: metrics}}"), "web.yaml", d);
  EXPECT_EQ(d.to_string(),
            "web.yaml:15:121: warning: spec.template.spec.containers[0].startupProbe.httpGet.port: "
            "container 'web' has no port named 'metrics', so kubelet cannot run this probe: the "
            "container never counts as started, no readiness probe runs, and the pod never "
            "becomes Ready\n");
  std::vector<Problem> problems;
  Cluster c(nodes(3), o, problems);
  ASSERT_EQ(c.pods_of("my-app", "web-server").size(), 6u);
  for (int i : c.pods_of("my-app", "web-server"))
    EXPECT_FALSE(c.pods()[static_cast<std::size_t>(i)].ready);
  Diagnostics e;
  parse_manifest_text(with("livenessProbe: {tcpSocket: {port: http}, successThreshold: 2}"),
                      "web.yaml", e);
  EXPECT_EQ(e.to_string(),
            "web.yaml:15:149: error: spec.template.spec.containers[0].livenessProbe."
            "successThreshold: must be 1 for a livenessProbe, as the API server requires\n");
}

TEST(Cluster, SchedulesByResourceRequestsAndReportsWhatDoesNotFit) {
  const ObjectSet o = objects_of(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  replicas: 3
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec: {containers: [{name: c, image: x, resources: {requests: {cpu: "3"}}}]}
)");
  ClusterConfig cfg = nodes(2, 4000);
  cfg.nodes[1].cpu_millicores = 8000;
  std::vector<Problem> problems;
  Cluster c(cfg, o, problems);
  // node-0 fits one (4 CPUs), node-1 two (8 CPUs); CoreDNS asks 100m each.
  int placed = 0;
  for (int i : c.pods_of("default", "big"))
    placed += c.pods()[static_cast<std::size_t>(i)].node >= 0 ? 1 : 0;
  EXPECT_EQ(placed, 3);
  cfg.nodes[1].cpu_millicores = 4000;
  std::vector<Problem> p2;
  Cluster c2(cfg, o, p2);
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_EQ(p2[0].message,
            "Deployment default/big: 1 of 3 pods cannot be scheduled: 0/2 nodes are available: 2 "
            "Insufficient cpu");
}

TEST(Cluster, MaxPodsLimitsANodeAndDeletedPodsReturnTheirAddress) {
  const ObjectSet o = objects_of(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: 12
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec: {containers: [{name: c, image: x}]}
)");
  ClusterConfig cfg = nodes(1, 4000, 12);  // 2 CoreDNS + 12 want 14 slots
  std::vector<Problem> problems;
  Cluster c(cfg, o, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("2 of 12 pods cannot be scheduled"), std::string::npos)
      << problems[0].message;
  EXPECT_NE(problems[0].message.find("Too many pods"), std::string::npos);
  const std::vector<int> pods = c.pods_of("default", "many");
  const int first = pods[0];
  const net::Address ip = c.pods()[static_cast<std::size_t>(first)].ip;
  c.restart_container(first);
  EXPECT_EQ(c.pods()[static_cast<std::size_t>(first)].ip, ip);  // a restart keeps the address
  EXPECT_EQ(c.pods()[static_cast<std::size_t>(first)].restarts, 1);
  c.delete_pod(first);
  EXPECT_EQ(c.pods()[static_cast<std::size_t>(first)].ip, 0u);
  EXPECT_FALSE(c.nodes()[0].pod_ips.allocated(ip));  // back in the pool
  EXPECT_FALSE(c.pod_by_ip(ip).has_value());
}

TEST(Cluster, ServicesGetClusterIpsAndKubeDnsIsTenWhenCoreDnsIsAdded) {
  const ObjectSet o = objects_of(kWeb);
  std::vector<Problem> problems;
  Cluster c(nodes(2), o, problems);
  const auto dns = c.service_index("kube-system", "kube-dns");
  ASSERT_TRUE(dns);
  EXPECT_EQ(format_address(c.services()[static_cast<std::size_t>(*dns)].cluster_ip), "10.96.0.10");
  EXPECT_EQ(c.pods_of("kube-system", "coredns").size(), 2u);
  EXPECT_EQ(c.services()[static_cast<std::size_t>(*dns)].ports[0].endpoints.size(), 2u);
  const ServiceState& web =
      c.services()[static_cast<std::size_t>(*c.service_index("my-app", "web"))];
  EXPECT_TRUE(Cidr::parse("10.96.0.0/12").contains(web.cluster_ip));
  ASSERT_EQ(web.ports.size(), 1u);
  EXPECT_EQ(web.ports[0].endpoints.size(), 6u);
  for (const auto& e : web.ports[0].endpoints)
    EXPECT_EQ(e.port, 8080);  // targetPort "http" resolved
}

TEST(Cluster, NodePortsComeFromTheRangeAndConflictsAreErrors) {
  const ObjectSet o = objects_of(R"(
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {type: NodePort, selector: {app: a}, ports: [{name: a, port: 80, nodePort: 30080}, {name: b, port: 81}]}
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec: {type: NodePort, selector: {app: b}, ports: [{port: 80, nodePort: 30080}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec: {type: LoadBalancer, selector: {app: b}, ports: [{port: 80}]}
)");
  std::vector<Problem> problems;
  Cluster c(nodes(1), o, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "spec.ports[0].nodePort");
  EXPECT_EQ(problems[0].message, "30080 is already allocated to Service default/a");
  const ServiceState& a = c.services()[static_cast<std::size_t>(*c.service_index("default", "a"))];
  EXPECT_EQ(a.ports[0].node_port, 30080);
  EXPECT_GE(a.ports[1].node_port, 30000);
  EXPECT_LE(a.ports[1].node_port, 32767);
  const ServiceState& lb =
      c.services()[static_cast<std::size_t>(*c.service_index("default", "lb"))];
  ASSERT_EQ(lb.load_balancer_ips.size(), 1u);
  EXPECT_EQ(format_address(lb.load_balancer_ips[0]), "198.18.0.1");
  EXPECT_NE(lb.ports[0].node_port, 0);
}

TEST(Cluster, DnsAnswersServicesHeadlessExternalNameAndStatefulSetPods) {
  const ObjectSet o = objects_of(std::string(kWeb) + R"(
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: my-app}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: my-app}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: search, namespace: my-app}
spec: {type: ExternalName, externalName: search.example.com}
)");
  std::vector<Problem> problems;
  Cluster c(nodes(2), o, problems);
  const ServiceState& web =
      c.services()[static_cast<std::size_t>(*c.service_index("my-app", "web"))];
  DnsAnswer a = c.lookup("web.my-app.svc.cluster.local");
  ASSERT_EQ(a.kind, DnsAnswer::Kind::a);
  EXPECT_EQ(a.addresses, std::vector<net::Address>{web.cluster_ip});
  EXPECT_EQ(c.lookup("WEB.My-App.svc.cluster.local.").kind, DnsAnswer::Kind::a);
  a = c.lookup("db.my-app.svc.cluster.local");
  ASSERT_EQ(a.kind, DnsAnswer::Kind::a);
  EXPECT_EQ(a.addresses.size(), 2u);  // headless: the pods themselves
  const PodState& db0 = c.pods()[static_cast<std::size_t>(*c.pod_index("my-app", "db-0"))];
  a = c.lookup("db-0.db.my-app.svc.cluster.local");
  ASSERT_EQ(a.kind, DnsAnswer::Kind::a);
  EXPECT_EQ(a.addresses[0], db0.ip);
  a = c.lookup("search.my-app.svc.cluster.local");
  EXPECT_EQ(a.kind, DnsAnswer::Kind::cname);
  EXPECT_EQ(a.cname, "search.example.com");
  EXPECT_EQ(c.lookup("nope.my-app.svc.cluster.local").kind, DnsAnswer::Kind::nxdomain);
  EXPECT_EQ(c.lookup("web.my-app.svc.cluster.local.my-app.svc.cluster.local").kind,
            DnsAnswer::Kind::nxdomain);
  EXPECT_EQ(c.lookup("example.com").kind, DnsAnswer::Kind::external);
  a = c.lookup("10-244-1-5.my-app.pod.cluster.local");
  ASSERT_EQ(a.kind, DnsAnswer::Kind::a);
  EXPECT_EQ(format_address(a.addresses[0]), "10.244.1.5");
}

TEST(Cluster, OnlineBoutiqueFromItsOwnManifests) {
  Diagnostics d;
  const ObjectSet o =
      load_manifests({std::string(PODWIRE_SOURCE_DIR) +
                      "/scenarios/manifests/online-boutique/kubernetes-manifests.yaml"},
                     d);
  ASSERT_FALSE(d.has_errors()) << d.to_string();
  std::vector<Problem> problems;
  Cluster c(nodes(3), o, problems);
  EXPECT_TRUE(problems.empty()) << problems[0].message;
  for (const ServiceState& s : c.services()) {
    for (const auto& p : s.ports) EXPECT_FALSE(p.endpoints.empty()) << s.key;
  }
  EXPECT_EQ(c.lookup("frontend.default.svc.cluster.local").kind, DnsAnswer::Kind::a);
}

}  // namespace
}  // namespace podwire::kube
