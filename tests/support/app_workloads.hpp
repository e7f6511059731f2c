// The small applications the apps tests build: a 3-node cluster, a
// Deployment and its Service per name, a client Deployment, and reading a
// Service's row from a run's figures.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "models/builder/cluster_model.hpp"

namespace podwire::test_support {

inline const std::string kCluster = R"(
run: {seed: 3, duration: 3s, warmup: 1s}
cluster:
  nodes: [{name: worker, count: 3, cpus: 4}]
manifests:
)";

// A Deployment NAME (pods labelled app: NAME) and its Service NAME, port 80 to
// `target_port`; the container declares `container_port` (0: no port).
inline std::string workload(const std::string& name, int container_port = 8080,
                            const std::string& target_port = "8080", int replicas = 1,
                            const std::string& pod_spec = "") {
  const std::string ports =
      container_port > 0 ? ", ports: [{containerPort: " + std::to_string(container_port) + "}]"
                         : "";
  return "  - inline:\n"
         "      apiVersion: apps/v1\n"
         "      kind: Deployment\n"
         "      metadata: {name: " +
         name + "}\n      spec:\n        replicas: " + std::to_string(replicas) +
         "\n        selector: {matchLabels: {app: " + name +
         "}}\n        template:\n          metadata: {labels: {app: " + name +
         "}}\n          spec: {" + pod_spec + "containers: [{name: c, image: x" + ports +
         "}]}\n"
         "  - inline: {apiVersion: v1, kind: Service, metadata: {name: " +
         name + "}, spec: {selector: {app: " + name +
         "}, ports: [{port: 80, targetPort: " + target_port + "}]}}\n";
}

inline const std::string kClient = R"(  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: client}
      spec:
        selector: {matchLabels: {app: client}}
        template:
          metadata: {labels: {app: client}}
          spec: {containers: [{name: c, image: x}]}
)";

// The 1-based line of the first line of `text` holding `needle`.
inline builder::ClusterRunResult run(const std::string& text) {
  const scenario::ClusterScenario s = scenario::parse_cluster_scenario(text, "test.yaml");
  builder::ClusterModel m(s);
  return m.run();
}

inline const builder::ServiceFigures& service(const builder::ClusterRunResult& r,
                                              const std::string& name) {
  for (const builder::ServiceFigures& f : r.services) {
    if (f.name == name) return f;
  }
  ADD_FAILURE() << "no service row " << name;
  return r.services.front();
}

}  // namespace podwire::test_support
