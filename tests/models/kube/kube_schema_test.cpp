// Manifests checked against a Kubernetes API schema, as kubectl apply
// --validate=strict checks them: a field the schema does not name and a value
// of the wrong type are located warnings (errors when strict). The schema here
// is a small one written in the form kubernetes-validate ships (_definitions.json
// with $defs, $ref, additionalProperties: false, oneOf for IntOrString), so
// each expectation follows from its text.
#include "models/kube/kube_schema.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/kube/manifest_loader.hpp"

namespace podwire::kube {
namespace {

const char* kSchema = R"({"$defs": {
  "io.k8s.api.apps.v1.Deployment": {
    "type": ["object", "null"], "additionalProperties": false,
    "x-kubernetes-group-version-kind": [{"group": "apps", "kind": "Deployment", "version": "v1"}],
    "properties": {
      "apiVersion": {"type": ["string", "null"]}, "kind": {"type": ["string", "null"]},
      "metadata": {"$ref": "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
      "spec": {"$ref": "/api/_definitions.json#/$defs/io.k8s.api.apps.v1.DeploymentSpec"}}},
  "io.k8s.api.apps.v1.DeploymentSpec": {
    "type": ["object", "null"], "additionalProperties": false,
    "properties": {
      "replicas": {"type": ["integer", "null"], "format": "int32"},
      "minReadySeconds": {"type": ["integer", "null"]},
      "paused": {"type": ["boolean", "null"]},
      "selector": {"type": ["object", "null"], "additionalProperties": false,
                   "properties": {"matchLabels": {"type": ["object", "null"],
                                                  "additionalProperties": {"type": ["string", "null"]}}}},
      "template": {"$ref": "/api/_definitions.json#/$defs/io.k8s.api.core.v1.PodTemplateSpec"}}},
  "io.k8s.api.core.v1.PodTemplateSpec": {
    "type": ["object", "null"], "additionalProperties": false,
    "properties": {
      "metadata": {"$ref": "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
      "spec": {"type": ["object", "null"], "additionalProperties": false, "properties": {
        "containers": {"type": ["array", "null"], "items": {
          "type": ["object", "null"], "additionalProperties": false, "properties": {
            "name": {"type": "string"}, "image": {"type": ["string", "null"]},
            "ports": {"type": ["array", "null"], "items": {"type": ["object", "null"],
              "additionalProperties": false, "properties": {
                "containerPort": {"type": "integer"}, "name": {"type": ["string", "null"]}}}},
            "resources": {"type": ["object", "null"], "additionalProperties": false, "properties": {
              "requests": {"type": ["object", "null"], "additionalProperties": {
                "$ref": "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"}}}}}}}}}}},
  "io.k8s.api.core.v1.Service": {
    "type": ["object", "null"], "additionalProperties": false,
    "x-kubernetes-group-version-kind": [{"group": "", "kind": "Service", "version": "v1"}],
    "properties": {
      "apiVersion": {"type": ["string", "null"]}, "kind": {"type": ["string", "null"]},
      "metadata": {"$ref": "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
      "spec": {"type": ["object", "null"], "additionalProperties": false, "properties": {
        "selector": {"type": ["object", "null"], "additionalProperties": {"type": ["string", "null"]}},
        "ports": {"type": ["array", "null"], "items": {"type": ["object", "null"],
          "additionalProperties": false, "properties": {
            "port": {"type": "integer"},
            "targetPort": {"$ref": "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.util.intstr.IntOrString"}}}}}}}},
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
    "type": ["object", "null"], "additionalProperties": false,
    "properties": {
      "name": {"type": ["string", "null"]}, "namespace": {"type": ["string", "null"]},
      "labels": {"type": ["object", "null"], "additionalProperties": {"type": ["string", "null"]}},
      "ownerReferences": {"type": ["array", "null"], "items": {
        "$ref": "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}}}},
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {
    "oneOf": [{"type": ["string", "null"]}, {"type": ["number", "null"]}]},
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
    "oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}
}})";

const KubeSchema& schema() {
  static const KubeSchema s = [] {
    std::string error;
    auto parsed = KubeSchema::parse(kSchema, "1.99", &error);
    EXPECT_TRUE(parsed.has_value()) << error;
    return parsed.value_or(KubeSchema::parse(kSchema, "1.99", nullptr).value());
  }();
  return s;
}

std::vector<std::string> check(const std::string& text, Severity severity, bool strict = false) {
  Diagnostics diagnostics;
  const SchemaCheck check{&schema(), strict};
  parse_manifest_text(text, "app.yaml", diagnostics, &check);
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics.sorted()) {
    if (d.severity == severity) out.push_back(d.to_string());
  }
  return out;
}

const std::string kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replcas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
)";

TEST(KubeSchema, ReadsTheKindsOfItsDefinitions) {
  EXPECT_EQ(schema().kinds(), 2u);
  EXPECT_TRUE(schema().has_kind("apps/v1", "Deployment"));
  EXPECT_TRUE(schema().has_kind("v1", "Service"));
  EXPECT_FALSE(schema().has_kind("apps/v1beta1", "Deployment"));
  std::string error;
  EXPECT_FALSE(KubeSchema::parse("{\"swagger\": \"2.0\"}", "1.0", &error).has_value());
  EXPECT_EQ(error, "not a Kubernetes JSON schema (no $defs)");
}

TEST(KubeSchema, AnUnknownFieldIsALocatedWarningWithTheClosestName) {
  EXPECT_EQ(check(kDeployment, Severity::warning),
            std::vector<std::string>{
                "app.yaml:6:3: warning: spec.replcas: unknown field 'replcas'; did you mean "
                "replicas? (the Kubernetes 1.99 schema has no such field; it is ignored)"});
  EXPECT_TRUE(check(kDeployment, Severity::error).empty());
}

TEST(KubeSchema, StrictMakesItAnError) {
  EXPECT_EQ(check(kDeployment, Severity::error, true),
            std::vector<std::string>{"app.yaml:6:3: error: spec.replcas: unknown field 'replcas'; "
                                     "did you mean replicas? (the Kubernetes 1.99 schema has no "
                                     "such field)"});
  EXPECT_TRUE(check(kDeployment, Severity::warning, true).empty());
}

TEST(KubeSchema, WithoutASchemaNothingIsSaid) {
  Diagnostics diagnostics;
  parse_manifest_text(kDeployment, "app.yaml", diagnostics);
  EXPECT_EQ(diagnostics.count(Severity::warning), 0u);
}

TEST(KubeSchema, FieldsDeepInsideAreCheckedThroughReferencesAndLists) {
  std::string text = kDeployment;
  text.replace(text.find("replcas"), 7, "replicas");
  text +=
      "        imagePullPolcy: Always\n        ports:\n        - containerPort: 80\n"
      "          protcol: TCP\n";
  EXPECT_EQ(check(text, Severity::warning),
            (std::vector<std::string>{
                "app.yaml:16:9: warning: spec.template.spec.containers[0].imagePullPolcy: unknown "
                "field 'imagePullPolcy' (the Kubernetes 1.99 schema has no such field; it is "
                "ignored)",
                "app.yaml:19:11: warning: spec.template.spec.containers[0].ports[0].protcol: "
                "unknown field 'protcol' (the Kubernetes 1.99 schema has no such field; it is "
                "ignored)"}));
}

TEST(KubeSchema, AServiceSelectorTypo) {
  const std::string text = R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selecter: {app: web}
  ports:
  - port: 80
    targetPort: http
)";
  const std::vector<std::string> w = check(text, Severity::warning);
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(w[0],
            "app.yaml:5:3: warning: spec.selecter: unknown field 'selecter'; did you mean "
            "selector? (the Kubernetes 1.99 schema has no such field; it is ignored)");
}

TEST(KubeSchema, WrongTypes) {
  std::string text = kDeployment;
  text.replace(text.find("replcas: 3"), 10, "replicas: 3\n  minReadySeconds: \"10\"\n  paused: 1");
  text += "        resources:\n          requests: {cpu: 500m, memory: 1, example.com/gpu: true}\n";
  text.replace(text.find("labels: {app: web}"), 18, "labels: {app: web, tier: 2}");
  EXPECT_EQ(check(text, Severity::warning),
            (std::vector<std::string>{
                "app.yaml:7:20: warning: spec.minReadySeconds: expected an integer, got the "
                "string '10' (the Kubernetes 1.99 schema)",
                "app.yaml:8:11: warning: spec.paused: expected a boolean (true or false), got the "
                "integer 1 (the Kubernetes 1.99 schema)",
                "app.yaml:13:32: warning: spec.template.metadata.labels.tier: expected a string, "
                "got the integer 2 (quote it to make it a string) (the Kubernetes 1.99 schema)",
                "app.yaml:19:61: warning: "
                "spec.template.spec.containers[0].resources.requests.example.com/gpu: "
                "expected a quantity (a number or a string such as 500m), got the boolean true "
                "(the Kubernetes 1.99 schema)"}));
}

TEST(KubeSchema, KindsTheSchemaLacksAreNoticedNotChecked) {
  const std::string text = R"(apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {anything: goes}
---
apiVersion: apps/v1beta1
kind: Deployment
metadata: {name: old}
spec:
  replicas: 1
  replcas: 2
  template:
    metadata: {labels: {app: old}}
    spec: {containers: [{name: c, image: i}]}
)";
  EXPECT_TRUE(check(text, Severity::warning).empty());
  const std::vector<std::string> notices = check(text, Severity::notice);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[0].find("Widget (example.com/v1) is not modelled by podwire; this object is "
                            "ignored; it is not in the Kubernetes 1.99 schema (a custom "
                            "resource?), so its fields are not checked"),
            std::string::npos)
      << notices[0];
  EXPECT_EQ(notices[1],
            "app.yaml:6:13: notice: apiVersion: Deployment apps/v1beta1 is not in the Kubernetes "
            "1.99 schema; its fields are not checked against it");
}

// The API server serves apps/v1 and refuses a kind it does not have there
// ("no matches for kind"); only a version it does not serve can be a custom
// resource's.
TEST(KubeSchema, AKindMissingFromAVersionTheSchemaServesIsAnError) {
  const std::string text = R"(apiVersion: apps/v1
kind: Deploymnet
metadata: {name: web}
spec: {}
)";
  EXPECT_EQ(check(text, Severity::error),
            std::vector<std::string>{"app.yaml:2:7: error: kind: no kind 'Deploymnet' in apps/v1 "
                                     "(Kubernetes 1.99); did you mean Deployment?"});
  EXPECT_TRUE(check(text, Severity::notice).empty());
}

TEST(KubeSchema, AnObjectInAListIsChecked) {
  const std::string text = R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: web}
  spec: {selecter: {app: web}, ports: [{port: 80}]}
)";
  const std::vector<std::string> w = check(text, Severity::warning);
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(
      w[0],
      "app.yaml:7:10: warning: items[0].spec.selecter: unknown field 'selecter'; did you mean "
      "selector? (the Kubernetes 1.99 schema has no such field; it is ignored)");
}

}  // namespace
}  // namespace podwire::kube
