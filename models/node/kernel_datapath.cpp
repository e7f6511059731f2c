#include "models/node/kernel_datapath.hpp"

#include <stdexcept>

namespace podwire::node {

using engine::Time;
using net::Packet;

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::no_endpoint:
      return "no_endpoint";
    case DropReason::policy_ingress:
      return "policy_ingress";
    case DropReason::policy_egress:
      return "policy_egress";
    case DropReason::conntrack_full:
      return "conntrack_full";
    case DropReason::no_route:
      return "no_route";
    case DropReason::no_pod:
      return "no_pod";
    case DropReason::node_down:
      return "node_down";
  }
  return "?";
}

KernelPath KernelPath::netfilter(const DatapathCosts& c) {
  KernelPath p;
  p.conntrack_lookup = c.conntrack_lookup;
  p.conntrack_insert = c.conntrack_insert;
  p.local_delivery = c.bridge + c.veth;
  p.pod_to_device = c.bridge;
  p.host_to_device = c.bridge;
  p.fabric_to_device = c.bridge;
  return p;
}

DatapathCounters& DatapathCounters::operator+=(const DatapathCounters& o) {
  from_pods += o.from_pods;
  from_host += o.from_host;
  from_nic += o.from_nic;
  to_pods += o.to_pods;
  to_fabric += o.to_fabric;
  encapsulated += o.encapsulated;
  decapsulated += o.decapsulated;
  service_translations += o.service_translations;
  snat += o.snat;
  dsr += o.dsr;
  rejected += o.rejected;
  policy_drops += o.policy_drops;
  conntrack_drops += o.conntrack_drops;
  no_route_drops += o.no_route_drops;
  no_pod += o.no_pod;
  down_drops += o.down_drops;
  misrouted += o.misrouted;
  work += o.work;
  system_work += o.system_work;
  return *this;
}

KernelDatapath::KernelDatapath(net::Host& host, const PodDirectory& pods, DatapathConfig config)
    : sim_(host.simulator()),
      host_(host),
      pool_(host.pool()),
      pods_(pods),
      config_(std::move(config)),
      cni_(make_cni(config_.cni, config_.cni_costs)),
      path_(KernelPath::netfilter(config_.costs)),
      conntrack_(config_.conntrack_max, config_.conntrack_timeouts),
      stack_(config_.host) {
  if (!cni_) throw std::invalid_argument("unknown CNI '" + config_.cni + "'");
  install_stages();
  from_pods_.dp = this;
  from_host_.dp = this;
  host_.set_datapath(this);
  host_.set_output(&from_host_);
}

KernelDatapath::~KernelDatapath() {
  host_.set_datapath(nullptr);
  host_.set_output(nullptr);
}

void KernelDatapath::PodSide::receive(Packet& p) {
  dp->pool_.sample(p);
  dp->pool_.trace(p, net::HopKind::datapath, dp->host_.name());
  if (dp->down_) return dp->drop(p, DropReason::node_down);
  dp->system_ = dp->stack_part_ = Time::zero();
  Time work = Time::zero();
  const StackCharge sent = dp->stack_.send(p);
  dp->add_stack(p, sent, work, [&] { return "pod socket: " + HostStack::describe_send(p); });
  dp->charge_writer(p, sent.writer);
  // Over the veth into the host's backlog: softirq on the sending core.
  work += dp->config_.costs.veth;
  dp->note(
      p, [&] { return dp->path_.veth_in; }, dp->config_.costs.veth);
  dp->process(p, Origin::pod, work);
}

void KernelDatapath::HostSide::receive(Packet& p) {
  dp->pool_.sample(p);
  dp->pool_.trace(p, net::HopKind::datapath, dp->host_.name());
  if (dp->down_) return dp->drop(p, DropReason::node_down);
  dp->system_ = dp->stack_part_ = Time::zero();
  Time work = Time::zero();
  const StackCharge sent = dp->stack_.send(p);
  dp->add_stack(p, sent, work, [&] { return "node socket: " + HostStack::describe_send(p); });
  dp->charge_writer(p, sent.writer);
  dp->process(p, Origin::host, work);
}

std::string KernelDatapath::nat_text(const net::FlowKey& from, const net::FlowKey& to) const {
  const auto where = [&](net::Address a, std::uint16_t port) {
    const PodNetns* pod = pods_.find(a);
    return (pod != nullptr ? pod->name() + " " : "") + net::format_address(a) + ":" +
           std::to_string(port);
  };
  std::string out;
  if (to.dst != from.dst || to.dst_port != from.dst_port)
    out = "DNAT to " + where(to.dst, to.dst_port);
  if (to.src != from.src || to.src_port != from.src_port) {
    out += (out.empty() ? "" : ", ") + std::string("SNAT to the node's address ") +
           net::format_address(to.src);
  }
  return out;
}

bool KernelDatapath::local_pod(net::Address a) const {
  const PodNetns* pod = pods_.find(a);
  return pod != nullptr && &pod->node() == &host_;
}

void KernelDatapath::receive(Packet& p) {
  pool_.trace(p, net::HopKind::datapath, host_.name());
  if (down_) return drop(p, DropReason::node_down);
  ++counters_.from_nic;
  system_ = stack_part_ = Time::zero();
  if (xdp_ != nullptr && !p.encap.present() && xdp_->claims(p)) {
    // The XDP program: no socket buffer, GRO or IP receive; it translates
    // with its own conntrack map and sends the packet back out (XDP_TX).
    in_xdp_ = true;
    note(
        p, [] { return std::string("XDP: the NIC driver hands the frame to the BPF program"); },
        config_.host.xdp_driver);
    process(p, Origin::fabric, config_.host.xdp_driver);
    in_xdp_ = false;
    return;
  }
  if (config_.host.nic_latency > Time::zero()) {
    // The fabric puts it on the link into the node (net::Network::connect).
    note(
        p,
        [] {
          return std::string("NIC: DMA and interrupt moderation before the softirq (not CPU)");
        },
        config_.host.nic_latency);
  }
  Time work = Time::zero();
  add_stack(p, StackCharge{Time::zero(), stack_.receive_from_nic(p)}, work,
            [] { return std::string("NIC receive: IRQ, NAPI poll, GRO, IP"); });
  switch (cni_->from_fabric(p, host_, work)) {
    case Cni::Arrival::not_ours:
      return drop(p, DropReason::no_route);
    case Cni::Arrival::decapsulated:
      ++counters_.decapsulated;
      note(
          p, [&] { return cni_->describe_from_fabric(); }, work);
      break;
    case Cni::Arrival::plain:
      break;
  }
  process(p, Origin::fabric, work);
}

void KernelDatapath::process(Packet& p, Origin origin, Time work) {
  if (origin == Origin::pod) ++counters_.from_pods;
  if (origin == Origin::host) ++counters_.from_host;
  PacketPass pass(p, origin, work);
  const std::size_t n = steps_.size();
  for (std::size_t i = first_established_; i < n;) {
    const Step& step = steps_[i];
    if (step.stage->run(pass) == KernelStage::Verdict::stolen) return;
    i = pass.new_flow != nullptr ? i + 1 : step.next_established;
  }
}

void KernelDatapath::index_stages() {
  const auto n = static_cast<std::uint32_t>(stages_.size());
  steps_.assign(n, Step{nullptr, n});
  std::uint32_t next = n;  // the first established stage after i
  for (std::uint32_t i = n; i-- > 0;) {
    steps_[i] = Step{stages_[i].get(), next};
    if (!stages_[i]->new_flows_only()) next = i;
  }
  first_established_ = next;
}

void KernelDatapath::insert_stage_before(std::string_view before,
                                         std::unique_ptr<KernelStage> stage) {
  for (auto it = stages_.begin(); it != stages_.end(); ++it) {
    if ((*it)->name() == before) {
      stages_.insert(it, std::move(stage));
      index_stages();
      return;
    }
  }
  throw std::invalid_argument("no kernel stage named '" + std::string(before) + "'");
}

bool KernelDatapath::remove_stage(std::string_view name) {
  for (auto it = stages_.begin(); it != stages_.end(); ++it) {
    if ((*it)->name() == name) {
      stages_.erase(it);
      index_stages();
      return true;
    }
  }
  return false;
}

std::uint16_t KernelDatapath::snat_port(const net::FlowKey& translated) {
  // Keep the source port when the tuple is free (Linux NAT does), else take
  // the next free one in the masquerade range.
  net::FlowKey probe = translated;
  const Time now = sim_.now();
  if (!conntrack_.tuple_in_use(probe.reversed(), now)) return probe.src_port;
  for (int tries = 0; tries < 28232; ++tries) {
    probe.src_port = next_snat_port_;
    next_snat_port_ =
        next_snat_port_ == 60999 ? 32768 : static_cast<std::uint16_t>(next_snat_port_ + 1);
    if (!conntrack_.tuple_in_use(probe.reversed(), now)) return probe.src_port;
  }
  return translated.src_port;  // exhausted: the insert will clash and drop
}

void KernelDatapath::route(Packet& p, Origin origin, Time work) {
  const bool from_pod = origin == Origin::pod;
  const PodNetns* pod = pods_.find(p.flow.dst);
  const net::Host* block_node = pod == nullptr ? pods_.node_of(p.flow.dst) : nullptr;
  if (block_node == &host_) {
    // A pod address of this node that no pod has (any more): the node answers
    // for it, a TCP segment with a reset.
    reject(p, work, DropReason::no_pod);
    return;
  }
  if (pod != nullptr && &pod->node() == &host_) {
    if (origin != Origin::host) add_forward(p, work);
    work += path_.local_delivery;
    note(
        p,
        [&] {
          return path_.local_delivery_name +
                 (from_pod ? " (same node): the NIC is not touched" : "");
        },
        path_.local_delivery);
    add_stack(p, stack_.deliver(p, role_), work,
              [&] { return "pod socket: " + HostStack::describe_deliver(p, role_); });
  } else {
    const bool for_host = !p.encap.present() && p.flow.dst == host_.address();
    if (in_xdp_ && !for_host) return xdp_transmit(p, work);
    if (origin != Origin::host && !for_host) add_forward(p, work);
    const Time device = from_pod                   ? path_.pod_to_device
                        : origin == Origin::fabric ? path_.fabric_to_device
                                                   : path_.host_to_device;
    work += device;
    const net::Host* to = pod != nullptr ? &pod->node() : block_node;
    if (to != nullptr) {
      const Time cni = cni_->to_node(p, host_, *to);
      work += cni;
      if (p.encap.present()) ++counters_.encapsulated;
      note(
          p,
          [&] {
            return (cni_->overhead_bytes() > 0 ? "route to the overlay: " : "") +
                   cni_->describe_to_node() + " to node " + to->name();
          },
          device + cni);
    } else {
      note(
          p, [] { return std::string("routed towards the fabric"); }, device);
    }
    if (for_host) {
      add_stack(p, stack_.deliver(p, role_), work,
                [&] { return "node socket: " + HostStack::describe_deliver(p, role_); });
    } else if (const Time driver = stack_.transmit(p); driver > Time::zero()) {
      // A node socket's packet reaches the driver in its sender's context; a
      // pod's or a forwarded one in the softirq that took it in.
      add_stack(p,
                origin == Origin::host ? StackCharge{driver, Time::zero()}
                                       : StackCharge{Time::zero(), driver},
                work,
                [] { return std::string("NIC driver transmit: qdisc, descriptor, completion"); });
    }
  }
  charge(p, origin, work);
}

void KernelDatapath::xdp_transmit(Packet& p, Time work) {
  if (const PodNetns* pod = pods_.find(p.flow.dst); pod != nullptr) {
    work += cni_->to_node(p, host_, pod->node());
    if (p.encap.present()) ++counters_.encapsulated;
  }
  work += config_.host.xdp_tx;
  note(
      p, [] { return std::string("XDP_TX: the frame goes back out of the NIC"); },
      config_.host.xdp_tx);
  charge(p, Origin::fabric, work);
}

void KernelDatapath::add_forward(const Packet& p, Time& work) {
  const Time f = config_.host.ip_forward;
  if (!path_.forwards || f == Time::zero()) return;
  work += f;
  note(
      p,
      [] {
        return std::string(
            "IP forwarding in the host namespace: PREROUTING, FORWARD, POSTROUTING hooks");
      },
      f);
}

void KernelDatapath::charge(Packet& p, Origin origin, Time work) {
  // A segment inside a write: TSO and GRO hand the stages one merged packet,
  // whose last segment pays them; this one pays its share of the stack.
  if (HostStack::bulk(p)) work = stack_part_;
  counters_.work += work;
  counters_.system_work += system_;
  const auto packet = reinterpret_cast<std::uintptr_t>(&p);
  if (cpu_ != nullptr) {
    // A local socket's packet runs on its sender's core (a reply sent from
    // the work that took a packet in runs where that work ran); one from the
    // NIC on the core its RSS queue's interrupt is bound to (queue i on CPU
    // i, as set_irq_affinity binds them and irqbalance spreads them).
    int core = origin != Origin::fabric ? cpu_->current_core()
                                        : static_cast<int>(p.rx_queue % cpu_->cores());
    if (core < 0) {
      core = static_cast<int>(p.flow.hash(host_.address()) %
                              static_cast<std::uint64_t>(cpu_->cores()));
    }
    note(
        p,
        [&] {
          return std::string(origin == Origin::fabric ? "softirq of the NIC's RSS queue"
                                                      : "the sending thread's context") +
                 " on core " + std::to_string(core);
        },
        Time::zero());
    cpu_->run_on_core(
        core, work, system_,
        origin == Origin::fabric ? &KernelDatapath::on_nic_cpu_done : &KernelDatapath::on_cpu_done,
        this, packet);
  } else {
    sim_.schedule_in<&KernelDatapath::on_charged>(work, this, packet);
  }
}

void KernelDatapath::charge_writer(const Packet& p, Time work) {
  if (work == Time::zero()) return;
  counters_.work += work;
  counters_.system_work += work;
  note(
      p,
      [&] {
        return "the writer's thread, when it wrote: send() and the copy, " + work.to_string() +
               " off this packet's path";
      },
      Time::zero());
  // The writing thread's own time: on whichever core runs it, off this
  // packet's path.
  if (cpu_ != nullptr) cpu_->run(work, work, nullptr, nullptr, 0);
}

void KernelDatapath::on_charged(std::uint64_t packet) {
  Packet& p = *reinterpret_cast<Packet*>(packet);
  p.gro_held = false;
  output(p);
}

void KernelDatapath::on_cpu_done(void* self, std::uint64_t packet) {
  Packet& p = *reinterpret_cast<Packet*>(packet);
  p.gro_held = false;
  static_cast<KernelDatapath*>(self)->output(p);
}

void KernelDatapath::on_nic_cpu_done(void* self, std::uint64_t packet) {
  auto* dp = static_cast<KernelDatapath*>(self);
  Packet& p = *reinterpret_cast<Packet*>(packet);
  p.gro_held = false;
  const int core = dp->cpu_->current_core();
  if (dp->gro_bytes_.size() != static_cast<std::size_t>(dp->cpu_->cores())) {
    dp->gro_bytes_.assign(static_cast<std::size_t>(dp->cpu_->cores()), 0);
  }
  std::uint32_t& held = dp->gro_bytes_[static_cast<std::size_t>(core)];
  NodeCpu::Done done = nullptr;
  void* context = nullptr;
  std::uint64_t next = 0;
  if (HostStack::bulk(p) && held + p.payload_bytes < HostStack::kGroMaxBytes &&
      dp->cpu_->next_pinned(core, done, context, next) &&
      done == &KernelDatapath::on_nic_cpu_done && context == dp &&
      reinterpret_cast<const Packet*>(next)->flow == p.flow) {
    p.gro_held = true;
  }
  held = p.gro_held ? held + p.payload_bytes : 0;
  dp->output(p);
}

void KernelDatapath::output(Packet& p) {
  pool_.trace(p, net::HopKind::charged, host_.name());
  if (!p.encap.present()) {
    if (PodNetns* pod = pods_.find(p.flow.dst); pod != nullptr && &pod->node() == &host_) {
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

void KernelDatapath::reject(Packet& p, Time work, DropReason why) {
  if (why == DropReason::no_pod)
    ++counters_.no_pod;
  else
    ++counters_.rejected;
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
  role_ = SegmentRole::data;
  route(r, Origin::host, work);  // back to the sender, across the overlay when it is elsewhere
}

void KernelDatapath::drop(Packet& p, DropReason why) {
  switch (why) {
    case DropReason::policy_ingress:
    case DropReason::policy_egress:
      ++counters_.policy_drops;
      break;
    case DropReason::conntrack_full:
      ++counters_.conntrack_drops;
      break;
    case DropReason::no_route:
      ++counters_.no_route_drops;
      break;
    case DropReason::no_endpoint:
      ++counters_.rejected;
      break;
    case DropReason::no_pod:
      ++counters_.no_pod;
      break;
    case DropReason::node_down:
      ++counters_.down_drops;
      break;
  }
  dropped.emit(p, why);
  pool_.trace(p, net::HopKind::dropped, host_.name());
  pool_.release(p);
}

}  // namespace podwire::node
