#include "models/scenario/manifest_loader.hpp"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "models/scenario/kube_fields.hpp"

namespace podwire::scenario {

namespace {

using kube::Protocol;

bool is_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

// The seconds of `sleep N` (or `sleep Ns`), or nullopt.
std::optional<std::int64_t> sleep_command_seconds(std::vector<std::string> words) {
  const auto basename = [](const std::string& s) { return s.substr(s.find_last_of('/') + 1); };
  if (words.size() == 3 && words[1] == "-c") {
    const std::string shell = basename(words[0]);
    if (shell != "sh" && shell != "bash" && shell != "ash" && shell != "dash") return std::nullopt;
    std::istringstream script(words[2]);
    std::vector<std::string> split;
    for (std::string w; script >> w;) split.push_back(w);
    words = split;
  }
  if (words.size() != 2 || basename(words[0]) != "sleep") return std::nullopt;
  std::string n = words[1];
  if (!n.empty() && n.back() == 's') n.pop_back();
  if (n.empty() || n.size() > 9 || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(n);
}

// Reads the objects of one file into a ManifestSet.
class ManifestParser {
 public:
  ManifestParser(const std::string& file, Diagnostics& diagnostics, ManifestSet& out)
      : context_{file, &diagnostics, {}}, f_(context_), out_(out) {}

  void parse_text(const std::string& text);

 private:
  struct Unknown {
    int count = 0;
    std::string api_version;
    YAML::Node first;
    std::string path;
  };

  void parse_document(const YAML::Node& document);
  void check_duplicate_keys(const YamlField& f);
  void parse_object(const YamlField& root);

  // Common parts.
  bool metadata(const YamlField& root, kube::ObjectMeta& meta, std::string_view kind, bool namespaced);
  kube::PodSpec pod_spec(const YamlField& spec);
  kube::Container container(const YamlField& c);
  void resources(const YamlField& r, kube::Container& c);
  std::optional<kube::Probe> probe(const YamlField& p);
  std::optional<kube::PreStopHook> pre_stop(const YamlField& p);
  bool pod_template(const YamlField& spec, kube::PodTemplate& t);
  bool workload_selector(const YamlField& spec, const kube::PodTemplate& t, bool legacy, kube::LabelSelector& s);
  int replicas(const YamlField& spec);

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
  std::optional<kube::IngressBackend> ingress_backend(const YamlField& b);
  void network_policy(const YamlField& root);
  std::vector<kube::NetworkPolicyRule> policy_rules(const YamlField& rules, std::string_view peers_key);
  void namespace_(const YamlField& root);

  void syntax_error(const YAML::Exception& e);
  void report_unknown_kinds();

  YamlContext context_;
  KubeFields f_;
  ManifestSet& out_;
  std::vector<std::string> unknown_order_;
  std::map<std::string, Unknown> unknown_;
};

void ManifestParser::syntax_error(const YAML::Exception& e) {
  // Binary input puts raw bytes into yaml-cpp's messages; keep them printable.
  std::string message = "YAML syntax error: ";
  for (unsigned char c : e.msg) {
    if (c >= 0x20 && c < 0x7f) {
      message += static_cast<char>(c);
    } else {
      const char* hex = "0123456789abcdef";
      message += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    }
  }
  Diagnostic d{Severity::error, context_.file, 0, 0, "", message};
  if (!e.mark.is_null()) {
    d.line = e.mark.line + 1;
    d.column = e.mark.column + 1;
  }
  context_.diagnostics->add(std::move(d));
}

void ManifestParser::parse_text(const std::string& text) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception&) {
    // yaml-cpp stops at the first syntax error. Read the documents one by one
    // (split at `---` / `...` lines, which YAML forbids inside content) so the
    // good ones still load and every broken one is reported. Leading newlines
    // keep the marks at their lines in the file.
    documents.clear();
    std::size_t line = 0;
    std::size_t chunk_start_line = 0;
    std::string chunk;
    const auto flush = [&] {
      try {
        for (const YAML::Node& d : YAML::LoadAll(std::string(chunk_start_line, '\n') + chunk)) documents.push_back(d);
      } catch (const YAML::Exception& e) {
        syntax_error(e);
      }
      chunk.clear();
    };
    std::istringstream in(text);
    for (std::string l; std::getline(in, l); ++line) {
      const bool start = l.rfind("---", 0) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
      const bool end = l.rfind("...", 0) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
      if (start) {
        flush();
        chunk_start_line = line;
      }
      chunk += l + "\n";
      if (end) {
        flush();
        chunk_start_line = line + 1;
      }
    }
    flush();
  }
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

void ManifestParser::parse_document(const YAML::Node& document) {
  if (!document.IsDefined() || document.IsNull()) return;  // empty document: a trailing `---`, comments
  const YamlField root = f_.root(document, "");
  check_duplicate_keys(root);
  if (!document.IsMap()) {
    std::string got = document.IsSequence() ? "a list" : "the text '" + document.Scalar().substr(0, 40) + "'";
    if (document.IsScalar() && document.Scalar().size() > 40) got.insert(got.size() - 1, "...");
    root.error("expected a Kubernetes object (a mapping with apiVersion, kind and metadata), got " + got);
    return;
  }
  parse_object(root);
}

// Kubernetes' YAML reader rejects a key given twice in one mapping; yaml-cpp
// keeps both silently.
void ManifestParser::check_duplicate_keys(const YamlField& f) {
  const YAML::Node& n = f.node();
  if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) check_duplicate_keys(f_.item(f, i));
  } else if (n.IsMap()) {
    std::map<std::string, int> seen;  // key -> line
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      const std::string path = f.path().empty() ? key : f.path() + "." + key;
      const YamlField k(kv.first, path, context_);
      const auto [it, fresh] = seen.emplace(key, kv.first.Mark().line + 1);
      if (!fresh) k.error("key '" + key + "' is given twice in this mapping (first at line " + std::to_string(it->second) + ")");
      check_duplicate_keys(YamlField(kv.second, path, context_));
    }
  }
}

void ManifestParser::parse_object(const YamlField& root) {
  const YamlField api_version = root["apiVersion"];
  const YamlField kind_field = root["kind"];
  if (!api_version.present()) f_.missing(root, "apiVersion", "the object's API version, such as apps/v1");
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
  const bool apps = group == "apps" || legacy_group;
  if (group.empty() && *kind == "Namespace") return namespace_(root);
  if (group.empty() && *kind == "Pod") return pod(root);
  if (group.empty() && *kind == "Service") return service(root);
  if (group.empty() && *kind == "ReplicationController") return replication_controller(root);
  if (apps && *kind == "Deployment") return deployment(root, legacy_group || beta);
  if (apps && *kind == "ReplicaSet") return replica_set(root, legacy_group || beta);
  if (apps && *kind == "DaemonSet") return daemon_set(root, legacy_group || beta);
  if (group == "apps" && *kind == "StatefulSet") return stateful_set(root, beta);
  if (group == "discovery.k8s.io" && *kind == "EndpointSlice") return endpoint_slice(root);
  if ((group == "networking.k8s.io" || legacy_group) && *kind == "Ingress") return ingress(root, legacy_group || beta);
  if ((group == "networking.k8s.io" || legacy_group) && *kind == "NetworkPolicy") return network_policy(root);

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

void ManifestParser::report_unknown_kinds() {
  for (const std::string& key : unknown_order_) {
    const Unknown& u = unknown_.at(key);
    const YamlField at = f_.root(u.first, u.path);
    const std::string kind = key.substr(0, key.find('.'));
    std::string message = kind + " (" + u.api_version + ") is not modelled by podwire; ";
    message += u.count == 1 ? "this object is ignored"
                            : "the " + std::to_string(u.count) + " objects of this kind in this file are ignored";
    f_.report_at(at, u.path, Severity::notice, message);
  }
  unknown_order_.clear();
  unknown_.clear();
}

// --- common parts ---------------------------------------------------------------

bool ManifestParser::metadata(const YamlField& root, kube::ObjectMeta& meta, std::string_view kind, bool namespaced) {
  const YamlField m = root["metadata"];
  if (!m.present()) {
    f_.missing(root, "metadata", "a mapping with at least a name");
    return false;
  }
  if (!f_.is_mapping(m, "a mapping with at least a name")) return false;
  const YamlField name = m["name"];
  if (!name.present()) {
    f_.missing(m, "name", m["generateName"].present() ? "a fixed name (podwire does not support generateName)"
                                                       : "the object's name");
  } else if (auto v = name.string()) {
    const std::string problem = kind == "Service"     ? kube::dns_label_problem(*v, true)
                                : kind == "Namespace" ? kube::dns_label_problem(*v, false)
                                                      : kube::dns_subdomain_problem(*v);
    if (!problem.empty()) name.error("'" + *v + "' is not a valid " + std::string(kind) + " name: " + problem);
    meta.name = *v;
  }
  meta.namespace_ = namespaced ? "default" : "";
  if (auto v = m["namespace"].string(); v && namespaced) {
    const std::string problem = kube::dns_label_problem(*v, false);
    if (!problem.empty()) m["namespace"].error("'" + *v + "' is not a valid namespace name: " + problem);
    meta.namespace_ = *v;
  }
  if (auto v = f_.string_map(m["labels"], "a mapping of label keys to values")) meta.labels = *v;
  if (auto v = f_.string_map(m["annotations"], "a mapping of annotation keys to values")) meta.annotations = *v;
  return !meta.name.empty();
}

int ManifestParser::replicas(const YamlField& spec) {
  return f_.integer(spec["replicas"], 0, 1'000'000).value_or(1);
}

std::optional<kube::Probe> ManifestParser::probe(const YamlField& p) {
  if (!f_.is_mapping(p, "a probe (a mapping with httpGet, tcpSocket, grpc or exec)")) return std::nullopt;
  kube::Probe probe;
  int handlers = 0;
  if (p["httpGet"].present()) {
    ++handlers;
    probe.action = kube::Probe::Action::http_get;
    if (!p["httpGet"]["port"].present()) f_.missing(p["httpGet"], "port", "a port number or name");
    if (auto v = f_.port_ref(p["httpGet"]["port"])) probe.port = *v;
    probe.path = p["httpGet"]["path"].string().value_or("/");
  }
  if (p["tcpSocket"].present()) {
    ++handlers;
    probe.action = kube::Probe::Action::tcp_socket;
    if (!p["tcpSocket"]["port"].present()) f_.missing(p["tcpSocket"], "port", "a port number or name");
    if (auto v = f_.port_ref(p["tcpSocket"]["port"])) probe.port = *v;
  }
  if (p["grpc"].present()) {
    ++handlers;
    probe.action = kube::Probe::Action::grpc;
    if (!p["grpc"]["port"].present()) f_.missing(p["grpc"], "port", "a port number");
    if (auto v = f_.integer(p["grpc"]["port"], 1, 65535)) probe.port = kube::PortRef{*v, ""};
  }
  if (p["exec"].present()) {
    ++handlers;
    probe.action = kube::Probe::Action::exec;
  }
  if (handlers != 1) {
    p.error(handlers == 0 ? "a probe needs one of httpGet, tcpSocket, grpc or exec"
                          : "a probe must have only one of httpGet, tcpSocket, grpc or exec");
    return std::nullopt;
  }
  probe.initial_delay_seconds = f_.integer(p["initialDelaySeconds"], 0, 1'000'000'000).value_or(0);
  probe.period_seconds = f_.integer(p["periodSeconds"], 1, 1'000'000'000).value_or(10);
  probe.timeout_seconds = f_.integer(p["timeoutSeconds"], 1, 1'000'000'000).value_or(1);
  probe.success_threshold = f_.integer(p["successThreshold"], 1, 1'000'000'000).value_or(1);
  probe.failure_threshold = f_.integer(p["failureThreshold"], 1, 1'000'000'000).value_or(3);
  return probe;
}

std::optional<kube::PreStopHook> ManifestParser::pre_stop(const YamlField& p) {
  if (!f_.is_mapping(p, "a handler (a mapping with exec, httpGet, tcpSocket or sleep)")) return std::nullopt;
  kube::PreStopHook hook;
  if (p["exec"].present()) {
    hook.action = kube::PreStopHook::Action::exec;
    hook.sleep_seconds = sleep_command_seconds(f_.strings(p["exec"]["command"]));
  } else if (p["httpGet"].present()) {
    hook.action = kube::PreStopHook::Action::http_get;
  } else if (p["tcpSocket"].present()) {
    hook.action = kube::PreStopHook::Action::tcp_socket;
  } else if (p["sleep"].present()) {
    hook.action = kube::PreStopHook::Action::sleep;
    if (!p["sleep"]["seconds"].present()) f_.missing(p["sleep"], "seconds", "the seconds to sleep");
    if (auto v = f_.integer(p["sleep"]["seconds"], 0, 1'000'000'000)) hook.sleep_seconds = *v;
  } else {
    p.error("a preStop hook needs one of exec, httpGet, tcpSocket or sleep");
    return std::nullopt;
  }
  return hook;
}

void ManifestParser::resources(const YamlField& r, kube::Container& c) {
  if (!f_.is_mapping(r, "a mapping with requests and/or limits")) return;
  const YamlField requests = r["requests"];
  const YamlField limits = r["limits"];
  if (f_.is_mapping(requests, "a mapping of resource names to quantities")) {
    c.cpu_request_millicores = f_.cpu(requests["cpu"]);
    c.memory_request_bytes = f_.memory(requests["memory"]);
  }
  if (f_.is_mapping(limits, "a mapping of resource names to quantities")) {
    c.cpu_limit_millicores = f_.cpu(limits["cpu"]);
    c.memory_limit_bytes = f_.memory(limits["memory"]);
  }
  if (!c.cpu_request_millicores) c.cpu_request_millicores = c.cpu_limit_millicores;
  if (!c.memory_request_bytes) c.memory_request_bytes = c.memory_limit_bytes;
  if (c.cpu_limit_millicores && *c.cpu_request_millicores > *c.cpu_limit_millicores) {
    requests["cpu"].error("the cpu request must not exceed the cpu limit");
  }
  if (c.memory_limit_bytes && *c.memory_request_bytes > *c.memory_limit_bytes) {
    requests["memory"].error("the memory request must not exceed the memory limit");
  }
}

kube::Container ManifestParser::container(const YamlField& y) {
  kube::Container c;
  c.source = f_.location(y);
  if (!f_.is_mapping(y, "a container (a mapping with name, image, ports, ...)")) return c;
  if (!y["name"].present()) f_.missing(y, "name", "the container's name");
  if (auto v = y["name"].string()) {
    const std::string problem = kube::dns_label_problem(*v, false);
    if (!problem.empty()) y["name"].error("'" + *v + "' is not a valid container name: " + problem);
    c.name = *v;
  }
  c.image = y["image"].string().value_or("");

  const YamlField ports = y["ports"];
  const std::size_t n = f_.list_size(ports);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField p = f_.item(ports, i);
    kube::ContainerPort port;
    port.source = f_.location(p);
    if (!f_.is_mapping(p, "a port (a mapping with containerPort, name, protocol)")) continue;
    if (!p["containerPort"].present()) f_.missing(p, "containerPort", "a port number from 1 to 65535");
    port.container_port = f_.integer(p["containerPort"], 1, 65535).value_or(0);
    if (auto v = p["name"].string()) {
      const std::string problem = kube::port_name_problem(*v);
      if (!problem.empty()) p["name"].error("'" + *v + "' is not a valid port name: " + problem);
      port.name = *v;
    }
    port.protocol = f_.protocol(p["protocol"]).value_or(Protocol::tcp);
    port.host_port = f_.integer(p["hostPort"], 0, 65535).value_or(0);
    c.ports.push_back(std::move(port));
  }
  resources(y["resources"], c);
  if (y["readinessProbe"].present()) c.readiness_probe = probe(y["readinessProbe"]);
  if (y["livenessProbe"].present()) c.liveness_probe = probe(y["livenessProbe"]);
  if (y["lifecycle"]["preStop"].present()) c.pre_stop = pre_stop(y["lifecycle"]["preStop"]);
  const YamlField env = y["env"];
  const std::size_t n_env = f_.list_size(env);
  for (std::size_t i = 0; i < n_env; ++i) {
    const YamlField e = f_.item(env, i);
    if (!f_.is_mapping(e, "an environment variable (a mapping with name and value)")) continue;
    const auto name = e["name"].string();
    if (!name) {
      if (!e["name"].present()) f_.missing(e, "name", "the variable's name");
      continue;
    }
    if (!e["valueFrom"].present()) c.env.push_back({*name, e["value"].string().value_or("")});
  }
  return c;
}

kube::PodSpec ManifestParser::pod_spec(const YamlField& spec) {
  kube::PodSpec s;
  if (!f_.is_mapping(spec, "a pod spec (a mapping with containers, ...)")) return s;
  std::set<std::string> names;
  const auto read_containers = [&](const char* key, std::vector<kube::Container>& into) {
    const YamlField list = spec[key];
    const std::size_t n = f_.list_size(list);
    for (std::size_t i = 0; i < n; ++i) {
      into.push_back(container(f_.item(list, i)));
      const std::string& name = into.back().name;
      if (!name.empty() && !names.insert(name).second) {
        f_.item(list, i)["name"].error("container name '" + name + "' is used twice in this pod");
      }
    }
  };
  const YamlField containers = spec["containers"];
  if (!containers.present()) f_.missing(spec, "containers", "a list of containers");
  read_containers("containers", s.containers);
  if (containers.present() && containers.node().IsSequence() && s.containers.empty()) {
    containers.error("a pod needs at least one container");
  }
  read_containers("initContainers", s.init_containers);

  s.host_network = f_.boolean(spec["hostNetwork"]).value_or(false);
  using kube::DnsPolicy;
  s.dns_policy = f_.one_of<DnsPolicy>(spec["dnsPolicy"], {{"ClusterFirst", DnsPolicy::cluster_first},
                                                          {"ClusterFirstWithHostNet", DnsPolicy::cluster_first_with_host_net},
                                                          {"Default", DnsPolicy::default_},
                                                          {"None", DnsPolicy::none}})
                     .value_or(DnsPolicy::cluster_first);
  const YamlField dns = spec["dnsConfig"];
  if (f_.is_mapping(dns, "a mapping with nameservers, searches and options")) {
    kube::DnsConfig config;
    config.nameservers = f_.strings(dns["nameservers"]);
    for (const std::string& ns : config.nameservers) {
      if (!is_ip_address(ns)) dns["nameservers"].error("'" + ns + "' is not an IP address");
    }
    config.searches = f_.strings(dns["searches"]);
    const YamlField options = dns["options"];
    const std::size_t n = f_.list_size(options);
    for (std::size_t i = 0; i < n; ++i) {
      const YamlField o = f_.item(options, i);
      if (!f_.is_mapping(o, "an option (a mapping with name and value)")) continue;
      const auto name = o["name"].string();
      if (!name) {
        if (!o["name"].present()) f_.missing(o, "name", "the option's name");
        continue;
      }
      const std::string value = o["value"].string().value_or("");
      config.options.emplace_back(*name, value);
      if (*name == "ndots") config.ndots = f_.integer(o["value"], 0, 15);
    }
    s.dns_config = std::move(config);
  }
  if (s.dns_policy == DnsPolicy::none && (!s.dns_config || s.dns_config->nameservers.empty())) {
    spec["dnsPolicy"].error("dnsPolicy None needs dnsConfig.nameservers (at least one)");
  }
  for (const char* key : {"hostname", "subdomain"}) {
    if (auto v = spec[key].string()) {
      const std::string problem = kube::dns_label_problem(*v, false);
      if (!problem.empty()) spec[key].error("'" + *v + "' is not a valid " + key + ": " + problem);
      (std::string_view(key) == "hostname" ? s.hostname : s.subdomain) = *v;
    }
  }
  if (auto v = spec["terminationGracePeriodSeconds"].integer(0, INT64_MAX)) s.termination_grace_period_seconds = *v;
  if (auto v = f_.string_map(spec["nodeSelector"], "a mapping of node label keys to values")) s.node_selector = *v;
  s.service_account_name = spec["serviceAccountName"].string().value_or("");
  return s;
}

bool ManifestParser::pod_template(const YamlField& spec, kube::PodTemplate& t) {
  const YamlField tmpl = spec["template"];
  if (!tmpl.present()) {
    f_.missing(spec, "template", "a pod template (metadata.labels and spec)");
    return false;
  }
  if (!f_.is_mapping(tmpl, "a pod template (a mapping with metadata and spec)")) return false;
  const YamlField m = tmpl["metadata"];
  if (f_.is_mapping(m, "a mapping with labels")) {
    if (auto v = f_.string_map(m["labels"], "a mapping of label keys to values")) t.metadata.labels = *v;
    if (auto v = f_.string_map(m["annotations"], "a mapping of annotation keys to values")) t.metadata.annotations = *v;
  }
  if (!tmpl["spec"].present()) {
    f_.missing(tmpl, "spec", "the pod spec");
    return false;
  }
  t.spec = pod_spec(tmpl["spec"]);
  return true;
}

// apps/v1 requires a selector, and it must select the template's pods; the
// legacy (extensions, beta) APIs defaulted it to the template's labels.
bool ManifestParser::workload_selector(const YamlField& spec, const kube::PodTemplate& t, bool legacy,
                                       kube::LabelSelector& s) {
  const YamlField sel = spec["selector"];
  if (!sel.present()) {
    if (legacy) {
      s.match_labels = t.metadata.labels;
      return true;
    }
    f_.missing(spec, "selector", "a label selector (matchLabels) that selects the template's pods");
    return false;
  }
  const auto parsed = f_.label_selector(sel);
  if (!parsed) return false;
  s = *parsed;
  if (s.empty()) {
    sel.error("an empty selector would select every pod of the namespace; Kubernetes rejects it here");
    return false;
  }
  if (!s.matches(t.metadata.labels)) {
    const YamlField labels = spec["template"]["metadata"]["labels"];
    f_.report_at(labels.present() ? labels : spec["template"], "spec.template.metadata.labels", Severity::error,
                 "the selector " + s.to_string() + " does not select these labels; Kubernetes rejects a "
                 "workload whose selector does not match its pod template");
    return false;
  }
  return true;
}

// --- workloads -------------------------------------------------------------------

void ManifestParser::deployment(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  kube::Deployment d;
  d.source = f_.location(root);
  metadata(root, d.meta, "Deployment", true);
  const YamlField spec = root["spec"];
  if (!spec.present()) f_.missing(root, "spec", "the Deployment's spec (selector, template, ...)");
  if (f_.is_mapping(spec, "the Deployment's spec")) {
    d.replicas = replicas(spec);
    if (pod_template(spec, d.template_)) workload_selector(spec, d.template_, legacy, d.selector);
    d.min_ready_seconds = f_.integer(spec["minReadySeconds"], 0, 1'000'000'000).value_or(0);
    const YamlField strategy = spec["strategy"];
    if (f_.is_mapping(strategy, "a mapping with type and rollingUpdate")) {
      using Type = kube::DeploymentStrategy::Type;
      d.strategy.type = f_.one_of<Type>(strategy["type"], {{"RollingUpdate", Type::rolling_update},
                                                           {"Recreate", Type::recreate}})
                            .value_or(Type::rolling_update);
      const YamlField rolling = strategy["rollingUpdate"];
      if (d.strategy.type == Type::recreate && rolling.present()) {
        rolling.error("rollingUpdate may not be given when the strategy type is Recreate");
      } else if (f_.is_mapping(rolling, "a mapping with maxSurge and maxUnavailable")) {
        if (auto v = f_.int_or_percent(rolling["maxSurge"])) d.strategy.max_surge = *v;
        if (auto v = f_.int_or_percent(rolling["maxUnavailable"])) {
          if (v->percent && v->value > 100) rolling["maxUnavailable"].error("must not be more than 100%");
          d.strategy.max_unavailable = *v;
        }
        if (d.strategy.max_surge.value == 0 && d.strategy.max_unavailable.value == 0) {
          rolling.error("maxSurge and maxUnavailable must not both be 0: the rollout could never progress");
        }
      }
    }
  }
  if (f_.error_count() == errors) out_.deployments.push_back(std::move(d));
}

void ManifestParser::replica_set(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  kube::ReplicaSet r;
  r.source = f_.location(root);
  metadata(root, r.meta, "ReplicaSet", true);
  const YamlField spec = root["spec"];
  if (!spec.present()) f_.missing(root, "spec", "the ReplicaSet's spec (selector, template, ...)");
  if (f_.is_mapping(spec, "the ReplicaSet's spec")) {
    r.replicas = replicas(spec);
    if (pod_template(spec, r.template_)) workload_selector(spec, r.template_, legacy, r.selector);
  }
  if (f_.error_count() == errors) out_.replica_sets.push_back(std::move(r));
}

void ManifestParser::replication_controller(const YamlField& root) {
  const std::size_t errors = f_.error_count();
  kube::ReplicationController r;
  r.source = f_.location(root);
  metadata(root, r.meta, "ReplicationController", true);
  const YamlField spec = root["spec"];
  if (!spec.present()) f_.missing(root, "spec", "the ReplicationController's spec (selector, template, ...)");
  if (f_.is_mapping(spec, "the ReplicationController's spec")) {
    r.replicas = replicas(spec);
    if (pod_template(spec, r.template_)) {
      const YamlField sel = spec["selector"];
      if (!sel.present()) {
        r.selector = r.template_.metadata.labels;
      } else if (auto v = f_.string_map(sel, "a mapping of label keys to values (a ReplicationController "
                                             "selector has no matchLabels)")) {
        r.selector = *v;
        if (!kube::map_selector_matches(r.selector, r.template_.metadata.labels)) {
          sel.error("the selector " + kube::map_selector_string(r.selector) +
                    " does not select the template's labels; Kubernetes rejects it");
        }
      }
      if (r.selector.empty()) spec["template"].error("the pod template needs labels for the selector to match");
    }
  }
  if (f_.error_count() == errors) out_.replication_controllers.push_back(std::move(r));
}

void ManifestParser::stateful_set(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  kube::StatefulSet s;
  s.source = f_.location(root);
  metadata(root, s.meta, "StatefulSet", true);
  const YamlField spec = root["spec"];
  if (!spec.present()) f_.missing(root, "spec", "the StatefulSet's spec (serviceName, selector, template, ...)");
  if (f_.is_mapping(spec, "the StatefulSet's spec")) {
    s.replicas = replicas(spec);
    if (pod_template(spec, s.template_)) workload_selector(spec, s.template_, legacy, s.selector);
    s.service_name = spec["serviceName"].string().value_or("");
    using P = kube::PodManagementPolicy;
    s.pod_management_policy =
        f_.one_of<P>(spec["podManagementPolicy"], {{"OrderedReady", P::ordered_ready}, {"Parallel", P::parallel}})
            .value_or(P::ordered_ready);
  }
  if (f_.error_count() == errors) out_.stateful_sets.push_back(std::move(s));
}

void ManifestParser::daemon_set(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  kube::DaemonSet d;
  d.source = f_.location(root);
  metadata(root, d.meta, "DaemonSet", true);
  const YamlField spec = root["spec"];
  if (!spec.present()) f_.missing(root, "spec", "the DaemonSet's spec (selector, template, ...)");
  if (f_.is_mapping(spec, "the DaemonSet's spec")) {
    if (pod_template(spec, d.template_)) workload_selector(spec, d.template_, legacy, d.selector);
  }
  if (f_.error_count() == errors) out_.daemon_sets.push_back(std::move(d));
}

void ManifestParser::pod(const YamlField& root) {
  const std::size_t errors = f_.error_count();
  kube::Pod p;
  p.source = f_.location(root);
  metadata(root, p.meta, "Pod", true);
  if (!root["spec"].present()) f_.missing(root, "spec", "the Pod's spec (containers, ...)");
  else p.spec = pod_spec(root["spec"]);
  if (f_.error_count() == errors) out_.pods.push_back(std::move(p));
}

// --- services and endpoints --------------------------------------------------------

void ManifestParser::service(const YamlField& root) {
  using kube::ServiceType;
  const std::size_t errors = f_.error_count();
  kube::Service s;
  s.source = f_.location(root);
  metadata(root, s.meta, "Service", true);
  const YamlField spec = root["spec"];
  if (!spec.present()) f_.missing(root, "spec", "the Service's spec (selector, ports, ...)");
  if (f_.is_mapping(spec, "the Service's spec")) {
    s.type = f_.one_of<ServiceType>(spec["type"], {{"ClusterIP", ServiceType::cluster_ip},
                                                   {"NodePort", ServiceType::node_port},
                                                   {"LoadBalancer", ServiceType::load_balancer},
                                                   {"ExternalName", ServiceType::external_name}})
                 .value_or(ServiceType::cluster_ip);
    const bool external_name = s.type == ServiceType::external_name;
    const bool node_ports = s.type == ServiceType::node_port || s.type == ServiceType::load_balancer;
    if (auto v = spec["clusterIP"].string()) {
      if (*v != "None" && !v->empty() && !is_ip_address(*v)) {
        spec["clusterIP"].error("expected an IP address, \"None\" (headless) or nothing (allocate), got '" + *v + "'");
      }
      s.cluster_ip = *v;
    }
    if (s.headless() && node_ports) {
      spec["clusterIP"].error("a " + std::string(kube::to_string(s.type)) +
                              " Service cannot be headless (clusterIP: None)");
    }

    const YamlField ports = spec["ports"];
    const std::size_t n = f_.list_size(ports);
    std::set<std::string> names;
    std::map<std::pair<int, Protocol>, std::size_t> numbers;
    for (std::size_t i = 0; i < n; ++i) {
      const YamlField p = f_.item(ports, i);
      kube::ServicePort port;
      port.source = f_.location(p);
      port.target_port_source = port.source;
      if (!f_.is_mapping(p, "a port (a mapping with port, targetPort, protocol, name)")) continue;
      if (auto v = p["name"].string()) {
        const std::string problem = v->empty() ? "" : kube::dns_label_problem(*v, false);
        if (!problem.empty()) p["name"].error("'" + *v + "' is not a valid port name: " + problem);
        if (!v->empty() && !names.insert(*v).second) p["name"].error("port name '" + *v + "' is used twice");
        port.name = *v;
      }
      if (n > 1 && port.name.empty()) {
        f_.missing(p, "name", "a port name: every port of a multi-port Service needs one");
      }
      port.protocol = f_.protocol(p["protocol"]).value_or(Protocol::tcp);
      if (!p["port"].present()) f_.missing(p, "port", "the port number the Service listens on (1 to 65535)");
      port.port = f_.integer(p["port"], 1, 65535).value_or(0);
      port.target_port = kube::PortRef{port.port, ""};
      if (p["targetPort"].present()) {
        port.target_port_source = f_.location(p["targetPort"]);
        if (auto v = f_.port_ref(p["targetPort"], true)) {
          if (v->named() || v->number != 0) port.target_port = *v;  // 0 means "same as port"
        }
      }
      if (auto v = f_.integer(p["nodePort"], 0, 65535)) {
        if (*v != 0 && !node_ports) {
          p["nodePort"].error("nodePort may only be given for NodePort and LoadBalancer Services, not " +
                              std::string(kube::to_string(s.type)));
        }
        port.node_port = *v;
      }
      port.app_protocol = p["appProtocol"].string().value_or("");
      if (port.port != 0) {
        const auto [it, fresh] = numbers.emplace(std::make_pair(port.port, port.protocol), i);
        if (!fresh) {
          p["port"].error("port " + std::to_string(port.port) + "/" + std::string(kube::to_string(port.protocol)) +
                          " is given twice (also in spec.ports[" + std::to_string(it->second) + "])");
        }
      }
      s.ports.push_back(std::move(port));
    }
    const bool ports_not_a_list = ports.present() && !ports.node().IsSequence();
    if (n == 0 && !ports_not_a_list && !external_name && !s.headless()) {
      f_.report_at(ports.present() ? ports : spec, ports.path(), Severity::error,
                   "missing; expected at least one port (only headless and ExternalName Services may have none)");
    }

    const YamlField selector = spec["selector"];
    if (selector.present()) s.selector = f_.string_map(selector, "a mapping of label keys to values");
    if (auto v = spec["externalName"].string()) {
      const std::string problem = kube::dns_subdomain_problem(*v);
      if (!problem.empty()) spec["externalName"].error("'" + *v + "' is not a DNS name: " + problem);
      s.external_name = *v;
    }
    if (external_name && s.external_name.empty() && !spec["externalName"].present()) {
      f_.missing(spec, "externalName", "the DNS name an ExternalName Service points to");
    }

    using kube::TrafficPolicy;
    const std::initializer_list<std::pair<std::string_view, TrafficPolicy>> policies = {
        {"Cluster", TrafficPolicy::cluster}, {"Local", TrafficPolicy::local}};
    if (spec["externalTrafficPolicy"].present()) {
      if (auto v = f_.one_of<TrafficPolicy>(spec["externalTrafficPolicy"], policies)) {
        if (!node_ports) {
          spec["externalTrafficPolicy"].error("externalTrafficPolicy applies only to NodePort and LoadBalancer "
                                              "Services, not " + std::string(kube::to_string(s.type)));
        }
        s.external_traffic_policy = *v;
      }
    }
    s.internal_traffic_policy =
        f_.one_of<TrafficPolicy>(spec["internalTrafficPolicy"], policies).value_or(TrafficPolicy::cluster);
    using kube::SessionAffinity;
    s.session_affinity = f_.one_of<SessionAffinity>(spec["sessionAffinity"], {{"None", SessionAffinity::none},
                                                                              {"ClientIP", SessionAffinity::client_ip}})
                             .value_or(SessionAffinity::none);
    if (auto v = f_.integer(spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 1, 86400)) {
      s.session_affinity_timeout_seconds = *v;
    }
    s.load_balancer_ip = spec["loadBalancerIP"].string().value_or("");
    s.external_ips = f_.strings(spec["externalIPs"]);
    for (const std::string& ip : s.external_ips) {
      if (!is_ip_address(ip)) spec["externalIPs"].error("'" + ip + "' is not an IP address");
    }
    s.publish_not_ready_addresses = f_.boolean(spec["publishNotReadyAddresses"]).value_or(false);
  }
  const YamlField lb = root["status"]["loadBalancer"]["ingress"];
  const std::size_t n = f_.list_size(lb);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField e = f_.item(lb, i);
    if (auto ip = e["ip"].string()) s.load_balancer_ingress.push_back(*ip);
    else if (auto host = e["hostname"].string()) s.load_balancer_ingress.push_back(*host);
  }
  if (f_.error_count() == errors) out_.services.push_back(std::move(s));
}

void ManifestParser::endpoint_slice(const YamlField& root) {
  const std::size_t errors = f_.error_count();
  kube::EndpointSlice e;
  e.source = f_.location(root);
  metadata(root, e.meta, "EndpointSlice", true);
  using kube::AddressType;
  if (!root["addressType"].present()) f_.missing(root, "addressType", "one of IPv4, IPv6, FQDN");
  e.address_type = f_.one_of<AddressType>(root["addressType"], {{"IPv4", AddressType::ipv4},
                                                                {"IPv6", AddressType::ipv6},
                                                                {"FQDN", AddressType::fqdn}})
                       .value_or(AddressType::ipv4);
  const YamlField endpoints = root["endpoints"];
  const std::size_t n = f_.list_size(endpoints);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField y = f_.item(endpoints, i);
    if (!f_.is_mapping(y, "an endpoint (a mapping with addresses, conditions, nodeName)")) continue;
    kube::Endpoint ep;
    ep.addresses = f_.strings(y["addresses"]);
    if (ep.addresses.empty() && !y["addresses"].present()) f_.missing(y, "addresses", "a list of addresses");
    for (const std::string& a : ep.addresses) {
      const bool ok = e.address_type == AddressType::fqdn ? kube::dns_subdomain_problem(a).empty() : is_ip_address(a);
      if (!ok) y["addresses"].error("'" + a + "' is not a valid " + root["addressType"].string().value_or("") + " address");
    }
    const YamlField c = y["conditions"];
    ep.conditions.ready = f_.boolean(c["ready"]);
    ep.conditions.serving = f_.boolean(c["serving"]);
    ep.conditions.terminating = f_.boolean(c["terminating"]);
    ep.node_name = y["nodeName"].string().value_or("");
    ep.hostname = y["hostname"].string().value_or("");
    e.endpoints.push_back(std::move(ep));
  }
  const YamlField ports = root["ports"];
  const std::size_t n_ports = f_.list_size(ports);
  for (std::size_t i = 0; i < n_ports; ++i) {
    const YamlField p = f_.item(ports, i);
    if (!f_.is_mapping(p, "a port (a mapping with name, port, protocol)")) continue;
    kube::EndpointPort port;
    port.name = p["name"].string().value_or("");
    port.port = f_.integer(p["port"], 1, 65535);
    port.protocol = f_.protocol(p["protocol"]).value_or(Protocol::tcp);
    port.app_protocol = p["appProtocol"].string().value_or("");
    e.ports.push_back(std::move(port));
  }
  if (f_.error_count() == errors) out_.endpoint_slices.push_back(std::move(e));
}

// --- ingress and network policy ----------------------------------------------------

std::optional<kube::IngressBackend> ManifestParser::ingress_backend(const YamlField& b) {
  if (!f_.is_mapping(b, "a backend (a mapping with service or resource)")) return std::nullopt;
  kube::IngressBackend backend;
  const YamlField service = b["service"];
  if (b["serviceName"].present()) {  // extensions/v1beta1 and networking.k8s.io/v1beta1
    backend.source = f_.location(b["serviceName"]);
    backend.service_name = b["serviceName"].string().value_or("");
    if (!b["servicePort"].present()) f_.missing(b, "servicePort", "the Service's port number or name");
    backend.port_source = f_.location(b["servicePort"].present() ? b["servicePort"] : b);
    if (auto v = f_.port_ref(b["servicePort"])) backend.service_port = *v;
  } else if (f_.is_mapping(service, "a mapping with name and port")) {
    backend.source = f_.location(service["name"].present() ? service["name"] : service);
    if (!service["name"].present()) f_.missing(service, "name", "the Service's name");
    backend.service_name = service["name"].string().value_or("");
    const YamlField port = service["port"];
    backend.port_source = backend.source;
    if (!port.present()) {
      f_.missing(service, "port", "the Service's port (number or name)");
    } else if (f_.is_mapping(port, "a mapping with number or name")) {
      const bool number = port["number"].present();
      if (number == port["name"].present()) {
        port.error("expected exactly one of number and name");
      } else if (number) {
        backend.port_source = f_.location(port["number"]);
        if (auto v = f_.integer(port["number"], 1, 65535)) backend.service_port = kube::PortRef{*v, ""};
      } else {
        backend.port_source = f_.location(port["name"]);
        if (auto v = f_.port_ref(port["name"])) backend.service_port = *v;
      }
    }
  } else if (f_.is_mapping(b["resource"], "a mapping with apiGroup, kind and name")) {
    backend.source = f_.location(b["resource"]);
    backend.resource = b["resource"]["kind"].string().value_or("") + "/" + b["resource"]["name"].string().value_or("");
  } else if (!service.present()) {
    b.error("a backend needs a service (name and port) or a resource");
    return std::nullopt;
  }
  return backend;
}

void ManifestParser::ingress(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  kube::Ingress g;
  g.source = f_.location(root);
  metadata(root, g.meta, "Ingress", true);
  const YamlField spec = root["spec"];
  if (!spec.present()) f_.missing(root, "spec", "the Ingress's spec (rules and/or defaultBackend)");
  if (f_.is_mapping(spec, "the Ingress's spec")) {
    g.ingress_class_name = spec["ingressClassName"].string().value_or("");
    if (g.ingress_class_name.empty()) {
      const auto it = g.meta.annotations.find("kubernetes.io/ingress.class");
      if (it != g.meta.annotations.end()) g.ingress_class_name = it->second;
    }
    const YamlField default_backend = spec[legacy && !spec["defaultBackend"].present() ? "backend" : "defaultBackend"];
    if (default_backend.present()) g.default_backend = ingress_backend(default_backend);

    const YamlField rules = spec["rules"];
    const std::size_t n = f_.list_size(rules);
    for (std::size_t i = 0; i < n; ++i) {
      const YamlField r = f_.item(rules, i);
      if (!f_.is_mapping(r, "a rule (a mapping with host and http)")) continue;
      kube::IngressRule rule;
      rule.host = r["host"].string().value_or("");
      const YamlField paths = r["http"]["paths"];
      if (r["http"].present() && !paths.present()) f_.missing(r["http"], "paths", "a list of paths");
      const std::size_t n_paths = f_.list_size(paths);
      for (std::size_t j = 0; j < n_paths; ++j) {
        const YamlField p = f_.item(paths, j);
        if (!f_.is_mapping(p, "a path (a mapping with path, pathType and backend)")) continue;
        kube::IngressPath path;
        path.path = p["path"].string().value_or("");
        if (!path.path.empty() && path.path.front() != '/') {
          p["path"].error("'" + path.path + "' is not an absolute path (it must start with '/')");
        }
        using kube::PathType;
        if (!p["pathType"].present() && !legacy) {
          f_.missing(p, "pathType", "one of Prefix, Exact, ImplementationSpecific");
        }
        path.path_type = f_.one_of<PathType>(p["pathType"], {{"Prefix", PathType::prefix},
                                                             {"Exact", PathType::exact},
                                                             {"ImplementationSpecific", PathType::implementation_specific}})
                             .value_or(PathType::implementation_specific);
        if (!p["backend"].present()) f_.missing(p, "backend", "the Service this path routes to");
        else if (auto b = ingress_backend(p["backend"])) path.backend = *b;
        rule.paths.push_back(std::move(path));
      }
      g.rules.push_back(std::move(rule));
    }
    if (!rules.present() && !default_backend.present()) {
      spec.error("an Ingress needs rules or a defaultBackend");
    }
    const YamlField tls = spec["tls"];
    const std::size_t n_tls = f_.list_size(tls);
    for (std::size_t i = 0; i < n_tls; ++i) {
      const YamlField t = f_.item(tls, i);
      if (!f_.is_mapping(t, "a mapping with hosts and secretName")) continue;
      g.tls.push_back({f_.strings(t["hosts"]), t["secretName"].string().value_or("")});
    }
  }
  if (f_.error_count() == errors) out_.ingresses.push_back(std::move(g));
}

std::vector<kube::NetworkPolicyRule> ManifestParser::policy_rules(const YamlField& rules, std::string_view peers_key) {
  std::vector<kube::NetworkPolicyRule> out;
  const std::size_t n = f_.list_size(rules);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField r = f_.item(rules, i);
    kube::NetworkPolicyRule rule;
    if (!r.present()) {  // `- ` with nothing: allows everything, like `- {}`
      out.push_back(std::move(rule));
      continue;
    }
    if (!f_.is_mapping(r, "a rule (a mapping with " + std::string(peers_key) + " and ports)")) continue;
    const YamlField peers = r[peers_key];
    const std::size_t n_peers = f_.list_size(peers);
    for (std::size_t j = 0; j < n_peers; ++j) {
      const YamlField p = f_.item(peers, j);
      if (!f_.is_mapping(p, "a peer (a mapping with podSelector, namespaceSelector or ipBlock)")) {
        if (!p.present()) p.error("a peer needs podSelector, namespaceSelector or ipBlock");
        continue;
      }
      kube::NetworkPolicyPeer peer;
      peer.pod_selector = f_.label_selector(p["podSelector"]);
      peer.namespace_selector = f_.label_selector(p["namespaceSelector"]);
      const YamlField block = p["ipBlock"];
      if (f_.is_mapping(block, "a mapping with cidr and except")) {
        kube::IpBlock ip;
        if (!block["cidr"].present()) f_.missing(block, "cidr", "a CIDR block such as 10.0.0.0/8");
        ip.cidr = block["cidr"].string().value_or("");
        ip.except = f_.strings(block["except"]);
        peer.ip_block = std::move(ip);
      }
      const bool selectors = p["podSelector"].present() || p["namespaceSelector"].present();
      if (block.present() && selectors) {
        p.error("a peer with an ipBlock may not also have a podSelector or namespaceSelector");
      } else if (!block.present() && !selectors) {
        p.error("a peer needs podSelector, namespaceSelector or ipBlock");
      }
      rule.peers.push_back(std::move(peer));
    }
    const YamlField ports = r["ports"];
    const std::size_t n_ports = f_.list_size(ports);
    for (std::size_t j = 0; j < n_ports; ++j) {
      const YamlField p = f_.item(ports, j);
      if (!f_.is_mapping(p, "a port (a mapping with protocol, port and endPort)")) continue;
      kube::NetworkPolicyPort port;
      port.protocol = f_.protocol(p["protocol"]).value_or(Protocol::tcp);
      port.port = f_.port_ref(p["port"]);
      port.end_port = f_.integer(p["endPort"], 1, 65535);
      if (port.end_port) {
        if (!port.port || port.port->named()) {
          p["endPort"].error("endPort needs a numeric port");
        } else if (*port.end_port < port.port->number) {
          p["endPort"].error("endPort must not be below port " + std::to_string(port.port->number));
        }
      }
      rule.ports.push_back(std::move(port));
    }
    out.push_back(std::move(rule));
  }
  return out;
}

void ManifestParser::network_policy(const YamlField& root) {
  const std::size_t errors = f_.error_count();
  kube::NetworkPolicy np;
  np.source = f_.location(root);
  metadata(root, np.meta, "NetworkPolicy", true);
  const YamlField spec = root["spec"];
  if (!spec.present()) f_.missing(root, "spec", "the NetworkPolicy's spec (podSelector, ingress, egress)");
  if (f_.is_mapping(spec, "the NetworkPolicy's spec")) {
    if (auto v = f_.label_selector(spec["podSelector"])) np.pod_selector = *v;
    np.ingress = policy_rules(spec["ingress"], "from");
    np.egress = policy_rules(spec["egress"], "to");
    const YamlField types = spec["policyTypes"];
    const std::size_t n = f_.list_size(types);
    if (n == 0) {
      np.policy_ingress = true;
      np.policy_egress = !np.egress.empty();
    } else {
      np.policy_ingress = false;
      for (std::size_t i = 0; i < n; ++i) {
        const YamlField t = f_.item(types, i);
        const auto v = f_.one_of<bool>(t, {{"Ingress", true}, {"Egress", false}});
        if (v) (*v ? np.policy_ingress : np.policy_egress) = true;
      }
    }
  }
  if (f_.error_count() == errors) out_.network_policies.push_back(std::move(np));
}

void ManifestParser::namespace_(const YamlField& root) {
  const std::size_t errors = f_.error_count();
  kube::Namespace ns;
  ns.source = f_.location(root);
  metadata(root, ns.meta, "Namespace", false);
  if (f_.error_count() == errors) out_.namespaces.push_back(std::move(ns));
}

bool has_yaml_extension(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

bool is_kustomization(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization";
}

}  // namespace

// --- ManifestSet ---------------------------------------------------------------------

std::size_t ManifestSet::object_count() const {
  return namespaces.size() + pods.size() + deployments.size() + replica_sets.size() +
         replication_controllers.size() + stateful_sets.size() + daemon_sets.size() + services.size() +
         endpoint_slices.size() + ingresses.size() + network_policies.size();
}

int ManifestSet::unknown_count() const {
  int n = 0;
  for (const auto& [kind, count] : unknown_kinds) n += count;
  return n;
}

void ManifestSet::append(ManifestSet&& o) {
  const auto move_all = [](auto& into, auto& from) {
    into.insert(into.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
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
  o = ManifestSet{};
}

std::vector<PodTemplateRef> ManifestSet::pod_templates() const {
  std::vector<PodTemplateRef> out;
  constexpr std::string_view templ = "spec.template.spec";
  for (const auto& w : deployments) {
    out.push_back({"Deployment", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source, templ, w.replicas});
  }
  for (const auto& w : replica_sets) {
    out.push_back({"ReplicaSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source, templ, w.replicas});
  }
  for (const auto& w : replication_controllers) {
    out.push_back({"ReplicationController", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source,
                   templ, w.replicas});
  }
  for (const auto& w : stateful_sets) {
    out.push_back({"StatefulSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source, templ, w.replicas});
  }
  for (const auto& w : daemon_sets) {
    out.push_back({"DaemonSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source, templ, -1});
  }
  for (const auto& p : pods) out.push_back({"Pod", &p.meta, &p.meta.labels, &p.spec, &p.source, "spec", 1});
  return out;
}

// --- entry points ----------------------------------------------------------------------

ManifestSet parse_manifest_text(const std::string& text, const std::string& file, Diagnostics& diagnostics) {
  ManifestSet set;
  set.files.push_back(file);
  ManifestParser(file, diagnostics, set).parse_text(text);
  return set;
}

ManifestSet load_manifests(const std::vector<std::string>& paths, Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  ManifestSet set;
  std::set<fs::path> seen;
  const auto load_file = [&](const fs::path& path) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    if (!seen.insert(ec ? path : canonical).second) return;
    const std::string name = path.generic_string();
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad()) {
      diagnostics.add(Diagnostic{Severity::error, name, 0, 0, "", "cannot read this file"});
      return;
    }
    set.append(parse_manifest_text(text.str(), name, diagnostics));
  };
  for (const std::string& p : paths) {
    std::error_code ec;
    const fs::path path(p);
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && has_yaml_extension(it->path())) files.push_back(it->path());
      }
      if (ec) diagnostics.add(Diagnostic{Severity::error, p, 0, 0, "", "cannot list this folder: " + ec.message()});
      std::sort(files.begin(), files.end(),
                [](const fs::path& a, const fs::path& b) { return a.generic_string() < b.generic_string(); });
      if (files.empty() && !ec) {
        diagnostics.add(Diagnostic{Severity::warning, p, 0, 0, "", "this folder has no *.yaml or *.yml files"});
      }
      for (const fs::path& f : files) {
        if (is_kustomization(f)) {
          diagnostics.add(Diagnostic{Severity::notice, f.generic_string(), 0, 0, "",
                                     "kustomization files are not expanded; the folder's manifests are read as they are"});
          continue;
        }
        load_file(f);
      }
    } else if (fs::exists(path, ec)) {
      load_file(path);
    } else {
      diagnostics.add(Diagnostic{Severity::error, p, 0, 0, "", "no such file or folder"});
    }
  }
  return set;
}

}  // namespace podwire::scenario
