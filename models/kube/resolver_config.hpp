// ResolverConfig: a pod's /etc/resolv.conf and the order in which glibc's
// resolver tries names under it. With Kubernetes' ndots:5, a short name like
// "web" is tried against each search domain first, so an in-cluster name costs
// one query and an external "example.com" costs one per search domain first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/kube/objects.hpp"

namespace podwire::kube {

struct ResolverConfig {
  std::vector<std::string> search;  // search domains, in order
  int ndots = 5;                    // names with fewer dots try the search list first
  int timeout_s = 5;                // glibc: seconds per try
  int attempts = 2;                 // glibc: tries per name and server
  // options single-request and single-request-reopen: the AAAA question only
  // after the A question's answer (glibc's send_dg; Go reads both as
  // singleRequest); with reopen, glibc sends it from a new socket.
  bool single_request = false;
  bool reopen = false;
  bool no_aaaa = false;  // options no-aaaa (glibc 2.36): no AAAA question at all

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

// The resolv.conf kubelet writes for one pod (pkg/kubelet/network/dns,
// GetPodDNS): its dnsPolicy's base, then the pod's dnsConfig appended
// (nameservers and search domains without duplicates, options by name with
// the pod's winning), cut to kubelet's limits: 3 nameservers, and the search
// domains as cluster_first cuts them.
struct PodResolvConf {
  // Whose resolv.conf the base is: the cluster's (ClusterFirst, and
  // ClusterFirstWithHostNet), the node's (Default, and ClusterFirst on a
  // hostNetwork pod, which kubelet treats as Default), or nobody's (None).
  enum class Base { cluster, node, none };
  // How the node's own resolver appears among the nameservers: podwire has
  // no address for it (the resolver outside the cluster that CoreDNS also
  // forwards to).
  static constexpr std::string_view kNodeResolver = "node";

  Base base = Base::cluster;
  // glibc asks the first; the others only after it times out.
  std::vector<std::string> nameservers;
  ResolverConfig resolver;
};

// `cluster_dns` is the kube-dns Service's address as text; `cluster_ndots`
// what podwire's kubelet writes for ClusterFirst (cluster.dns.ndots).
PodResolvConf pod_resolv_conf(const PodSpec& spec, std::string_view pod_namespace,
                              std::string_view cluster_domain, int cluster_ndots,
                              const std::string& cluster_dns);

}  // namespace podwire::kube
