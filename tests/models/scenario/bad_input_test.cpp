// Bad input to a cluster scenario, as a new user or a fuzzer writes it: each
// is a located error (file:line:column, the field's path), never a crash, a
// hang, an exception of another type or a value accepted silently.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "models/scenario/cluster_scenario.hpp"

namespace podwire::scenario {
namespace {

// A scenario that loads, with `extra` appended at its top level.
std::string scenario(const std::string& extra = "", const std::string& manifests = "") {
  return R"(run: {seed: 1, duration: 1s}
cluster:
  nodes:
    - {name: worker, count: 2, cpus: 4}
manifests:
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]}
)" + manifests +
         extra;
}

// The errors, one a line; "" when the scenario loads.
std::string errors_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_cluster_scenario(text, "s.yaml", overrides);
  } catch (const ScenarioError& e) {
    std::string out;
    for (const Diagnostic& d : e.diagnostics().sorted()) {
      if (d.severity == Severity::error) out += d.to_string() + "\n";
    }
    return out;
  }
  return "";
}

TEST(BadInput, TheBaseScenarioLoads) { EXPECT_EQ(errors_of(scenario()), ""); }

TEST(BadInput, AnInlineManifestThatContainsItselfIsOneError) {
  const std::string e = errors_of(R"(run: {seed: 1, duration: 1s}
cluster: {nodes: [{name: w}]}
manifests: [&m {inline: *m}]
)");
  EXPECT_NE(e.find("this value contains itself through an alias"), std::string::npos) << e;
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
}

TEST(BadInput, AScenarioThatIsAnAliasBombIsRefusedAtOnce) {
  std::string bomb = "x0: &x0 [a, a, a, a, a, a, a, a, a]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string below = "*x" + std::to_string(i - 1);
    bomb += "x" + std::to_string(i) + ": &x" + std::to_string(i) + " [" + below + ", " + below +
            ", " + below + ", " + below + ", " + below + ", " + below + ", " + below + ", " +
            below + ", " + below + "]\n";
  }
  const std::string e = errors_of(scenario(bomb));
  EXPECT_NE(e.find("aliases expand this document by more than 100000 nodes"), std::string::npos)
      << e;
}

TEST(BadInput, AKeyGivenTwiceInAScenarioIsAnErrorAtBothPlaces) {
  EXPECT_EQ(errors_of(scenario("apps:\n  web: {concurrency: 2}\napps:\n  web: {concurrency: 3}\n")),
            "s.yaml:23:1: error: apps: key 'apps' is given twice in this mapping (first at line "
            "21)\n");
  EXPECT_EQ(errors_of(scenario("apps:\n  web:\n    concurrency: 2\n    concurrency: 3\n")),
            "s.yaml:24:5: error: apps.web.concurrency: key 'concurrency' is given twice in this "
            "mapping (first at line 23)\n");
}

TEST(BadInput, TwoAppsKeysForOneWorkloadAreAnError) {
  EXPECT_EQ(
      errors_of(scenario("apps:\n  web: {concurrency: 2}\n  default/web: {concurrency: 3}\n")),
      "s.yaml:23:3: error: apps.default/web: names workload default/web again (first as 'web' at "
      "line 22)\n");
}

TEST(BadInput, AnExternalIpListedTwiceIsAnErrorAtTheSecond) {
  const std::string service = R"(  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: ext}
      spec:
        selector: {app: web}
        externalIPs: [1.2.3.4, 1.2.3.4]
        ports: [{port: 81, targetPort: 8080}]
)";
  const std::string e = errors_of(scenario("", service));
  EXPECT_NE(e.find(":6:26: error: spec.externalIPs[1]: Duplicate value: \"1.2.3.4\" (also item 0)"),
            std::string::npos)
      << e;
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
}

TEST(BadInput, TwoServicesOnOneExternalAddressAreAnError) {
  const std::string services = R"(  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: a}
      spec: {selector: {app: web}, externalIPs: [1.2.3.4], ports: [{port: 81, targetPort: 8080}]}
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: b}
      spec: {selector: {app: web}, externalIPs: [1.2.3.4], ports: [{port: 81, targetPort: 8080}]}
)";
  const std::string e = errors_of(scenario("", services));
  EXPECT_NE(
      e.find("error: spec.externalIPs: service 'b' (namespace default): 1.2.3.4:81/TCP is "
             "already an external address of service 'a' (namespace default) (at s.yaml:21:5"),
      std::string::npos)
      << e;
}

TEST(BadInput, BytesThatAreNotUtf8AreAnErrorAtTheirPlace) {
  // In a value, in a key that a warning would quote, and in a binary file.
  EXPECT_EQ(errors_of(scenario("traffic:\n  - {name: cli\xff\xfe"
                               "ent, url: http://web/, rate: 1/s}\n")),
            "s.yaml:22:15: error: byte 0xff is not UTF-8; YAML files must be UTF-8 text\n");
  EXPECT_EQ(errors_of(scenario("k\xc3\xa9y\xe9: 1\n")),
            "s.yaml:21:4: error: byte 0xe9 is not UTF-8; YAML files must be UTF-8 text\n");
  EXPECT_EQ(errors_of(std::string("\x7f"
                                  "ELF\x02\x01\x01\0\0\0",
                                  10)),
            "s.yaml:1:1: error: control character 0x7f is not allowed in YAML text (is this a "
            "binary file?)\n");
  // An override's value does not pass through the file's check.
  EXPECT_EQ(errors_of(scenario("traffic:\n  - {url: http://web/, rate: 1/s}\n"),
                      {"traffic[0].name=a\xff"}),
            "--set traffic[0].name: error: traffic[0].name: this value is not UTF-8 text\n");
}

TEST(BadInput, QuotedUserTextIsEscapedSoADiagnosticIsOneLine) {
  const std::string e = errors_of(R"(run: {seed: 1, duration: 1s}
cluster:
  nodes: [{name: "a\nb\u0001"}, {name: "a\nb\u0001"}]
)");
  EXPECT_EQ(
      e, "s.yaml:3:33: error: cluster.nodes[1].name: node group name 'a\\nb\\x01' is used twice\n");
}

}  // namespace
}  // namespace podwire::scenario
