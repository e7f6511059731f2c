// ResolverConfig: a pod's /etc/resolv.conf and the order in which glibc's
// resolver tries names under it. With Kubernetes' ndots:5, a short name like
// "web" is tried against each search domain first, so an in-cluster name costs
// one query and an external "example.com" costs one per search domain first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace podwire::kube {

struct ResolverConfig {
  std::vector<std::string> search;  // search domains, in order
  int ndots = 5;                    // names with fewer dots try the search list first
  int timeout_s = 5;                // glibc: seconds per try
  int attempts = 2;                 // glibc: tries per name and server

  // The resolv.conf kubelet writes for dnsPolicy ClusterFirst (pkg/kubelet/network/dns):
  // search <ns>.svc.<domain> svc.<domain> <domain>, then the node's own search
  // domains; options ndots:5. Duplicates are dropped, and glibc reads at most 6
  // domains (kubelet warns and truncates beyond that, as this does).
  static ResolverConfig cluster_first(std::string_view pod_namespace,
                                      std::string_view cluster_domain,
                                      const std::vector<std::string>& node_search = {});

  // The fully qualified names glibc's res_search queries for `name`, in order,
  // until one answers: a name ending in '.' is only itself; a name with at
  // least ndots dots is tried as given first, then with each search domain;
  // otherwise with each search domain first and as given last.
  std::vector<std::string> candidates(std::string_view name) const;
};

}  // namespace podwire::kube
