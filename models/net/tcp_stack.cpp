#include "models/net/tcp_stack.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace podwire::net {

using engine::Time;

TcpStack::TcpStack(Endpoint& host, TcpConfig config)
    : host_(host),
      sim_(host.simulator()),
      pool_(host.pool()),
      config_(config),
      next_port_(config.ephemeral_first) {
  validate(config_);
  host_.set_tcp_stack(this);
}

TcpStack::~TcpStack() {
  host_.set_tcp_stack(nullptr);
  for (auto& c : all_) c->cancel_timer();
  if (loopback_scheduled_) sim_.cancel(loopback_event_);
  while (!loopback_.empty()) pool_.release(*loopback_.pop_front());
}

void TcpStack::listen(std::uint16_t port, const TcpCallbacks& callbacks) {
  if (!listeners_.emplace(port, callbacks).second) {
    throw std::invalid_argument(std::string("'")
                                    .append(host_.name())
                                    .append("': TCP port ")
                                    .append(std::to_string(port))
                                    .append(" is already listening"));
  }
}

TcpConnection* TcpStack::connect(Address dst, std::uint16_t dst_port,
                                 const TcpCallbacks& callbacks) {
  // A connection to 127.0.0.0/8 leaves from the loopback address, as in Linux.
  const Address local = is_loopback(dst) ? dst : host_.address();
  const std::uint16_t port = allocate_port(local, dst, dst_port);
  if (port == 0) {
    ++stack_counters_.addr_unavailable;
    return nullptr;
  }
  TcpConnection& c = allocate();
  const FlowKey flow{local, dst, port, dst_port, Protocol::tcp};
  connections_.emplace(flow.reversed(), &c);
  by_flow_.emplace(flow.reversed(), &c);
  ++stack_counters_.active_opens;
  const std::uint64_t id = (static_cast<std::uint64_t>(host_.id()) + 1) << 40 | ++next_id_;
  c.open_active(flow, id, next_iss(), callbacks, true);
  return &c;
}

std::uint16_t TcpStack::allocate_port(Address local, Address dst, std::uint16_t dst_port) {
  release_holds();
  const std::uint32_t first = config_.ephemeral_first;
  const std::uint32_t last = config_.ephemeral_last;
  std::uint32_t& taken = taken_toward_[destination(dst, dst_port)];
  if (taken > last - first) return 0;
  for (std::uint32_t tries = last - first + 1; tries > 0; --tries) {
    const std::uint16_t port = next_port_;
    next_port_ =
        port == last ? static_cast<std::uint16_t>(first) : static_cast<std::uint16_t>(port + 1);
    if (listeners_.contains(port)) continue;
    const FlowKey key{dst, local, dst_port, port, Protocol::tcp};
    if (by_flow_.contains(key) || held_.contains(key)) continue;
    ++taken;
    return port;
  }
  return 0;
}

void TcpStack::release_holds() {
  const Time now = sim_.now();
  while (!hold_ends_.empty() && hold_ends_.top().until <= now) {
    const Hold h = hold_ends_.top();
    hold_ends_.pop();
    held_.erase(h.key);
    --taken_toward_[destination(h.key.src, h.key.src_port)];
  }
}

TcpConnection& TcpStack::allocate() {
  if (free_.empty()) {
    all_.push_back(
        std::unique_ptr<TcpConnection>(new TcpConnection(*this, sim_, config_, counters_)));
    free_.push_back(all_.back().get());
  }
  TcpConnection* c = free_.back();
  free_.pop_back();
  ++live_;
  return *c;
}

void TcpStack::recycle(TcpConnection& c) {
  connection_ended.emit(c);
  connections_.erase(c.flow_.reversed());
  by_flow_.erase(c.flow_.reversed());
  if (c.owns_port_) {
    // The side that closed first keeps the 4-tuple from connect() until its
    // hold ends (TcpConfig::time_wait_ports); any other end frees it now.
    const Time hold = is_loopback(c.flow_.dst)
                          ? std::min(config_.time_wait_ports, TcpConfig::kLoopbackReuse)
                          : config_.time_wait_ports;
    const Time until = c.time_wait_entered_ + hold;
    if (c.closed_first_ && until > sim_.now()) {
      held_.emplace(c.flow_.reversed(), until);
      hold_ends_.push(Hold{until, c.flow_.reversed()});
    } else {
      --taken_toward_[destination(c.flow_.dst, c.flow_.dst_port)];
    }
  }
  c.cancel_timer();
  c.reset();
  free_.push_back(&c);
  --live_;
}

void TcpStack::receive(Packet& p) {
  const std::uint8_t f = p.tcp_flags;
  const bool bare_syn = (f & (tcp_flags::syn | tcp_flags::ack | tcp_flags::rst)) == tcp_flags::syn;
  if (TcpConnection* const* found = by_flow_.find(p.flow)) {
    TcpConnection& c = **found;
    if (!(bare_syn && c.state() == TcpState::time_wait)) {
      c.on_segment(p);
      pool_.release(p);
      return;
    }
    // A new connection on the 4-tuple of one in TIME_WAIT: the old one gives way.
    c.enter();
    c.state_ = TcpState::closed;
    c.leave();
  }
  if (bare_syn) {
    const auto listener = listeners_.find(p.flow.dst_port);
    if (listener != listeners_.end()) {
      TcpConnection& c = allocate();
      connections_.emplace(p.flow, &c);
      by_flow_.emplace(p.flow, &c);
      ++stack_counters_.passive_opens;
      c.open_passive(p, next_iss(), listener->second);
      pool_.release(p);
      return;
    }
  }
  if (!(f & tcp_flags::rst)) send_reset_for(p);
  pool_.release(p);
}

void TcpStack::send_reset_for(const Packet& in) {
  // RFC 793 (3.4, "Reset Generation"): take the sequence number from the
  // segment's ACK if it has one, else acknowledge everything it occupied.
  Packet& r = pool_.allocate();
  r.flow = in.flow.reversed();
  r.flow_id = in.flow_id;
  r.created = sim_.now();
  r.wire_bytes = kTcpResetBytes;
  if (in.tcp_flags & tcp_flags::ack) {
    r.tcp_flags = tcp_flags::rst;
    r.seq = in.ack;
  } else {
    r.tcp_flags = tcp_flags::rst | tcp_flags::ack;
    r.ack = in.seq + in.payload_bytes + ((in.tcp_flags & tcp_flags::syn) ? 1 : 0) +
            ((in.tcp_flags & tcp_flags::fin) ? 1 : 0);
  }
  ++stack_counters_.resets_sent;
  transmit(r);
}

void TcpStack::transmit(Packet& p) {
  if (p.flow.dst == host_.address() || is_loopback(p.flow.dst)) {
    // Loopback, delivered in its own event: a segment never re-enters the
    // connection that is sending it.
    loopback_.push_back(&p);
    if (!loopback_scheduled_) {
      loopback_scheduled_ = true;
      loopback_event_ = sim_.schedule_in<&TcpStack::on_loopback>(Time::zero(), this);
    }
    return;
  }
  host_.send(p);
}

void TcpStack::on_loopback() {
  loopback_scheduled_ = false;
  // Segments sent while these are handled go in the next event.
  for (std::size_t n = loopback_.size(); n > 0; --n) receive(*loopback_.pop_front());
}

Time TcpStack::local_queue_wait() const {
  return host_.egress_backlog_wait(config_.local_queue_limit);
}

void TcpStack::abort_all() {
  listeners_.clear();
  std::vector<TcpConnection*> live;
  live.reserve(connections_.size());
  for (const auto& [key, c] : connections_) live.push_back(c);
  for (TcpConnection* c : live) c->abort();
}

}  // namespace podwire::net
