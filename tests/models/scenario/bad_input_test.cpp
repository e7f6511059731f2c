// Bad input to a cluster scenario, as a new user or a fuzzer writes it: each
// is a located error (file:line:column, the field's path), never a crash, a
// hang, an exception of another type or a value accepted silently.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "models/kube/kube_schema.hpp"
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

// The warnings of a scenario that loads, one a line.
std::string warnings_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  std::string out;
  for (const Diagnostic& d : parse_cluster_scenario(text, "s.yaml", overrides).diagnostics.sorted())
    out += d.to_string() + "\n";
  return out;
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
  EXPECT_NE(
      e.find(
          "s.yaml:27:32: error: spec.externalIPs[1]: Duplicate value: \"1.2.3.4\" (also item 0)"),
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
             "already an external address of service 'a' (namespace default) (at s.yaml:22:7)"),
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
  EXPECT_EQ(e,
            "s.yaml:3:18: error: cluster.nodes[0].name: 'a\\nb\\x01' cannot name nodes: a DNS "
            "subdomain may contain only lowercase letters, digits, '-' and '.'\n"
            "s.yaml:3:33: error: cluster.nodes[1].name: node group name 'a\\nb\\x01' is used twice "
            "(first by cluster.nodes[0], line 3)\n"
            "s.yaml:3:40: error: cluster.nodes[1].name: 'a\\nb\\x01' cannot name nodes: a DNS "
            "subdomain may contain only lowercase letters, digits, '-' and '.'\n");
}

const std::string kTraffic = "traffic:\n  - {url: http://web/, rate: 1/s}\n";

TEST(BadInput, AnOverrideIndexTooLargeForAnyListIsAnError) {
  EXPECT_EQ(errors_of(scenario(kTraffic), {"traffic[99999999999999999999].rate=1/s"}),
            "--set traffic[99999999999999999999].rate=1/s: error: "
            "traffic[99999999999999999999].rate: 'traffic[99999999999999999999]': list index "
            "99999999999999999999 is out of range\n");
}

TEST(BadInput, AnOverridePathThatNamesNoFieldIsAnErrorWithTheClosestPaths) {
  EXPECT_EQ(errors_of(scenario(kTraffic), {"run.durashun=5s"}),
            "--set run.durashun: error: run.durashun: unknown field 'durashun'; did you mean "
            "run.duration? (known fields: seed, duration, warmup)\n");
  const std::string rtae = errors_of(scenario(kTraffic), {"traffic[0].rtae=5/s"});
  EXPECT_EQ(rtae.substr(0, rtae.find(" (known")),
            "--set traffic[0].rtae: error: traffic[0].rtae: unknown field 'rtae'; did you mean "
            "traffic[0].rate?");
  // A mapping the override made has no line in the file: it is the override's.
  EXPECT_EQ(errors_of(scenario(kTraffic), {"nothing.here=1"}),
            "--set nothing.here: error: nothing: unknown field 'nothing' (known fields: run, "
            "cluster, manifests, apps, traffic, churn, outputs)\n");
  // And so is a key inside the override's value.
  const std::string inside =
      errors_of(scenario(kTraffic), {"traffic[0].client={program: curl, thredas: 2}"});
  EXPECT_EQ(inside.substr(0, inside.find(" (known")),
            "--set traffic[0].client: error: traffic[0].client.thredas: unknown field 'thredas'; "
            "did you mean traffic[0].client.threads?");
  // The same typo in the file stays a warning, at its line.
  EXPECT_EQ(errors_of(scenario("traffic:\n  - {url: http://web/, rate: 1/s, rtae: 2/s}\n")), "");
}

TEST(BadInput, ClosestNamesAreFewAndNear) {
  const std::vector<std::string_view> known = {"rate", "users", "retries", "timeout"};
  EXPECT_EQ(kube::closest_names("rtae", known), std::vector<std::string_view>{"rate"});
  EXPECT_EQ(kube::closest_names("userz", known), std::vector<std::string_view>{"users"});
  EXPECT_TRUE(kube::closest_names("colour", known).empty());
}

TEST(BadInput, ValuesARunCannotMeanAreErrorsAtTheirField) {
  EXPECT_EQ(errors_of(scenario("traffic:\n  - {url: http://web/, rate: 1e-320/s}\n")),
            "s.yaml:22:30: error: traffic[0].rate: rate '1e-320/s' is too small: one event in more "
            "than 106 days, the longest simulated time\n");
  EXPECT_EQ(errors_of(scenario("traffic:\n  - {url: http://web/, rate: 1/s, request_size: 0B}\n")),
            "s.yaml:22:49: error: traffic[0].request_size: must be at least 1B, got 0B\n");
  EXPECT_EQ(errors_of(scenario("apps:\n  web: {response_size: 0B}\n")),
            "s.yaml:22:24: error: apps.web.response_size: must be at least 1B, got 0B\n");
  EXPECT_EQ(
      errors_of(scenario("apps:\n  web:\n    calls:\n      - sequential: [{url: http://web/, "
                         "request_size: 0B, response_size: 0B}]\n")),
      "s.yaml:24:55: error: apps.web.calls[0].sequential[0].request_size: must be at least 1B, got "
      "0B\n"
      "s.yaml:24:74: error: apps.web.calls[0].sequential[0].response_size: must be at least 1B, "
      "got 0B\n");
  EXPECT_EQ(errors_of(scenario("apps:\n  web: {cpu_per_request: -1s, cpu_per_connection: -2us}\n")),
            "s.yaml:22:26: error: apps.web.cpu_per_request: must not be negative, got -1s\n"
            "s.yaml:22:51: error: apps.web.cpu_per_connection: must not be negative, got -2us\n");
  EXPECT_EQ(
      errors_of(scenario(
          "traffic:\n  - {url: http://web/, rate: 1/s, client: {cpu_per_request: -1ms}}\n")),
      "s.yaml:22:61: error: traffic[0].client.cpu_per_request: must not be negative, got -1ms\n");
  EXPECT_EQ(
      errors_of(scenario("churn:\n  lifecycle: {container_start: -1s}\n")),
      "s.yaml:22:32: error: churn.lifecycle.container_start: must not be negative, got -1s\n");
  EXPECT_EQ(errors_of(scenario("apps:\n  web: {service_time: {distribution: uniform, min: -1ms, "
                               "max: 1ms}}\n")),
            "s.yaml:22:52: error: apps.web.service_time.min: must not be negative, got -1ms\n");
  EXPECT_EQ(errors_of(scenario("apps:\n  web: {resolver: musl}\n")),
            "s.yaml:22:19: error: apps.web.resolver: expected glibc, go or java, got 'musl'\n");
}

TEST(BadInput, AnEmptyManifestPathAndANodeGroupThatCannotNameNodesAreErrors) {
  EXPECT_EQ(errors_of(scenario("", "  - \"\"\n")),
            "s.yaml:21:5: error: manifests[2]: an empty path: give a manifest file or folder\n");
  std::string text = scenario();
  text.replace(text.find("name: worker"), 12, "name: Big Node");
  EXPECT_EQ(errors_of(text),
            "s.yaml:4:14: error: cluster.nodes[0].name: 'Big Node' cannot name nodes: a DNS "
            "subdomain may contain only lowercase letters, digits, '-' and '.'\n");
}

TEST(BadInput, MinutesHoursAndDaysAreTimes) {
  const ClusterScenario s = parse_cluster_scenario(
      scenario("apps:\n  web: {service_time: 1min}\nchurn:\n  lifecycle: {eviction_timeout: 1h}\n"),
      "s.yaml", {"run.duration=1d"});
  EXPECT_EQ(s.run.duration, engine::Time::s(86400));
  EXPECT_EQ(s.churn.lifecycle.eviction_timeout, engine::Time::s(3600));
}

TEST(BadInput, ThousandsOfDuplicatesAreEachReportedOnceAndTheListIsCapped) {
  std::string groups;
  for (int i = 0; i < 2000; ++i) groups += "    - {name: worker, cpus: 4}\n";
  const std::string text =
      "run: {seed: 1, duration: 1s}\ncluster:\n  pod_cidr: 10.0.0.0/8\n  nodes:\n" + groups;
  const auto start = std::chrono::steady_clock::now();
  try {
    parse_cluster_scenario(text, "s.yaml");
    FAIL() << "duplicates accepted";
  } catch (const ScenarioError& e) {
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(took, 1.0);
    EXPECT_EQ(e.diagnostics().count(Severity::error), 1999u);
    const std::vector<Diagnostic> shown = e.diagnostics().sorted();
    ASSERT_EQ(shown.size(), Diagnostics::kMaxShown + 1);
    EXPECT_EQ(shown[0].to_string(),
              "s.yaml:6:7: error: cluster.nodes[1].name: node group name 'worker' is used twice "
              "(first by cluster.nodes[0], line 5)");
    EXPECT_EQ(shown[1].to_string(),
              "s.yaml:7:7: error: cluster.nodes[2].name: node group name 'worker' is used twice "
              "(first by cluster.nodes[0], line 5)");
    EXPECT_EQ(shown.back().to_string(), "error: 1899 more errors not shown");
  }
}

TEST(BadInput, WhatTheClusterMustHoldIsReportedAtTheFieldThatSetsIt) {
  const std::string run = "run: {seed: 1, duration: 1s}\n";
  EXPECT_EQ(errors_of(run + "cluster:\n  nodes: [{name: w, nic: 0Gbps}]\n"),
            "s.yaml:3:26: error: cluster.nodes[0].nic: must be positive, got 0bps\n");
  EXPECT_EQ(errors_of(run + "cluster:\n  nodes: []\n"),
            "s.yaml:3:10: error: cluster.nodes: a cluster needs at least one node\n");
  EXPECT_EQ(
      errors_of(run + "cluster:\n  pod_cidr: 10.244.0.0/24\n  node_cidr_mask: 26\n  nodes: "
                      "[{name: w, count: 300}]\n"),
      "s.yaml:4:19: error: cluster.node_cidr_mask: pod CIDR 10.244.0.0/24 has 4 blocks of /26, "
      "fewer than the 300 nodes\n");
  EXPECT_EQ(
      errors_of(run + "cluster:\n  node_network: 10.0.0.0/29\n  nodes: [{name: w, count: 6}]\n"),
      "s.yaml:3:17: error: cluster.node_network: node network 10.0.0.0/29 has room for 5 "
      "nodes, not 6\n");
}

TEST(BadInput, AMissingManifestPathIsReportedWhereTheScenarioNamesIt) {
  EXPECT_EQ(errors_of(scenario("", "  - no/such/file.yaml\n")),
            "s.yaml:21:5: error: manifests[2]: 'no/such/file.yaml': no such file or folder\n");
}

// A key with no value and a `-` with nothing after it are slips: each is
// reported, and under --strict refused (a manifest keeps its nulls).
TEST(BadInput, AScenarioKeyWithNoValueAndAnEmptyListItemAreReported) {
  const std::string text = scenario(
      "apps:\n  web: {service_time: , calls: [null]}\ntraffic:\n  -\n  - {url: http://web/, rate: "
      "1/s}\n");
  EXPECT_EQ(warnings_of(text),
            "s.yaml:22:23: warning: apps.web.service_time: has no value, so it is read as absent\n"
            "s.yaml:22:33: warning: apps.web.calls[0]: an empty list item is ignored\n"
            "s.yaml:24:4: warning: traffic[0]: an empty list item is ignored\n");
  const ClusterScenario s = parse_cluster_scenario(text, "s.yaml");
  ASSERT_EQ(s.traffic.size(), 1u);
  EXPECT_TRUE(s.apps.at(0).calls.empty());
  kube::SchemaCheck strict;
  strict.strict = true;
  try {
    parse_cluster_scenario(text, "s.yaml", {}, &strict);
    FAIL() << "accepted under --strict";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.diagnostics().count(Severity::error), 3u);
  }
  // `creationTimestamp: null`, as kubectl writes it, is no slip.
  EXPECT_EQ(
      warnings_of(scenario("",
                           "  - inline: {apiVersion: v1, kind: Namespace, metadata: {name: c, "
                           "creationTimestamp: null}}\n")),
      "");
}

TEST(BadInput, AnOverrideWithNoValueIsAnError) {
  EXPECT_EQ(errors_of(scenario(), {"run.duration="}),
            "--set run.duration=: error: run.duration: no value after '='; write "
            "run.duration=null to leave the field out\n");
  EXPECT_EQ(parse_cluster_scenario(scenario(), "s.yaml", {"run.duration=null"}).run.duration,
            RunSettings{}.duration);
}

TEST(BadInput, ASecondDocumentInAScenarioIsAnError) {
  EXPECT_EQ(errors_of(scenario() + "---\napiVersion: v1\nkind: Pod\n"),
            "s.yaml:22:1: error: a scenario is one YAML document, and a second one begins here; "
            "Kubernetes objects go in a file that manifests: names, or inline: under it\n");
  EXPECT_EQ(errors_of(scenario() + "---\n"), "");  // a document end with nothing after it
}

TEST(BadInput, AUrlsHostMustBeAnAddressOrADnsName) {
  const auto url = [](const std::string& u) {
    return errors_of(scenario("traffic:\n  - {url: " + u + ", rate: 1/s}\n"));
  };
  EXPECT_EQ(url("http://999.1.1.1/"),
            "s.yaml:22:11: error: traffic[0].url: 'http://999.1.1.1/': the host is neither an "
            "IPv4 address nor a DNS name\n");
  EXPECT_EQ(url("1.5"),
            "s.yaml:22:11: error: traffic[0].url: '1.5': the host is neither an IPv4 address nor "
            "a DNS name\n");
  EXPECT_EQ(url("http://we_b/"),
            "s.yaml:22:11: error: traffic[0].url: 'http://we_b/': 'we_b' in host 'we_b' is not a "
            "DNS label (1 to 63 letters, digits or inner hyphens)\n");
  EXPECT_EQ(url("http://-web.default/"),
            "s.yaml:22:11: error: traffic[0].url: 'http://-web.default/': '-web' in host "
            "'-web.default' is not a DNS label (1 to 63 letters, digits or inner hyphens)\n");
  EXPECT_EQ(url("http://10.96.0.10:80/"), "");
  EXPECT_EQ(url("http://web.default.svc.cluster.local./"), "");  // rooted
  EXPECT_EQ(url("web:80"), "");  // no scheme: http, as curl reads it
}

}  // namespace
}  // namespace podwire::scenario
