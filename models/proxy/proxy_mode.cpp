#include "models/proxy/proxy_mode.hpp"

namespace podwire::proxy {

const char* to_string(ProxyMode m) {
  switch (m) {
    case ProxyMode::iptables: return "iptables";
    case ProxyMode::ipvs: return "ipvs";
    case ProxyMode::nftables: return "nftables";
    case ProxyMode::ebpf: return "ebpf";
  }
  return "?";
}

bool parse_proxy_mode(std::string_view text, ProxyMode& out) {
  for (ProxyMode m : {ProxyMode::iptables, ProxyMode::ipvs, ProxyMode::nftables, ProxyMode::ebpf}) {
    if (text == to_string(m)) {
      out = m;
      return true;
    }
  }
  return false;
}

const char* to_string(IpvsScheduler s) {
  switch (s) {
    case IpvsScheduler::rr: return "rr";
    case IpvsScheduler::wrr: return "wrr";
    case IpvsScheduler::lc: return "lc";
    case IpvsScheduler::wlc: return "wlc";
    case IpvsScheduler::sh: return "sh";
    case IpvsScheduler::dh: return "dh";
    case IpvsScheduler::sed: return "sed";
    case IpvsScheduler::nq: return "nq";
    case IpvsScheduler::mh: return "mh";
  }
  return "?";
}

bool parse_ipvs_scheduler(std::string_view text, IpvsScheduler& out) {
  for (int i = 0; i <= static_cast<int>(IpvsScheduler::mh); ++i) {
    if (text == to_string(static_cast<IpvsScheduler>(i))) {
      out = static_cast<IpvsScheduler>(i);
      return true;
    }
  }
  return false;
}

engine::Time first_packet_cost(ProxyMode mode, const ProxyModeCosts& costs, const ServiceFrontend& f,
                               FrontendKind kind, std::size_t services, std::size_t chosen) {
  switch (mode) {
    case ProxyMode::iptables: {
      // KUBE-SERVICES: one rule per Service port, in order; the jump to
      // KUBE-NODEPORTS is its last rule, and that chain lists NodePorts in order.
      const std::uint64_t walk = kind == FrontendKind::node_port ? services + 1 + f.position + 1 : f.position + 1;
      // KUBE-SVC-*: `statistic --probability` rules until one fires, then the
      // KUBE-SEP-* chain's mark and DNAT.
      const std::uint64_t rules = walk + chosen + 1 + 2;
      return costs.iptables_rule * static_cast<std::int64_t>(rules);
    }
    case ProxyMode::nftables: return costs.nftables_lookup;
    case ProxyMode::ipvs: return costs.ipvs_lookup;
    case ProxyMode::ebpf: return costs.ebpf_lookup;
  }
  return engine::Time::zero();
}

}  // namespace podwire::proxy
