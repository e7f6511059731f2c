// The Kubernetes scalability envelope as objects generated in code: 5,000
// nodes' worth of Deployments (2 namespaces x 5,000 Services, 15 replicas
// each: 150,000 pods), for the benchmarks that build models at that scale.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "models/kube/object_set.hpp"

namespace podwire::bench {

inline constexpr int kNodes = 5000;
inline constexpr int kNamespaces = 2;
inline constexpr int kServicesPerNamespace = 5000;
inline constexpr int kReplicas = 15;

// Peak resident set (VmHWM) of this process in MiB; 0 when /proc is missing.
inline double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0;  // the value is in kB
  }
  return 0;
}

// kNamespaces x kServicesPerNamespace Deployments of kReplicas pods, each with
// a ClusterIP Service selecting it through a named targetPort. Requests of
// 100m and 128 MiB put the 30 pods a node gets well within 4 CPUs and 16 GiB.
inline const kube::ObjectSet& envelope_objects() {
  static const kube::ObjectSet objects = [] {
    using namespace podwire::kube;
    ObjectSet o;
    o.deployments.reserve(kNamespaces * kServicesPerNamespace);
    o.services.reserve(kNamespaces * kServicesPerNamespace);
    for (int n = 0; n < kNamespaces; ++n) {
      const std::string ns = "tenant-" + std::to_string(n);
      o.namespaces.push_back(Namespace{ObjectMeta{ns, "", {}, {}}, {}});
      for (int i = 0; i < kServicesPerNamespace; ++i) {
        const std::string app = "svc-" + std::to_string(i);
        Deployment d;
        d.meta.name = app;
        d.meta.namespace_ = ns;
        d.replicas = kReplicas;
        d.selector.match_labels = {{"app", app}};
        d.template_.metadata.labels = {{"app", app}, {"tier", i % 2 == 0 ? "frontend" : "backend"}};
        Container c;
        c.name = "server";
        c.image = "registry.example/server:1";
        c.ports = {ContainerPort{"http", 8080, Protocol::tcp, 0, {}}};
        c.cpu_request_millicores = 100;
        c.memory_request_bytes = std::int64_t{128} << 20;
        d.template_.spec.containers.push_back(std::move(c));
        o.deployments.push_back(std::move(d));

        Service s;
        s.meta.name = app;
        s.meta.namespace_ = ns;
        s.selector = Labels{{"app", app}};
        s.ports = {ServicePort{"http", Protocol::tcp, 80, PortRef{0, "http"}, 0, "", {}, {}}};
        o.services.push_back(std::move(s));
      }
    }
    return o;
  }();
  return objects;
}

}  // namespace podwire::bench
