// WebCluster: the scenario most model tests run, as text. Worker nodes run a
// `web` Deployment (container port `http` 8080) behind Service `web` (port
// 80); an optional client node runs a client pod that sends the traffic. Each
// test sets only the fields it is about and reads the YAML from text().
#pragma once

#include <string>

namespace podwire::test_support {

struct WebCluster {
  std::string run = "{seed: 1, duration: 10s}";
  // A node `client` (label role=client) besides the workers (role=worker);
  // without it the workers carry no labels and no pod is pinned.
  bool client_node = true;
  int workers = 2;
  int cpus = 4;
  int replicas = 2;
  // Lines of the web Deployment's spec (indented 8) and of its container
  // (indented 16), e.g. a rollout strategy or a readinessProbe.
  std::string web_spec;
  std::string web_container;
  bool service = true;
  enum class Client { none, pod, deployment } client = Client::pod;
  std::string apps = "web: {concurrency: 4, service_time: 1ms}";
  std::string traffic;  // the `traffic:` list's entries, each a line "  - {...}"
  std::string outputs;  // the value of `outputs:`, or none
  std::string churn;    // the lines under `churn:`, or no churn section

  std::string text() const {
    std::string t = "run: " + run + "\ncluster:\n  nodes:\n";
    if (client_node) {
      t += "    - {name: client, cpus: " + std::to_string(cpus) + ", labels: {role: client}}\n";
      t += "    - {name: worker, count: " + std::to_string(workers) +
           ", cpus: " + std::to_string(cpus) + ", labels: {role: worker}}\n";
    } else {
      t += "    - {name: worker, count: " + std::to_string(workers) +
           ", cpus: " + std::to_string(cpus) + "}\n";
    }
    t += R"(manifests:
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: )" +
         std::to_string(replicas) + "\n" + web_spec + R"(        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
)";
    if (client_node) t += "            nodeSelector: {role: worker}\n";
    t += R"(            containers:
              - name: web
                image: nginx
                ports: [{name: http, containerPort: 8080}]
)" + web_container;
    if (service) {
      t += R"(  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
)";
    }
    // The client container, its lines indented by `in`.
    const auto client_spec = [&](const std::string& in) {
      return (client_node ? in + "nodeSelector: {role: client}\n" : std::string()) + in +
             "containers: [{name: load, image: fortio}]\n";
    };
    if (client == Client::pod) {
      t += R"(  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: client, labels: {app: client}}
      spec:
)" + client_spec("        ");
    } else if (client == Client::deployment) {
      t += R"(  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: client}
      spec:
        replicas: 1
        selector: {matchLabels: {app: client}}
        template:
          metadata: {labels: {app: client}}
          spec:
)" + client_spec("            ");
    }
    if (!apps.empty()) t += "apps:\n  " + apps + "\n";
    if (!traffic.empty()) t += "traffic:\n" + traffic;
    if (!outputs.empty()) t += "outputs: " + outputs + "\n";
    if (!churn.empty()) t += "churn:\n" + churn;
    return t;
  }
};

}  // namespace podwire::test_support
