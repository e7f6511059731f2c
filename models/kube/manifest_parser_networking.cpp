// ManifestParser: Services, EndpointSlices, Ingresses and NetworkPolicies.
#include <map>
#include <set>
#include <utility>

#include "models/kube/manifest_parser.hpp"

namespace podwire::kube {

void ManifestParser::service(const YamlField& root) {
  const std::size_t errors = f_.error_count();
  Service s;
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
    const bool node_ports =
        s.type == ServiceType::node_port || s.type == ServiceType::load_balancer;
    if (auto v = spec["clusterIP"].string()) {
      if (*v != "None" && !v->empty() && !is_ip_address(*v)) {
        spec["clusterIP"].error(
            "expected an IP address, \"None\" (headless) or nothing (allocate), got '" + *v + "'");
      }
      s.cluster_ip = *v;
    }
    if (s.headless() && node_ports) {
      spec["clusterIP"].error("a " + std::string(to_string(s.type)) +
                              " Service cannot be headless (clusterIP: None)");
    }

    const YamlField ports = spec["ports"];
    const std::size_t n = f_.list_size(ports);
    std::set<std::string> names;
    std::map<std::pair<int, Protocol>, std::size_t> numbers;
    for (std::size_t i = 0; i < n; ++i) {
      const YamlField p = f_.item(ports, i);
      ServicePort port;
      port.source = f_.location(p);
      port.target_port_source = port.source;
      if (!f_.is_mapping(p, "a port (a mapping with port, targetPort, protocol, name)")) continue;
      if (auto v = p["name"].string()) {
        const std::string problem = v->empty() ? "" : dns_label_problem(*v, false);
        if (!problem.empty()) p["name"].error("'" + *v + "' is not a valid port name: " + problem);
        if (!v->empty() && !names.insert(*v).second)
          p["name"].error("port name '" + *v + "' is used twice");
        port.name = *v;
      }
      if (n > 1 && port.name.empty()) {
        f_.missing(p, "name", "a port name: every port of a multi-port Service needs one");
      }
      port.protocol = f_.protocol(p["protocol"]).value_or(Protocol::tcp);
      if (!p["port"].present())
        f_.missing(p, "port", "the port number the Service listens on (1 to 65535)");
      port.port = f_.integer(p["port"], 1, 65535).value_or(0);
      port.target_port = PortRef{port.port, ""};
      if (p["targetPort"].present()) {
        port.target_port_source = f_.location(p["targetPort"]);
        if (auto v = f_.port_ref(p["targetPort"], true)) {
          if (v->named() || v->number != 0) port.target_port = *v;  // 0 means "same as port"
        }
      }
      if (auto v = f_.integer(p["nodePort"], 0, 65535)) {
        if (*v != 0 && !node_ports) {
          p["nodePort"].error(
              "nodePort may only be given for NodePort and LoadBalancer Services, not " +
              std::string(to_string(s.type)));
        }
        port.node_port = *v;
      }
      port.app_protocol = p["appProtocol"].string().value_or("");
      if (port.port != 0) {
        const auto [it, fresh] = numbers.emplace(std::make_pair(port.port, port.protocol), i);
        if (!fresh) {
          p["port"].error(
              "port " + std::to_string(port.port) + "/" + std::string(to_string(port.protocol)) +
              " is given twice (also in spec.ports[" + std::to_string(it->second) + "])");
        }
      }
      s.ports.push_back(std::move(port));
    }
    const bool ports_not_a_list = ports.present() && !ports.node().IsSequence();
    if (n == 0 && !ports_not_a_list && !external_name && !s.headless()) {
      f_.report_at(ports.present() ? ports : spec, ports.path(), Severity::error,
                   "missing; expected at least one port (only headless and ExternalName Services "
                   "may have none)");
    }

    const YamlField selector = spec["selector"];
    if (selector.present())
      s.selector = f_.string_map(selector, "a mapping of label keys to values");
    if (auto v = spec["externalName"].string()) {
      const std::string problem = dns_subdomain_problem(*v);
      if (!problem.empty())
        spec["externalName"].error("'" + *v + "' is not a DNS name: " + problem);
      s.external_name = *v;
    }
    if (external_name && s.external_name.empty() && !spec["externalName"].present()) {
      f_.missing(spec, "externalName", "the DNS name an ExternalName Service points to");
    }

    const std::initializer_list<std::pair<std::string_view, TrafficPolicy>> policies = {
        {"Cluster", TrafficPolicy::cluster}, {"Local", TrafficPolicy::local}};
    if (spec["externalTrafficPolicy"].present()) {
      if (auto v = f_.one_of<TrafficPolicy>(spec["externalTrafficPolicy"], policies)) {
        if (!node_ports) {
          spec["externalTrafficPolicy"].error(
              "externalTrafficPolicy applies only to NodePort and LoadBalancer "
              "Services, not " +
              std::string(to_string(s.type)));
        }
        s.external_traffic_policy = *v;
      }
    }
    s.internal_traffic_policy = f_.one_of<TrafficPolicy>(spec["internalTrafficPolicy"], policies)
                                    .value_or(TrafficPolicy::cluster);
    s.traffic_distribution =
        f_.one_of<TrafficDistribution>(spec["trafficDistribution"],
                                       {{"PreferClose", TrafficDistribution::same_zone},
                                        {"PreferSameZone", TrafficDistribution::same_zone},
                                        {"PreferSameNode", TrafficDistribution::same_node}})
            .value_or(TrafficDistribution::any);
    s.session_affinity = f_.one_of<SessionAffinity>(spec["sessionAffinity"],
                                                    {{"None", SessionAffinity::none},
                                                     {"ClientIP", SessionAffinity::client_ip}})
                             .value_or(SessionAffinity::none);
    if (auto v =
            f_.integer(spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 1, 86400)) {
      s.session_affinity_timeout_seconds = *v;
    }
    s.load_balancer_ip = spec["loadBalancerIP"].string().value_or("");
    s.external_ips = f_.strings(spec["externalIPs"]);
    for (std::size_t i = 0; i < s.external_ips.size(); ++i) {
      const std::string& ip = s.external_ips[i];
      if (!is_ip_address(ip)) spec["externalIPs"].error("'" + ip + "' is not an IP address");
      for (std::size_t j = 0; j < i; ++j) {
        if (s.external_ips[j] != ip) continue;
        // kube-apiserver's words; the item's place when every item is a string.
        const YamlField at = f_.list_size(spec["externalIPs"]) == s.external_ips.size()
                                 ? f_.item(spec["externalIPs"], i)
                                 : spec["externalIPs"];
        at.error("Duplicate value: \"" + ip + "\" (also item " + std::to_string(j) + ")");
        break;
      }
    }
    s.publish_not_ready_addresses = f_.boolean(spec["publishNotReadyAddresses"]).value_or(false);
  }
  const YamlField lb = root["status"]["loadBalancer"]["ingress"];
  const std::size_t n = f_.list_size(lb);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField e = f_.item(lb, i);
    if (auto ip = e["ip"].string())
      s.load_balancer_ingress.push_back(*ip);
    else if (auto host = e["hostname"].string())
      s.load_balancer_ingress.push_back(*host);
  }
  if (f_.error_count() == errors) out_.services.push_back(std::move(s));
}

void ManifestParser::endpoint_slice(const YamlField& root) {
  const std::size_t errors = f_.error_count();
  EndpointSlice e;
  e.source = f_.location(root);
  metadata(root, e.meta, "EndpointSlice", true);
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
    Endpoint ep;
    ep.addresses = f_.strings(y["addresses"]);
    if (ep.addresses.empty() && !y["addresses"].present())
      f_.missing(y, "addresses", "a list of addresses");
    for (const std::string& a : ep.addresses) {
      const bool ok =
          e.address_type == AddressType::fqdn ? dns_subdomain_problem(a).empty() : is_ip_address(a);
      if (!ok)
        y["addresses"].error("'" + a + "' is not a valid " +
                             root["addressType"].string().value_or("") + " address");
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
    EndpointPort port;
    port.name = p["name"].string().value_or("");
    port.port = f_.integer(p["port"], 1, 65535);
    port.protocol = f_.protocol(p["protocol"]).value_or(Protocol::tcp);
    port.app_protocol = p["appProtocol"].string().value_or("");
    e.ports.push_back(std::move(port));
  }
  if (f_.error_count() == errors) out_.endpoint_slices.push_back(std::move(e));
}

std::optional<IngressBackend> ManifestParser::ingress_backend(const YamlField& b) {
  if (!f_.is_mapping(b, "a backend (a mapping with service or resource)")) return std::nullopt;
  IngressBackend backend;
  const YamlField service = b["service"];
  if (b["serviceName"].present()) {  // extensions/v1beta1 and networking.k8s.io/v1beta1
    backend.source = f_.location(b["serviceName"]);
    backend.service_name = b["serviceName"].string().value_or("");
    if (!b["servicePort"].present())
      f_.missing(b, "servicePort", "the Service's port number or name");
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
        if (auto v = f_.integer(port["number"], 1, 65535)) backend.service_port = PortRef{*v, ""};
      } else {
        backend.port_source = f_.location(port["name"]);
        if (auto v = f_.port_ref(port["name"])) backend.service_port = *v;
      }
    }
  } else if (f_.is_mapping(b["resource"], "a mapping with apiGroup, kind and name")) {
    backend.source = f_.location(b["resource"]);
    backend.resource = b["resource"]["kind"].string().value_or("") + "/" +
                       b["resource"]["name"].string().value_or("");
  } else if (!service.present()) {
    b.error("a backend needs a service (name and port) or a resource");
    return std::nullopt;
  }
  return backend;
}

void ManifestParser::ingress(const YamlField& root, bool legacy) {
  const std::size_t errors = f_.error_count();
  Ingress g;
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
    const YamlField default_backend =
        spec[legacy && !spec["defaultBackend"].present() ? "backend" : "defaultBackend"];
    if (default_backend.present()) g.default_backend = ingress_backend(default_backend);

    const YamlField rules = spec["rules"];
    const std::size_t n = f_.list_size(rules);
    for (std::size_t i = 0; i < n; ++i) {
      const YamlField r = f_.item(rules, i);
      if (!f_.is_mapping(r, "a rule (a mapping with host and http)")) continue;
      IngressRule rule;
      rule.host = r["host"].string().value_or("");
      const YamlField paths = r["http"]["paths"];
      if (r["http"].present() && !paths.present())
        f_.missing(r["http"], "paths", "a list of paths");
      const std::size_t n_paths = f_.list_size(paths);
      for (std::size_t j = 0; j < n_paths; ++j) {
        const YamlField p = f_.item(paths, j);
        if (!f_.is_mapping(p, "a path (a mapping with path, pathType and backend)")) continue;
        IngressPath path;
        path.path = p["path"].string().value_or("");
        if (!path.path.empty() && path.path.front() != '/') {
          p["path"].error("'" + path.path + "' is not an absolute path (it must start with '/')");
        }
        if (!p["pathType"].present() && !legacy) {
          f_.missing(p, "pathType", "one of Prefix, Exact, ImplementationSpecific");
        }
        path.path_type =
            f_.one_of<PathType>(p["pathType"],
                                {{"Prefix", PathType::prefix},
                                 {"Exact", PathType::exact},
                                 {"ImplementationSpecific", PathType::implementation_specific}})
                .value_or(PathType::implementation_specific);
        if (!p["backend"].present())
          f_.missing(p, "backend", "the Service this path routes to");
        else if (auto b = ingress_backend(p["backend"]))
          path.backend = *b;
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

std::vector<NetworkPolicyRule> ManifestParser::policy_rules(const YamlField& rules,
                                                            std::string_view peers_key) {
  std::vector<NetworkPolicyRule> out;
  const std::size_t n = f_.list_size(rules);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField r = f_.item(rules, i);
    NetworkPolicyRule rule;
    if (!r.present()) {  // `- ` with nothing: allows everything, like `- {}`
      out.push_back(std::move(rule));
      continue;
    }
    if (!f_.is_mapping(r, "a rule (a mapping with " + std::string(peers_key) + " and ports)"))
      continue;
    const YamlField peers = r[peers_key];
    const std::size_t n_peers = f_.list_size(peers);
    for (std::size_t j = 0; j < n_peers; ++j) {
      const YamlField p = f_.item(peers, j);
      if (!f_.is_mapping(p, "a peer (a mapping with podSelector, namespaceSelector or ipBlock)")) {
        if (!p.present()) p.error("a peer needs podSelector, namespaceSelector or ipBlock");
        continue;
      }
      NetworkPolicyPeer peer;
      peer.pod_selector = f_.label_selector(p["podSelector"]);
      peer.namespace_selector = f_.label_selector(p["namespaceSelector"]);
      const YamlField block = p["ipBlock"];
      if (f_.is_mapping(block, "a mapping with cidr and except")) {
        IpBlock ip;
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
      NetworkPolicyPort port;
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
  NetworkPolicy np;
  np.source = f_.location(root);
  metadata(root, np.meta, "NetworkPolicy", true);
  const YamlField spec = root["spec"];
  if (!spec.present())
    f_.missing(root, "spec", "the NetworkPolicy's spec (podSelector, ingress, egress)");
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

}  // namespace podwire::kube
