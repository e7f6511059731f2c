#include "models/kube/network_policy_engine.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "models/net/host.hpp"

namespace podwire::kube {

namespace {

constexpr std::string_view kNamespaceNameLabel = "kubernetes.io/metadata.name";

Protocol kube_protocol(net::Protocol p) {
  return p == net::Protocol::udp ? Protocol::udp : Protocol::tcp;
}

std::string describe(const NetworkPolicy& policy) {
  std::string out = "NetworkPolicy " + policy.meta.namespace_ + "/" + policy.meta.name;
  if (!policy.source.file.empty()) out += " (" + policy.source.to_string() + ")";
  return out;
}

// An ipBlock CIDR. Host bits are dropped rather than refused: the API server
// accepts "10.0.0.1/24" and means 10.0.0.0/24.
Cidr parse_block(std::string_view text, const NetworkPolicy& policy) {
  const auto bad = [&] {
    return std::invalid_argument(describe(policy) + ": ipBlock '" + std::string(text) +
                                 "' is not a CIDR block such as 10.0.0.0/8");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) throw bad();
  int prefix = -1;
  const char* first = text.data() + slash + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, prefix);
  if (ec != std::errc() || end != last || prefix < 0 || prefix > 32) throw bad();
  net::Address base = 0;
  try {
    base = net::parse_address(text.substr(0, slash));
  } catch (const std::invalid_argument&) {
    throw bad();
  }
  const net::Address mask = prefix == 0 ? 0 : ~net::Address{0} << (32 - prefix);
  return Cidr(base & mask, prefix);
}

bool is_ipv6(std::string_view text) { return text.find(':') != std::string_view::npos; }

}  // namespace

NetworkPolicyEngine::NetworkPolicyEngine(const std::vector<NetworkPolicy>& policies,
                                         const std::vector<Namespace>& namespaces) {
  for (const Namespace& n : namespaces) {
    Labels& labels = namespaces_[namespace_id(n.meta.name)].labels;
    labels = n.meta.labels;
    labels[std::string(kNamespaceNameLabel)] = n.meta.name;
  }
  policies_.reserve(policies.size());
  for (const NetworkPolicy& np : policies) {
    Policy policy;
    policy.ns = namespace_id(np.meta.namespace_);
    policy.pod_selector = np.pod_selector;
    policy.ingress = np.policy_ingress;
    policy.egress = np.policy_egress;
    const auto compile = [&](const std::vector<NetworkPolicyRule>& rules, std::vector<Rule>& out) {
      for (const NetworkPolicyRule& r : rules) {
        Rule rule;
        for (const NetworkPolicyPeer& p : r.peers) {
          Peer peer;
          const bool selectors = p.pod_selector.has_value() || p.namespace_selector.has_value();
          if (selectors == p.ip_block.has_value()) {
            throw std::invalid_argument(describe(np) +
                                        ": a peer needs podSelector and/or namespaceSelector, or "
                                        "an ipBlock alone");
          }
          if (p.ip_block) {
            peer.ip_block = true;
            peer.ipv6 = is_ipv6(p.ip_block->cidr);
            if (!peer.ipv6) {
              peer.cidr = parse_block(p.ip_block->cidr, np);
              for (const std::string& e : p.ip_block->except) {
                if (!is_ipv6(e)) peer.except.push_back(parse_block(e, np));
              }
            }
          } else {
            peer.pods = p.pod_selector;
            peer.namespaces = p.namespace_selector;
          }
          rule.peers.push_back(std::move(peer));
        }
        for (const NetworkPolicyPort& p : r.ports) {
          Port port;
          port.protocol = p.protocol;
          if (p.port) {
            port.any = false;
            if (p.port->named()) {
              port.name = p.port->name;
            } else {
              port.first = p.port->number;
              port.last = p.end_port.value_or(p.port->number);
            }
          }
          rule.ports.push_back(std::move(port));
        }
        out.push_back(std::move(rule));
      }
    };
    compile(np.ingress, policy.ingress_rules);
    compile(np.egress, policy.egress_rules);
    namespaces_[policy.ns].policies.push_back(static_cast<std::uint32_t>(policies_.size()));
    policies_.push_back(std::move(policy));
  }
}

std::uint32_t NetworkPolicyEngine::namespace_id(std::string_view name) {
  const auto [it, inserted] =
      namespace_ids_.try_emplace(std::string(name), static_cast<std::uint32_t>(namespaces_.size()));
  if (inserted) {
    NamespaceEntry entry;
    entry.labels.emplace(std::string(kNamespaceNameLabel), std::string(name));
    namespaces_.push_back(std::move(entry));
  }
  return it->second;
}

void NetworkPolicyEngine::add_pod(net::Address ip, std::string_view namespace_,
                                  const Labels& labels, const PodSpec* spec, net::Address node) {
  if (pods_.contains(ip)) {
    throw std::invalid_argument("pod address " + net::format_address(ip) +
                                " is already registered for policy");
  }
  PodEntry pod;
  pod.ns = namespace_id(namespace_);
  pod.labels = &labels;
  pod.spec = spec;
  pod.node = node;
  for (const std::uint32_t id : namespaces_[pod.ns].policies) {
    const Policy& policy = policies_[id];
    if (!policy.pod_selector.matches(labels)) continue;
    if (policy.ingress) pod.ingress.push_back(id);
    if (policy.egress) pod.egress.push_back(id);
  }
  pods_.emplace(ip, std::move(pod));
}

bool NetworkPolicyEngine::remove_pod(net::Address ip) { return pods_.erase(ip) != 0; }

bool NetworkPolicyEngine::isolated_for_ingress(net::Address ip) const {
  const PodEntry* pod = find(ip);
  return pod != nullptr && !pod->ingress.empty();
}

bool NetworkPolicyEngine::isolated_for_egress(net::Address ip) const {
  const PodEntry* pod = find(ip);
  return pod != nullptr && !pod->egress.empty();
}

bool NetworkPolicyEngine::egress_allowed(net::Address src, net::Address dst, std::uint16_t port,
                                         net::Protocol p) const {
  const PodEntry* from = find(src);
  bool ok = true;
  if (from != nullptr && !from->egress.empty()) {
    const PodEntry* to = find(dst);
    ok = admitted(from->egress, &Policy::egress_rules, dst, to, to, port, kube_protocol(p));
  }
  ++(ok ? counters_.egress_allowed : counters_.egress_denied);
  return ok;
}

bool NetworkPolicyEngine::ingress_allowed(net::Address src, net::Address dst, std::uint16_t port,
                                          net::Protocol p) const {
  const PodEntry* to = find(dst);
  bool ok = true;
  // The node's own address stays allowed so that the kubelet's probes pass.
  if (to != nullptr && !to->ingress.empty() && !(to->node != 0 && src == to->node)) {
    ok = admitted(to->ingress, &Policy::ingress_rules, src, find(src), to, port, kube_protocol(p));
  }
  ++(ok ? counters_.ingress_allowed : counters_.ingress_denied);
  return ok;
}

bool NetworkPolicyEngine::admitted(const std::vector<std::uint32_t>& ids,
                                   std::vector<Rule> Policy::*rules, net::Address remote,
                                   const PodEntry* remote_pod, const PodEntry* destination,
                                   std::uint16_t port, Protocol p) const {
  for (const std::uint32_t id : ids) {
    const Policy& policy = policies_[id];
    for (const Rule& rule : policy.*rules) {
      const bool port_ok = rule.ports.empty() ||
                           std::any_of(rule.ports.begin(), rule.ports.end(), [&](const Port& s) {
                             return port_matches(s, destination, port, p);
                           });
      if (!port_ok) continue;
      const bool peer_ok = rule.peers.empty() ||
                           std::any_of(rule.peers.begin(), rule.peers.end(), [&](const Peer& s) {
                             return peer_matches(s, policy.ns, remote, remote_pod);
                           });
      if (peer_ok) return true;
    }
  }
  return false;
}

bool NetworkPolicyEngine::peer_matches(const Peer& peer, std::uint32_t policy_ns,
                                       net::Address remote, const PodEntry* remote_pod) const {
  if (peer.ip_block) {
    if (peer.ipv6 || !peer.cidr.contains(remote)) return false;
    return std::none_of(peer.except.begin(), peer.except.end(),
                        [&](const Cidr& c) { return c.contains(remote); });
  }
  if (remote_pod == nullptr) return false;
  if (peer.namespaces) {
    if (!peer.namespaces->matches(namespaces_[remote_pod->ns].labels)) return false;
  } else if (remote_pod->ns != policy_ns) {
    return false;
  }
  return !peer.pods || peer.pods->matches(*remote_pod->labels);
}

bool NetworkPolicyEngine::port_matches(const Port& spec, const PodEntry* destination,
                                       std::uint16_t port, Protocol p) {
  if (spec.protocol != p) return false;
  if (spec.any) return true;
  if (spec.name.empty()) return port >= spec.first && port <= spec.last;
  // A named port: any container port of the destination with that name and
  // protocol (init containers serve nothing), as Calico and Cilium resolve it.
  if (destination == nullptr || destination->spec == nullptr) return false;
  for (const Container& c : destination->spec->containers) {
    for (const ContainerPort& cp : c.ports) {
      if (cp.protocol == p && cp.container_port == port && cp.name == spec.name) return true;
    }
  }
  return false;
}

}  // namespace podwire::kube
