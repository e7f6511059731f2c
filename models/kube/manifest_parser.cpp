#include "models/kube/manifest_parser.hpp"

#include <algorithm>

#include "models/kube/yaml_documents.hpp"
#include "models/kube/yaml_tree_check.hpp"

namespace podwire::kube {

void ManifestParser::parse_text(const std::string& text) {
  const std::vector<YAML::Node> documents =
      read_yaml_documents(text, context_.file, *context_.diagnostics);
  for (const YAML::Node& d : documents) {
    try {
      parse_document(d);
    } catch (const std::exception& e) {  // a yaml-cpp surprise must not end the load
      const YamlField root = f_.root(d, "");
      root.error(std::string("could not read this document: ") + e.what());
    }
  }
  report_unknown_kinds();
}

void ManifestParser::parse_node(const YAML::Node& document) {
  try {
    parse_document(document);
  } catch (const std::exception& e) {  // a yaml-cpp surprise must not end the load
    f_.root(document, "").error(std::string("could not read this object: ") + e.what());
  }
  report_unknown_kinds();
}

void ManifestParser::parse_document(const YAML::Node& document) {
  if (!document.IsDefined() || document.IsNull())
    return;  // empty document: a trailing `---`, comments
  const YamlField root = f_.root(document, "");
  // Kubernetes' YAML reader rejects a key given twice in one mapping; yaml-cpp
  // keeps both silently. A cyclic or exploding document is not read at all.
  if (!check_yaml_tree(document, "", context_)) return;
  if (!document.IsMap()) {
    std::string got =
        document.IsSequence() ? "a list" : "the text '" + document.Scalar().substr(0, 40) + "'";
    if (document.IsScalar() && document.Scalar().size() > 40) got.insert(got.size() - 1, "...");
    root.error("expected a Kubernetes object (a mapping with apiVersion, kind and metadata), got " +
               got);
    return;
  }
  parse_object(root);
}

void ManifestParser::parse_object(const YamlField& root) {
  const YamlField api_version = root["apiVersion"];
  const YamlField kind_field = root["kind"];
  if (!api_version.present())
    f_.missing(root, "apiVersion", "the object's API version, such as apps/v1");
  if (!kind_field.present()) f_.missing(root, "kind", "the object's kind, such as Deployment");
  const auto version = api_version.string();
  const auto kind = kind_field.string();
  if (!version || !kind) return;
  const std::size_t slash = version->find('/');
  const std::string group = slash == std::string::npos ? "" : version->substr(0, slash);
  const bool legacy_group = group == "extensions";
  const bool beta = version->find("beta") != std::string::npos;

  if (group.empty() && *kind == "List") {
    const YamlField items = root["items"];
    const std::size_t n = f_.list_size(items);
    for (std::size_t i = 0; i < n; ++i) {
      const YamlField item = f_.item(items, i);
      if (f_.is_mapping(item, "a Kubernetes object")) parse_object(item);
    }
    return;
  }
  // A kind that a version the API server serves does not have is refused
  // there ("no matches for kind"): a typo, not a custom resource.
  if (schema_ != nullptr && schema_->schema != nullptr &&
      !schema_->schema->has_kind(*version, *kind)) {
    if (const auto kinds = schema_->schema->kinds_of(*version); !kinds.empty()) {
      std::string suggestion;
      for (std::string_view k : closest_names(*kind, kinds))
        suggestion += (suggestion.empty() ? "; did you mean " : " or ") + std::string(k);
      kind_field.error("no kind '" + *kind + "' in " + *version + " (Kubernetes " +
                       schema_->schema->release() + ")" +
                       (suggestion.empty() ? "" : suggestion + "?"));
      return;
    }
  }
  const std::size_t errors_before = context_.diagnostics->items().size();
  const bool modelled = parse_kind(root, group, *kind, legacy_group || beta);
  check_schema(root, *version, *kind, modelled, errors_before);
  if (modelled) return;

  const std::string key = group.empty() ? *kind : *kind + "." + group;
  Unknown& u = unknown_[key];
  if (u.count++ == 0) {
    unknown_order_.push_back(key);
    u.api_version = *version;
    u.first = kind_field.node();
    u.path = kind_field.path();
  }
  ++out_.unknown_kinds[key];
}

bool ManifestParser::parse_kind(const YamlField& root, const std::string& group,
                                const std::string& kind, bool legacy) {
  const bool legacy_group = group == "extensions";
  const bool apps = group == "apps" || legacy_group;
  if (group.empty() && kind == "Namespace") return namespace_(root), true;
  if (group.empty() && kind == "Pod") return pod(root), true;
  if (group.empty() && kind == "Service") return service(root), true;
  if (group.empty() && kind == "ReplicationController") return replication_controller(root), true;
  if (apps && kind == "Deployment") return deployment(root, legacy), true;
  if (apps && kind == "ReplicaSet") return replica_set(root, legacy), true;
  if (apps && kind == "DaemonSet") return daemon_set(root, legacy), true;
  if (group == "apps" && kind == "StatefulSet") return stateful_set(root, legacy), true;
  if (group == "discovery.k8s.io" && kind == "EndpointSlice") return endpoint_slice(root), true;
  if ((group == "networking.k8s.io" || legacy_group) && kind == "Ingress")
    return ingress(root, legacy), true;
  if ((group == "networking.k8s.io" || legacy_group) && kind == "NetworkPolicy")
    return network_policy(root), true;
  return false;
}

void ManifestParser::check_schema(const YamlField& root, const std::string& version,
                                  const std::string& kind, bool modelled, std::size_t first_new) {
  if (schema_ == nullptr || schema_->schema == nullptr) return;
  const KubeSchema& schema = *schema_->schema;
  if (!schema.has_kind(version, kind)) {
    // An unmodelled kind's notice says so (report_unknown_kinds).
    if (modelled && unchecked_.insert(version + " " + kind).second) {
      const YamlField at = root["apiVersion"];
      f_.report_at(at, at.path(), Severity::notice,
                   kind + " " + version + " is not in the Kubernetes " + schema.release() +
                       " schema; its fields are not checked against it");
    }
    return;
  }
  Diagnostics found;
  YamlContext context{context_.file, &found, {}};
  schema.check(YamlField(root.node(), root.path(), context), version, kind,
               schema_->strict ? Severity::error : Severity::warning);
  // Where the parser has already said what is wrong, the schema's word would
  // only repeat it.
  const std::vector<Diagnostic>& said = context_.diagnostics->items();
  for (const Diagnostic& d : found.items()) {
    bool repeated = false;
    for (std::size_t i = std::min(first_new, said.size()); i < said.size() && !repeated; ++i) {
      repeated = said[i].severity == Severity::error && said[i].line == d.line &&
                 said[i].column == d.column;
    }
    if (!repeated) context_.diagnostics->add(d);
  }
}

void ManifestParser::report_unknown_kinds() {
  for (const std::string& key : unknown_order_) {
    const Unknown& u = unknown_.at(key);
    const YamlField at = f_.root(u.first, u.path);
    const std::string kind = key.substr(0, key.find('.'));
    std::string message = kind + " (" + u.api_version + ") is not modelled by podwire; ";
    message += u.count == 1 ? "this object is ignored"
                            : "the " + std::to_string(u.count) +
                                  " objects of this kind in this file are ignored";
    if (schema_ != nullptr && schema_->schema != nullptr &&
        !schema_->schema->has_kind(u.api_version, kind)) {
      message += "; it is not in the Kubernetes " + schema_->schema->release() +
                 " schema (a custom resource?), so its fields are not checked";
    }
    f_.report_at(at, u.path, Severity::notice, message);
  }
  unknown_order_.clear();
  unknown_.clear();
}

bool ManifestParser::metadata(const YamlField& root, ObjectMeta& meta, std::string_view kind,
                              bool namespaced) {
  const YamlField m = root["metadata"];
  if (!m.present()) {
    f_.missing(root, "metadata", "a mapping with at least a name");
    return false;
  }
  if (!f_.is_mapping(m, "a mapping with at least a name")) return false;
  const YamlField name = m["name"];
  if (!name.present()) {
    f_.missing(m, "name",
               m["generateName"].present() ? "a fixed name (podwire does not support generateName)"
                                           : "the object's name");
  } else if (auto v = name.string()) {
    const std::string problem = kind == "Service"     ? dns_label_problem(*v, true)
                                : kind == "Namespace" ? dns_label_problem(*v, false)
                                                      : dns_subdomain_problem(*v);
    if (!problem.empty())
      name.error("'" + *v + "' is not a valid " + std::string(kind) + " name: " + problem);
    meta.name = *v;
  }
  meta.namespace_ = namespaced ? "default" : "";
  if (auto v = m["namespace"].string(); v && namespaced) {
    const std::string problem = dns_label_problem(*v, false);
    if (!problem.empty())
      m["namespace"].error("'" + *v + "' is not a valid namespace name: " + problem);
    meta.namespace_ = *v;
  }
  if (auto v = f_.string_map(m["labels"], "a mapping of label keys to values")) meta.labels = *v;
  if (auto v = f_.string_map(m["annotations"], "a mapping of annotation keys to values"))
    meta.annotations = *v;
  return !meta.name.empty();
}

void ManifestParser::namespace_(const YamlField& root) {
  const std::size_t errors = f_.error_count();
  Namespace ns;
  ns.source = f_.location(root);
  metadata(root, ns.meta, "Namespace", false);
  if (f_.error_count() == errors) out_.namespaces.push_back(std::move(ns));
}

}  // namespace podwire::kube
