// ObjectSet: a set of Kubernetes objects as loaded from manifests, in the
// order they were read. The manifest loader (models/scenario) fills it; the
// cluster model (cluster.hpp) is built from it.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "models/kube/objects.hpp"

namespace podwire::kube {

// One pod template of a loaded workload (or a bare Pod), for code that treats
// them alike. The pointers refer into the ObjectSet it came from.
struct PodTemplateRef {
  std::string_view kind;    // "Deployment", "StatefulSet", ..., "Pod"
  const ObjectMeta* owner;  // the workload's (or the Pod's) metadata
  const Labels* labels;     // the labels its pods carry
  const PodSpec* spec;
  const SourceLocation* source;  // the workload
  std::string_view spec_path;    // "spec.template.spec" ("spec" for a Pod)
  int replicas;                  // -1 for a DaemonSet (one per node)
};

// Everything loaded from a set of manifests, in the order it was read.
struct ObjectSet {
  std::vector<std::string> files;  // in the order read
  std::vector<Namespace> namespaces;
  std::vector<Pod> pods;
  std::vector<Deployment> deployments;
  std::vector<ReplicaSet> replica_sets;
  std::vector<ReplicationController> replication_controllers;
  std::vector<StatefulSet> stateful_sets;
  std::vector<DaemonSet> daemon_sets;
  std::vector<Service> services;
  std::vector<EndpointSlice> endpoint_slices;
  std::vector<Ingress> ingresses;
  std::vector<NetworkPolicy> network_policies;
  // Objects of kinds podwire does not model, counted by kind for the core API
  // group ("ConfigMap", "ServiceAccount") and by kind.group otherwise
  // ("Job.batch", "Gateway.networking.istio.io"), like kubectl names them.
  std::map<std::string, int> unknown_kinds;

  std::size_t object_count() const;  // modelled objects only
  int unknown_count() const;
  void append(ObjectSet&& other);
  // Every pod template: Deployments, ReplicaSets, ReplicationControllers,
  // StatefulSets, DaemonSets, then Pods, each in load order.
  std::vector<PodTemplateRef> pod_templates() const;
};

}  // namespace podwire::kube
