// The scheduler's placement rules against hand-worked expectations:
// nodeAffinity (required terms ORed, expressions ANDed, every operator,
// matchFields, preferred weights), podAffinity and podAntiAffinity (required
// and preferred, both ways, namespaces and namespaceSelector, any topology
// key), topologySpreadConstraints (maxSkew, minDomains, nodeAffinityPolicy,
// ScheduleAnyway), host ports and hostNetwork pods; each pending pod with
// kube-scheduler's reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "models/kube/cluster.hpp"
#include "models/kube/manifest_loader.hpp"
#include "tests/support/cluster_objects.hpp"

namespace podwire::kube {
namespace {

using test_support::nodes;
using test_support::objects_of;

// A Deployment `name` (label app: name) whose pod spec has `spec_extra`
// (indented six spaces) and whose container has `container_extra`.
std::string deployment(const std::string& name, int replicas, const std::string& spec_extra = "",
                       const std::string& ns = "default", const std::string& container_extra = "") {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + ", namespace: " + ns +
         "}\nspec:\n  replicas: " + std::to_string(replicas) +
         "\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n" +
         "    metadata: {labels: {app: " + name + "}}\n    spec:\n" + spec_extra +
         "      containers: [{name: c, image: x" + container_extra + "}]\n---\n";
}

std::vector<int> nodes_of(const Cluster& c, const std::string& workload,
                          const std::string& ns = "default") {
  std::vector<int> out;
  for (int i : c.pods_of(ns, workload)) out.push_back(c.pods()[static_cast<std::size_t>(i)].node);
  return out;
}

int count_on(const std::vector<int>& placed, int node) {
  return static_cast<int>(std::count(placed.begin(), placed.end(), node));
}

std::string all_messages(const std::vector<Problem>& problems) {
  std::string out;
  for (const Problem& p : problems) out += p.message + "\n";
  return out;
}

// node-0..node-(n-1) with the labels given per node.
ClusterConfig labelled(const std::vector<Labels>& labels) {
  ClusterConfig c = nodes(static_cast<int>(labels.size()));
  for (std::size_t i = 0; i < labels.size(); ++i) c.nodes[i].labels = labels[i];
  return c;
}

TEST(ClusterSchedule, RequiredNodeAffinityTermsAreOredAndTheirExpressionsAnded) {
  // Term 1: disk=ssd AND gen > 3; term 2: the node named node-4.
  const std::string rule = R"(      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: disk, operator: In, values: [ssd]}
              - {key: gen, operator: Gt, values: ["3"]}
            - matchFields:
              - {key: metadata.name, operator: In, values: [node-4]}
)";
  const ObjectSet o = objects_of(deployment("web", 12, rule));
  const ClusterConfig cfg = labelled({{{"disk", "ssd"}, {"gen", "3"}},  // gen not > 3
                                      {{"disk", "ssd"}, {"gen", "5"}},  // term 1
                                      {{"disk", "hdd"}, {"gen", "9"}},  // disk not ssd
                                      {{"disk", "ssd"}, {"gen", "x"}},  // gen not an integer
                                      {}});                             // term 2
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  EXPECT_TRUE(problems.empty()) << all_messages(problems);
  const std::vector<int> placed = nodes_of(c, "web");
  EXPECT_EQ(std::set<int>(placed.begin(), placed.end()), (std::set<int>{1, 4}));
}

TEST(ClusterSchedule, NotInDoesNotExistAndLtExcludeNodes) {
  const std::string rule = R"(      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: role, operator: NotIn, values: [client]}
              - {key: tainted, operator: DoesNotExist}
              - {key: gen, operator: Lt, values: ["10"]}
)";
  const ObjectSet o = objects_of(deployment("web", 8, rule));
  const ClusterConfig cfg = labelled({{{"role", "client"}, {"gen", "1"}},
                                      {{"gen", "2"}},
                                      {{"tainted", ""}, {"gen", "2"}},
                                      {{"gen", "12"}},
                                      {{"role", "server"}, {"gen", "9"}}});
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  EXPECT_TRUE(problems.empty()) << all_messages(problems);
  const std::vector<int> placed = nodes_of(c, "web");
  EXPECT_EQ(std::set<int>(placed.begin(), placed.end()), (std::set<int>{1, 4}));
}

TEST(ClusterSchedule, ARequiredNodeAffinityNoNodeMeetsLeavesThePodsPendingWithTheReason) {
  const std::string rule = R"(      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: accelerator, operator: Exists}]
)";
  const ObjectSet o = objects_of(deployment("gpu", 2, rule));
  std::vector<Problem> problems;
  const Cluster c(nodes(3), o, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message,
            "Deployment default/gpu: 2 of 2 pods cannot be scheduled: 0/3 nodes are available: 3 "
            "didn't match Pod's node affinity/selector");
  EXPECT_EQ(problems[0].source.line, 1);
  for (int n : nodes_of(c, "gpu")) EXPECT_EQ(n, -1);
}

TEST(ClusterSchedule, PreferredNodeAffinityTakesTheHeaviestMatchingNode) {
  // Bare pods (no owner spreading between them): every one scores node-1
  // (weight 90) above node-0 (10) and node-2 (none).
  std::string text;
  for (int i = 0; i < 4; ++i) {
    text += "apiVersion: v1\nkind: Pod\nmetadata: {name: p" + std::to_string(i) + R"(}
spec:
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - {weight: 10, preference: {matchExpressions: [{key: disk, operator: In, values: [ssd]}]}}
      - {weight: 90, preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}}
  containers: [{name: c, image: x}]
---
)";
  }
  const ObjectSet o = objects_of(text);
  const ClusterConfig cfg = labelled({{{"disk", "ssd"}}, {{"zone", "a"}}, {}});
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(nodes_of(c, "p" + std::to_string(i)), std::vector<int>{1});
}

const std::string kOnePerNode = R"(      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
)";

TEST(ClusterSchedule, ADeploymentsOwnReplicasRepelEachOtherOnePerNode) {
  const ObjectSet o = objects_of(deployment("web", 5, kOnePerNode));
  std::vector<Problem> problems;
  const Cluster c(nodes(3), o, problems);
  std::vector<int> placed = nodes_of(c, "web");
  std::sort(placed.begin(), placed.end());
  EXPECT_EQ(placed, (std::vector<int>{-1, -1, 0, 1, 2}));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message,
            "Deployment default/web: 2 of 5 pods cannot be scheduled: 0/3 nodes are available: 3 "
            "node(s) didn't match pod anti-affinity rules");
}

TEST(ClusterSchedule, AntiAffinityKeepsServerPodsOffTheClientsNode) {
  const std::string pin = "      nodeSelector: {kubernetes.io/hostname: node-0}\n";
  const std::string away = R"(      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchExpressions: [{key: app, operator: In, values: [client]}]}
            topologyKey: kubernetes.io/hostname
)";
  // Without the rule, spreading puts two of the six on node-0.
  {
    const ObjectSet o = objects_of(deployment("client", 1, pin) + deployment("server", 6));
    std::vector<Problem> problems;
    const Cluster c(nodes(3), o, problems);
    EXPECT_EQ(count_on(nodes_of(c, "server"), 0), 2);
  }
  const ObjectSet o = objects_of(deployment("client", 1, pin) + deployment("server", 6, away));
  std::vector<Problem> problems;
  const Cluster c(nodes(3), o, problems);
  EXPECT_TRUE(problems.empty()) << all_messages(problems);
  EXPECT_EQ(nodes_of(c, "client"), std::vector<int>{0});
  const std::vector<int> placed = nodes_of(c, "server");
  EXPECT_EQ(count_on(placed, 0), 0);
  EXPECT_EQ(count_on(placed, 1), 3);
  EXPECT_EQ(count_on(placed, 2), 3);
}

TEST(ClusterSchedule, AnExistingPodsAntiAffinityRepelsPodsPlacedAfterIt) {
  // The guard goes first and forbids app=noisy beside it; noisy has no rule.
  const std::string guard = R"(      nodeSelector: {kubernetes.io/hostname: node-1}
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {labelSelector: {matchLabels: {app: noisy}}, topologyKey: kubernetes.io/hostname}
)";
  const ObjectSet o = objects_of(deployment("guard", 1, guard) + deployment("noisy", 4));
  std::vector<Problem> problems;
  const Cluster c(nodes(3), o, problems);
  EXPECT_TRUE(problems.empty()) << all_messages(problems);
  EXPECT_EQ(count_on(nodes_of(c, "noisy"), 1), 0);
}

TEST(ClusterSchedule, PodAffinityFollowsItsTargetsZoneAndTheFirstOfASelfAffineGroupGoesAnywhere) {
  const ClusterConfig cfg = labelled({{{"zone", "a"}},
                                      {{"zone", "a"}},
                                      {{"zone", "b"}},
                                      {{"zone", "b"}},
                                      {{"zone", "c"}},
                                      {{"zone", "c"}}});
  const std::string to_cache = R"(      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {labelSelector: {matchLabels: {app: cache}}, topologyKey: zone}
)";
  const std::string self = R"(      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {labelSelector: {matchLabels: {app: pack}}, topologyKey: zone}
)";
  const ObjectSet o =
      objects_of(deployment("cache", 1, "      nodeSelector: {kubernetes.io/hostname: node-3}\n") +
                 deployment("web", 6, to_cache) + deployment("pack", 4, self));
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  EXPECT_TRUE(problems.empty()) << all_messages(problems);
  for (int n : nodes_of(c, "web")) EXPECT_TRUE(n == 2 || n == 3) << n;  // zone b
  std::set<std::string> zones;
  for (int n : nodes_of(c, "pack"))
    zones.insert(cfg.nodes[static_cast<std::size_t>(n)].labels.at("zone"));
  EXPECT_EQ(zones.size(), 1u);
}

TEST(ClusterSchedule, EvenTheFirstSelfAffinePodNeedsTheTopologyKeyOnItsNode) {
  const std::string self = R"(      nodeSelector: {kubernetes.io/hostname: node-0}
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {labelSelector: {matchLabels: {app: pack}}, topologyKey: zone}
)";
  const ObjectSet o = objects_of(deployment("pack", 1, self));
  std::vector<Problem> problems;
  const Cluster c(labelled({{}, {{"zone", "a"}}}), o, problems);
  EXPECT_EQ(nodes_of(c, "pack"), std::vector<int>{-1});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("1 node(s) didn't match pod affinity rules"),
            std::string::npos)
      << problems[0].message;
}

TEST(ClusterSchedule, ARequiredAffinityToNothingLeavesPodsPending) {
  const std::string rule = R"(      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {labelSelector: {matchLabels: {app: missing}}, topologyKey: kubernetes.io/hostname}
)";
  const ObjectSet o = objects_of(deployment("web", 2, rule));
  std::vector<Problem> problems;
  const Cluster c(nodes(2), o, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("2 node(s) didn't match pod affinity rules"),
            std::string::npos)
      << problems[0].message;
}

TEST(ClusterSchedule, NamespacesAndNamespaceSelectorsChooseWhosePodsATermSees) {
  const std::string ns = R"(apiVersion: v1
kind: Namespace
metadata: {name: team-x, labels: {team: x}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-y}
---
)";
  const std::string pin0 = "      nodeSelector: {kubernetes.io/hostname: node-0}\n";
  const std::string pin1 = "      nodeSelector: {kubernetes.io/hostname: node-1}\n";
  const std::string by_selector = R"(      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {role: db}}
            namespaceSelector: {matchLabels: {team: x}}
            topologyKey: kubernetes.io/hostname
)";
  // "db" in team-x on node-0 and in team-y on node-1 (both labelled role: db).
  std::string text = ns;
  for (const auto& [name, where, space] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"db", pin0, "team-x"},
                                                                      {"db", pin1, "team-y"}}) {
    std::string d = deployment(name, 1, where, space);
    d.replace(d.find("labels: {app: db}"), 17, "labels: {app: db, role: db}");
    text += d;
  }
  text += deployment("app", 4, by_selector);
  const ObjectSet o = objects_of(text);
  std::vector<Problem> problems;
  const Cluster c(nodes(3), o, problems);
  EXPECT_TRUE(problems.empty()) << all_messages(problems);
  const std::vector<int> placed = nodes_of(c, "app");
  EXPECT_EQ(count_on(placed, 0), 0);  // team-x's db repels
  EXPECT_GT(count_on(placed, 1), 0);  // team-y's db does not
}

// 6 nodes in zones a (4), b (1), c (1).
ClusterConfig uneven_zones() {
  return labelled({{{"zone", "a"}},
                   {{"zone", "a"}},
                   {{"zone", "a"}},
                   {{"zone", "a"}},
                   {{"zone", "b"}},
                   {{"zone", "c"}}});
}

std::map<std::string, int> per_zone(const Cluster& c, const ClusterConfig& cfg,
                                    const std::string& workload) {
  std::map<std::string, int> out;
  for (int n : nodes_of(c, workload)) {
    if (n >= 0) ++out[cfg.nodes[static_cast<std::size_t>(n)].labels.at("zone")];
  }
  return out;
}

std::string spread(const std::string& how, int max_skew, const std::string& extra = "") {
  return "      topologySpreadConstraints:\n      - {maxSkew: " + std::to_string(max_skew) +
         ", topologyKey: zone, whenUnsatisfiable: " + how +
         ", labelSelector: {matchLabels: {app: web}}" + extra + "}\n";
}

TEST(ClusterSchedule, TopologySpreadOverThreeZonesKeepsTheSkewWithinMaxSkew) {
  const ClusterConfig cfg = uneven_zones();
  {
    // Without a constraint, spreading over nodes puts most in zone a.
    const ObjectSet o = objects_of(deployment("web", 9));
    std::vector<Problem> problems;
    const Cluster c(cfg, o, problems);
    EXPECT_GE(per_zone(c, cfg, "web")["a"], 5);
  }
  for (int max_skew : {1, 2}) {
    const ObjectSet o = objects_of(deployment("web", 9, spread("DoNotSchedule", max_skew)));
    std::vector<Problem> problems;
    const Cluster c(cfg, o, problems);
    EXPECT_TRUE(problems.empty()) << all_messages(problems);
    const std::map<std::string, int> z = per_zone(c, cfg, "web");
    int lo = 9, hi = 0, total = 0;
    for (const char* zone : {"a", "b", "c"}) {
      const int n = z.count(zone) ? z.at(zone) : 0;
      lo = std::min(lo, n);
      hi = std::max(hi, n);
      total += n;
    }
    EXPECT_EQ(total, 9);
    EXPECT_LE(hi - lo, max_skew) << "maxSkew " << max_skew;
  }
}

TEST(ClusterSchedule, ASkewThatCannotBeMetLeavesPodsPendingAndMinDomainsCountsMissingZones) {
  const ClusterConfig cfg = uneven_zones();
  {
    // Only zone a is allowed, but zones b and c still count (nodeAffinityPolicy: Ignore).
    const ObjectSet o =
        objects_of(deployment("web", 3,
                              "      nodeSelector: {zone: a}\n" +
                                  spread("DoNotSchedule", 1, ", nodeAffinityPolicy: Ignore")));
    std::vector<Problem> problems;
    const Cluster c(cfg, o, problems);
    EXPECT_EQ(per_zone(c, cfg, "web")["a"], 1);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].message.find("2 of 3 pods cannot be scheduled"), std::string::npos);
    EXPECT_NE(problems[0].message.find("node(s) didn't match pod topology spread constraints"),
              std::string::npos)
        << problems[0].message;
  }
  {
    // Three zones exist but minDomains 4: the global minimum is 0, one pod per zone.
    const ObjectSet o =
        objects_of(deployment("web", 5, spread("DoNotSchedule", 1, ", minDomains: 4")));
    std::vector<Problem> problems;
    const Cluster c(cfg, o, problems);
    const std::map<std::string, int> z = per_zone(c, cfg, "web");
    EXPECT_EQ(z, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));
  }
  {
    // A node without the key is not a place for the pod.
    ClusterConfig partial = cfg;
    partial.nodes[5].labels.clear();
    const ObjectSet o = objects_of(deployment(
        "web", 1,
        "      nodeSelector: {kubernetes.io/hostname: node-5}\n" + spread("DoNotSchedule", 1)));
    std::vector<Problem> problems;
    const Cluster c(partial, o, problems);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].message.find("5 didn't match Pod's node affinity/selector; 1 node(s) "
                                       "didn't match pod topology spread constraints (missing "
                                       "required label)"),
              std::string::npos)
        << problems[0].message;
  }
}

TEST(ClusterSchedule, ScheduleAnywayPrefersTheEmptierZones) {
  const ClusterConfig cfg = uneven_zones();
  const ObjectSet o = objects_of(deployment("web", 3, spread("ScheduleAnyway", 1)));
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  EXPECT_EQ(per_zone(c, cfg, "web"), (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));
}

TEST(ClusterSchedule, PreferredAntiAffinitySpreadsWhereItCanAndStacksWhereItMust) {
  const std::string rule = R"(      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm: {labelSelector: {matchLabels: {app: web}}, topologyKey: zone}
)";
  const ClusterConfig cfg = uneven_zones();
  const ObjectSet o = objects_of(deployment("web", 4, rule));
  std::vector<Problem> problems;
  const Cluster c(cfg, o, problems);
  EXPECT_TRUE(problems.empty()) << all_messages(problems);
  const std::map<std::string, int> z = per_zone(c, cfg, "web");
  EXPECT_EQ(z.at("b"), 1);
  EXPECT_EQ(z.at("c"), 1);
  EXPECT_EQ(z.at("a"), 2);
}

TEST(ClusterSchedule, HostNetworkPodsTakeTheNodesAddressAndItsPortsOnePerNode) {
  const std::string host = "      hostNetwork: true\n";
  const ObjectSet o = objects_of(
      deployment("agent", 3, host, "default", ", ports: [{containerPort: 9100}]") +
      deployment("web", 2, "", "default", ", ports: [{containerPort: 9100}]") + R"(apiVersion: v1
kind: Service
metadata: {name: agent}
spec: {selector: {app: agent}, ports: [{port: 9100}]}
)");
  std::vector<Problem> problems;
  const Cluster c(nodes(2), o, problems);
  // Two nodes have port 9100 free once: the third agent waits.
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("1 of 3 pods cannot be scheduled: 0/2 nodes are available: 2 "
                                     "node(s) didn't have free ports for the requested pod ports"),
            std::string::npos)
      << problems[0].message;
  std::set<net::Address> addresses;
  for (int i : c.pods_of("default", "agent")) {
    const PodState& p = c.pods()[static_cast<std::size_t>(i)];
    if (p.node < 0) continue;
    EXPECT_EQ(p.ip, c.nodes()[static_cast<std::size_t>(p.node)].address);
    addresses.insert(p.ip);
    EXPECT_FALSE(c.pod_by_ip(p.ip).has_value());  // a node address is no pod's
  }
  EXPECT_EQ(addresses.size(), 2u);
  // A pod network pod on the same port is not in the way, and has a pod address.
  for (int i : c.pods_of("default", "web")) {
    const PodState& p = c.pods()[static_cast<std::size_t>(i)];
    EXPECT_GE(p.node, 0);
    EXPECT_TRUE(c.config().pod_cidr.contains(p.ip));
  }
  // The EndpointSlice lists the node addresses.
  const ServiceState& s =
      c.services()[static_cast<std::size_t>(*c.service_index("default", "agent"))];
  std::set<net::Address> endpoints;
  for (const EndpointState& e : s.ports[0].endpoints) endpoints.insert(e.ip);
  EXPECT_EQ(endpoints, addresses);
}

TEST(ClusterSchedule, DeletingAHostNetworkPodFreesItsPortAndLeavesTheNodeAddressAlone) {
  const ObjectSet o = objects_of(deployment("agent", 1, "      hostNetwork: true\n", "default",
                                            ", ports: [{containerPort: 9100}]"));
  std::vector<Problem> problems;
  Cluster c(nodes(1), o, problems);
  const int first = c.pods_of("default", "agent").at(0);
  std::string why;
  EXPECT_LT(c.create_pod(c.pods()[static_cast<std::size_t>(first)].owner, 0, &why), 0);
  EXPECT_NE(why.find("didn't have free ports"), std::string::npos) << why;
  c.delete_pod(first);
  const int second = c.create_pod(c.pods()[static_cast<std::size_t>(first)].owner, 0, &why);
  ASSERT_GE(second, 0) << why;
  EXPECT_EQ(c.pods()[static_cast<std::size_t>(second)].ip, c.nodes()[0].address);
}

TEST(ClusterSchedule, ANodeNameBindsEveryReplicaToThatNodeWithoutTheScheduler) {
  // The scheduler would spread 3 replicas over 3 nodes; nodeName puts them all
  // on node-2, and an anti-affinity to themselves does not stop it.
  const std::string rule = R"(      nodeName: node-2
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: pinned}}
            topologyKey: kubernetes.io/hostname
)";
  const ObjectSet o = objects_of(deployment("pinned", 3, rule));
  std::vector<Problem> problems;
  Cluster c(nodes(3), o, problems);
  EXPECT_TRUE(problems.empty()) << all_messages(problems);
  EXPECT_EQ(nodes_of(c, "pinned"), (std::vector<int>{2, 2, 2}));
  // A replacement (churn's path) goes to the same node.
  std::string why;
  const int more = c.create_pod(
      c.pods()[static_cast<std::size_t>(c.pods_of("default", "pinned")[0])].owner, 3, &why);
  ASSERT_GE(more, 0) << why;
  EXPECT_EQ(c.pods()[static_cast<std::size_t>(more)].node, 2);
}

TEST(ClusterSchedule, ANodeNameThatIsMissingOrRejectsThePodLeavesItPendingWithTheReason) {
  std::vector<Problem> problems;
  const Cluster missing(nodes(2), objects_of(deployment("lost", 1, "      nodeName: node-9\n")),
                        problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("spec.nodeName names node node-9, which does not exist"),
            std::string::npos)
      << problems[0].message;
  EXPECT_EQ(nodes_of(missing, "lost"), (std::vector<int>{-1}));

  problems.clear();
  const Cluster rejected(
      nodes(2),
      objects_of(
          deployment("picky", 1, "      nodeName: node-1\n      nodeSelector: {disk: ssd}\n")),
      problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("kubelet: NodeAffinity"), std::string::npos)
      << problems[0].message;

  // The kubelet admits by resources too: 3 pods of 1.5 CPUs on a 4-CPU node
  // that also holds a CoreDNS pod (100m).
  problems.clear();
  const Cluster full(nodes(2),
                     objects_of(deployment("big", 3, "      nodeName: node-0\n", "default",
                                           ", resources: {requests: {cpu: 1500m}}")),
                     problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(
      problems[0].message.find("1 of 3 pods cannot be scheduled: insufficient resources on node-0"),
      std::string::npos)
      << problems[0].message;
}

}  // namespace
}  // namespace podwire::kube
