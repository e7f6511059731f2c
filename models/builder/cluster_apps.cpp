#include <algorithm>
#include <stdexcept>

#include "models/app/program.hpp"
#include "models/builder/cluster_model.hpp"
#include "models/builder/located.hpp"

namespace podwire::builder {

using engine::Time;

void ClusterModel::build_apps(Diagnostics& diags) {
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
    // Targets of the calls, checked once for the workload's namespace.
    struct CallTarget {
      int service;
      std::uint32_t target;
    };
    std::vector<std::vector<CallTarget>> call_targets;
    bool calls_ok = true;
    for (std::size_t g = 0; g < a.calls.size(); ++g) {
      call_targets.emplace_back();
      for (std::size_t c = 0; c < a.calls[g].calls.size(); ++c) {
        const CallSpec& call = a.calls[g].calls[c];
        const int service = service_named(call.target.host, a.namespace_);
        const bool dotted = call.target.host.find('.') != std::string::npos;
        if (service < 0 && !dotted && !app::address_literal(call.target.host)) {
          diags.add(located(Severity::error, call.source, path + ".calls",
                            "calls Service '" + call.target.host +
                                "', which does not exist in namespace '" + a.namespace_ + "'"));
          calls_ok = false;
        }
        if (service >= 0) {
          if (const std::string problem = port_problem(service, call.target.port);
              !problem.empty()) {
            diags.add(located(Severity::error, call.source, path + ".calls", problem));
            calls_ok = false;
          }
        }
        call_targets.back().push_back(
            CallTarget{service, target_index(call.target.host, call.target.port, service)});
      }
    }
    if (!calls_ok) continue;
    app_calls_.resize(scenario_.apps.size());
    for (std::size_t g = 0; g < a.calls.size(); ++g) {
      for (std::size_t c = 0; c < a.calls[g].calls.size(); ++c) {
        app_calls_[ai].emplace_back(call_targets[g][c].target, a.calls[g].calls[c].count);
      }
    }
    app_plans_.resize(scenario_.apps.size());
    AppPlan& plan = app_plans_[ai];
    for (const auto& group : call_targets) {
      plan.call_targets.emplace_back();
      for (const CallTarget& t : group) plan.call_targets.back().push_back(t.target);
    }
    // Every TCP container port serves unless the app names one.
    const kube::PodState& first = cluster_->pods()[static_cast<std::size_t>(pods[0])];
    bool has_port = a.port != 0;
    for (const kube::Container& c : first.spec->containers) {
      for (const kube::ContainerPort& cp : c.ports) has_port |= cp.protocol == kube::Protocol::tcp;
    }
    if (!has_port) {
      diags.add(located(
          Severity::error, a.source, path + ".port",
          "the pods of " + a.workload + " declare no TCP container port; say which port serves"));
      continue;
    }
    plan.ok = true;
    if (const auto owner = cluster_->owner_index(a.namespace_, a.workload)) {
      app_of_owner_.resize(cluster_->owners().size(), -1);
      app_of_owner_[*owner] = static_cast<int>(ai);
    }
    for (int pod : pods) {
      if (running(pod)) start_servers(ai, pod);
    }
  }
}

void ClusterModel::start_servers(std::size_t ai, int pod) {
  const AppSpec& a = scenario_.apps[ai];
  const AppPlan& plan = app_plans_[ai];
  const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
  std::vector<int> ports;
  if (a.port != 0) {
    ports.push_back(a.port);
  } else {
    for (const kube::Container& c : p.spec->containers) {
      for (const kube::ContainerPort& cp : c.ports) {
        if (cp.protocol == kube::Protocol::tcp &&
            std::find(ports.begin(), ports.end(), cp.container_port) == ports.end()) {
          ports.push_back(cp.container_port);
        }
      }
    }
  }
  // A restarted container gets fresh servers (and a fresh random stream name).
  const std::string incarnation = p.restarts > 0 ? "#" + std::to_string(p.restarts) : "";
  for (int port : ports) {
    app::HttpServerConfig cfg;
    cfg.port = static_cast<std::uint16_t>(port);
    cfg.concurrency = a.concurrency;
    cfg.service_time = a.service_time;
    cfg.cpu_per_request = a.cpu_per_request;
    cfg.cpu_per_connection = a.cpu_per_connection;
    cfg.threads = a.threads;
    cfg.host = host_costs_of_pod(pod);
    cfg.event_loop = app::find_program(a.program)->event_loop;
    cfg.response_bytes = static_cast<std::uint64_t>(a.response_bytes.count());
    cfg.app = static_cast<std::uint32_t>(ai);
    servers_.emplace_back(stack_of_pod(pod), cpu_of_pod(pod), requests_, cfg,
                          random_.stream("app/" + p.namespace_ + "/" + p.name + "/" +
                                         std::to_string(port) + incarnation));
    app::HttpServer& server = servers_.back();
    pod_servers_[static_cast<std::size_t>(pod)].push_back(&server);
    for (std::size_t g = 0; g < a.calls.size(); ++g) {
      app::CallGroup group;
      group.parallel = a.calls[g].parallel;
      for (std::size_t c = 0; c < a.calls[g].calls.size(); ++c) {
        const CallSpec& call = a.calls[g].calls[c];
        app::UpstreamConfig uc{call.target.host, call.target.port, call.keep_alive, 0,
                               call.retries,     call.timeout};
        pools_.emplace_back(stack_of_pod(pod), resolver_of_pod(pod), requests_, uc,
                            &app::HttpServer::call_done, &server);
        group.calls.push_back(app::Call{&pools_.back(), plan.call_targets[g][c],
                                        static_cast<std::uint64_t>(call.request_bytes.count()),
                                        call.count});
      }
      server.calls().push_back(std::move(group));
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

void ClusterModel::build_traffic(Diagnostics& diags) {
  for (std::size_t ti = 0; ti < scenario_.traffic.size(); ++ti) {
    const TrafficSpec& t = scenario_.traffic[ti];
    const std::string path = "traffic[" + std::to_string(ti) + "]";
    traffic_names_.push_back(t.name);
    TrafficFigures figures;
    figures.name = t.name;
    figures.target = t.from == TrafficSpec::From::port_forward
                         ? "port-forward " + t.forward_kind + "/" + t.forward_name + ":" +
                               std::to_string(t.forward_port)
                         : t.target.text;
    figures.offered_per_s = t.open_loop ? t.rate_per_s : 0;
    result_.traffic.push_back(std::move(figures));

    app::HttpClientConfig cc;
    cc.source = static_cast<std::uint32_t>(ti);
    cc.open_loop = t.open_loop;
    cc.interarrival = t.interarrival;
    cc.users = t.users;
    cc.think_time = t.think_time;
    cc.request_bytes = static_cast<std::uint64_t>(t.request_bytes.count());
    cc.cpu_per_request = t.cpu_per_request;
    cc.start = t.start;
    cc.stop = t.stop.value_or(Time::max());
    cc.url = requests_.intern_url(t.target.host, t.target.path);

    // `cpu`: the client pod's node, whose cores its program's threads run on
    // (none outside the cluster).
    const auto add_client = [&](net::TcpStack& stack, app::NameResolver& resolver,
                                const std::string& host, std::uint16_t port,
                                app::HttpClientConfig config, const std::string& who,
                                node::NodeCpu* cpu = nullptr,
                                const node::HostStackCosts* costs = nullptr) {
      clients_.emplace_back(requests_, stack.endpoint().id(), config, sim_,
                            random_.stream("traffic/" + t.name + "/" + who));
      if (cpu != nullptr) {
        app::ProgramCpu& program = client_programs_.emplace_back(cpu, t.threads, costs);
        program.set_event_loop(app::find_program(t.program)->event_loop);
        clients_.back().set_program(&program);
      }
      app::UpstreamConfig uc{host, port, t.keep_alive, 0, t.retries, t.timeout};
      pools_.emplace_back(stack, resolver, requests_, uc, &app::HttpClient::done, &clients_.back());
      clients_.back().attach(pools_.back());
    };

    if (t.from == TrafficSpec::From::port_forward) {
      // kubectl on the user's machine -> API server -> the pod's kubelet -> the pod's localhost.
      int pod = -1;
      std::uint16_t remote = t.forward_port;
      if (t.forward_kind == "pod") {
        pod = cluster_->pod_index(t.from_namespace, t.forward_name).value_or(-1);
      } else if (const auto s = cluster_->service_index(t.from_namespace, t.forward_name)) {
        // kubectl picks a pod behind the Service and forwards to its targetPort.
        for (const auto& ps : cluster_->services()[static_cast<std::size_t>(*s)].ports) {
          if (ps.port->port == t.forward_port && !ps.endpoints.empty() &&
              ps.endpoints[0].pod >= 0) {
            pod = ps.endpoints[0].pod;
            remote = ps.endpoints[0].port;
          }
        }
      }
      if (pod < 0 || !running(pod)) {
        diags.add(located(Severity::error, t.source, path + ".port_forward.target",
                          "no running " + t.forward_kind + " '" + t.forward_name +
                              "' in namespace '" + t.from_namespace + "'" +
                              (t.forward_kind == "svc" ? " with an endpoint on that port" : "")));
        continue;
      }
      const int node = cluster_->pods()[static_cast<std::size_t>(pod)].node;
      net::Host& kubelet_host = *fabric_.nodes[static_cast<std::size_t>(node)].host;
      const auto local = static_cast<std::uint16_t>(18000 + ti);
      const auto api_port = static_cast<std::uint16_t>(6443 + ti);
      const auto kubelet_port = static_cast<std::uint16_t>(10250 + ti);
      net::TcpStack& user = stack_of_host(*fabric_.outside);
      relays_.emplace_back(user, local, user, fabric_.apiserver->address(), api_port, Time::zero(),
                           "kubectl");
      relays_.emplace_back(stack_of_host(*fabric_.apiserver), api_port,
                           stack_of_host(*fabric_.apiserver), kubelet_host.address(), kubelet_port,
                           scenario_.cluster.apiserver_latency, "apiserver");
      relays_.emplace_back(stack_of_host(kubelet_host), kubelet_port, stack_of_pod(pod),
                           net::kLoopbackAddress, remote, scenario_.cluster.kubelet_latency,
                           "kubelet");
      cc.target = target_index("localhost", local, -1);
      add_client(user, public_dns_, "127.0.0.1", local, cc, "outside");
      continue;
    }

    if (t.from == TrafficSpec::From::outside) {
      // Outside the cluster a name is a load balancer's or a node's.
      if (!app::address_literal(t.target.host)) {
        const auto it = published_.find(t.target.host);
        std::string problem;
        if (it == published_.end()) {
          problem = "'" + t.target.host +
                    "' is not a name outside the cluster: a LoadBalancer Service is published "
                    "as NAME.NAMESPACE.lb (or its external-dns hostname), an Ingress host at its "
                    "controller's load balancer, and nodes by their names";
        } else if (it->second >= 0) {
          problem = port_problem(it->second, t.target.port);
        } else {
          bool node_port = false;
          for (const kube::ServiceState& st : cluster_->services()) {
            for (const auto& ps : st.ports) node_port |= ps.node_port == t.target.port;
          }
          if (!node_port)
            problem = "no Service has nodePort " + std::to_string(t.target.port) + " on node '" +
                      t.target.host + "'";
        }
        if (!problem.empty()) {
          diags.add(located(Severity::error, t.source, path + ".url", problem));
          continue;
        }
      }
      const int service = -1;
      cc.target = target_index(t.target.host, t.target.port, service);
      add_client(stack_of_host(*fabric_.outside), public_dns_, t.target.host, t.target.port, cc,
                 "outside");
      continue;
    }
    const std::vector<int> pods = cluster_->pods_of(t.from_namespace, t.from_workload);
    std::vector<int> running;
    for (int p : pods) {
      if (pod_endpoints_[static_cast<std::size_t>(p)] != nullptr) running.push_back(p);
    }
    if (running.empty()) {
      diags.add(located(Severity::error, t.source, path + ".from",
                        "no running pods of a workload '" + t.from_workload + "' in namespace '" +
                            t.from_namespace + "'"));
      continue;
    }
    const int service = service_named(t.target.host, t.from_namespace);
    if (service < 0 && t.target.host.find('.') == std::string::npos &&
        !app::address_literal(t.target.host)) {
      diags.add(located(
          Severity::error, t.source, path + ".url",
          "'" + t.target.host + "' is not a Service in namespace '" + t.from_namespace + "'"));
      continue;
    }
    if (service >= 0) {
      if (const std::string problem = port_problem(service, t.target.port); !problem.empty()) {
        diags.add(located(Severity::error, t.source, path + ".url", problem));
        continue;
      }
      warn_if_resolved_outside(t, path, service, diags);
    }
    cc.target = target_index(t.target.host, t.target.port, service);
    // The pods share the traffic: each sends 1/n of the rate, and the users are dealt out.
    const auto n = static_cast<int>(running.size());
    for (int k = 0; k < n; ++k) {
      app::HttpClientConfig mine = cc;
      if (t.open_loop) {
        mine.interarrival = t.interarrival.kind() == engine::Distribution::Kind::constant
                                ? engine::Distribution::constant(n / t.rate_per_s)
                                : engine::Distribution::exponential(n / t.rate_per_s);
      } else {
        mine.users = t.users / n + (k < t.users % n ? 1 : 0);
        if (mine.users == 0) continue;
      }
      const int pod = running[static_cast<std::size_t>(k)];
      add_client(stack_of_pod(pod), resolver_of_pod(pod), t.target.host, t.target.port, mine,
                 cluster_->pods()[static_cast<std::size_t>(pod)].name, cpu_of_pod(pod),
                 host_costs_of_pod(pod));
    }
  }
}

void ClusterModel::warn_if_resolved_outside(const TrafficSpec& t, const std::string& path,
                                            int service, Diagnostics& diags) const {
  // The name the pod's resolver asks for first (glibc's res_search order): one
  // outside the cluster domain goes upstream from CoreDNS, and whatever the
  // world answers for it wins over the Service the name also means.
  kube::ResolverConfig rc =
      kube::ResolverConfig::cluster_first(t.from_namespace, scenario_.cluster.dns.domain);
  rc.ndots = scenario_.cluster.dns.ndots;
  const std::vector<std::string> names = rc.candidates(t.target.host);
  const std::string& domain = scenario_.cluster.dns.domain;
  if (names.empty() || names[0] == domain || names[0].ends_with("." + domain)) return;
  const kube::ObjectMeta& meta =
      cluster_->services()[static_cast<std::size_t>(service)].service->meta;
  diags.add(located(Severity::warning, t.source, path + ".url",
                    "with ndots:" + std::to_string(rc.ndots) + " the pod's resolver asks for '" +
                        names[0] + "' first, which is outside " + domain +
                        ": CoreDNS forwards it upstream, and an answer from there sends the "
                        "requests out of the cluster instead of to Service " +
                        meta.namespace_ + "/" + meta.name + "; write '" + meta.name + "." +
                        meta.namespace_ + ".svc." + domain +
                        "' in full or raise cluster.dns.ndots"));
}

// --- churn ------------------------------------------------------------------------

void ClusterModel::add_probe(int pod, const std::string& host, std::uint16_t port, Time at) {
  app::HttpClientConfig cc;
  cc.source = static_cast<std::uint32_t>(traffic_names_.size());
  cc.open_loop = false;
  cc.users = 1;
  cc.start = at;
  cc.stop = at + Time::ps(1);
  cc.target = target_index(
      host, port, service_named(host, cluster_->pods()[static_cast<std::size_t>(pod)].namespace_));
  cc.url = requests_.intern_url(host, "/");
  clients_.emplace_back(requests_, stack_of_pod(pod).endpoint().id(), cc, sim_,
                        random_.stream("probe"));
  app::UpstreamConfig uc{host, port, false, 0};
  pools_.emplace_back(stack_of_pod(pod), resolver_of_pod(pod), requests_, uc,
                      &app::HttpClient::done, &clients_.back());
  clients_.back().attach(pools_.back());
  clients_.back().start();
}

}  // namespace podwire::builder
