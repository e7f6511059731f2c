// Cluster's DNS: CoreDNS added as kubeadm installs it when the objects bring
// none, and the answers CoreDNS's kubernetes plugin gives from the cluster.
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include "models/kube/cluster.hpp"
#include "models/net/host.hpp"

namespace podwire::kube {

namespace {

std::string lowercase_name(std::string_view name) {
  std::string s(name);
  if (!s.empty() && s.back() == '.') s.pop_back();
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void Cluster::add_missing_dns(const ObjectSet& objects) {
  for (const Service& s : objects.services) {
    if (s.meta.namespace_ == "kube-system" && s.meta.name == "kube-dns") return;
  }
  // What kubeadm installs: the coredns Deployment behind the kube-dns Service.
  Deployment d;
  d.meta.name = "coredns";
  d.meta.namespace_ = "kube-system";
  d.meta.labels = {{"k8s-app", "kube-dns"}};
  d.replicas = config_.dns_replicas;
  d.selector.match_labels = {{"k8s-app", "kube-dns"}};
  d.template_.metadata.labels = {{"k8s-app", "kube-dns"}};
  Container c;
  c.name = "coredns";
  c.image = "registry.k8s.io/coredns/coredns:v1.11.3";
  c.ports = {ContainerPort{"dns", 53, Protocol::udp, 0, {}},
             ContainerPort{"dns-tcp", 53, Protocol::tcp, 0, {}},
             ContainerPort{"metrics", 9153, Protocol::tcp, 0, {}}};
  c.cpu_request_millicores = 100;
  c.memory_request_bytes = 70LL << 20;
  c.memory_limit_bytes = 170LL << 20;
  d.template_.spec.containers.push_back(c);
  d.template_.spec.dns_policy = DnsPolicy::default_;
  d.source.file = "(added: CoreDNS as kubeadm installs it)";
  added_.deployments.push_back(std::move(d));

  Service s;
  s.meta.name = "kube-dns";
  s.meta.namespace_ = "kube-system";
  s.meta.labels = {{"k8s-app", "kube-dns"}};
  s.cluster_ip = net::format_address(config_.service_cidr.at(10));
  s.selector = Labels{{"k8s-app", "kube-dns"}};
  ServicePort udp{"dns", Protocol::udp, 53, PortRef{53, ""}, 0, "", {}, {}};
  ServicePort tcp{"dns-tcp", Protocol::tcp, 53, PortRef{53, ""}, 0, "", {}, {}};
  ServicePort metrics{"metrics", Protocol::tcp, 9153, PortRef{9153, ""}, 0, "", {}, {}};
  s.ports = {udp, tcp, metrics};
  s.source.file = "(added: the kube-dns Service as kubeadm installs it)";
  added_.services.push_back(std::move(s));
}

DnsAnswer Cluster::lookup(std::string_view raw) const {
  DnsAnswer a;
  const std::string name = lowercase_name(raw);
  const std::string& domain = config_.cluster_domain;
  if (name != domain && !(name.size() > domain.size() && name.ends_with("." + domain))) {
    a.kind = DnsAnswer::Kind::external;
    return a;
  }
  const std::string head =
      name.size() > domain.size() ? name.substr(0, name.size() - domain.size() - 1) : "";
  // <svc>.<ns>.svc, <host>.<svc>.<ns>.svc, <a-b-c-d>.<ns>.pod
  std::vector<std::string_view> labels;
  for (std::size_t start = 0; start <= head.size();) {
    const std::size_t dot = head.find('.', start);
    const std::size_t end = dot == std::string::npos ? head.size() : dot;
    labels.emplace_back(head.data() + start, end - start);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  a.kind = DnsAnswer::Kind::nxdomain;
  if (labels.size() == 3 && labels[2] == "svc") {
    const auto s = service_index(labels[1], labels[0]);
    if (!s) return a;
    const ServiceState& st = services_[static_cast<std::size_t>(*s)];
    const Service& svc = *st.service;
    if (svc.type == ServiceType::external_name) {
      a.kind = DnsAnswer::Kind::cname;
      a.cname = svc.external_name;
      return a;
    }
    if (svc.headless()) {
      for (const auto& ps : st.ports) {
        for (const auto& e : ps.endpoints) {
          if ((e.ready || svc.publish_not_ready_addresses) &&
              std::find(a.addresses.begin(), a.addresses.end(), e.ip) == a.addresses.end()) {
            a.addresses.push_back(e.ip);
          }
        }
      }
      if (!a.addresses.empty()) a.kind = DnsAnswer::Kind::a;
      return a;
    }
    if (st.cluster_ip != 0) {
      a.kind = DnsAnswer::Kind::a;
      a.addresses.push_back(st.cluster_ip);
    }
    return a;
  }
  if (labels.size() == 4 && labels[3] == "svc") {
    // A pod with hostname and subdomain under a headless Service of that name.
    const auto s = service_index(labels[2], labels[1]);
    if (!s || !services_[static_cast<std::size_t>(*s)].service->headless()) return a;
    for (const auto& ps : services_[static_cast<std::size_t>(*s)].ports) {
      for (const auto& e : ps.endpoints) {
        if (e.pod < 0) continue;
        const PodState& p = pods_[static_cast<std::size_t>(e.pod)];
        if (p.hostname == labels[0] && p.subdomain == labels[1]) {
          a.kind = DnsAnswer::Kind::a;
          a.addresses = {p.ip};
          return a;
        }
      }
    }
    return a;
  }
  if (labels.size() == 3 && labels[2] == "pod") {
    // a-b-c-d.<ns>.pod: CoreDNS answers the address it spells ("pods insecure").
    std::string dotted(labels[0]);
    std::replace(dotted.begin(), dotted.end(), '-', '.');
    try {
      a.addresses = {net::parse_address(dotted)};
      a.kind = DnsAnswer::Kind::a;
    } catch (const std::invalid_argument&) {
    }
    return a;
  }
  return a;
}

}  // namespace podwire::kube
