#include "models/kube/object_set.hpp"

#include <iterator>

namespace podwire::kube {

std::size_t ObjectSet::object_count() const {
  return namespaces.size() + pods.size() + deployments.size() + replica_sets.size() +
         replication_controllers.size() + stateful_sets.size() + daemon_sets.size() +
         services.size() + endpoint_slices.size() + ingresses.size() + network_policies.size();
}

int ObjectSet::unknown_count() const {
  int n = 0;
  for (const auto& [kind, count] : unknown_kinds) n += count;
  return n;
}

void ObjectSet::append(ObjectSet&& o) {
  const auto move_all = [](auto& into, auto& from) {
    into.insert(into.end(), std::make_move_iterator(from.begin()),
                std::make_move_iterator(from.end()));
  };
  move_all(files, o.files);
  move_all(namespaces, o.namespaces);
  move_all(pods, o.pods);
  move_all(deployments, o.deployments);
  move_all(replica_sets, o.replica_sets);
  move_all(replication_controllers, o.replication_controllers);
  move_all(stateful_sets, o.stateful_sets);
  move_all(daemon_sets, o.daemon_sets);
  move_all(services, o.services);
  move_all(endpoint_slices, o.endpoint_slices);
  move_all(ingresses, o.ingresses);
  move_all(network_policies, o.network_policies);
  for (const auto& [kind, count] : o.unknown_kinds) unknown_kinds[kind] += count;
  o = ObjectSet{};
}

std::vector<PodTemplateRef> ObjectSet::pod_templates() const {
  std::vector<PodTemplateRef> out;
  constexpr std::string_view templ = "spec.template.spec";
  for (const auto& w : deployments) {
    out.push_back({"Deployment", &w.meta, &w.template_.metadata.labels, &w.template_.spec,
                   &w.source, templ, w.replicas});
  }
  for (const auto& w : replica_sets) {
    out.push_back({"ReplicaSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec,
                   &w.source, templ, w.replicas});
  }
  for (const auto& w : replication_controllers) {
    out.push_back({"ReplicationController", &w.meta, &w.template_.metadata.labels,
                   &w.template_.spec, &w.source, templ, w.replicas});
  }
  for (const auto& w : stateful_sets) {
    out.push_back({"StatefulSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec,
                   &w.source, templ, w.replicas});
  }
  for (const auto& w : daemon_sets) {
    out.push_back({"DaemonSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source,
                   templ, -1});
  }
  for (const auto& p : pods)
    out.push_back({"Pod", &p.meta, &p.meta.labels, &p.spec, &p.source, "spec", 1});
  return out;
}

}  // namespace podwire::kube
