// The manifest loader against small inputs: the semantics of single objects
// (defaults, named ports, List and unknown kinds), and broken inputs whose
// every diagnostic is checked to the line, column and word.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "models/kube/manifest_loader.hpp"
#include "tests/models/kube/manifest_test_support.hpp"

namespace podwire::kube {
namespace {

using namespace manifest_test;
namespace fs = std::filesystem;

// --- semantics of single objects ------------------------------------------------------

TEST(ManifestLoader, DefaultPolicyTypes) {
  const Loaded l = parse(R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ingress-only}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: web}}
      podSelector: {matchExpressions: [{key: tier, operator: In, values: [frontend]}]}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports:
    - {port: 5432, endPort: 5440}
    - {port: metrics, protocol: UDP}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: with-egress}
spec:
  podSelector: {}
  egress:
  - to: [{podSelector: {}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: empty-egress}
spec:
  egress: []
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: explicit}
spec:
  podSelector: {}
  policyTypes: [Egress]
)");
  EXPECT_EQ(l.errors(), std::vector<std::string>{});
  ASSERT_EQ(l.set.network_policies.size(), 4u);
  const NetworkPolicy& a = l.set.network_policies[0];
  EXPECT_TRUE(a.policy_ingress);
  EXPECT_FALSE(a.policy_egress);
  EXPECT_EQ(a.pod_selector.to_string(), "app=db");
  const NetworkPolicyPeer& peer = a.ingress.at(0).peers.at(0);
  EXPECT_TRUE(peer.namespace_selector->matches({{"team", "web"}}));
  EXPECT_TRUE(peer.pod_selector->matches({{"tier", "frontend"}}));
  EXPECT_EQ(a.ingress[0].peers[1].ip_block->except, std::vector<std::string>{"10.1.0.0/16"});
  EXPECT_EQ(a.ingress[0].ports[0].end_port, 5440);
  EXPECT_EQ(a.ingress[0].ports[1].port, (PortRef{0, "metrics"}));
  EXPECT_EQ(a.ingress[0].ports[1].protocol, Protocol::udp);
  EXPECT_TRUE(l.set.network_policies[1].policy_ingress);
  EXPECT_TRUE(l.set.network_policies[1].policy_egress);  // it has an egress rule
  EXPECT_TRUE(l.set.network_policies[2].policy_ingress);
  EXPECT_FALSE(l.set.network_policies[2].policy_egress);  // no egress rule
  EXPECT_TRUE(l.set.network_policies[2].pod_selector.empty());
  EXPECT_FALSE(l.set.network_policies[3].policy_ingress);
  EXPECT_TRUE(l.set.network_policies[3].policy_egress);
}

TEST(ManifestLoader, RollingUpdateCountsAndPercentages) {
  const Loaded l = parse(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  replicas: 10
  selector: {matchLabels: {app: a}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: "50%", maxUnavailable: 0}}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec:
  selector: {matchLabels: {app: b}}
  strategy: {type: Recreate}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: c}
spec:
  selector: {matchLabels: {app: c}}
  strategy:
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 0
  template:
    metadata: {labels: {app: c}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  strategy:
    rollingUpdate:
      maxSurge: lots
      maxUnavailable: "1"
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: c, image: x}]}
)");
  ASSERT_EQ(l.set.deployments.size(), 2u);
  const Deployment& a = l.set.deployments[0];
  EXPECT_EQ(a.strategy.max_surge, (IntOrPercent{50, true}));
  EXPECT_EQ(a.strategy.max_unavailable, (IntOrPercent{0, false}));
  EXPECT_EQ(a.strategy.max_surge.resolve(a.replicas, true), 5);
  EXPECT_EQ(l.set.deployments[1].strategy.type, DeploymentStrategy::Type::recreate);
  EXPECT_EQ(
      l.errors(),
      (std::vector<std::string>{
          "test.yaml:30:7: error: spec.strategy.rollingUpdate: maxSurge and maxUnavailable must "
          "not both be 0: the rollout could never progress",
          "test.yaml:43:17: error: spec.strategy.rollingUpdate.maxSurge: expected a count such "
          "as 1 or a percentage such as 25%, got 'lots'",
          "test.yaml:44:23: error: spec.strategy.rollingUpdate.maxUnavailable: expected a count "
          "such as 1 or a percentage such as 25%, got '1'",
      }));
}

TEST(ManifestLoader, ResolvesNamedTargetPortsAndDefaults) {
  const Loaded l = parse(R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: admin, port: 9000}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: shop}
spec:
  serviceName: web
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: server
        image: x
        ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 5353, protocol: UDP}]
        resources: {limits: {cpu: 2, memory: 1Gi}}
        lifecycle: {preStop: {sleep: {seconds: 5}}}
)");
  EXPECT_EQ(l.errors(), std::vector<std::string>{});
  EXPECT_EQ(l.warnings(), std::vector<std::string>{});
  const Service& svc = l.set.services.at(0);
  EXPECT_EQ(svc.meta.namespace_, "shop");
  EXPECT_EQ(svc.session_affinity, SessionAffinity::client_ip);
  EXPECT_EQ(svc.session_affinity_timeout_seconds, 10800);
  EXPECT_EQ(svc.ports[2].target_port, (PortRef{9000, ""}));
  const StatefulSet& sts = l.set.stateful_sets.at(0);
  EXPECT_EQ(sts.pod_management_policy, PodManagementPolicy::parallel);
  const PodSpec& spec = sts.template_.spec;
  EXPECT_EQ(resolve_port(spec, svc.ports[0].target_port, svc.ports[0].protocol), 8080);
  EXPECT_EQ(resolve_port(spec, svc.ports[1].target_port, svc.ports[1].protocol), 5353);
  const Container& c = spec.containers[0];
  EXPECT_EQ(c.cpu_request_millicores, 2000);  // a limit alone sets the request
  EXPECT_EQ(c.memory_request_bytes, 1LL << 30);
  EXPECT_EQ(c.pre_stop->action, PreStopHook::Action::sleep);
  EXPECT_EQ(c.pre_stop->sleep_seconds, 5);
}

// glibc and Go ignore a resolver option they do not know; podwire says so,
// and says which options it does not model.
TEST(ManifestLoader, ResolverOptionsItDoesNotActOnAreWarnings) {
  const Loaded l = parse(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  dnsConfig:
    options:
      - {name: single-request-reopen}
      - {name: use-vc}
      - {name: single-requests}
  containers: [{name: c, image: busybox}]
)");
  EXPECT_EQ(l.errors(), std::vector<std::string>{});
  EXPECT_EQ(l.warnings(),
            (std::vector<std::string>{
                "test.yaml:9:16: warning: spec.dnsConfig.options[1].name: option 'use-vc' (DNS "
                "over TCP) is not modelled: queries go over UDP",
                "test.yaml:10:16: warning: spec.dnsConfig.options[2].name: 'single-requests' is "
                "no resolver option glibc or Go knows: both ignore it"}));
}

// Kubernetes refuses a container resource that is neither standard nor
// qualified by a domain: a misspelt name would otherwise request nothing.
TEST(ManifestLoader, AContainerResourceNameMustBeStandardOrQualified) {
  const Loaded l = parse(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: busybox
      resources: {requests: {cpu: 100m, memroy: 64Gi, example.com/gpu: 1, hugepages-2Mi: 8Mi}}
)");
  EXPECT_EQ(l.errors(),
            std::vector<std::string>{
                "test.yaml:9:49: error: spec.containers[0].resources.requests.memroy: 'memroy' is "
                "no resource a container can ask for (cpu, memory, ephemeral-storage, "
                "hugepages-<size>, or a name with a domain such as example.com/gpu); did you "
                "mean memory?"});
}

TEST(ManifestLoader, ListKindAndUnknownKinds) {
  const Loaded l = parse(R"(
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a}
  spec: {ports: [{port: eighty}]}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c1}}
- {apiVersion: v1, kind: Namespace, metadata: {name: team-a}}
---
{apiVersion: v1, kind: ConfigMap, metadata: {name: c2}}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello}
spec: {template: {spec: {containers: [{image: x}]}}}
)");
  EXPECT_EQ(l.errors(),
            std::vector<std::string>{
                "test.yaml:8:25: error: items[0].spec.ports[0].port: expected an integer from 1 to "
                "65535, got 'eighty'"});
  EXPECT_TRUE(l.set.services.empty());  // an object with errors is left out
  EXPECT_EQ(l.set.namespaces.size(), 1u);
  EXPECT_EQ(l.set.unknown_kinds,
            (std::map<std::string, int>{{"ConfigMap", 2}, {"Service.serving.knative.dev", 1}}));
  EXPECT_EQ(
      l.notices(),
      (std::vector<std::string>{
          "test.yaml:9:26: notice: items[1].kind: ConfigMap (v1) is not modelled by podwire; the 2 "
          "objects of this kind in this file are ignored",
          "test.yaml:15:7: notice: kind: Service (serving.knative.dev/v1) is not modelled by "
          "podwire; this object is ignored"}));
}

TEST(ManifestLoader, EmptyTextsHaveNoObjectsAndNoDiagnostics) {
  for (const char* text : {"", "\n\n", "# only a comment\n", "---\n", "---\n---\n...\n"}) {
    const Loaded l = parse(text);
    EXPECT_EQ(l.set.object_count(), 0u) << text;
    EXPECT_TRUE(l.diagnostics.items().empty()) << text;
  }
}

// --- errors ------------------------------------------------------------------------------

TEST(ManifestErrors, BadPortTypes) {
  const Loaded l = parse(R"(apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: http
    targetPort: 70000
  - port: 8080
    targetPort: "8080"
    nodePort: 30080
  - port: 9090
    targetPort: Metrics
)");
  EXPECT_EQ(
      l.errors(),
      (std::vector<std::string>{
          "test.yaml:9:5: error: spec.ports[0].name: missing; expected a port name: every port of "
          "a multi-port Service needs one",
          "test.yaml:9:11: error: spec.ports[0].port: expected an integer from 1 to 65535, got "
          "'http'",
          "test.yaml:10:17: error: spec.ports[0].targetPort: expected a port number from 1 to "
          "65535 "
          "or a port name, got '70000'",
          "test.yaml:11:5: error: spec.ports[1].name: missing; expected a port name: every port of "
          "a multi-port Service needs one",
          "test.yaml:12:17: error: spec.ports[1].targetPort: a quoted number is a port name to "
          "Kubernetes, and port names need a letter; write 8080 without quotes",
          "test.yaml:13:15: error: spec.ports[1].nodePort: nodePort may only be given for NodePort "
          "and LoadBalancer Services, not ClusterIP",
          "test.yaml:14:5: error: spec.ports[2].name: missing; expected a port name: every port of "
          "a multi-port Service needs one",
          "test.yaml:15:17: error: spec.ports[2].targetPort: expected a port number from 1 to "
          "65535 "
          "or a port name, got 'Metrics' (a port name may contain only lowercase letters, digits "
          "and '-')",
      }));
  EXPECT_TRUE(l.set.services.empty());
}

TEST(ManifestErrors, SyntaxErrorsAreLocatedAndOtherDocumentsStillLoad) {
  const Loaded l = parse(R"(apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [80, 81
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
kind: Pod
 metadata: x
)");
  EXPECT_EQ(l.errors(),
            (std::vector<std::string>{
                "test.yaml:7:1: error: YAML syntax error: end of sequence flow not found",
                "test.yaml:14:10: error: YAML syntax error: illegal map value",
            }));
  ASSERT_EQ(l.set.namespaces.size(), 1u);
  EXPECT_EQ(l.set.namespaces[0].meta.name, "shop");
  EXPECT_EQ(l.set.namespaces[0].source.line, 8);
}

// yaml-cpp 0.7 alone would loop, allocating, on a top-level ',' (yaml-cpp#1040).
TEST(ManifestErrors, StrayTopLevelCommaIsASyntaxError) {
  const Loaded l = parse(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n, stray\n---\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
  EXPECT_EQ(
      l.errors(),
      std::vector<std::string>{
          "test.yaml:5:1: error: YAML syntax error: unexpected ',' outside a flow collection"});
  ASSERT_EQ(l.set.namespaces.size(), 2u);
  EXPECT_EQ(l.set.namespaces[1].meta.name, "b");
  const Loaded alone = parse("- a\n,\n");
  EXPECT_EQ(
      alone.errors(),
      std::vector<std::string>{
          "test.yaml:2:1: error: YAML syntax error: unexpected ',' outside a flow collection"});
}

TEST(ManifestErrors, NotKubernetesObjects) {
  const Loaded text = parse("This is a README, not a manifest.\n");
  EXPECT_EQ(
      text.errors(),
      std::vector<std::string>{
          "test.yaml:1:1: error: expected a Kubernetes object (a mapping with apiVersion, kind "
          "and metadata), got the text 'This is a README, not a manifest.'"});
  const Loaded list = parse("- a\n- b\n");
  EXPECT_EQ(
      list.errors(),
      std::vector<std::string>{
          "test.yaml:1:1: error: expected a Kubernetes object (a mapping with apiVersion, kind "
          "and metadata), got a list"});
  const Loaded bare = parse("metadata: {name: x}\nspec: {}\n");
  EXPECT_EQ(
      bare.errors(),
      (std::vector<std::string>{
          "test.yaml:1:1: error: apiVersion: missing; expected the object's API version, such "
          "as apps/v1",
          "test.yaml:1:1: error: kind: missing; expected the object's kind, such as Deployment"}));
}

TEST(ManifestErrors, WorkloadStructure) {
  const Loaded l = parse(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: no-template}
spec:
  selector: {matchLabels: {app: a}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: scalar-selector}
spec:
  selector: app=a
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: mismatch}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata:
      labels: {app: b}
    spec:
      containers:
      - name: c
        resources: {requests: {cpu: lots, memory: 2Gi}, limits: {memory: 1Gi}}
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  selector: [app, web]
  ports: [{port: 80}]
)");
  EXPECT_EQ(
      l.errors(),
      (std::vector<std::string>{
          "test.yaml:5:3: error: spec.template: missing; expected a pod template (metadata.labels "
          "and spec)",
          "test.yaml:11:13: error: spec.selector: expected a label selector (a mapping with "
          "matchLabels and/or matchExpressions), got 'app=a'",
          "test.yaml:23:15: error: spec.template.metadata.labels: the selector app=a does not "
          "select these labels; Kubernetes rejects a workload whose selector does not match its "
          "pod template",
          "test.yaml:27:37: error: spec.template.spec.containers[0].resources.requests.cpu: 'lots' "
          "is not a Kubernetes quantity such as 100m, 0.5, 64Mi or 1e3",
          "test.yaml:27:51: error: spec.template.spec.containers[0].resources.requests.memory: the "
          "memory request must not exceed the memory limit",
          "test.yaml:33:13: error: spec.selector: expected a mapping of label keys to values, got "
          "a "
          "list",
      }));
  EXPECT_EQ(l.set.object_count(), 0u);
}

TEST(ManifestErrors, DuplicateObjectsAndKeys) {
  const Loaded l = parse(R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  selector: {app: web}
  ports: [{port: 80}]
  ports: [{port: 81}]
)");
  EXPECT_EQ(
      l.errors(),
      (std::vector<std::string>{
          "test.yaml:17:1: error: metadata.name: service 'web' (namespace default) is defined "
          "twice: at test.yaml:1:1 and at test.yaml:17:1",
          "test.yaml:25:3: error: spec.ports: key 'ports' is given twice in this mapping (first at "
          "line 24)",
      }));
  // The Service in namespace `other` has neither selector nor EndpointSlice.
  EXPECT_EQ(
      l.warnings(),
      std::vector<std::string>{
          "test.yaml:6:1: warning: spec.selector: service 'web' (namespace other) has no selector "
          "and no EndpointSlice names it (label kubernetes.io/service-name), so it has no "
          "endpoints"});
}

TEST(ManifestErrors, TwoContainersOnOnePort) {
  const Loaded l = parse(R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: app
        ports: [{containerPort: 8080}, {containerPort: 53, protocol: UDP}]
      - name: sidecar
        ports:
        - containerPort: 53
        - containerPort: 8080
)");
  EXPECT_EQ(
      l.errors(),
      std::vector<std::string>{
          "test.yaml:15:11: error: spec.template.spec.containers[1].ports[1].containerPort: "
          "daemonset 'agent' (namespace kube-system): containers 'app' and 'sidecar' both declare "
          "containerPort 8080/TCP; the containers of a pod share one network namespace, so only "
          "one of them can bind it"});
}

TEST(ManifestErrors, UnknownTargetPortName) {
  const Loaded l = parse(R"(apiVersion: v1
kind: Service
metadata: {name: frontend}
spec:
  selector: {app: guestbook}
  ports:
  - port: 80
    targetPort: http-server
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend}
spec:
  selector: {matchLabels: {app: guestbook}}
  template:
    metadata: {labels: {app: guestbook, tier: frontend}}
    spec:
      containers:
      - name: php
        ports: [{name: http, containerPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, labels: {app: guestbook}}
spec:
  containers:
  - name: shell
    ports: [{name: http-server, containerPort: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 8080}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.1]}]
)");
  EXPECT_EQ(
      l.errors(),
      std::vector<std::string>{
          "test.yaml:8:17: error: spec.ports[0].targetPort: service 'frontend' (namespace "
          "default): "
          "targetPort 'http-server' is not declared by any container of the pods it selects "
          "(deployment frontend); Kubernetes would give the Service no endpoints on those pods for "
          "this port"});
  EXPECT_EQ(
      l.warnings(),
      (std::vector<std::string>{
          "test.yaml:37:88: warning: spec.rules[0].http.paths[0].backend.service.port: ingress "
          "'web' (namespace default): backend service 'frontend' has no port 8080 (its ports: 80)",
          "test.yaml:38:66: warning: spec.rules[0].http.paths[1].backend.service.name: ingress "
          "'web' (namespace default): backend service 'api' does not exist in namespace default",
          "test.yaml:40:1: warning: metadata.labels: endpointslice 'api-1' (namespace default): "
          "service 'api' (label kubernetes.io/service-name) does not exist in namespace default",
      }));
}

TEST(ManifestErrors, FilesAndFolders) {
  const fs::path dir = fs::path(::testing::TempDir()) / "podwire_manifest_loader_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  };
  write("b.yml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
  write("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
  write("sub/empty.yaml", "");
  write("sub/binary.yaml", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  write("notes.txt", "not read");
  write("kustomization.yaml", "resources: [a.yaml]\n");

  Diagnostics d;
  const ObjectSet s =
      load_manifests({dir.string(), (dir / "a.yaml").string(), (dir / "missing.yaml").string()}, d);
  const std::string root = dir.generic_string() + "/";
  std::vector<std::string> files;
  for (const std::string& f : s.files) files.push_back(f.substr(root.size()));
  EXPECT_EQ(files,
            (std::vector<std::string>{"a.yaml", "b.yml", "sub/binary.yaml", "sub/empty.yaml"}));
  ASSERT_EQ(s.namespaces.size(), 2u);  // a.yaml given twice is read once
  EXPECT_EQ(s.namespaces[0].meta.name, "a");
  std::vector<std::string> lines;
  for (const Diagnostic& x : d.sorted()) {
    std::string line = x.to_string();
    if (line.rfind(root, 0) == 0) line.erase(0, root.size());
    lines.push_back(line);
  }
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "kustomization.yaml: notice: kustomization files are not expanded; the folder's "
                "manifests are "
                "read as they are",
                "missing.yaml: error: no such file or folder",
                "sub/binary.yaml:1:1: error: byte 0x89 is not UTF-8; YAML files must be UTF-8 text",
            }));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace podwire::kube
