#include "models/kube/resolver_config.hpp"

#include <algorithm>
#include <charconv>

namespace podwire::kube {

namespace {
constexpr std::size_t kMaxSearchDomains = 6;  // glibc MAXDNSRCH before 2.26; kubelet's limit
constexpr std::size_t kMaxNameservers = 3;    // glibc MAXNS; kubelet drops the rest

// A glibc resolver option's number, clamped to glibc's range (resolv/res_init.c:
// ndots at most 15, timeout at most 30 s, attempts at most 5), or `fallback`.
int option_value(const std::string& value, int low, int high, int fallback) {
  int v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size()) return fallback;
  return std::clamp(v, low, high);
}
}  // namespace

ResolverConfig ResolverConfig::cluster_first(std::string_view pod_namespace,
                                             std::string_view cluster_domain,
                                             const std::vector<std::string>& node_search) {
  ResolverConfig c;
  const std::string domain(cluster_domain);
  auto add = [&c](std::string d) {
    if (!d.empty() && std::find(c.search.begin(), c.search.end(), d) == c.search.end() &&
        c.search.size() < kMaxSearchDomains) {
      c.search.push_back(std::move(d));
    }
  };
  add(std::string(pod_namespace).append(".svc.").append(domain));
  add(std::string("svc.").append(domain));
  add(domain);
  for (const std::string& d : node_search) add(d);
  return c;
}

std::vector<std::string> ResolverConfig::candidates(std::string_view name) const {
  std::vector<std::string> out;
  if (name.empty()) return out;
  if (name.back() == '.') {
    out.emplace_back(name.substr(0, name.size() - 1));
    return out;
  }
  const auto dots = static_cast<int>(std::count(name.begin(), name.end(), '.'));
  if (dots >= ndots) out.emplace_back(name);
  for (const std::string& d : search) out.push_back(std::string(name).append(".").append(d));
  if (dots < ndots) out.emplace_back(name);
  return out;
}

PodResolvConf pod_resolv_conf(const PodSpec& spec, std::string_view pod_namespace,
                              std::string_view cluster_domain, int cluster_ndots,
                              const std::string& cluster_dns) {
  PodResolvConf c;
  const bool cluster = spec.dns_policy == DnsPolicy::cluster_first_with_host_net ||
                       (spec.dns_policy == DnsPolicy::cluster_first && !spec.host_network);
  if (cluster) {
    c.base = PodResolvConf::Base::cluster;
    c.nameservers.push_back(cluster_dns);
    c.resolver = ResolverConfig::cluster_first(pod_namespace, cluster_domain);
    c.resolver.ndots = cluster_ndots;
  } else {
    // The node's resolv.conf in podwire: its resolver and no search domains.
    // glibc's own default is ndots:1.
    c.base =
        spec.dns_policy == DnsPolicy::none ? PodResolvConf::Base::none : PodResolvConf::Base::node;
    if (c.base == PodResolvConf::Base::node)
      c.nameservers.emplace_back(PodResolvConf::kNodeResolver);
    c.resolver.ndots = 1;
  }
  if (!spec.dns_config) return c;
  const DnsConfig& d = *spec.dns_config;
  for (const std::string& ns : d.nameservers) {
    if (std::find(c.nameservers.begin(), c.nameservers.end(), ns) == c.nameservers.end())
      c.nameservers.push_back(ns);
  }
  if (c.nameservers.size() > kMaxNameservers) c.nameservers.resize(kMaxNameservers);
  for (const std::string& s : d.searches) {
    std::vector<std::string>& search = c.resolver.search;
    if (!s.empty() && std::find(search.begin(), search.end(), s) == search.end() &&
        search.size() < kMaxSearchDomains)
      search.push_back(s);
  }
  for (const auto& [name, value] : d.options) {
    if (name == "ndots") c.resolver.ndots = option_value(value, 0, 15, c.resolver.ndots);
    if (name == "timeout") c.resolver.timeout_s = option_value(value, 1, 30, c.resolver.timeout_s);
    if (name == "attempts") c.resolver.attempts = option_value(value, 1, 5, c.resolver.attempts);
    if (name == "single-request" || name == "single-request-reopen")
      c.resolver.single_request = true;
    if (name == "single-request-reopen") c.resolver.reopen = true;
    if (name == "no-aaaa") c.resolver.no_aaaa = true;
  }
  return c;
}

}  // namespace podwire::kube
