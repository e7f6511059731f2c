#include "models/kube/resolver_config.hpp"

#include <algorithm>

namespace podwire::kube {

namespace {
constexpr std::size_t kMaxSearchDomains = 6;  // glibc MAXDNSRCH before 2.26; kubelet's limit
}

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

}  // namespace podwire::kube
