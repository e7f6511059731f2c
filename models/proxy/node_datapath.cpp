#include "models/proxy/node_datapath.hpp"

#include <algorithm>
#include <cstdint>

namespace podwire::proxy {

using engine::Time;
using net::Packet;

const char* to_string(CniMode m) { return m == CniMode::vxlan ? "vxlan" : "native"; }

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::no_endpoint: return "no_endpoint";
    case DropReason::policy_ingress: return "policy_ingress";
    case DropReason::policy_egress: return "policy_egress";
    case DropReason::conntrack_full: return "conntrack_full";
    case DropReason::no_route: return "no_route";
    case DropReason::no_pod: return "no_pod";
    case DropReason::node_down: return "node_down";
  }
  return "?";
}

NodeDatapath::NodeDatapath(net::Host& host, const ServiceTable& services, const kube::PodDirectory& pods,
                           DatapathConfig config, engine::RandomStream random)
    : sim_(host.simulator()),
      host_(host),
      pool_(host.pool()),
      services_(services),
      pods_(pods),
      config_(config),
      random_(random),
      conntrack_(config.conntrack_max, config.conntrack_timeouts) {
  from_pods_.dp = this;
  from_host_.dp = this;
  host_.set_datapath(this);
  host_.set_output(&from_host_);
}

NodeDatapath::~NodeDatapath() {
  host_.set_datapath(nullptr);
  host_.set_output(nullptr);
}

bool NodeDatapath::local_pod(net::Address a) const {
  const kube::PodNetns* pod = pods_.find(a);
  return pod != nullptr && &pod->node() == &host_;
}

void NodeDatapath::receive(Packet& p) {
  pool_.trace(p, net::HopKind::datapath, host_.name());
  if (down_) return drop(p, DropReason::node_down);
  ++counters_.from_nic;
  Time work = Time::zero();
  if (p.encap.present()) {
    if (p.encap.outer_dst != host_.address()) {
      drop(p, DropReason::no_route);
      return;
    }
    p.wire_bytes -= p.encap.overhead_bytes;
    p.encap = net::Encapsulation{};
    ++counters_.decapsulated;
    work += config_.costs.vxlan_decap;
  }
  process(p, Origin::fabric, work);
}

void NodeDatapath::process(Packet& p, Origin origin, Time work) {
  if (origin == Origin::pod) ++counters_.from_pods;
  if (origin == Origin::host) ++counters_.from_host;
  const Time now = sim_.now();
  Conntrack::Hit hit = conntrack_.find(p.flow, now);
  if (hit.entry != nullptr && p.flow.protocol == net::Protocol::tcp && (p.tcp_flags & net::tcp_flags::syn) &&
      !(p.tcp_flags & net::tcp_flags::ack) && hit.direction == CtDirection::original &&
      (hit.entry->state == CtState::tcp_time_wait || hit.entry->state == CtState::tcp_close)) {
    // A new SYN on the tuple of a closed connection (a reused source port)
    // re-opens it as Linux's TCP conntrack does: the old entry goes and the
    // SYN is a new flow, translated afresh.
    conntrack_.erase_entry(*hit.entry);
    hit = Conntrack::Hit{};
  }
  const bool ebpf = config_.proxy == ProxyMode::ebpf;
  work += ebpf ? config_.costs.ebpf_ct_lookup : config_.costs.conntrack_lookup;
  if (hit.entry != nullptr) {
    CtEntry& e = *hit.entry;
    conntrack_.update(e, hit.direction, p.tcp_flags, now);
    if (e.nat()) {
      const net::FlowKey to = hit.direction == CtDirection::original ? e.reply.reversed() : e.original.reversed();
      p.flow = to;
      if (hit.direction == CtDirection::original && e.backend != CtEntry::kNoBackend) {
        // The endpoint's address has gone to another pod since: this flow now
        // reaches a stranger.
        const kube::PodNetns* now_at = pods_.find(to.dst);
        if (now_at != nullptr && now_at->id() != e.backend) ++counters_.misrouted;
      }
      // eBPF translates a pod's connection to a ClusterIP once, at connect():
      // its packets carry the endpoint's address and need no NAT.
      if (!e.socket_lb) work += config_.costs.nat;
    }
  } else if (!admit_new_flow(p, origin, work)) {
    return;
  }
  route(p, origin == Origin::pod, work);
}

bool NodeDatapath::admit_new_flow(Packet& p, Origin origin, Time& work) {
  const net::FlowKey original = p.flow;
  net::FlowKey translated = original;
  std::uint32_t backend_id = CtEntry::kNoBackend;
  bool masquerade = false;

  if (p.dsr_port != 0 && origin == Origin::fabric) {
    // Direct server return: track the connection as the client sees it, so
    // the pod's answers leave this node from the Service address it used.
    net::FlowKey as_seen = original;
    as_seen.dst = p.dsr_address;
    as_seen.dst_port = p.dsr_port;
    p.dsr_address = 0;
    p.dsr_port = 0;
    CtEntry* e = conntrack_.insert(as_seen, original.reversed(), p.tcp_flags, sim_.now());
    work += config_.proxy == ProxyMode::ebpf ? config_.costs.ebpf_ct_insert : config_.costs.conntrack_insert;
    if (e == nullptr || !conntrack_.add_alias(*e, original)) {
      drop(p, DropReason::conntrack_full);
      return false;
    }
    return true;
  }

  // Service translation: by virtual address, or a NodePort on this node's address.
  ServiceTable::Match m;
  if (original.dst == host_.address()) {
    if (origin != Origin::host) m = services_.find_node_port(original.dst_port, original.protocol);
  } else {
    m = services_.find(original.dst, original.dst_port, original.protocol);
  }
  if (m.frontend == nullptr && original.dst != host_.address() && services_.is_virtual_address(original.dst)) {
    reject(p, work);  // a Service address on a port it does not serve
    return false;
  }
  if (m.frontend != nullptr) {
    work += config_.costs.service_lookup;
    // Traffic from outside the cluster to a NodePort or load-balancer address is
    // "external" and follows externalTrafficPolicy; pods reaching the same
    // addresses are short-circuited like ClusterIP traffic, as kube-proxy does.
    const bool external = origin != Origin::pod && m.kind != FrontendKind::cluster_ip;
    std::size_t chosen = 0;
    const Backend* b = choose_backend(*m.frontend, m.index, external, original, &chosen);
    if (b == nullptr) {
      if (external && m.frontend->external_local && !backends(m.index).empty()) {
        // Local policy on a node without a local endpoint: kube-proxy drops, so
        // the load balancer's health check takes the node out instead.
        drop(p, DropReason::no_endpoint);
      } else {
        reject(p, work);
      }
      return false;
    }
    work += first_packet_cost(config_.proxy, config_.proxy_costs, *m.frontend, m.kind, services_.size(), chosen);
    translated.dst = b->address;
    translated.dst_port = b->port;
    backend_id = b->id;
    ++counters_.service_translations;
    const bool off_cluster_source = origin != Origin::pod && !config_.networks.pod_cidr.contains(original.src);
    const bool dsr = config_.proxy == ProxyMode::ebpf && config_.ebpf_dsr && external && !m.frontend->external_local &&
                     b->node != host_.node();
    masquerade = (external && !m.frontend->external_local && !dsr) || b->address == original.src ||
                 (m.kind == FrontendKind::cluster_ip && off_cluster_source);
    if (dsr) {
      p.dsr_address = original.dst;
      p.dsr_port = original.dst_port;
      ++counters_.dsr;
    }
  } else if (origin == Origin::pod && !config_.networks.inside(original.dst)) {
    masquerade = true;  // leaving the cluster: the CNI masquerades pod addresses
  }
  if (masquerade) {
    translated.src = host_.address();
    translated.src_port = snat_port(translated);
    ++counters_.snat;
  }

  // NetworkPolicy: egress where a local pod opens the connection, ingress where
  // the destination pod lives. Replies ride the conntrack entry.
  if (policy_ != nullptr) {
    if (origin == Origin::pod) {
      work += config_.costs.policy;
      if (!policy_->egress_allowed(original.src, translated.dst, translated.dst_port, translated.protocol)) {
        drop(p, DropReason::policy_egress);
        return false;
      }
    }
    if (local_pod(translated.dst)) {
      work += config_.costs.policy;
      // The filter table runs before POSTROUTING's masquerade: it sees the
      // source as it arrived, not the node address SNAT will give it.
      if (!policy_->ingress_allowed(original.src, translated.dst, translated.dst_port, translated.protocol)) {
        drop(p, DropReason::policy_ingress);
        return false;
      }
    }
  }

  CtEntry* e = conntrack_.insert(original, translated.reversed(), p.tcp_flags, sim_.now());
  const bool ebpf = config_.proxy == ProxyMode::ebpf;
  work += ebpf ? config_.costs.ebpf_ct_insert : config_.costs.conntrack_insert;
  if (e == nullptr) {
    drop(p, DropReason::conntrack_full);
    return false;
  }
  conntrack_.set_backend(*e, backend_id);
  if (m.frontend != nullptr) e->frontend = m.index;
  e->socket_lb = ebpf && origin == Origin::pod && m.frontend != nullptr && m.kind == FrontendKind::cluster_ip;
  if (translated != original) {
    p.flow = translated;
    if (!e->socket_lb) work += config_.costs.nat;
  }
  return true;
}

const Backend* NodeDatapath::choose_backend(const ServiceFrontend& f, std::uint32_t frontend, bool external,
                                            const net::FlowKey& flow, std::size_t* chosen_index) {
  const net::Address client = flow.src;
  const bool local_only = external ? f.external_local : f.internal_local;
  const std::uint32_t here = host_.node();
  const std::vector<Backend>& endpoints = backends(frontend);
  // Ready endpoints; when none is ready, serving terminating ones (kube-proxy's
  // terminating-endpoint fallback).
  const auto eligible = [&](const Backend& b, bool terminating_ok) {
    if (local_only && b.node != here) return false;
    return terminating_ok ? (b.serving && b.terminating) : b.ready;
  };
  std::uint32_t count = 0;
  bool fallback = false;
  for (const Backend& b : endpoints) count += eligible(b, false) ? 1 : 0;
  if (count == 0) {
    fallback = true;
    for (const Backend& b : endpoints) count += eligible(b, true) ? 1 : 0;
  }
  if (count == 0) return nullptr;

  const std::uint64_t affinity_key = static_cast<std::uint64_t>(client) << 32 | frontend;
  if (f.session_affinity) {
    const auto it = affinity_.find(affinity_key);
    if (it != affinity_.end() && it->second.expires > sim_.now()) {
      for (const Backend& b : endpoints) {
        if (b.id == it->second.backend && eligible(b, fallback)) {
          it->second.expires = sim_.now() + f.affinity_timeout;
          *chosen_index = 0;  // the affinity ("recent") rule matches before the probability rules
          return &b;
        }
      }
    }
  }
  // iptables' probability rules, nftables' numgen and Cilium's random
  // selection draw uniformly; IPVS schedules.
  std::uint64_t drawn = 0;
  if (config_.proxy == ProxyMode::ipvs) {
    drawn = ipvs_pick(frontend, client, fallback, local_only, count);
  } else if (config_.proxy == ProxyMode::ebpf && config_.ebpf_maglev && external) {
    // The same table on every node: a flow reaches the same backend through
    // any of them. Rebuilt when the eligible backends change.
    std::vector<std::uint32_t> ids;
    for (const Backend& b : endpoints) {
      if (eligible(b, fallback)) ids.push_back(b.id);
    }
    Maglev& mg = maglev_[frontend];
    if (!mg.table || mg.ids != ids) {
      mg.ids = ids;
      mg.table = std::make_unique<MaglevTable>(ids, config_.maglev_table_size);
    }
    const std::uint32_t id = mg.table->lookup(net::FlowKey{flow.src, 0, flow.src_port, 0, flow.protocol}.hash(0x4d47));
    drawn = static_cast<std::uint64_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
  } else {
    drawn = random_.uniform_int(count);
  }
  std::uint64_t pick = drawn;
  const Backend* chosen = nullptr;
  for (const Backend& b : endpoints) {
    if (eligible(b, fallback) && pick-- == 0) {
      chosen = &b;
      break;
    }
  }
  *chosen_index = drawn;
  if (f.session_affinity) affinity_[affinity_key] = Affinity{chosen->id, sim_.now() + f.affinity_timeout};
  return chosen;
}

std::uint64_t NodeDatapath::ipvs_pick(std::uint32_t frontend, net::Address client,
                                      bool fallback, bool local_only, std::uint32_t count) {
  switch (config_.ipvs_scheduler) {
    case IpvsScheduler::rr:
    case IpvsScheduler::wrr: return round_robin_[frontend]++ % count;
    case IpvsScheduler::sh: return net::FlowKey{client, 0, 0, 0, net::Protocol::tcp}.hash(0x7368) % count;
    case IpvsScheduler::mh: return net::FlowKey{client, 0, 0, 0, net::Protocol::tcp}.hash(0x6d68) % count;
    case IpvsScheduler::dh: return net::FlowKey{0, frontend, 0, 0, net::Protocol::tcp}.hash(0x6468) % count;
    case IpvsScheduler::lc:
    case IpvsScheduler::wlc:
    case IpvsScheduler::sed:
    case IpvsScheduler::nq: {
      // The eligible endpoint with the fewest connections through this node,
      // the first of equals (nq's "idle first" is the same with weights 1).
      const std::uint32_t here = host_.node();
      std::uint64_t best = 0, index = 0;
      std::uint32_t fewest = UINT32_MAX;
      for (const Backend& b : backends(frontend)) {
        const bool ok = (!local_only || b.node == here) && (fallback ? (b.serving && b.terminating) : b.ready);
        if (!ok) continue;
        const std::uint32_t n = conntrack_.connections_to(b.id);
        if (n < fewest) {
          fewest = n;
          best = index;
        }
        ++index;
      }
      return best;
    }
  }
  return 0;
}

std::uint16_t NodeDatapath::snat_port(const net::FlowKey& translated) {
  // Keep the source port when the tuple is free (Linux NAT does), else take
  // the next free one in the masquerade range.
  net::FlowKey probe = translated;
  const Time now = sim_.now();
  if (!conntrack_.tuple_in_use(probe.reversed(), now)) return probe.src_port;
  for (int tries = 0; tries < 28232; ++tries) {
    probe.src_port = next_snat_port_;
    next_snat_port_ = next_snat_port_ == 60999 ? 32768 : static_cast<std::uint16_t>(next_snat_port_ + 1);
    if (!conntrack_.tuple_in_use(probe.reversed(), now)) return probe.src_port;
  }
  return translated.src_port;  // exhausted: the insert will clash and drop
}

void NodeDatapath::route(Packet& p, bool from_pod, Time work) {
  const kube::PodNetns* pod = pods_.find(p.flow.dst);
  const bool ebpf = config_.proxy == ProxyMode::ebpf;
  const net::Host* block_node = pod == nullptr ? pods_.node_of(p.flow.dst) : nullptr;
  if (block_node == &host_) {
    // A pod address of this node that no pod has (any more): the node answers
    // for it, a TCP segment with a reset.
    reject(p, work, DropReason::no_pod);
    return;
  }
  if (pod != nullptr && &pod->node() == &host_) {
    work += ebpf ? config_.costs.ebpf_redirect : config_.costs.bridge + config_.costs.veth;
  } else {
    // A pod's packet goes straight to the device under eBPF host routing; the
    // node's own and forwarded traffic takes the routing stack as ever.
    work += ebpf && from_pod ? Time::zero() : config_.costs.bridge;
    const net::Host* to = pod != nullptr ? &pod->node() : block_node;
    if (to != nullptr && config_.mode == CniMode::vxlan) {
      p.encap = net::Encapsulation{host_.address(), to->address(), static_cast<std::uint16_t>(net::kVxlanOverhead)};
      p.wire_bytes += net::kVxlanOverhead;
      ++counters_.encapsulated;
      work += config_.costs.vxlan_encap;
    }
  }
  charge(p, work);
}

void NodeDatapath::charge(Packet& p, Time work) {
  counters_.work += work;
  const auto packet = reinterpret_cast<std::uintptr_t>(&p);
  if (cpu_ != nullptr) {
    const int core = static_cast<int>(p.flow.hash(host_.address()) % static_cast<std::uint64_t>(cpu_->cores()));
    cpu_->run_on_core(core, work, &NodeDatapath::on_cpu_done, this, packet);
  } else {
    sim_.schedule_in<&NodeDatapath::on_charged>(work, this, packet);
  }
}

void NodeDatapath::on_charged(std::uint64_t packet) { output(*reinterpret_cast<Packet*>(packet)); }

void NodeDatapath::on_cpu_done(void* self, std::uint64_t packet) {
  static_cast<NodeDatapath*>(self)->output(*reinterpret_cast<Packet*>(packet));
}

void NodeDatapath::output(Packet& p) {
  pool_.trace(p, net::HopKind::charged, host_.name());
  if (!p.encap.present()) {
    if (kube::PodNetns* pod = pods_.find(p.flow.dst); pod != nullptr && &pod->node() == &host_) {
      ++counters_.to_pods;
      pod->deliver(p);
      return;
    }
    if (p.flow.dst == host_.address()) {
      host_.deliver(p);
      return;
    }
  }
  ++counters_.to_fabric;
  host_.forward(p);
}

const std::vector<Backend>& NodeDatapath::backends(std::uint32_t frontend) const {
  if (!programmed_.empty()) {
    const auto it = programmed_.find(frontend);
    if (it != programmed_.end()) return *it->second;
  }
  return services_.frontend(frontend).backends;
}

std::size_t NodeDatapath::program(std::uint32_t frontend, std::shared_ptr<const std::vector<Backend>> list) {
  std::size_t cleared = 0;
  if (services_.frontend(frontend).protocol == net::Protocol::udp) {
    // kube-proxy deletes the UDP flows a Service steered to an endpoint that
    // no longer serves it (gone, or not serving any more): nothing else would
    // end them. TCP flows end by reset or timeout. EndpointSlices mark every
    // ready endpoint serving; the `ready ||` covers hand-written lists.
    const auto serving = [](const Backend& b) { return b.ready || b.serving; };
    kept_ids_.clear();
    for (const Backend& b : *list) {
      if (serving(b)) kept_ids_.push_back(b.id);
    }
    std::sort(kept_ids_.begin(), kept_ids_.end());
    stale_ids_.clear();
    for (const Backend& old : backends(frontend)) {
      if (serving(old) && !std::binary_search(kept_ids_.begin(), kept_ids_.end(), old.id)) {
        stale_ids_.push_back(old.id);
      }
    }
    if (!stale_ids_.empty()) {
      std::sort(stale_ids_.begin(), stale_ids_.end());
      cleared = conntrack_.erase_steered(frontend, stale_ids_);
    }
  }
  programmed_[frontend] = std::move(list);
  return cleared;
}

void NodeDatapath::reject(Packet& p, Time work, DropReason why) {
  if (why == DropReason::no_pod) ++counters_.no_pod;
  else ++counters_.rejected;
  dropped.emit(p, why);
  pool_.trace(p, net::HopKind::dropped, host_.name());
  if (p.flow.protocol != net::Protocol::tcp || (p.tcp_flags & net::tcp_flags::rst)) {
    pool_.release(p);  // UDP: an ICMP port unreachable, which podwire's sockets do not see
    return;
  }
  // kube-proxy's REJECT rule answers a TCP SYN with a reset from the Service address.
  Packet& r = pool_.allocate();
  r.flow = p.flow.reversed();
  r.tcp_flags = net::tcp_flags::rst | net::tcp_flags::ack;
  r.ack = p.seq + p.payload_bytes + ((p.tcp_flags & net::tcp_flags::syn) ? 1 : 0);
  r.seq = p.ack;
  r.wire_bytes = net::kIpv4Header + net::kTcpHeader;
  r.flow_id = p.flow_id;
  r.request_id = p.request_id;
  r.created = sim_.now();
  pool_.release(p);
  route(r, false, work);  // back to the sender, across the overlay when it is elsewhere
}

void NodeDatapath::drop(Packet& p, DropReason why) {
  switch (why) {
    case DropReason::policy_ingress:
    case DropReason::policy_egress: ++counters_.policy_drops; break;
    case DropReason::conntrack_full: ++counters_.conntrack_drops; break;
    case DropReason::no_route: ++counters_.no_route_drops; break;
    case DropReason::no_endpoint: ++counters_.rejected; break;
    case DropReason::no_pod: ++counters_.no_pod; break;
    case DropReason::node_down: ++counters_.down_drops; break;
  }
  dropped.emit(p, why);
  pool_.trace(p, net::HopKind::dropped, host_.name());
  pool_.release(p);
}

}  // namespace podwire::proxy
