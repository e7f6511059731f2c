// ManifestParser: reads the Kubernetes objects of one file into an
// ObjectSet, one function per modelled kind. Internal to the manifest
// loader (use parse_manifest_text / load_manifests); its definitions are split
// into manifest_parser.cpp (documents, metadata, dispatch),
// manifest_parser_workloads.cpp and manifest_parser_networking.cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/kube/kube_fields.hpp"
#include "models/kube/kube_schema.hpp"
#include "models/kube/manifest_loader.hpp"
#include "models/kube/objects.hpp"

namespace podwire::kube {

class ManifestParser {
 public:
  // `schema`, when given, checks every object whose kind it has.
  ManifestParser(const std::string& file, Diagnostics& diagnostics, ObjectSet& out,
                 const SchemaCheck* schema = nullptr)
      : context_{file, &diagnostics, {}}, f_(context_), out_(out), schema_(schema) {}
  ManifestParser(const ManifestParser&) = delete;  // f_ points into context_
  ManifestParser& operator=(const ManifestParser&) = delete;

  void parse_text(const std::string& text);
  void parse_node(const YAML::Node& document);

 private:
  struct Unknown {
    int count = 0;
    std::string api_version;
    YAML::Node first;
    std::string path;
  };

  void parse_document(const YAML::Node& document);
  void parse_object(const YamlField& root);
  // Reads a modelled kind into out_; false for a kind podwire does not model.
  bool parse_kind(const YamlField& root, const std::string& group, const std::string& kind,
                  bool legacy);
  // The schema's findings for one object, less those at a place where the
  // parser reported an error since diagnostic first_new.
  void check_schema(const YamlField& root, const std::string& version, const std::string& kind,
                    bool modelled, std::size_t first_new);

  // Common parts.
  bool metadata(const YamlField& root, ObjectMeta& meta, std::string_view kind, bool namespaced);
  PodSpec pod_spec(const YamlField& spec);
  Container container(const YamlField& c);
  void resources(const YamlField& r, Container& c);
  std::optional<Probe> probe(const YamlField& p);
  std::optional<PreStopHook> pre_stop(const YamlField& p);
  bool pod_template(const YamlField& spec, PodTemplate& t);
  bool workload_selector(const YamlField& spec, const PodTemplate& t, bool legacy,
                         LabelSelector& s);
  int replicas(const YamlField& spec);

  // Scheduling rules (manifest_parser_scheduling.cpp). strict_mapping is an
  // error for every key not in `known`, with the closest known ones.
  bool strict_mapping(const YamlField& f, std::initializer_list<std::string_view> known,
                      std::string_view what);
  std::optional<LabelSelector> strict_selector(const YamlField& f);
  void affinity(const YamlField& a, Affinity& out);
  NodeSelectorTerm node_selector_term(const YamlField& t);
  std::vector<NodeRequirement> node_requirements(const YamlField& list, bool fields);
  PodAffinityRules pod_affinity_rules(const YamlField& a);
  PodAffinityTerm pod_affinity_term(const YamlField& t);
  int weight(const YamlField& item);
  void topology_spread(const YamlField& list, std::vector<TopologySpreadConstraint>& out);

  // One function per modelled kind; each appends to out_ unless it found errors.
  void deployment(const YamlField& root, bool legacy);
  void replica_set(const YamlField& root, bool legacy);
  void replication_controller(const YamlField& root);
  void stateful_set(const YamlField& root, bool legacy);
  void daemon_set(const YamlField& root, bool legacy);
  void pod(const YamlField& root);
  void service(const YamlField& root);
  void endpoint_slice(const YamlField& root);
  void ingress(const YamlField& root, bool legacy);
  std::optional<IngressBackend> ingress_backend(const YamlField& b);
  void network_policy(const YamlField& root);
  std::vector<NetworkPolicyRule> policy_rules(const YamlField& rules, std::string_view peers_key);
  void namespace_(const YamlField& root);

  void report_unknown_kinds();

  YamlContext context_;
  KubeFields f_;
  ObjectSet& out_;
  std::vector<std::string> unknown_order_;
  std::map<std::string, Unknown> unknown_;
  const SchemaCheck* schema_;
  std::set<std::string> unchecked_;  // modelled "apiVersion kind"s the schema lacks
};

}  // namespace podwire::kube
