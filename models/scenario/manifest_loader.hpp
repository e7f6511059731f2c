// The manifest loader: reads ordinary Kubernetes YAML (files or folders,
// multi-document, `kind: List`) into the plain objects of models/kube. Kinds
// podwire does not model are counted and noticed, never rejected; every real
// problem becomes a Diagnostic with file:line:column and the field's path.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "models/kube/objects.hpp"
#include "models/scenario/diagnostic.hpp"

namespace podwire::scenario {

// One pod template of a loaded workload (or a bare Pod), for code that treats
// them alike. The pointers refer into the ManifestSet it came from.
struct PodTemplateRef {
  std::string_view kind;          // "Deployment", "StatefulSet", ..., "Pod"
  const kube::ObjectMeta* owner;  // the workload's (or the Pod's) metadata
  const kube::Labels* labels;     // the labels its pods carry
  const kube::PodSpec* spec;
  const kube::SourceLocation* source;  // the workload
  std::string_view spec_path;          // "spec.template.spec" ("spec" for a Pod)
  int replicas;                        // -1 for a DaemonSet (one per node)
};

// Everything loaded from a set of manifests, in the order it was read.
struct ManifestSet {
  std::vector<std::string> files;  // in the order read
  std::vector<kube::Namespace> namespaces;
  std::vector<kube::Pod> pods;
  std::vector<kube::Deployment> deployments;
  std::vector<kube::ReplicaSet> replica_sets;
  std::vector<kube::ReplicationController> replication_controllers;
  std::vector<kube::StatefulSet> stateful_sets;
  std::vector<kube::DaemonSet> daemon_sets;
  std::vector<kube::Service> services;
  std::vector<kube::EndpointSlice> endpoint_slices;
  std::vector<kube::Ingress> ingresses;
  std::vector<kube::NetworkPolicy> network_policies;
  // Objects of kinds podwire does not model, counted by kind for the core API
  // group ("ConfigMap", "ServiceAccount") and by kind.group otherwise
  // ("Job.batch", "Gateway.networking.istio.io"), like kubectl names them.
  std::map<std::string, int> unknown_kinds;

  std::size_t object_count() const;  // modelled objects only
  int unknown_count() const;
  void append(ManifestSet&& other);
  // Every pod template: Deployments, ReplicaSets, ReplicationControllers,
  // StatefulSets, DaemonSets, then Pods, each in load order.
  std::vector<PodTemplateRef> pod_templates() const;
};

// Parses one YAML text (any number of documents). Empty documents are
// skipped; an object with errors is reported and left out of the result.
// Never throws.
ManifestSet parse_manifest_text(const std::string& text, const std::string& file, Diagnostics& diagnostics);

// Loads files and folders. A folder contributes every *.yaml / *.yml file
// below it, recursively, in sorted path order (kustomization files excepted:
// they are noticed, not expanded); a file given twice is read once. A path
// that cannot be read is an error. Never throws.
ManifestSet load_manifests(const std::vector<std::string>& paths, Diagnostics& diagnostics);

}  // namespace podwire::scenario
