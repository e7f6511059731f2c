// The namespaced application several model tests run: namespace my-app with
// a 3-replica web-server Deployment behind Service `web` (port 80 -> named
// port http 8080) and a one-replica client Deployment, as the `manifests:`
// section of a scenario.
#pragma once

#include <string>

namespace podwire::test_support {

inline const std::string kMyAppManifests = R"(
manifests:
  - inline: {apiVersion: v1, kind: Namespace, metadata: {name: my-app}}
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web-server, namespace: my-app}
      spec:
        replicas: 3
        selector: {matchLabels: {app: web-server}}
        template:
          metadata: {labels: {app: web-server}}
          spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
  - inline:
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: my-app}
      spec: {selector: {app: web-server}, ports: [{name: http, port: 80, targetPort: http}]}
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: client, namespace: my-app}
      spec:
        replicas: 1
        selector: {matchLabels: {app: client}}
        template:
          metadata: {labels: {app: client}}
          spec: {containers: [{name: curl, image: curl}]}
)";

}  // namespace podwire::test_support
