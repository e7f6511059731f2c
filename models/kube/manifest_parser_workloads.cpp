// ManifestParser: pods, pod templates and the workload kinds.
#include <algorithm>
#include <set>
#include <sstream>

#include "models/kube/manifest_parser.hpp"

namespace podwire::kube {

namespace {

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
  if (n.empty() || n.size() > 9 ||
      !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(n);
}

// What podwire says of a dnsConfig option it does not act on: TCP queries and
// server rotation are not modelled, and a name neither glibc's resolver nor
// Go's knows (both ignore those) is likely a typo. "" for the rest.
std::string resolver_option_warning(const std::string& name) {
  if (name == "use-vc" || name == "usevc" || name == "tcp")
    return "option '" + name + "' (DNS over TCP) is not modelled: queries go over UDP";
  if (name == "rotate") return "option 'rotate' is not modelled: the first nameserver is asked";
  static const std::set<std::string> known = {
      "ndots",        "timeout",        "attempts",   "single-request", "single-request-reopen",
      "no-aaaa",      "edns0",          "trust-ad",   "no-reload",      "no-check-names",
      "inet6",        "ip6-bytestring", "ip6-dotint", "no-ip6-dotint",  "no-tld-query",
      "no_tld_query", "debug"};
  if (known.count(name) == 0)
    return "'" + name + "' is no resolver option glibc or Go knows: both ignore it";
  return "";
}

}  // namespace

int ManifestParser::replicas(const YamlField& spec) {
  return f_.integer(spec["replicas"], 0, 1'000'000).value_or(1);
}

std::optional<Probe> ManifestParser::probe(const YamlField& p) {
  if (!f_.is_mapping(p, "a probe (a mapping with httpGet, tcpSocket, grpc or exec)"))
    return std::nullopt;
  Probe probe;
  int handlers = 0;
  if (p["httpGet"].present()) {
    ++handlers;
    probe.action = Probe::Action::http_get;
    if (!p["httpGet"]["port"].present()) f_.missing(p["httpGet"], "port", "a port number or name");
    if (auto v = f_.port_ref(p["httpGet"]["port"])) probe.port = *v;
    probe.path = p["httpGet"]["path"].string().value_or("/");
  }
  if (p["tcpSocket"].present()) {
    ++handlers;
    probe.action = Probe::Action::tcp_socket;
    if (!p["tcpSocket"]["port"].present())
      f_.missing(p["tcpSocket"], "port", "a port number or name");
    if (auto v = f_.port_ref(p["tcpSocket"]["port"])) probe.port = *v;
  }
  if (p["grpc"].present()) {
    ++handlers;
    probe.action = Probe::Action::grpc;
    if (!p["grpc"]["port"].present()) f_.missing(p["grpc"], "port", "a port number");
    if (auto v = f_.integer(p["grpc"]["port"], 1, 65535)) probe.port = PortRef{*v, ""};
  }
  if (p["exec"].present()) {
    ++handlers;
    probe.action = Probe::Action::exec;
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

std::optional<PreStopHook> ManifestParser::pre_stop(const YamlField& p) {
  if (!f_.is_mapping(p, "a handler (a mapping with exec, httpGet, tcpSocket or sleep)"))
    return std::nullopt;
  PreStopHook hook;
  if (p["exec"].present()) {
    hook.action = PreStopHook::Action::exec;
    hook.sleep_seconds = sleep_command_seconds(f_.strings(p["exec"]["command"]));
  } else if (p["httpGet"].present()) {
    hook.action = PreStopHook::Action::http_get;
  } else if (p["tcpSocket"].present()) {
    hook.action = PreStopHook::Action::tcp_socket;
  } else if (p["sleep"].present()) {
    hook.action = PreStopHook::Action::sleep;
    if (!p["sleep"]["seconds"].present()) f_.missing(p["sleep"], "seconds", "the seconds to sleep");
    if (auto v = f_.integer(p["sleep"]["seconds"], 0, 1'000'000'000)) hook.sleep_seconds = *v;
  } else {
    p.error("a preStop hook needs one of exec, httpGet, tcpSocket or sleep");
    return std::nullopt;
  }
  return hook;
}

namespace {

// Kubernetes refuses a container resource that is neither standard (cpu,
// memory, ephemeral-storage, hugepages-<size>) nor qualified by a domain
// (example.com/gpu): a misspelt "memroy" would otherwise request nothing.
void check_resource_names(const YamlField& m) {
  static constexpr std::string_view kStandard[] = {"cpu", "memory", "ephemeral-storage"};
  if (!m.present() || !m.node().IsMap()) return;
  for (const auto& kv : m.node()) {
    const std::string name = kv.first.as<std::string>("");
    if (name.find('/') != std::string::npos || name.starts_with("hugepages-")) continue;
    if (std::find(std::begin(kStandard), std::end(kStandard), name) != std::end(kStandard))
      continue;
    std::string suggestion;
    for (std::string_view k : closest_names(name, kStandard)) {
      suggestion += std::string(suggestion.empty() ? "; did you mean " : " or ") + std::string(k);
    }
    m[name].error("'" + name + "' is no resource a container can ask for (cpu, memory, " +
                  "ephemeral-storage, hugepages-<size>, or a name with a domain such as " +
                  "example.com/gpu)" + (suggestion.empty() ? "" : suggestion + "?"));
  }
}

}  // namespace

void ManifestParser::resources(const YamlField& r, Container& c) {
  if (!f_.is_mapping(r, "a mapping with requests and/or limits")) return;
  const YamlField requests = r["requests"];
  const YamlField limits = r["limits"];
  check_resource_names(requests);
  check_resource_names(limits);
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

Container ManifestParser::container(const YamlField& y) {
  Container c;
  c.source = f_.location(y);
  if (!f_.is_mapping(y, "a container (a mapping with name, image, ports, ...)")) return c;
  if (!y["name"].present()) f_.missing(y, "name", "the container's name");
  if (auto v = y["name"].string()) {
    const std::string problem = dns_label_problem(*v, false);
    if (!problem.empty()) y["name"].error("'" + *v + "' is not a valid container name: " + problem);
    c.name = *v;
  }
  c.image = y["image"].string().value_or("");

  const YamlField ports = y["ports"];
  const std::size_t n = f_.list_size(ports);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField p = f_.item(ports, i);
    ContainerPort port;
    port.source = f_.location(p);
    if (!f_.is_mapping(p, "a port (a mapping with containerPort, name, protocol)")) continue;
    if (!p["containerPort"].present())
      f_.missing(p, "containerPort", "a port number from 1 to 65535");
    port.container_port = f_.integer(p["containerPort"], 1, 65535).value_or(0);
    if (auto v = p["name"].string()) {
      const std::string problem = port_name_problem(*v);
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
  if (y["startupProbe"].present()) c.startup_probe = probe(y["startupProbe"]);
  for (const char* key : {"livenessProbe", "startupProbe"}) {
    const YamlField threshold = y[key]["successThreshold"];
    if (threshold.present() && threshold.string() != "1")
      threshold.error("must be 1 for a " + std::string(key) + ", as the API server requires");
  }
  // The API server takes any port name in a probe. kubelet then finds no such
  // port in the container: the probe errs, and kubelet discards the attempt
  // (prober/worker.go), so the result stays where it started: not ready for a
  // readiness probe, alive for a liveness probe, not started for a startup
  // probe (and no other probe runs until one has started).
  for (const auto& [key, probe] : {std::pair{"readinessProbe", &c.readiness_probe},
                                   {"livenessProbe", &c.liveness_probe},
                                   {"startupProbe", &c.startup_probe}}) {
    if (!*probe || c.resolves((*probe)->port)) continue;
    const YamlField action =
        y[key][(*probe)->action == Probe::Action::http_get ? "httpGet" : "tcpSocket"];
    const std::string_view k = key;
    action["port"].warning(
        "container '" + c.name + "' has no port named '" + (*probe)->port.name +
        "', so kubelet cannot run this probe: " +
        (k == "livenessProbe"  ? "it never fails, and never restarts the container"
         : k == "startupProbe" ? "the container never counts as started, no readiness probe "
                                 "runs, and the pod never becomes Ready"
                               : "the pod never becomes Ready, and no Service sends it traffic"));
  }
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

PodSpec ManifestParser::pod_spec(const YamlField& spec) {
  PodSpec s;
  if (!f_.is_mapping(spec, "a pod spec (a mapping with containers, ...)")) return s;
  std::set<std::string> names;
  const auto read_containers = [&](const char* key, std::vector<Container>& into) {
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
  s.dns_policy =
      f_.one_of<DnsPolicy>(spec["dnsPolicy"],
                           {{"ClusterFirst", DnsPolicy::cluster_first},
                            {"ClusterFirstWithHostNet", DnsPolicy::cluster_first_with_host_net},
                            {"Default", DnsPolicy::default_},
                            {"None", DnsPolicy::none}})
          .value_or(DnsPolicy::cluster_first);
  const YamlField dns = spec["dnsConfig"];
  if (f_.is_mapping(dns, "a mapping with nameservers, searches and options")) {
    DnsConfig config;
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
      if (const std::string w = resolver_option_warning(*name); !w.empty()) o["name"].warning(w);
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
      const std::string problem = dns_label_problem(*v, false);
      if (!problem.empty()) spec[key].error("'" + *v + "' is not a valid " + key + ": " + problem);
      (std::string_view(key) == "hostname" ? s.hostname : s.subdomain) = *v;
    }
  }
  if (auto v = spec["terminationGracePeriodSeconds"].integer(0, INT64_MAX))
    s.termination_grace_period_seconds = *v;
  if (auto v = spec["nodeName"].string()) {
    const std::string problem = dns_subdomain_problem(*v);
    if (!problem.empty())
      spec["nodeName"].error("'" + *v + "' is not a valid node name: " + problem);
    s.node_name = *v;
  }
  if (auto v = f_.string_map(spec["nodeSelector"], "a mapping of node label keys to values"))
    s.node_selector = *v;
  affinity(spec["affinity"], s.affinity);
  topology_spread(spec["topologySpreadConstraints"], s.topology_spread);
  s.service_account_name = spec["serviceAccountName"].string().value_or("");
  return s;
}

bool ManifestParser::pod_template(const YamlField& spec, PodTemplate& t) {
  const YamlField tmpl = spec["template"];
  if (!tmpl.present()) {
    f_.missing(spec, "template", "a pod template (metadata.labels and spec)");
    return false;
  }
  if (!f_.is_mapping(tmpl, "a pod template (a mapping with metadata and spec)")) return false;
  const YamlField m = tmpl["metadata"];
  if (f_.is_mapping(m, "a mapping with labels")) {
    if (auto v = f_.string_map(m["labels"], "a mapping of label keys to values"))
      t.metadata.labels = *v;
    if (auto v = f_.string_map(m["annotations"], "a mapping of annotation keys to values"))
      t.metadata.annotations = *v;
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
bool ManifestParser::workload_selector(const YamlField& spec, const PodTemplate& t, bool legacy,
                                       LabelSelector& s) {
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
    sel.error(
        "an empty selector would select every pod of the namespace; Kubernetes rejects it here");
    return false;
  }
  if (!s.matches(t.metadata.labels)) {
    const YamlField labels = spec["template"]["metadata"]["labels"];
    f_.report_at(labels.present() ? labels : spec["template"], "spec.template.metadata.labels",
                 Severity::error,
                 "the selector " + s.to_string() +
                     " does not select these labels; Kubernetes rejects a "
                     "workload whose selector does not match its pod template");
    return false;
  }
  return true;
}

void ManifestParser::deployment(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  Deployment d;
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
      using Type = DeploymentStrategy::Type;
      d.strategy.type = f_.one_of<Type>(strategy["type"], {{"RollingUpdate", Type::rolling_update},
                                                           {"Recreate", Type::recreate}})
                            .value_or(Type::rolling_update);
      const YamlField rolling = strategy["rollingUpdate"];
      if (d.strategy.type == Type::recreate && rolling.present()) {
        rolling.error("rollingUpdate may not be given when the strategy type is Recreate");
      } else if (f_.is_mapping(rolling, "a mapping with maxSurge and maxUnavailable")) {
        if (auto v = f_.int_or_percent(rolling["maxSurge"])) d.strategy.max_surge = *v;
        if (auto v = f_.int_or_percent(rolling["maxUnavailable"])) {
          if (v->percent && v->value > 100)
            rolling["maxUnavailable"].error("must not be more than 100%");
          d.strategy.max_unavailable = *v;
        }
        if (d.strategy.max_surge.value == 0 && d.strategy.max_unavailable.value == 0) {
          rolling.error(
              "maxSurge and maxUnavailable must not both be 0: the rollout could never progress");
        }
      }
    }
  }
  if (f_.error_count() == errors) out_.deployments.push_back(std::move(d));
}

void ManifestParser::replica_set(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  ReplicaSet r;
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
  ReplicationController r;
  r.source = f_.location(root);
  metadata(root, r.meta, "ReplicationController", true);
  const YamlField spec = root["spec"];
  if (!spec.present())
    f_.missing(root, "spec", "the ReplicationController's spec (selector, template, ...)");
  if (f_.is_mapping(spec, "the ReplicationController's spec")) {
    r.replicas = replicas(spec);
    if (pod_template(spec, r.template_)) {
      const YamlField sel = spec["selector"];
      if (!sel.present()) {
        r.selector = r.template_.metadata.labels;
      } else if (auto v =
                     f_.string_map(sel,
                                   "a mapping of label keys to values (a ReplicationController "
                                   "selector has no matchLabels)")) {
        r.selector = *v;
        if (!map_selector_matches(r.selector, r.template_.metadata.labels)) {
          sel.error("the selector " + map_selector_string(r.selector) +
                    " does not select the template's labels; Kubernetes rejects it");
        }
      }
      if (r.selector.empty())
        spec["template"].error("the pod template needs labels for the selector to match");
    }
  }
  if (f_.error_count() == errors) out_.replication_controllers.push_back(std::move(r));
}

void ManifestParser::stateful_set(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  StatefulSet s;
  s.source = f_.location(root);
  metadata(root, s.meta, "StatefulSet", true);
  const YamlField spec = root["spec"];
  if (!spec.present())
    f_.missing(root, "spec", "the StatefulSet's spec (serviceName, selector, template, ...)");
  if (f_.is_mapping(spec, "the StatefulSet's spec")) {
    s.replicas = replicas(spec);
    if (pod_template(spec, s.template_)) workload_selector(spec, s.template_, legacy, s.selector);
    s.service_name = spec["serviceName"].string().value_or("");
    using P = PodManagementPolicy;
    s.pod_management_policy =
        f_.one_of<P>(spec["podManagementPolicy"],
                     {{"OrderedReady", P::ordered_ready}, {"Parallel", P::parallel}})
            .value_or(P::ordered_ready);
  }
  if (f_.error_count() == errors) out_.stateful_sets.push_back(std::move(s));
}

void ManifestParser::daemon_set(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  DaemonSet d;
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
  Pod p;
  p.source = f_.location(root);
  metadata(root, p.meta, "Pod", true);
  if (!root["spec"].present())
    f_.missing(root, "spec", "the Pod's spec (containers, ...)");
  else
    p.spec = pod_spec(root["spec"]);
  if (f_.error_count() == errors) out_.pods.push_back(std::move(p));
}

}  // namespace podwire::kube
