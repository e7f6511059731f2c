#include "models/proxy/iptables_layout.hpp"

namespace podwire::proxy {

IptablesLayout iptables_layout(KubeProxyVersion v) {
  if (v.minor <= 20) return IptablesLayout::mark_in_services;
  if (v.minor <= 23) return IptablesLayout::mark_in_svc;
  return IptablesLayout::ext_chains;
}

const char* to_string(IptablesLayout l) {
  switch (l) {
    case IptablesLayout::mark_in_services:
      return "masquerade marks in KUBE-SERVICES (up to 1.20)";
    case IptablesLayout::mark_in_svc:
      return "masquerade marks in KUBE-SVC (1.21-1.23)";
    case IptablesLayout::ext_chains:
      return "KUBE-EXT chains (1.24 on)";
  }
  return "?";
}

std::string IptablesWalk::to_string() const {
  std::string out = "KUBE-SERVICES " + std::to_string(services);
  if (nodeports != 0) out += ", KUBE-NODEPORTS " + std::to_string(nodeports);
  if (ext != 0) out += ", external chain " + std::to_string(ext);
  out += ", KUBE-SVC " + std::to_string(svc) + ", KUBE-SEP " + std::to_string(sep);
  if (mark != 0) out += ", KUBE-MARK-MASQ " + std::to_string(mark);
  return out + " = " + std::to_string(total()) + " rules";
}

IptablesWalk iptables_walk(IptablesLayout layout, const IptablesWalkInput& in) {
  const bool old = layout == IptablesLayout::mark_in_services;
  // Rules per Service port in KUBE-SERVICES and per NodePort in KUBE-NODEPORTS.
  const std::uint32_t per_service = old ? 2 : 1;
  const std::uint32_t endpoints = in.chosen + 1;  // probability rules up to the one that fires
  // The masquerade rules a KUBE-SVC chain starts with.
  const std::uint32_t svc_marks = layout == IptablesLayout::mark_in_services ? 0
                                  : layout == IptablesLayout::mark_in_svc
                                      ? 1 + (in.has_node_port ? 1u : 0u)
                                      : 1;
  IptablesWalk w;
  w.sep = 2;  // hairpin masquerade, DNAT
  switch (in.kind) {
    case FrontendKind::cluster_ip:
      w.services = per_service * (in.position + 1);
      w.svc = svc_marks + endpoints;
      w.mark = in.off_cluster_source ? 1 : 0;
      break;
    case FrontendKind::node_port:
      // Every Service rule, then the last rule's jump for a local address.
      w.services = per_service * in.services + 1;
      w.nodeports = per_service * (in.node_port_position + 1);
      if (in.external_local) {
        // The local-endpoints chain (KUBE-XLB-*, from 1.24 KUBE-EXT-* and
        // KUBE-SVL-*): the rules for pods' and the node's own traffic first.
        w.ext = layout == IptablesLayout::ext_chains ? 4 : 3;
        w.svc = endpoints;
      } else {
        w.ext = layout == IptablesLayout::ext_chains ? 2 : 0;
        w.svc = svc_marks + endpoints;
        w.mark = 1;
      }
      break;
    case FrontendKind::load_balancer:
    case FrontendKind::external_ip:
      // The address's rule follows its Service's ClusterIP rule(s) in
      // KUBE-SERVICES, and jumps to the external chain (KUBE-FW-* before
      // 1.24: mark, jump; KUBE-EXT-* from 1.24).
      w.services = per_service * (in.position + 1) + 1;
      if (in.external_local) {
        w.ext = layout == IptablesLayout::ext_chains ? 4 : 3;
        w.svc = endpoints;
      } else {
        w.ext = 2;
        w.svc = svc_marks + endpoints;
        w.mark = 1;
      }
      break;
  }
  return w;
}

}  // namespace podwire::proxy
