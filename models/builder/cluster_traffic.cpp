// The traffic of a cluster scenario: each entry's load generators, where
// they run (outside, in a workload's pods, or through kubectl port-forward),
// what they reach and which routes they ask for.
#include <algorithm>

#include "models/app/program.hpp"
#include "models/builder/cluster_model.hpp"
#include "models/builder/located.hpp"

namespace podwire::builder {

using engine::Time;

std::string ClusterModel::mix_problem(const TrafficSpec& t, int service) const {
  for (const auto& [route, weight] : t.mix) {
    if (std::string problem = route_problem(service, route); !problem.empty()) return problem;
  }
  return "";
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
    double total = 0;
    for (const auto& [route, weight] : t.mix) cc.mix.emplace_back(route_id(route), total += weight);

    // `cpu`: the client pod's node, whose cores its program's threads run on
    // (none outside the cluster).
    const auto add_client = [&](net::TcpStack& stack, app::NameResolver& resolver,
                                const std::string& host, std::uint16_t port,
                                app::HttpClientConfig config, const std::string& who,
                                node::NodeCpu* cpu = nullptr,
                                const node::HostStackCosts* costs = nullptr) {
      clients_.emplace_back(requests_, stack.endpoint().id(), config, sim_,
                            random_.stream("traffic/" + t.name + "/" + who));
      if (config.mix.size() > 1)
        clients_.back().set_mix_random(random_.stream("traffic/" + t.name + "/" + who + "/mix"));
      if (cpu != nullptr) {
        app::ProgramCpu& program = client_programs_.emplace_back(cpu, t.threads, costs);
        program.set_event_loop(app::find_program(t.program)->event_loop);
        clients_.back().set_program(&program);
      }
      UpstreamChoice choice = choice_of(t);
      choice.resolve_once = app::find_program(t.program)->resolves_once;
      clients_.back().attach(make_upstream(stack, resolver, host, port, choice,
                                           &app::HttpClient::done, &clients_.back()));
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
      // Outside the cluster a name is a load balancer's or a node's; the
      // requests are the Service's that the load balancer or nodePort fronts.
      int service = -1;
      if (!app::address_literal(t.target.host)) {
        const OutsideTarget o = outside_target(t.target.host, t.target.port, t.target.udp);
        service = o.service;
        std::string problem = o.problem;
        if (problem.empty() && service >= 0) problem = mix_problem(t, service);
        if (!problem.empty()) {
          diags.add(located(Severity::error, t.source, path + ".url", problem));
          continue;
        }
        if (service >= 0) {
          if (const std::string w = unserved_warning(service); !w.empty())
            diags.add(located(Severity::warning, t.source, path + ".url", w));
        }
      }
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
      std::string problem = port_problem(service, t.target.port, t.target.udp);
      if (problem.empty()) problem = mix_problem(t, service);
      if (!problem.empty()) {
        diags.add(located(Severity::error, t.source, path + ".url", problem));
        continue;
      }
      if (const std::string w = resolution_warning(running[0], t.target.host, service); !w.empty())
        diags.add(located(Severity::warning, t.source, path + ".url", w));
      if (const std::string w = unserved_warning(service); !w.empty())
        diags.add(located(Severity::warning, t.source, path + ".url", w));
    }
    if (const std::string w = outside_warning(running[0], t.target.host, service); !w.empty())
      diags.add(located(Severity::warning, t.source, path + ".url", w));
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
      add_client(stack_of_pod(pod), resolver_of_pod(pod, app::find_program(t.program)->lookup),
                 t.target.host, t.target.port, mine,
                 cluster_->pods()[static_cast<std::size_t>(pod)].name, cpu_of_pod(pod),
                 host_costs_of_pod(pod));
    }
  }
}

ClusterModel::OutsideTarget ClusterModel::outside_target(const std::string& host,
                                                         std::uint16_t port, bool udp) const {
  OutsideTarget o;
  const auto it = published_.find(host);
  if (it == published_.end()) {
    o.problem = "'" + host +
                "' is not a name outside the cluster: a LoadBalancer Service is published "
                "as NAME.NAMESPACE.lb (or its external-dns hostname), an Ingress host at its "
                "controller's load balancer, and nodes by their names";
    return o;
  }
  if (it->second >= 0) {
    o.service = it->second;
    o.problem = port_problem(o.service, port, udp);
    return o;
  }
  // A node: every node opens every Service's nodePorts (a udp:// URL needs a UDP one).
  o.node = true;
  for (std::size_t si = 0; si < cluster_->services().size() && o.service < 0; ++si) {
    for (const auto& ps : cluster_->services()[si].ports) {
      if (ps.node_port == port && (!udp || ps.port->protocol == kube::Protocol::udp))
        o.service = static_cast<int>(si);
    }
  }
  if (o.service < 0)
    o.problem = "no Service has " + std::string(udp ? "a UDP " : "") + "nodePort " +
                std::to_string(port) + " on node '" + host + "'";
  return o;
}

std::string ClusterModel::unserved_warning(int service) const {
  const kube::ServiceState& st = cluster_->services()[static_cast<std::size_t>(service)];
  std::vector<int> served;  // the pods of every app, servers and ingress controllers
  for (const AppSpec& a : scenario_.apps) {
    const std::vector<int> pods = cluster_->pods_of(a.namespace_, a.workload);
    served.insert(served.end(), pods.begin(), pods.end());
  }
  bool any = false;
  for (const kube::ServicePortState& port : st.ports) {
    for (const kube::EndpointState& e : port.endpoints) {
      if (e.pod < 0) return "";  // an address of a hand-written EndpointSlice
      any = true;
      if (std::find(served.begin(), served.end(), e.pod) != served.end()) return "";
    }
  }
  if (!any) return "";
  return "the pods behind Service " + st.key +
         " run no app (no entry under `apps:` for their workload): nothing answers these "
         "requests, which stay unfinished";
}

std::string ClusterModel::outside_warning(int pod, const std::string& host, int service) const {
  if (app::address_literal(host)) return "";
  std::string name = host;
  if (service >= 0) {
    const kube::Service& svc = *cluster_->services()[static_cast<std::size_t>(service)].service;
    if (svc.type != kube::ServiceType::external_name) return "";
    name = svc.external_name;
    if (app::address_literal(name)) return "";
  } else if (host.find('.') == std::string::npos) {
    return "";
  }
  const kube::PodResolvConf conf = resolv_conf_of_pod(pod);
  const std::string& domain = scenario_.cluster.dns.domain;
  // Names are tried in the resolver's order; the first that is answered wins.
  for (const std::string& candidate : conf.resolver.candidates(name)) {
    const bool inside = candidate == domain || candidate.ends_with("." + domain);
    if (inside) {
      if (cluster_->lookup(candidate).kind != kube::DnsAnswer::Kind::nxdomain) return "";
      // A headless Service or a pod's name, whose answers readiness brings.
      if (service_named(candidate, "") >= 0) return "";
      continue;
    }
    if (nameserver_in_cluster(conf) == 0) return "";  // resolution_warning's case
    return (service >= 0
                ? "Service " + cluster_->services()[static_cast<std::size_t>(service)].key +
                      " is an ExternalName for '" + name + "', which"
                : "'" + host + "'") +
           " is answered from outside the cluster (CoreDNS forwards '" + candidate +
           "' upstream), and podwire simulates no machine there: nothing answers these requests, "
           "which stay unfinished";
  }
  return "";
}

std::string ClusterModel::resolution_warning(int pod, const std::string& host, int service) const {
  const kube::PodState& p = cluster_->pods()[static_cast<std::size_t>(pod)];
  const kube::ObjectMeta& meta =
      cluster_->services()[static_cast<std::size_t>(service)].service->meta;
  const std::string& domain = scenario_.cluster.dns.domain;
  const std::string full = meta.name + "." + meta.namespace_ + ".svc." + domain;
  const kube::PodResolvConf conf = resolv_conf_of_pod(pod);
  if (nameserver_in_cluster(conf) == 0) {
    const std::string why =
        conf.base == kube::PodResolvConf::Base::cluster
            ? "its first nameserver, " + conf.nameservers[0] + ", is outside the cluster"
        : p.spec->dns_policy == kube::DnsPolicy::cluster_first
            ? "it is a hostNetwork pod with dnsPolicy ClusterFirst, which kubelet treats as "
              "Default: its resolv.conf is its node's"
        : p.spec->dns_policy == kube::DnsPolicy::none
            ? "with dnsPolicy None its first nameserver, " + conf.nameservers[0] +
                  ", is outside the cluster"
            : "with dnsPolicy Default its resolv.conf is its node's";
    return "pod " + p.name + " cannot resolve '" + host + "' to Service " + meta.namespace_ + "/" +
           meta.name + ": " + why +
           ", and the resolver there knows no cluster names; set dnsPolicy: " +
           (p.spec->host_network ? "ClusterFirstWithHostNet" : "ClusterFirst") +
           " or use the Service's address";
  }
  // The name the pod's resolver asks for first (glibc's res_search order): one
  // outside the cluster domain goes upstream from CoreDNS, and whatever the
  // world answers for it wins over the Service the name also means.
  const std::vector<std::string> names = conf.resolver.candidates(host);
  if (names.empty() || names[0] == domain || names[0].ends_with("." + domain)) return "";
  return "with ndots:" + std::to_string(conf.resolver.ndots) + " the pod's resolver asks for '" +
         names[0] + "' first, which is outside " + domain +
         ": CoreDNS forwards it upstream, and an answer from there sends the requests out of the "
         "cluster instead of to Service " +
         meta.namespace_ + "/" + meta.name + "; write '" + full + "' in full or raise " +
         (p.spec->dns_config && p.spec->dns_config->ndots ? "ndots in the pod's dnsConfig"
                                                          : "cluster.dns.ndots");
}

}  // namespace podwire::builder
