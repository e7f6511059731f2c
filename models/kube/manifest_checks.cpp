#include "models/kube/manifest_checks.hpp"

#include <map>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "models/kube/cluster_keys.hpp"

namespace podwire::kube {

namespace {

using Key = std::pair<std::string, std::string>;  // namespace, name

void add(Diagnostics& d, Severity severity, const SourceLocation& at, std::string path,
         std::string message) {
  d.add(Diagnostic{severity, at.file, at.line, at.column, std::move(path), std::move(message)});
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// "service 'frontend' (namespace default)"
std::string who(std::string_view kind, const ObjectMeta& m) {
  std::string out = lowercase(kind) + " '" + m.name + "'";
  if (!m.namespace_.empty()) out += " (namespace " + m.namespace_ + ")";
  return out;
}

// The pod templates of each namespace by the key=value pairs their pods
// carry, so that a Service looks only at the templates that have its
// selector's rarest pair instead of at every template (Services x templates
// map comparisons at the scale of a large cluster).
class TemplatesByLabel {
 public:
  explicit TemplatesByLabel(const std::vector<PodTemplateRef>& templates) {
    for (std::size_t i = 0; i < templates.size(); ++i) {
      for (const auto& [k, v] : *templates[i].labels)
        index_[cluster_keys::label_key(templates[i].owner->namespace_, k, v)].push_back(i);
    }
  }
  // The templates of namespace `ns` that carry the selector's rarest pair, in
  // their order; a superset of those the selector matches.
  std::span<const std::size_t> candidates(const std::string& ns, const Labels& selector) const {
    const std::vector<std::size_t>* best = nullptr;
    for (const auto& [k, v] : selector) {
      const auto it = index_.find(cluster_keys::label_key(ns, k, v));
      if (it == index_.end()) return {};
      if (best == nullptr || it->second.size() < best->size()) best = &it->second;
    }
    if (best == nullptr) return {};
    return *best;
  }

 private:
  std::unordered_map<std::string, std::vector<std::size_t>> index_;
};

template <class T>
void duplicates(std::string_view kind, const std::vector<T>& objects, Diagnostics& d) {
  std::map<Key, const T*> seen;
  for (const T& o : objects) {
    const auto [it, fresh] = seen.emplace(Key{o.meta.namespace_, o.meta.name}, &o);
    if (fresh) continue;
    add(d, Severity::error, o.source, "metadata.name",
        who(kind, o.meta) + " is defined twice: at " + it->second->source.to_string() + " and at " +
            o.source.to_string());
  }
}

void check_duplicates(const ObjectSet& s, Diagnostics& d) {
  duplicates("Namespace", s.namespaces, d);
  duplicates("Pod", s.pods, d);
  duplicates("Deployment", s.deployments, d);
  duplicates("ReplicaSet", s.replica_sets, d);
  duplicates("ReplicationController", s.replication_controllers, d);
  duplicates("StatefulSet", s.stateful_sets, d);
  duplicates("DaemonSet", s.daemon_sets, d);
  duplicates("Service", s.services, d);
  duplicates("EndpointSlice", s.endpoint_slices, d);
  duplicates("Ingress", s.ingresses, d);
  duplicates("NetworkPolicy", s.network_policies, d);
}

void check_container_ports(const std::vector<PodTemplateRef>& templates, Diagnostics& d) {
  for (const PodTemplateRef& t : templates) {
    std::map<std::pair<int, Protocol>, std::size_t> owner;  // port -> container index
    const auto& containers = t.spec->containers;
    for (std::size_t j = 0; j < containers.size(); ++j) {
      for (std::size_t k = 0; k < containers[j].ports.size(); ++k) {
        const ContainerPort& p = containers[j].ports[k];
        const auto [it, fresh] = owner.emplace(std::make_pair(p.container_port, p.protocol), j);
        if (fresh || it->second == j) continue;
        add(d, Severity::error, p.source,
            std::string(t.spec_path) + ".containers[" + std::to_string(j) + "].ports[" +
                std::to_string(k) + "].containerPort",
            who(t.kind, *t.owner) + ": containers '" + containers[it->second].name + "' and '" +
                containers[j].name + "' both declare containerPort " +
                std::to_string(p.container_port) + "/" + std::string(to_string(p.protocol)) +
                "; the containers of a pod share one network namespace, so only one of them can "
                "bind it");
      }
    }
  }
}

void check_services(const ObjectSet& s, const std::vector<PodTemplateRef>& templates,
                    Diagnostics& d) {
  std::map<Key, int> slices;  // Services named by EndpointSlices
  for (const EndpointSlice& e : s.endpoint_slices)
    ++slices[Key{e.meta.namespace_, e.service_name()}];
  const TemplatesByLabel by_label(templates);

  for (const Service& svc : s.services) {
    if (svc.type == ServiceType::external_name) continue;
    const std::string& ns = svc.meta.namespace_;
    if (!svc.has_selector()) {
      if (slices.count(Key{ns, svc.meta.name}) == 0) {
        add(d, Severity::warning, svc.source, "spec.selector",
            who("Service", svc.meta) + " has no selector and no EndpointSlice names it (label " +
                std::string(service_name_label) + "), so it has no endpoints");
      }
      continue;
    }
    std::vector<const PodTemplateRef*> selected;
    for (std::size_t i : by_label.candidates(ns, *svc.selector)) {
      if (svc.selects(*templates[i].labels)) selected.push_back(&templates[i]);
    }
    if (selected.empty()) {
      add(d, Severity::warning, svc.source, "spec.selector",
          who("Service", svc.meta) + ": selector " + map_selector_string(*svc.selector) +
              " matches no pod template of any workload or Pod in namespace " + ns +
              ", so it has no endpoints");
      continue;
    }
    for (std::size_t i = 0; i < svc.ports.size(); ++i) {
      const ServicePort& port = svc.ports[i];
      if (!port.target_port.named()) continue;
      std::string missing;
      for (const PodTemplateRef* t : selected) {
        if (resolve_port(*t->spec, port.target_port, port.protocol)) continue;
        missing += (missing.empty() ? "" : ", ") + lowercase(t->kind) + " " + t->owner->name;
      }
      if (missing.empty()) continue;
      const std::string protocol =
          port.protocol == Protocol::tcp ? "" : " (" + std::string(to_string(port.protocol)) + ")";
      add(d, Severity::error, port.target_port_source,
          "spec.ports[" + std::to_string(i) + "].targetPort",
          who("Service", svc.meta) + ": targetPort " + port.target_port.to_string() + protocol +
              " is not declared by any container of the pods it selects (" + missing +
              "); Kubernetes would give the Service no endpoints on those pods for this port");
    }
  }
}

void check_references(const ObjectSet& s, Diagnostics& d) {
  std::map<Key, const Service*> services;
  for (const Service& svc : s.services)
    services.emplace(Key{svc.meta.namespace_, svc.meta.name}, &svc);

  for (const Ingress& g : s.ingresses) {
    const auto check = [&](const IngressBackend& b, const std::string& path) {
      if (b.service_name.empty()) return;
      const auto it = services.find(Key{g.meta.namespace_, b.service_name});
      if (it == services.end()) {
        add(d, Severity::warning, b.source, path + ".service.name",
            who("Ingress", g.meta) + ": backend service '" + b.service_name +
                "' does not exist in namespace " + g.meta.namespace_);
        return;
      }
      std::string ports;
      for (const ServicePort& p : it->second->ports) {
        if (b.service_port.named() ? p.name == b.service_port.name
                                   : p.port == b.service_port.number)
          return;
        ports += (ports.empty() ? "" : ", ") + std::to_string(p.port) +
                 (p.name.empty() ? "" : " (" + p.name + ")");
      }
      add(d, Severity::warning, b.port_source, path + ".service.port",
          who("Ingress", g.meta) + ": backend service '" + b.service_name + "' has no port " +
              b.service_port.to_string() + " (its ports: " + (ports.empty() ? "none" : ports) +
              ")");
    };
    if (g.default_backend) check(*g.default_backend, "spec.defaultBackend");
    for (std::size_t i = 0; i < g.rules.size(); ++i) {
      for (std::size_t j = 0; j < g.rules[i].paths.size(); ++j) {
        check(g.rules[i].paths[j].backend, "spec.rules[" + std::to_string(i) + "].http.paths[" +
                                               std::to_string(j) + "].backend");
      }
    }
  }

  for (const EndpointSlice& e : s.endpoint_slices) {
    const std::string service = e.service_name();
    if (service.empty()) {
      add(d, Severity::warning, e.source, "metadata.labels",
          who("EndpointSlice", e.meta) + " has no label " + std::string(service_name_label) +
              ", so no Service uses its endpoints");
    } else if (services.count(Key{e.meta.namespace_, service}) == 0) {
      add(d, Severity::warning, e.source, "metadata.labels",
          who("EndpointSlice", e.meta) + ": service '" + service + "' (label " +
              std::string(service_name_label) + ") does not exist in namespace " +
              e.meta.namespace_);
    }
  }

  for (const StatefulSet& st : s.stateful_sets) {
    if (st.service_name.empty() || services.count(Key{st.meta.namespace_, st.service_name}) != 0)
      continue;
    add(d, Severity::warning, st.source, "spec.serviceName",
        who("StatefulSet", st.meta) + ": serviceName '" + st.service_name +
            "' names no Service in namespace " + st.meta.namespace_ +
            ", so its pods get no DNS names");
  }
}

// Two Services on one external address and port: kube-proxy would program
// one over the other.
void check_external_ips(const ObjectSet& s, Diagnostics& d) {
  std::map<std::tuple<std::string, int, Protocol>, const Service*> owner;
  for (const Service& svc : s.services) {
    for (const std::string& ip : svc.external_ips) {
      for (const ServicePort& p : svc.ports) {
        const auto [it, fresh] = owner.emplace(std::make_tuple(ip, p.port, p.protocol), &svc);
        if (fresh || it->second == &svc) continue;
        add(d, Severity::error, svc.source, "spec.externalIPs",
            who("Service", svc.meta) + ": " + ip + ":" + std::to_string(p.port) + "/" +
                std::string(to_string(p.protocol)) + " is already an external address of " +
                who("Service", it->second->meta) + " (at " + it->second->source.to_string() + ")");
      }
    }
  }
}

}  // namespace

void check_manifests(const ObjectSet& set, Diagnostics& diagnostics) {
  const std::vector<PodTemplateRef> templates = set.pod_templates();
  check_duplicates(set, diagnostics);
  check_container_ports(templates, diagnostics);
  check_services(set, templates, diagnostics);
  check_references(set, diagnostics);
  check_external_ips(set, diagnostics);
}

}  // namespace podwire::kube
