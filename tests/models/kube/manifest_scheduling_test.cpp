// The manifest loader on scheduling rules: affinity and
// topologySpreadConstraints read into the pod spec, and every unknown or
// malformed field an error at its line, column and path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/kube/manifest_loader.hpp"
#include "tests/models/kube/manifest_test_support.hpp"

namespace podwire::kube {
namespace {

using namespace manifest_test;

std::string pod_with(const std::string& spec) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: "
         "x}]\n" +
         spec;
}

TEST(ManifestScheduling, AffinityAndSpreadAreRead) {
  const Loaded l = parse(pod_with(R"(  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: gen, operator: Gt, values: ["3"]}]
          matchFields: [{key: metadata.name, operator: NotIn, values: [node-0]}]
      preferredDuringSchedulingIgnoredDuringExecution:
      - {weight: 7, preference: {matchExpressions: [{key: disk, operator: Exists}]}}
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 50
        podAffinityTerm:
          labelSelector: {matchLabels: {app: web}}
          namespaceSelector: {}
          topologyKey: topology.kubernetes.io/zone
          matchLabelKeys: [version]
  topologySpreadConstraints:
  - {maxSkew: 2, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}, nodeTaintsPolicy: Honor}
)"));
  ASSERT_TRUE(l.errors().empty()) << l.errors()[0];
  ASSERT_EQ(l.set.pods.size(), 1u);
  const PodSpec& s = l.set.pods[0].spec;
  ASSERT_TRUE(s.affinity.node.has_value());
  ASSERT_TRUE(s.affinity.node->required.has_value());
  const NodeSelectorTerm& t = s.affinity.node->required->at(0);
  EXPECT_EQ(t.match_expressions.at(0).op, NodeOperator::gt);
  EXPECT_TRUE(t.matches("node-1", {{"gen", "4"}}));
  EXPECT_FALSE(t.matches("node-0", {{"gen", "4"}}));
  EXPECT_FALSE(t.matches("node-1", {{"gen", "3"}}));
  EXPECT_EQ(s.affinity.node->preferred.at(0).weight, 7);
  ASSERT_EQ(s.affinity.anti.preferred.size(), 1u);
  const PodAffinityTerm& a = s.affinity.anti.preferred[0].term;
  EXPECT_EQ(a.topology_key, "topology.kubernetes.io/zone");
  ASSERT_TRUE(a.namespace_selector.has_value());
  EXPECT_TRUE(a.namespace_selector->empty());
  EXPECT_EQ(a.match_label_keys, std::vector<std::string>{"version"});
  ASSERT_EQ(s.topology_spread.size(), 1u);
  EXPECT_EQ(s.topology_spread[0].max_skew, 2);
  EXPECT_FALSE(s.topology_spread[0].do_not_schedule);
  EXPECT_TRUE(s.topology_spread[0].honor_taints);
  EXPECT_TRUE(s.topology_spread[0].honor_node_affinity);
}

TEST(ManifestScheduling, UnknownAndMalformedFieldsAreLocatedErrors) {
  const Loaded l = parse(pod_with(R"(  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecutoin:
        nodeSelectorTerms: []
      preferredDuringSchedulingIgnoredDuringExecution:
      - {weight: 0, preference: {matchExpressions: [{key: gen, operator: Gt, values: [three]}]}}
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabel: {app: web}}
    podAntiAfinity: {}
  topologySpreadConstraints:
  - {maxSkew: 0, topologyKey: zone, whenUnsatisfiable: Never}
  - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}
)"));
  EXPECT_EQ(
      l.errors(),
      (std::vector<std::string>{
          "test.yaml:8:7: error: "
          "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecutoin: "
          "unknown field 'requiredDuringSchedulingIgnoredDuringExecutoin'; did you mean "
          "requiredDuringSchedulingIgnoredDuringExecution? (known fields: "
          "requiredDuringSchedulingIgnoredDuringExecution, "
          "preferredDuringSchedulingIgnoredDuringExecution)",
          "test.yaml:11:18: error: "
          "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
          "expected an integer from 1 to 100, got '0'",
          "test.yaml:11:53: error: "
          "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]."
          "preference.matchExpressions[0].values: operator Gt needs exactly one value, an integer",
          "test.yaml:14:9: error: "
          "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey:"
          " "
          "missing; expected a node label key, such as kubernetes.io/hostname",
          "test.yaml:14:25: error: "
          "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]."
          "labelSelector.matchLabel: unknown field 'matchLabel'; did you mean matchLabels? (known "
          "fields: matchLabels, matchExpressions)",
          "test.yaml:15:5: error: spec.affinity.podAntiAfinity: unknown field 'podAntiAfinity'; "
          "did "
          "you mean podAntiAffinity? (known fields: nodeAffinity, podAffinity, podAntiAffinity)",
          "test.yaml:17:15: error: spec.topologySpreadConstraints[0].maxSkew: expected an integer "
          "from 1 to 1000000000, got '0'",
          "test.yaml:17:56: error: spec.topologySpreadConstraints[0].whenUnsatisfiable: expected "
          "one of DoNotSchedule, ScheduleAnyway, got 'Never'",
          "test.yaml:18:84: error: spec.topologySpreadConstraints[1].minDomains: minDomains may "
          "only be given with whenUnsatisfiable: DoNotSchedule",
      }));
  EXPECT_TRUE(l.set.pods.empty());
}

TEST(ManifestScheduling, FieldSelectorsTakeOnlyMetadataNameWithOneValue) {
  const Loaded l = parse(pod_with(R"(  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchFields:
          - {key: metadata.labels, operator: In, values: [a]}
          - {key: metadata.name, operator: Exists}
)"));
  ASSERT_EQ(l.errors().size(), 2u);
  EXPECT_NE(l.errors()[0].find("'metadata.labels' is not a supported field selector"),
            std::string::npos)
      << l.errors()[0];
  EXPECT_NE(l.errors()[1].find("a field selector takes In or NotIn, not Exists"), std::string::npos)
      << l.errors()[1];
}

}  // namespace
}  // namespace podwire::kube
