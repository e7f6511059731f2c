#include "models/app/multiplexed_channel.hpp"

namespace podwire::app {

MultiplexedChannel::MultiplexedChannel(net::TcpStack& stack, NameResolver& resolver,
                                       RequestTable& table, ChannelConfig config, Done done,
                                       void* context)
    : stack_(stack),
      resolver_(resolver),
      table_(table),
      config_(std::move(config)),
      done_(done),
      context_(context) {}

void MultiplexedChannel::send(std::uint64_t request, std::uint64_t bytes, std::uint64_t cookie) {
  table_.at(request).request_bytes = bytes;
  const Pending p{request, bytes, cookie};
  if (!resolved_) {
    unresolved_.push_back(p);
    resolve();
    return;
  }
  table_.at(request).dns_done = table_.at(request).started;
  dispatch(p);
}

void MultiplexedChannel::resolve() {
  if (resolving_) return;
  resolving_ = true;
  ++counters_.resolutions;
  resolver_.resolve(config_.host, &MultiplexedChannel::on_resolved, this, 0);
}

void MultiplexedChannel::on_resolved(void* context, std::uint64_t, bool ok, net::Address address) {
  auto* self = static_cast<MultiplexedChannel*>(context);
  self->resolving_ = false;
  const engine::Time now = self->stack_.endpoint().simulator().now();
  if (!ok) {
    while (!self->unresolved_.empty()) {
      const Pending p = self->unresolved_.pop_front();
      RequestRecord& r = self->table_.at(p.request);
      r.dns_done = r.connected = now;
      self->finish(p, RequestStatus::dns_failure);
    }
    return;
  }
  // pick_first keeps the first address; round_robin every one the answer has.
  std::vector<net::Address> addresses{address};
  if (self->config_.round_robin) {
    const std::span<const net::Address> all = self->resolver_.answer();
    if (!all.empty()) addresses.assign(all.begin(), all.end());
  }
  self->active_.clear();
  for (net::Address a : addresses) {
    std::size_t i = 0;
    while (i < self->subchannels_.size() && self->subchannels_[i].address != a) ++i;
    if (i == self->subchannels_.size()) {
      Subchannel& s = self->subchannels_.emplace_back();
      s.channel = self;
      s.address = a;
    }
    self->active_.push_back(i);
  }
  self->resolved_ = true;
  while (!self->unresolved_.empty()) {
    const Pending p = self->unresolved_.pop_front();
    self->table_.at(p.request).dns_done = now;
    self->dispatch(p);
  }
}

void MultiplexedChannel::dispatch(const Pending& p) {
  Subchannel& s = subchannels_[active_[next_++ % active_.size()]];
  if (s.tcp == nullptr) connect(s);
  if (s.tcp == nullptr) {
    // connect() found no free local port toward the address (EADDRNOTAVAIL).
    table_.at(p.request).connected = stack_.endpoint().simulator().now();
    finish(p, RequestStatus::addr_unavailable);
    return;
  }
  if (s.established) {
    transmit(s, p, true);
  } else {
    s.waiting.push_back(p);
  }
}

void MultiplexedChannel::connect(Subchannel& sub) {
  net::TcpCallbacks cb;
  cb.context = &sub;
  cb.on_established = [](void* ctx, net::TcpConnection&) {
    auto& s = *static_cast<Subchannel*>(ctx);
    s.established = true;
    const engine::Time now = s.channel->stack_.endpoint().simulator().now();
    std::vector<Pending> waiting;
    waiting.swap(s.waiting);
    for (const Pending& p : waiting) {
      s.channel->table_.at(p.request).connected = now;
      s.channel->transmit(s, p, false);
    }
  };
  cb.on_message = [](void* ctx, net::TcpConnection&, std::uint64_t tag, std::uint64_t bytes) {
    auto& s = *static_cast<Subchannel*>(ctx);
    tag &= ~net::kLastMessage;  // the server's GOAWAY: the channel reconnects when it closes
    for (std::size_t i = 0; i < s.in_flight.size(); ++i) {
      if (s.in_flight[i].request != tag) continue;
      const Pending p = s.in_flight[i];
      s.in_flight[i] = s.in_flight.back();
      s.in_flight.pop_back();
      s.channel->table_.at(p.request).response_bytes = bytes;
      s.channel->finish(p, RequestStatus::ok);
      return;
    }
  };
  cb.on_peer_closed = [](void* ctx, net::TcpConnection& tcp) {
    auto& s = *static_cast<Subchannel*>(ctx);
    s.channel->fail_all(s, RequestStatus::reset);
    tcp.close();
  };
  cb.on_closed = [](void* ctx, net::TcpConnection&) {
    auto& s = *static_cast<Subchannel*>(ctx);
    s.tcp = nullptr;
    s.established = false;
    s.channel->resolved_ = false;
  };
  cb.on_refused = [](void* ctx, net::TcpConnection&) {
    auto& s = *static_cast<Subchannel*>(ctx);
    s.tcp = nullptr;
    s.established = false;
    s.channel->resolved_ = false;
    s.channel->fail_all(s, RequestStatus::refused);
  };
  cb.on_reset = [](void* ctx, net::TcpConnection&) {
    auto& s = *static_cast<Subchannel*>(ctx);
    s.tcp = nullptr;
    s.established = false;
    s.channel->resolved_ = false;
    s.channel->fail_all(s, RequestStatus::reset);
  };
  cb.on_timeout = [](void* ctx, net::TcpConnection&) {
    auto& s = *static_cast<Subchannel*>(ctx);
    s.tcp = nullptr;
    s.established = false;
    s.channel->resolved_ = false;
    s.channel->fail_all(s, RequestStatus::timeout);
  };
  sub.tcp = stack_.connect(sub.address, config_.port, cb);
  if (sub.tcp != nullptr) ++counters_.connections_opened;
}

void MultiplexedChannel::transmit(Subchannel& s, const Pending& p, bool reused) {
  RequestRecord& r = table_.at(p.request);
  if (reused) {
    r.connected = stack_.endpoint().simulator().now();
    r.reused_connection = true;
  }
  s.in_flight.push_back(p);
  s.tcp->send_message(p.bytes, p.request);
}

void MultiplexedChannel::fail_all(Subchannel& s, RequestStatus status) {
  std::vector<Pending> lost;
  lost.swap(s.in_flight);
  lost.insert(lost.end(), s.waiting.begin(), s.waiting.end());
  s.waiting.clear();
  const engine::Time now = stack_.endpoint().simulator().now();
  for (const Pending& p : lost) {
    RequestRecord& r = table_.at(p.request);
    if (r.connected == engine::Time::zero()) r.connected = now;
    finish(p, status);
  }
}

void MultiplexedChannel::finish(const Pending& p, RequestStatus status) {
  table_.finish(p.request, status, stack_.endpoint().simulator().now());
  done_(context_, p.cookie, p.request);
}

}  // namespace podwire::app
