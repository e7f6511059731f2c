// The built-in stages of a node's kernel path, in the order install_stages()
// lists them (kernel_stage.hpp says what each does).
#include "models/node/kernel_datapath.hpp"

namespace podwire::node {

using engine::Time;
using net::Packet;
using Verdict = KernelStage::Verdict;

// The connection's conntrack entry. Found: the entry moves on with the
// packet's flags and its NAT is applied. Not found: a new flow for the
// stages after this one, except a direct-server-return packet, which is
// tracked as its client sees it and needs no translation here.
struct KernelDatapath::ConntrackStage final : KernelStage {
  explicit ConntrackStage(KernelDatapath& d) : KernelStage("conntrack", false), dp(d) {}
  KernelDatapath& dp;

  Verdict run(PacketPass& pass) override {
    Packet& p = pass.packet;
    const bool tcp = p.flow.protocol == net::Protocol::tcp;
    const bool syn =
        tcp && (p.tcp_flags & net::tcp_flags::syn) && !(p.tcp_flags & net::tcp_flags::ack);
    dp.role_ = syn                                          ? SegmentRole::syn
               : tcp && (p.tcp_flags & net::tcp_flags::fin) ? SegmentRole::fin
                                                            : SegmentRole::data;
    const Time now = dp.sim_.now();
    Conntrack& ct = dp.conntrack_;
    Conntrack::Hit hit = ct.find(p.flow, now);
    if (hit.entry != nullptr && syn && hit.direction == CtDirection::original &&
        (hit.entry->state == CtState::tcp_time_wait || hit.entry->state == CtState::tcp_close)) {
      // A new SYN on the tuple of a closed connection (a reused source port)
      // re-opens it as Linux's TCP conntrack does: the old entry goes and the
      // SYN is a new flow, translated afresh.
      ct.erase_entry(*hit.entry);
      hit = Conntrack::Hit{};
    }
    const KernelPath& path = dp.path_;
    pass.work += path.conntrack_lookup;
    if (hit.entry == nullptr) return miss(pass);

    CtEntry& e = *hit.entry;
    pass.entry = &e;
    if (dp.role_ == SegmentRole::data && tcp && hit.direction == CtDirection::original &&
        (p.tcp_flags & net::tcp_flags::ack) &&
        (e.state == CtState::tcp_syn_recv || e.state == CtState::tcp_syn_sent)) {
      dp.role_ = SegmentRole::handshake_ack;  // what a listening socket makes its child from
    }
    ct.update(e, hit.direction, p.tcp_flags, now);
    dp.note(
        p, [&] { return path.conntrack_name + ": hit"; }, path.conntrack_lookup);
    if (e.nat()) {
      const net::FlowKey to =
          hit.direction == CtDirection::original ? e.reply.reversed() : e.original.reversed();
      p.flow = to;
      if (hit.direction == CtDirection::original && e.backend != CtEntry::kNoBackend) {
        // The endpoint's address has gone to another pod since: this flow now
        // reaches a stranger.
        const PodNetns* now_at = dp.pods_.find(to.dst);
        if (now_at != nullptr && now_at->id() != e.backend) ++dp.counters_.misrouted;
      }
      // A connection translated once at connect() (eBPF's socket-level
      // balancer) carries the endpoint's address and needs no NAT.
      if (!e.socket_lb) {
        pass.work += dp.config_.costs.nat;
        dp.note(
            p, [] { return std::string("NAT from the conntrack entry"); }, dp.config_.costs.nat);
      }
    }
    return Verdict::accept;
  }

  Verdict miss(PacketPass& pass) {
    Packet& p = pass.packet;
    const KernelPath& path = dp.path_;
    if (p.dsr_port != 0 && pass.origin == Origin::fabric) {
      // Direct server return: track the connection as the client sees it, so
      // the pod's answers leave this node from the Service address it used.
      const net::FlowKey original = p.flow;
      net::FlowKey as_seen = original;
      as_seen.dst = p.dsr_address;
      as_seen.dst_port = p.dsr_port;
      p.dsr_address = 0;
      p.dsr_port = 0;
      CtEntry* e = dp.conntrack_.insert(as_seen, original.reversed(), p.tcp_flags, dp.sim_.now());
      pass.work += path.conntrack_insert;
      dp.note(
          p,
          [&] {
            return path.conntrack_name +
                   ": miss, new entry as the client sees it (direct server return)";
          },
          path.conntrack_lookup + path.conntrack_insert);
      if (e == nullptr || !dp.conntrack_.add_alias(*e, original)) {
        dp.drop(p, DropReason::conntrack_full);
        return Verdict::stolen;
      }
      return Verdict::accept;
    }
    dp.note(
        p, [&] { return path.conntrack_name + ": miss, new entry"; },
        path.conntrack_lookup + path.conntrack_insert);
    dp.new_flow_ = NewFlow{};
    dp.new_flow_.original = dp.new_flow_.translated = p.flow;
    pass.new_flow = &dp.new_flow_;
    return Verdict::accept;
  }
};

// The service proxy's verdict on a new flow: DNAT to an endpoint, a reject
// or a drop, or nothing (and then masquerade for a pod's packet leaving the
// cluster, as the CNI does).
struct KernelDatapath::ServiceStage final : KernelStage {
  explicit ServiceStage(KernelDatapath& d) : KernelStage("service", true), dp(d) {}
  KernelDatapath& dp;

  Verdict run(PacketPass& pass) override {
    Packet& p = pass.packet;
    NewFlow& flow = *pass.new_flow;
    ServiceHook* hook = dp.service_hook_;
    const ServiceVerdict& v = flow.service =
        hook != nullptr ? hook->translate(p, pass.origin) : ServiceVerdict{};
    if (v.kind != ServiceVerdict::Kind::none)
      dp.note(
          p, [&] { return hook->describe(v); }, v.work);
    switch (v.kind) {
      case ServiceVerdict::Kind::reject:
        dp.reject(p, pass.work + v.work);
        return Verdict::stolen;
      case ServiceVerdict::Kind::drop:
        dp.drop(p, DropReason::no_endpoint);
        return Verdict::stolen;
      case ServiceVerdict::Kind::translated:
        pass.work += v.work;
        flow.translated.dst = v.endpoint;
        flow.translated.dst_port = v.endpoint_port;
        ++dp.counters_.service_translations;
        flow.masquerade = v.masquerade;
        if (v.dsr) {
          p.dsr_address = flow.original.dst;
          p.dsr_port = flow.original.dst_port;
          ++dp.counters_.dsr;
        }
        break;
      case ServiceVerdict::Kind::none:
        // Leaving the cluster: the CNI masquerades pod addresses.
        flow.masquerade =
            pass.origin == Origin::pod && !dp.config_.networks.inside(flow.original.dst);
        break;
    }
    return Verdict::accept;
  }
};

// SNAT of a new flow to the node's address, keeping its source port when free.
struct KernelDatapath::MasqueradeStage final : KernelStage {
  explicit MasqueradeStage(KernelDatapath& d) : KernelStage("masquerade", true), dp(d) {}
  KernelDatapath& dp;

  Verdict run(PacketPass& pass) override {
    NewFlow& flow = *pass.new_flow;
    if (flow.masquerade) {
      flow.translated.src = dp.host_.address();
      flow.translated.src_port = dp.snat_port(flow.translated);
      ++dp.counters_.snat;
    }
    return Verdict::accept;
  }
};

// NetworkPolicy: egress where a local pod opens the connection, ingress where
// the destination pod lives. Replies ride the conntrack entry.
struct KernelDatapath::PolicyStage final : KernelStage {
  explicit PolicyStage(KernelDatapath& d) : KernelStage("policy", true), dp(d) {}
  KernelDatapath& dp;

  Verdict run(PacketPass& pass) override {
    const kube::PolicyCheck* policy = dp.policy_;
    if (policy == nullptr) return Verdict::accept;
    Packet& p = pass.packet;
    const net::FlowKey& original = pass.new_flow->original;
    const net::FlowKey& translated = pass.new_flow->translated;
    const Time cost = dp.config_.costs.policy;
    if (pass.origin == Origin::pod) {
      pass.work += cost;
      dp.note(
          p, [] { return std::string("NetworkPolicy: egress verdict for the new connection"); },
          cost);
      if (!policy->egress_allowed(original.src, translated.dst, translated.dst_port,
                                  translated.protocol)) {
        dp.drop(p, DropReason::policy_egress);
        return Verdict::stolen;
      }
    }
    if (dp.local_pod(translated.dst)) {
      pass.work += cost;
      dp.note(
          p, [] { return std::string("NetworkPolicy: ingress verdict"); }, cost);
      // The filter table runs before POSTROUTING's masquerade: it sees the
      // source as it arrived, not the node address SNAT will give it.
      if (!policy->ingress_allowed(original.src, translated.dst, translated.dst_port,
                                   translated.protocol)) {
        dp.drop(p, DropReason::policy_ingress);
        return Verdict::stolen;
      }
    }
    return Verdict::accept;
  }
};

// The new flow's conntrack entry, holding its translation for the packets
// after it, and the first packet's own NAT.
struct KernelDatapath::ConfirmStage final : KernelStage {
  explicit ConfirmStage(KernelDatapath& d) : KernelStage("confirm", true), dp(d) {}
  KernelDatapath& dp;

  Verdict run(PacketPass& pass) override {
    Packet& p = pass.packet;
    const net::FlowKey& original = pass.new_flow->original;
    const net::FlowKey& translated = pass.new_flow->translated;
    const ServiceVerdict& v = pass.new_flow->service;
    const bool by_service = v.kind == ServiceVerdict::Kind::translated;
    CtEntry* e = dp.conntrack_.insert(original, translated.reversed(), p.tcp_flags, dp.sim_.now());
    pass.work += dp.path_.conntrack_insert;
    if (e == nullptr) {
      dp.drop(p, DropReason::conntrack_full);
      return Verdict::stolen;
    }
    dp.conntrack_.set_backend(*e, by_service ? v.backend : CtEntry::kNoBackend);
    if (by_service) e->frontend = v.frontend;
    e->socket_lb = v.socket_lb;
    if (translated != original) {
      if (!e->socket_lb) {
        pass.work += dp.config_.costs.nat;
        dp.note(
            p, [&] { return dp.nat_text(original, translated); }, dp.config_.costs.nat);
      }
      p.flow = translated;
    }
    return Verdict::accept;
  }
};

// Where the packet goes: a local pod, this node's own socket, or the CNI
// towards another node; then onto the node's cores with what it cost.
struct KernelDatapath::RoutingStage final : KernelStage {
  explicit RoutingStage(KernelDatapath& d) : KernelStage("routing", false), dp(d) {}
  KernelDatapath& dp;

  Verdict run(PacketPass& pass) override {
    dp.route(pass.packet, pass.origin, pass.work);
    return Verdict::stolen;
  }
};

void KernelDatapath::install_stages() {
  stages_.push_back(std::make_unique<ConntrackStage>(*this));
  stages_.push_back(std::make_unique<ServiceStage>(*this));
  stages_.push_back(std::make_unique<MasqueradeStage>(*this));
  stages_.push_back(std::make_unique<PolicyStage>(*this));
  stages_.push_back(std::make_unique<ConfirmStage>(*this));
  stages_.push_back(std::make_unique<RoutingStage>(*this));
  index_stages();
}

}  // namespace podwire::node
