#include <algorithm>
#include <stdexcept>

#include "models/app/program.hpp"
#include "models/builder/call_graph.hpp"
#include "models/builder/cluster_model.hpp"
#include "models/builder/located.hpp"

namespace podwire::builder {

using engine::Time;

void ClusterModel::build_apps(Diagnostics& diags) {
  // Every route an app lists has its id before a call or a traffic entry names one.
  for (const AppSpec& a : scenario_.apps) {
    for (const scenario::RouteSpec& r : a.routes) route_id(r.name);
  }
  app_plans_.resize(scenario_.apps.size());
  grpc_apps_ = grpc_servers();
  udp_apps_ = udp_servers();
  for (std::size_t ai = 0; ai < scenario_.apps.size(); ++ai) {
    const AppSpec& a = scenario_.apps[ai];
    const std::vector<int> pods = cluster_->pods_of(a.namespace_, a.workload);
    const std::string path =
        "apps." + (a.namespace_ == "default" ? a.workload : a.namespace_ + "/" + a.workload);
    if (pods.empty()) {
      diags.add(located(
          Severity::error, a.source, path,
          "no workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController or "
          "Pod) named '" +
              a.workload + "' in namespace '" + a.namespace_ + "'"));
      continue;
    }
    if (a.role == AppSpec::Role::ingress) {
      build_ingress(ai, pods, diags);
      continue;
    }
    // Targets of each handler's calls, checked once for the workload's namespace.
    AppPlan& plan = app_plans_[ai];
    plan.handlers.assign(1 + a.routes.size(), HandlerPlan{});
    bool calls_ok = true;
    for (std::size_t h = 0; h < plan.handlers.size(); ++h) {
      const std::vector<scenario::CallGroupSpec>& groups = h == 0 ? a.calls : a.routes[h - 1].calls;
      const std::string at = h == 0 ? path + ".calls" : path + ".routes." + a.routes[h - 1].name;
      for (const scenario::CallGroupSpec& group : groups) {
        plan.handlers[h].call_targets.emplace_back();
        for (const CallSpec& call : group.calls) {
          const int service = service_named(call.target.host, a.namespace_);
          const bool dotted = call.target.host.find('.') != std::string::npos;
          if (service < 0 && !dotted && !app::address_literal(call.target.host)) {
            diags.add(located(Severity::error, call.source, at,
                              "calls Service '" + call.target.host +
                                  "', which does not exist in namespace '" + a.namespace_ + "'"));
            calls_ok = false;
          }
          if (service >= 0) {
            std::string problem = port_problem(service, call.target.port, call.target.udp);
            if (problem.empty()) problem = route_problem(service, call.route);
            if (!problem.empty()) {
              diags.add(located(Severity::error, call.source, at, problem));
              calls_ok = false;
            }
            if (const std::string w = resolution_warning(pods[0], call.target.host, service);
                problem.empty() && !w.empty())
              diags.add(located(Severity::warning, call.source, at, w));
          }
          if (const std::string w = outside_warning(pods[0], call.target.host, service); !w.empty())
            diags.add(located(Severity::warning, call.source, at, w));
          plan.handlers[h].call_targets.back().push_back(
              target_index(call.target.host, call.target.port, service));
        }
      }
    }
    if (!calls_ok) continue;
    if (udp_apps_[ai]) {
      plan.udp_ports = served_udp_ports(ai, pods[0], path, diags);
      if (plan.udp_ports.empty()) continue;
    }
    plan.ports = served_ports(ai, pods[0], path, diags, udp_apps_[ai]);
    if (plan.ports.empty() && plan.udp_ports.empty()) continue;
    plan.ok = true;
    if (const auto owner = cluster_->owner_index(a.namespace_, a.workload)) {
      app_of_owner_.resize(cluster_->owners().size(), -1);
      app_of_owner_[*owner] = static_cast<int>(ai);
    }
    for (int pod : pods) {
      if (running(pod)) start_servers(ai, pod);
    }
  }
  check_call_cycles(diags);
}

std::vector<bool> ClusterModel::grpc_servers() const {
  std::vector<bool> out(scenario_.apps.size(), false);
  const auto mark = [&](const std::string& host, const std::string& ns) {
    for (std::size_t ai : apps_serving(service_named(host, ns))) out[ai] = true;
  };
  for (const TrafficSpec& t : scenario_.traffic) {
    if (t.grpc) mark(t.target.host, t.from_namespace);
  }
  for (const AppSpec& a : scenario_.apps) {
    const auto calls = [&](const std::vector<scenario::CallGroupSpec>& groups) {
      for (const scenario::CallGroupSpec& g : groups) {
        for (const CallSpec& c : g.calls) {
          if (c.grpc) mark(c.target.host, a.namespace_);
        }
      }
    };
    calls(a.calls);
    for (const scenario::RouteSpec& r : a.routes) calls(r.calls);
  }
  return out;
}

std::vector<bool> ClusterModel::udp_servers() const {
  std::vector<bool> out(scenario_.apps.size(), false);
  const auto mark = [&](const std::string& host, const std::string& ns) {
    for (std::size_t ai : apps_serving(service_named(host, ns))) out[ai] = true;
  };
  for (const TrafficSpec& t : scenario_.traffic) {
    if (!t.target.udp) continue;
    if (t.from != TrafficSpec::From::outside) {
      mark(t.target.host, t.from_namespace);
      continue;
    }
    // From outside: a load balancer's published name, or a node's UDP nodePort.
    for (std::size_t ai : apps_serving(outside_target(t.target.host, t.target.port, true).service))
      out[ai] = true;
  }
  for (const AppSpec& a : scenario_.apps) {
    const auto calls = [&](const std::vector<scenario::CallGroupSpec>& groups) {
      for (const scenario::CallGroupSpec& g : groups) {
        for (const CallSpec& c : g.calls) {
          if (c.target.udp) mark(c.target.host, a.namespace_);
        }
      }
    };
    calls(a.calls);
    for (const scenario::RouteSpec& r : a.routes) calls(r.calls);
  }
  return out;
}

std::vector<std::size_t> ClusterModel::apps_serving(int service) const {
  std::vector<std::size_t> out;
  if (service < 0) return out;
  const kube::ServiceState& st = cluster_->services()[static_cast<std::size_t>(service)];
  if (!st.service->has_selector()) return out;
  for (std::size_t ai = 0; ai < scenario_.apps.size(); ++ai) {
    const AppSpec& a = scenario_.apps[ai];
    if (a.role != AppSpec::Role::server || a.namespace_ != st.service->meta.namespace_) continue;
    const std::vector<int> pods = cluster_->pods_of(a.namespace_, a.workload);
    if (pods.empty()) continue;
    const kube::PodState& first = cluster_->pods()[static_cast<std::size_t>(pods[0])];
    if (kube::map_selector_matches(*st.service->selector, *first.labels)) out.push_back(ai);
  }
  return out;
}

app::Upstream& ClusterModel::make_upstream(net::TcpStack& stack, app::NameResolver& resolver,
                                           const std::string& host, std::uint16_t port,
                                           const UpstreamChoice& choice, app::Upstream::Done done,
                                           void* context) {
  if (choice.grpc) {
    return channels_.emplace_back(stack, resolver, requests_,
                                  app::ChannelConfig{host, port, choice.round_robin}, done,
                                  context);
  }
  if (choice.udp) {
    return udp_upstreams_.emplace_back(
        stack.endpoint(), resolver, requests_,
        app::UdpUpstreamConfig{host, port, choice.reply, choice.timeout, choice.retries}, done,
        context);
  }
  app::UpstreamConfig uc{host,           port,          choice.keep_alive, choice.pool_size,
                         choice.retries, choice.timeout};
  uc.max_requests = choice.limits.max_requests;
  uc.idle_timeout = choice.limits.idle_timeout;
  uc.pipeline = choice.pipeline;
  uc.resolve_once = choice.resolve_once;
  return pools_.emplace_back(stack, resolver, requests_, uc, done, context);
}

std::uint32_t ClusterModel::route_id(const std::string& name) {
  if (name.empty()) return 0;
  const auto [it, fresh] =
      route_index_.emplace(name, static_cast<std::uint32_t>(route_names_.size()));
  if (fresh) route_names_.push_back(name);
  return it->second;
}

std::size_t ClusterModel::handler_of(std::size_t ai, const std::string& route) const {
  const AppSpec& a = scenario_.apps[ai];
  for (std::size_t r = 0; r < a.routes.size(); ++r) {
    if (a.routes[r].name == route) return r + 1;
  }
  return 0;
}

std::string ClusterModel::route_problem(int service, const std::string& route) const {
  if (route.empty()) return "";
  for (std::size_t ai : apps_serving(service)) {
    const AppSpec& a = scenario_.apps[ai];
    if (handler_of(ai, route) != 0) continue;
    std::string routes;
    for (const scenario::RouteSpec& r : a.routes) routes += (routes.empty() ? "" : ", ") + r.name;
    return "route '" + route + "' of Service " +
           cluster_->services()[static_cast<std::size_t>(service)].key + " is not one of " +
           (a.namespace_ == "default" ? a.workload : a.namespace_ + "/" + a.workload) +
           "'s routes (" + (routes.empty() ? "it lists none" : routes) + ")";
  }
  return "";
}

void ClusterModel::check_call_cycles(Diagnostics& diags) const {
  // A node per handler (an app's top-level one, then its routes'); an edge
  // per call and app serving its target, to that app's handler of the route.
  std::vector<std::size_t> base(scenario_.apps.size() + 1, 0);
  for (std::size_t ai = 0; ai < scenario_.apps.size(); ++ai)
    base[ai + 1] = base[ai] + 1 + scenario_.apps[ai].routes.size();
  struct Written {
    std::size_t app;
    const CallSpec* call;
  };
  std::vector<Written> calls;
  std::vector<std::size_t> app_of_node(base.back(), 0);
  std::vector<CallEdge> edges;
  for (std::size_t ai = 0; ai < app_plans_.size(); ++ai) {
    const AppPlan& plan = app_plans_[ai];
    for (std::size_t n = base[ai]; n < base[ai + 1]; ++n) app_of_node[n] = ai;
    if (!plan.ok) continue;
    const AppSpec& a = scenario_.apps[ai];
    for (std::size_t h = 0; h < plan.handlers.size(); ++h) {
      const std::vector<scenario::CallGroupSpec>& groups = h == 0 ? a.calls : a.routes[h - 1].calls;
      for (std::size_t g = 0; g < groups.size(); ++g) {
        for (std::size_t c = 0; c < groups[g].calls.size(); ++c) {
          const CallSpec& call = groups[g].calls[c];
          const int service = targets_[plan.handlers[h].call_targets[g][c]].service;
          calls.push_back(Written{ai, &call});
          const bool bounded = call.probability < 1 || call.max_depth > 0;
          for (std::size_t to : apps_serving(service)) {
            edges.push_back(CallEdge{base[ai] + h, base[to] + handler_of(to, call.route), bounded,
                                     calls.size() - 1});
          }
        }
      }
    }
  }
  const std::vector<std::size_t> cycle = find_unbounded_cycle(base.back(), edges);
  if (cycle.empty()) return;
  const auto name = [&](std::size_t ai) {
    const AppSpec& a = scenario_.apps[ai];
    return a.namespace_ == "default" ? a.workload : a.namespace_ + "/" + a.workload;
  };
  std::string path = name(app_of_node[edges[cycle[0]].from]);
  std::string where;
  for (std::size_t e : cycle) {
    const Written& w = calls[edges[e].call];
    path += " -> " + name(app_of_node[edges[e].to]);
    where += std::string(where.empty() ? "" : "; ") + name(w.app) + " calls " +
             w.call->target.text + " at " + w.call->source.to_string();
  }
  const Written& first = calls[edges[cycle[0]].call];
  diags.add(located(Severity::error, first.call->source, "apps." + name(first.app) + ".calls",
                    "the call graph has a cycle, " + path + " (" + where +
                        "): every request would call on without end; make one of its calls "
                        "conditional (probability below 1) or bounded (max_depth)"));
}

std::vector<int> ClusterModel::served_udp_ports(std::size_t ai, int pod, const std::string& path,
                                                Diagnostics& diags) const {
  const AppSpec& a = scenario_.apps[ai];
  if (a.port != 0) return {a.port};
  const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
  std::vector<int> ports;
  const auto add = [&](int n) {
    if (std::find(ports.begin(), ports.end(), n) == ports.end()) ports.push_back(n);
  };
  for (const kube::Container& c : p.spec->containers) {
    for (const kube::ContainerPort& cp : c.ports) {
      if (cp.protocol == kube::Protocol::udp) add(cp.container_port);
    }
  }
  if (!ports.empty()) return ports;
  for (const kube::ServiceState& st : cluster_->services()) {
    if (!st.service->has_selector() || st.service->meta.namespace_ != p.namespace_ ||
        !kube::map_selector_matches(*st.service->selector, *p.labels)) {
      continue;
    }
    for (const kube::ServicePortState& ps : st.ports) {
      if (ps.port->protocol == kube::Protocol::udp && !ps.port->target_port.named())
        add(ps.port->target_port.number);
    }
  }
  if (ports.empty()) {
    diags.add(located(Severity::error, a.source, path + ".port",
                      "datagrams are sent to " + a.workload +
                          " (a udp:// URL), but its pods declare no UDP container port and no "
                          "Service selecting them has a UDP port with a numeric targetPort; say "
                          "which port serves"));
  }
  return ports;
}

std::vector<int> ClusterModel::served_ports(std::size_t ai, int pod, const std::string& path,
                                            Diagnostics& diags, bool quiet) const {
  const AppSpec& a = scenario_.apps[ai];
  if (a.port != 0) return {a.port};
  // Every TCP container port serves unless the app names one.
  const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
  std::vector<int> ports;
  for (const kube::Container& c : p.spec->containers) {
    for (const kube::ContainerPort& cp : c.ports) {
      if (cp.protocol == kube::Protocol::tcp &&
          std::find(ports.begin(), ports.end(), cp.container_port) == ports.end()) {
        ports.push_back(cp.container_port);
      }
    }
  }
  if (!ports.empty()) return ports;
  // Kubernetes needs no declared port: the Services that select the pods say
  // where they listen, by their numeric targetPorts.
  std::vector<std::pair<int, std::string>> said;  // (port, Service)
  for (const kube::ServiceState& st : cluster_->services()) {
    if (!st.service->has_selector() || st.service->meta.namespace_ != p.namespace_ ||
        !kube::map_selector_matches(*st.service->selector, *p.labels)) {
      continue;
    }
    for (const kube::ServicePortState& ps : st.ports) {
      if (ps.port->protocol != kube::Protocol::tcp || ps.port->target_port.named()) continue;
      const int n = ps.port->target_port.number;
      if (std::none_of(said.begin(), said.end(), [&](const auto& s) { return s.first == n; }))
        said.emplace_back(n, st.key);
    }
  }
  if (said.size() == 1) return {said[0].first};
  if (quiet && said.empty()) return {};
  std::string message = "the pods of " + a.workload + " declare no TCP container port";
  if (said.empty()) {
    message += " and no Service selecting them has a numeric targetPort; say which port serves";
  } else {
    message += ", and the Services selecting them send to several (";
    for (std::size_t i = 0; i < said.size(); ++i)
      message += (i ? ", " : "") + said[i].second + ": " + std::to_string(said[i].first);
    message += "); say which one serves";
  }
  diags.add(located(Severity::error, a.source, path + ".port", message));
  return {};
}

void ClusterModel::start_servers(std::size_t ai, int pod) {
  const AppSpec& a = scenario_.apps[ai];
  const AppPlan& plan = app_plans_[ai];
  const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
  // A restarted container gets fresh servers (and a fresh random stream name).
  const std::string incarnation = p.restarts > 0 ? "#" + std::to_string(p.restarts) : "";
  std::vector<std::pair<int, bool>> ports;  // (port, udp)
  for (int port : plan.ports) ports.emplace_back(port, false);
  for (int port : plan.udp_ports) ports.emplace_back(port, true);
  for (const auto& [port, udp] : ports) {
    app::HttpServerConfig cfg;
    cfg.port = static_cast<std::uint16_t>(port);
    cfg.udp = udp;
    cfg.receive_buffer = static_cast<std::uint64_t>(scenario_.cluster.udp.receive_buffer.count());
    cfg.datagram_overhead =
        static_cast<std::uint32_t>(scenario_.cluster.udp.datagram_overhead.count());
    cfg.concurrency = a.concurrency;
    cfg.cpu_per_connection = a.cpu_per_connection;
    cfg.threads = a.threads;
    cfg.host = host_costs_of_pod(pod);
    cfg.event_loop = app::find_program(a.program)->event_loop;
    const app::ProgramProfile& program = *app::find_program(a.program);
    const bool grpc = ai < grpc_apps_.size() && grpc_apps_[ai];
    cfg.keepalive_requests = a.keepalive_requests.value_or(grpc ? 0 : program.keepalive_requests);
    cfg.keepalive_timeout =
        a.keepalive_timeout.value_or(grpc ? Time::zero() : program.keepalive_timeout);
    cfg.app = static_cast<std::uint32_t>(ai);
    cfg.multiplexed = grpc;
    cfg.handlers.assign(1, app::RouteHandler{a.service_time,
                                             a.cpu_per_request,
                                             static_cast<std::uint64_t>(a.response_bytes.count()),
                                             {}});
    cfg.handler_of_route.assign(route_names_.size(), 0);
    for (const scenario::RouteSpec& r : a.routes) {
      cfg.handler_of_route[route_index_.at(r.name)] =
          static_cast<std::uint32_t>(cfg.handlers.size());
      cfg.handlers.push_back(app::RouteHandler{r.service_time,
                                               r.cpu_per_request,
                                               static_cast<std::uint64_t>(r.response_bytes.count()),
                                               {}});
    }
    const std::string stream = "app/" + p.namespace_ + "/" + p.name + "/" + (udp ? "udp/" : "") +
                               std::to_string(port) + incarnation;
    servers_.emplace_back(stack_of_pod(pod), cpu_of_pod(pod), requests_, cfg,
                          random_.stream(stream));
    app::HttpServer& server = servers_.back();
    server.set_call_random(random_.stream(stream + "/calls"));
    pod_servers_[static_cast<std::size_t>(pod)].push_back(&server);
    for (std::size_t h = 0; h < plan.handlers.size(); ++h) {
      const std::vector<scenario::CallGroupSpec>& groups = h == 0 ? a.calls : a.routes[h - 1].calls;
      for (std::size_t g = 0; g < groups.size(); ++g) {
        app::CallGroup group;
        group.parallel = groups[g].parallel;
        for (std::size_t c = 0; c < groups[g].calls.size(); ++c) {
          const CallSpec& call = groups[g].calls[c];
          app::Upstream& upstream = make_upstream(
              stack_of_pod(pod), resolver_of_pod(pod, a.resolver), call.target.host,
              call.target.port, choice_of(call), &app::HttpServer::call_done, &server);
          group.calls.push_back(app::Call{&upstream, plan.handlers[h].call_targets[g][c],
                                          route_id(call.route),
                                          static_cast<std::uint64_t>(call.request_bytes.count()),
                                          call.count, call.probability, call.max_depth});
        }
        server.calls(h).push_back(std::move(group));
      }
    }
  }
}

void ClusterModel::build_ingress(std::size_t ai, const std::vector<int>& pods, Diagnostics& diags) {
  const AppSpec& a = scenario_.apps[ai];
  app::IngressControllerConfig base;
  base.port = static_cast<std::uint16_t>(a.port != 0 ? a.port : 80);
  base.cpu_per_request = a.cpu_per_request;
  base.app = static_cast<std::uint32_t>(ai);
  // Each distinct backend (Service and port) once.
  struct Backend {
    int service;
    const kube::ServicePortState* port;
  };
  std::vector<Backend> backends;
  const auto backend_of = [&](const kube::Ingress& ing, const kube::IngressBackend& b) -> int {
    const auto svc = cluster_->service_index(ing.meta.namespace_, b.service_name);
    if (!svc) return -1;
    const kube::ServiceState& st = cluster_->services()[static_cast<std::size_t>(*svc)];
    for (const kube::ServicePortState& ps : st.ports) {
      const bool match = b.service_port.named() ? ps.port->name == b.service_port.name
                                                : ps.port->port == b.service_port.number;
      if (!match) continue;
      for (std::size_t i = 0; i < backends.size(); ++i) {
        if (backends[i].port == &ps) return static_cast<int>(i);
      }
      backends.push_back(Backend{*svc, &ps});
      return static_cast<int>(backends.size() - 1);
    }
    return -1;
  };
  for (const kube::Ingress& ing : scenario_.objects.ingresses) {
    if (ing.default_backend) base.default_backend = backend_of(ing, *ing.default_backend);
    for (const kube::IngressRule& rule : ing.rules) {
      for (const kube::IngressPath& path : rule.paths) {
        const int b = backend_of(ing, path.backend);
        if (b < 0) continue;  // the manifest checks warned about it
        app::IngressRoute r;
        r.host = rule.host;
        r.path = path.path.empty() ? "/" : path.path;
        // ImplementationSpecific globs ("/v2/*", GCE style) are read as prefixes.
        while (r.path.size() > 1 && (r.path.back() == '*' || r.path.back() == '/'))
          r.path.pop_back();
        if (r.path == "*") r.path = "/";
        r.exact = path.path_type == kube::PathType::exact;
        r.backend = static_cast<std::uint32_t>(b);
        base.routes.push_back(r);
      }
    }
  }
  if (base.routes.empty() && base.default_backend < 0) {
    diags.add(located(Severity::warning, a.source, "apps." + a.namespace_ + "/" + a.workload,
                      "an ingress controller, but no Ingress routes to a Service that exists"));
  }
  for (int pod : pods) {
    if (!running(pod)) continue;
    app::IngressControllerConfig cfg = base;
    for (const Backend& b : backends) {
      app::IngressBackend ib;
      ib.target = target_index(cluster_->services()[static_cast<std::size_t>(b.service)].key,
                               b.port->port->port, b.service);
      cfg.backends.push_back(std::move(ib));
    }
    ingresses_.emplace_back(stack_of_pod(pod), cpu_of_pod(pod), requests_, cfg);
    app::IngressController& ic = ingresses_.back();
    // The controller balances over the endpoints itself, on kept-alive
    // connections, and follows their changes through its own watch.
    for (std::size_t i = 0; i < backends.size(); ++i) {
      IngressWatch w;
      w.controller = &ic;
      w.backend = i;
      w.pod = pod;
      const kube::ServiceState& st =
          cluster_->services()[static_cast<std::size_t>(backends[i].service)];
      const std::size_t port_index = static_cast<std::size_t>(backends[i].port - st.ports.data());
      for (const ServiceFrontendRef& f : service_frontends_) {
        if (f.service == backends[i].service && f.port_index == port_index) w.frontend = f.frontend;
      }
      for (const kube::EndpointState& e : backends[i].port->endpoints) {
        if (e.ready) ic.config().backends[i].endpoints.push_back(&ingress_pool(w, e.ip, e.port));
      }
      ingress_watches_.push_back(std::move(w));
    }
  }
  // Public names: each Ingress host points at the controller's load balancer.
  for (const kube::ServiceState& st : cluster_->services()) {
    if (st.load_balancer_ips.empty() || !st.service->has_selector() ||
        st.service->meta.namespace_ != a.namespace_) {
      continue;
    }
    const kube::PodState& first = cluster_->pods()[static_cast<std::size_t>(pods[0])];
    if (!kube::map_selector_matches(*st.service->selector, *first.labels)) continue;
    for (const kube::Ingress& ing : scenario_.objects.ingresses) {
      for (const kube::IngressRule& rule : ing.rules) {
        if (!rule.host.empty() && !rule.host.starts_with("*."))
          publish(rule.host, st.load_balancer_ips[0],
                  static_cast<int>(&st - cluster_->services().data()));
      }
    }
  }
}

// --- churn ------------------------------------------------------------------------

std::uint16_t ClusterModel::add_probe(int pod, const std::string& host, std::uint16_t port, Time at,
                                      bool udp, app::NameLookup lookup) {
  const int service =
      service_named(host, cluster_->pods()[static_cast<std::size_t>(pod)].namespace_);
  return add_probe_client(stack_of_pod(pod), resolver_of_pod(pod, lookup), host, port, at, udp,
                          service);
}

std::uint16_t ClusterModel::add_outside_probe(const std::string& host, std::uint16_t port, Time at,
                                              bool udp) {
  const int service = app::address_literal(host) ? -1 : outside_target(host, port, udp).service;
  return add_probe_client(stack_of_host(*fabric_.outside), public_dns_, host, port, at, udp,
                          service);
}

std::uint16_t ClusterModel::add_probe_client(net::TcpStack& stack, app::NameResolver& resolver,
                                             const std::string& host, std::uint16_t port, Time at,
                                             bool udp, int service) {
  app::HttpClientConfig cc;
  cc.source = static_cast<std::uint32_t>(traffic_names_.size());
  cc.open_loop = false;
  cc.users = 1;
  cc.start = at;
  cc.stop = at + Time::ps(1);
  // One request: the user thinks past `stop` after it (a datagram is done
  // as it is sent, and the public DNS answers at once).
  cc.think_time = engine::Distribution::constant(1.0);
  cc.target = target_index(host, port, service);
  cc.url = requests_.intern_url(host, "/");
  clients_.emplace_back(requests_, stack.endpoint().id(), cc, sim_, random_.stream("probe"));
  UpstreamChoice choice;
  choice.keep_alive = false;
  choice.udp = udp;
  app::Upstream& upstream =
      make_upstream(stack, resolver, host, port, choice, &app::HttpClient::done, &clients_.back());
  clients_.back().attach(upstream);
  clients_.back().start();
  return udp ? udp_upstreams_.back().local_port() : 0;
}

}  // namespace podwire::builder
