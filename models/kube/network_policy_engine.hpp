// NetworkPolicyEngine: which new connections the cluster's NetworkPolicies
// allow, with the semantics of the Kubernetes "Network Policies" concept page;
// the PolicyCheck that every node's datapath asks for each new connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/kube/cidr.hpp"
#include "models/kube/objects.hpp"
#include "models/kube/policy_check.hpp"

namespace podwire::kube {

// What it decides, as Kubernetes defines it:
// - A pod is isolated for ingress (egress) when a policy of its namespace
//   selects it and lists that policy type; a direction nobody isolates allows
//   everything. An isolated direction allows a connection when any rule of any
//   selecting policy of that type matches; a policy with the type and no rules
//   of it denies all.
// - A connection needs both: egress allowed by the source pod's policies and
//   ingress allowed by the destination pod's.
// - Selector peers match registered pods only; any other address (outside the
//   cluster, a node) matches only ipBlock peers. ipBlock matches pod addresses
//   too (the API leaves that to the implementation; Calico and Cilium do so).
// - A named port matches when the destination pod (the remote pod for egress)
//   declares a container port of that name and protocol with the connection's
//   number; an unregistered destination never matches a named port.
// - Connections from the destination pod's own node are allowed whatever the
//   policies say, so the kubelet's probes pass (as every CNI arranges). Nothing
//   else is exempt: a pod reaching itself or its node is checked normally.
//
// Verdicts cost O(policies selecting the pod x their peers and ports, each a
// label-selector match) plus two hash lookups, and allocate nothing: the
// policies that select a pod are found once, when the pod is registered.
// Policies and namespaces are fixed at construction (a change of either means
// a new engine); pods come and go.
class NetworkPolicyEngine final : public PolicyCheck {
 public:
  struct Counters {
    std::uint64_t egress_allowed = 0;
    std::uint64_t egress_denied = 0;
    std::uint64_t ingress_allowed = 0;
    std::uint64_t ingress_denied = 0;
  };

  // Copies what it needs from both lists. Every namespace carries the label
  // kubernetes.io/metadata.name=<name>, as the API server sets it; namespaces
  // not listed (named by a policy or a pod) have only that label.
  // std::invalid_argument, naming the policy, for an ipBlock whose CIDR does
  // not parse, or a peer that is not exactly selectors or an ipBlock.
  NetworkPolicyEngine(const std::vector<NetworkPolicy>& policies,
                      const std::vector<Namespace>& namespaces);

  // Registers the pod that has address `ip` (when it gets it), on the node
  // whose address is `node` (0: none). `labels` and `spec` must outlive the
  // registration; a null spec declares no named ports. std::invalid_argument
  // when the address is already registered. O(policies of its namespace).
  void add_pod(net::Address ip, std::string_view namespace_, const Labels& labels,
               const PodSpec* spec, net::Address node);
  // Forgets the pod at `ip`: the address is outside the cluster again. False
  // when it was not registered.
  bool remove_pod(net::Address ip);

  bool egress_allowed(net::Address src, net::Address dst, std::uint16_t port,
                      net::Protocol p) const override;
  bool ingress_allowed(net::Address src, net::Address dst, std::uint16_t port,
                       net::Protocol p) const override;

  // Whether the pod at `ip` is isolated in that direction (false when unknown).
  bool isolated_for_ingress(net::Address ip) const;
  bool isolated_for_egress(net::Address ip) const;

  bool any_policies() const { return !policies_.empty(); }
  std::size_t pod_count() const { return pods_.size(); }
  const Counters& counters() const { return counters_; }

 private:
  struct Peer {
    // Selector peer: pods matching `pods` (every pod when unset) in the
    // policy's namespace, or in namespaces matching `namespaces` when set.
    bool ip_block = false;
    std::optional<LabelSelector> pods;
    std::optional<LabelSelector> namespaces;
    // ipBlock peer; an IPv6 block never matches (the simulator is IPv4).
    bool ipv6 = false;
    Cidr cidr;
    std::vector<Cidr> except;
  };
  struct Port {
    Protocol protocol = Protocol::tcp;
    bool any = true;   // no port given: every port of the protocol
    std::string name;  // a named port, else the range first..last
    int first = 0;
    int last = 0;
  };
  struct Rule {
    std::vector<Peer> peers;  // empty: every peer
    std::vector<Port> ports;  // empty: every port
  };
  struct Policy {
    std::uint32_t ns = 0;
    LabelSelector pod_selector;
    bool ingress = false;
    bool egress = false;
    std::vector<Rule> ingress_rules;
    std::vector<Rule> egress_rules;
  };
  struct NamespaceEntry {
    Labels labels;
    std::vector<std::uint32_t> policies;  // indices into policies_
  };
  struct PodEntry {
    std::uint32_t ns = 0;
    const Labels* labels = nullptr;
    const PodSpec* spec = nullptr;
    net::Address node = 0;
    std::vector<std::uint32_t> ingress;  // the policies isolating it, by type
    std::vector<std::uint32_t> egress;
  };

  std::uint32_t namespace_id(std::string_view name);
  const PodEntry* find(net::Address a) const {
    const auto it = pods_.find(a);
    return it == pods_.end() ? nullptr : &it->second;
  }
  // Whether some rule of the policies `ids` admits a connection with `remote`
  // (the peer); `destination` is the pod whose container ports name ports.
  bool admitted(const std::vector<std::uint32_t>& ids, std::vector<Rule> Policy::*rules,
                net::Address remote, const PodEntry* remote_pod, const PodEntry* destination,
                std::uint16_t port, Protocol p) const;
  bool peer_matches(const Peer& peer, std::uint32_t policy_ns, net::Address remote,
                    const PodEntry* remote_pod) const;
  static bool port_matches(const Port& spec, const PodEntry* destination, std::uint16_t port,
                           Protocol p);

  std::vector<Policy> policies_;
  std::vector<NamespaceEntry> namespaces_;
  std::unordered_map<std::string, std::uint32_t> namespace_ids_;
  std::unordered_map<net::Address, PodEntry> pods_;
  mutable Counters counters_;
};

}  // namespace podwire::kube
