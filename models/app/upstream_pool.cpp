#include "models/app/upstream_pool.hpp"

namespace podwire::app {

UpstreamPool::UpstreamPool(net::TcpStack& stack, NameResolver& resolver, RequestTable& table,
                           UpstreamConfig config, Done done, void* context)
    : stack_(stack),
      resolver_(resolver),
      table_(table),
      config_(std::move(config)),
      done_(done),
      context_(context) {}

void UpstreamPool::send(std::uint64_t request, std::uint64_t bytes, std::uint64_t cookie) {
  const Pending p{request, bytes, cookie};
  table_.at(request).request_bytes = bytes;
  arm_timeout(request);
  if (config_.keep_alive && !idle_.empty()) {
    Conn& c = conns_[idle_.back()];
    idle_.pop_back();
    ++counters_.connections_reused;
    transmit(c, p, true);
    return;
  }
  if (config_.pipeline > 1 && config_.keep_alive) {
    if (Conn* c = pipelinable()) {
      pipeline_onto(*c, p);
      return;
    }
  }
  if (config_.max_connections > 0 && open_ >= static_cast<std::size_t>(config_.max_connections)) {
    ++counters_.queued;
    waiting_.push_back(p);
    return;
  }
  open_for(p);
}

void UpstreamPool::arm_timeout(std::uint64_t request) {
  if (config_.timeout <= engine::Time::zero()) return;
  const std::uint64_t attempt = table_.at(request).retries;
  stack_.endpoint().simulator().schedule_in(config_.timeout, &UpstreamPool::on_timeout, this,
                                            request << 8 | attempt);
}

void UpstreamPool::on_timeout(void* pool, std::uint64_t arg) {
  auto* self = static_cast<UpstreamPool*>(pool);
  const std::uint64_t request = arg >> 8;
  const RequestRecord& r = self->table_.at(request);
  if (r.status != RequestStatus::pending || r.retries != (arg & 0xff))
    return;  // answered, or a later attempt
  for (Conn& c : self->conns_) {
    if (c.tcp == nullptr) continue;
    bool on_it = c.current.request == request;
    for (std::size_t i = 0; !on_it && i < c.behind.size(); ++i)
      on_it = c.behind[i].request == request;
    if (!on_it) continue;
    ++self->counters_.timeouts;
    net::TcpConnection* tcp = c.tcp;
    // Finishes it, or retries on a new connection; what was pipelined with
    // it goes with the connection.
    self->fail(c, RequestStatus::timeout, c.behind.empty() ? 0 : request);
    tcp->abort();
    self->release_conn(c);
    return;
  }
}

UpstreamPool::Conn* UpstreamPool::pipelinable() {
  Conn* best = nullptr;
  std::size_t least = static_cast<std::size_t>(config_.pipeline);
  for (Conn& c : conns_) {
    if (c.tcp == nullptr || !c.established || c.broken || c.current.request == 0) continue;
    if (config_.max_requests > 0 &&
        c.served + 1 + static_cast<int>(c.behind.size()) >= config_.max_requests)
      continue;
    const std::size_t outstanding = 1 + c.behind.size();
    if (outstanding < least) {
      least = outstanding;
      best = &c;
    }
  }
  return best;
}

void UpstreamPool::fill_pipeline(Conn& c) {
  while (config_.pipeline > 1 && !waiting_.empty() && c.current.request != 0 &&
         1 + c.behind.size() < static_cast<std::size_t>(config_.pipeline) &&
         (config_.max_requests == 0 ||
          c.served + 1 + static_cast<int>(c.behind.size()) < config_.max_requests)) {
    pipeline_onto(c, waiting_.pop_front());
  }
}

void UpstreamPool::pipeline_onto(Conn& c, const Pending& p) {
  ++counters_.connections_reused;
  ++counters_.pipelined;
  c.behind.push_back(p);
  RequestRecord& r = table_.at(p.request);
  r.dns_done = r.started;
  r.connected = stack_.endpoint().simulator().now();
  r.reused_connection = true;
  c.tcp->send_message(p.bytes, p.request);
}

void UpstreamPool::open_for(const Pending& p) {
  ++open_;
  if (config_.resolve_once && have_address_) {
    table_.at(p.request).dns_done = stack_.endpoint().simulator().now();
    connect_to(p, kept_address_);
    return;
  }
  const std::uint32_t slot = resolving_.acquire();
  resolving_[slot] = p;
  if (config_.resolve_once && first_lookup_ != kNoLookup) {
    awaiting_address_.push_back(slot);  // the one lookup in flight answers it too
    return;
  }
  if (config_.resolve_once) first_lookup_ = slot;
  resolver_.resolve(config_.host, &UpstreamPool::on_resolved, this, slot);
}

void UpstreamPool::on_resolved(void* context, std::uint64_t slot, bool ok, net::Address address) {
  auto* self = static_cast<UpstreamPool*>(context);
  const auto own = static_cast<std::uint32_t>(slot);
  if (self->first_lookup_ != own) {
    self->resolved(own, ok, address);
    return;
  }
  // resolve_once: the answer serves every connection that waited for it; a
  // failure fails them all, and the next connection asks again.
  self->first_lookup_ = kNoLookup;
  if (ok) {
    self->kept_address_ = address;
    self->have_address_ = true;
  }
  std::vector<std::uint32_t> waiting;
  waiting.swap(self->awaiting_address_);
  self->resolved(own, ok, address);
  for (const std::uint32_t w : waiting) self->resolved(w, ok, address);
}

void UpstreamPool::resolved(std::uint32_t slot, bool ok, net::Address address) {
  const Pending p = resolving_[slot];
  resolving_.release(slot);
  const engine::Time now = stack_.endpoint().simulator().now();
  table_.at(p.request).dns_done = now;
  if (!ok) {
    --open_;
    table_.at(p.request).connected = now;
    table_.finish(p.request, RequestStatus::dns_failure, now);
    done_(context_, p.cookie, p.request);
    return;
  }
  connect_to(p, address);
}

void UpstreamPool::connect_to(const Pending& p, net::Address address) {
  Conn& c = allocate_conn();
  c.current = p;
  c.tcp = stack_.connect(address, config_.port, callbacks(c));
  if (c.tcp == nullptr) {
    // connect() found no free local port toward the address (EADDRNOTAVAIL):
    // this request fails at once and is not retried, as a client's would be.
    const engine::Time now = stack_.endpoint().simulator().now();
    conns_.release(c.index);
    --open_;
    table_.at(p.request).connected = now;
    table_.finish(p.request, RequestStatus::addr_unavailable, now);
    done_(context_, p.cookie, p.request);
    return;
  }
  ++counters_.connections_opened;
}

UpstreamPool::Conn& UpstreamPool::allocate_conn() {
  const std::uint32_t index = conns_.acquire();
  Conn& c = conns_[index];
  c.pool = this;
  c.index = index;
  c.established = false;
  c.tcp = nullptr;
  c.current = Pending{};
  c.behind.clear();
  c.broken = false;
  c.served = 0;
  return c;
}

void UpstreamPool::release_conn(Conn& c) {
  // Drop it from the idle list if it was there.
  for (std::size_t i = 0; i < idle_.size(); ++i) {
    if (idle_[i] == c.index) {
      idle_[i] = idle_.back();
      idle_.pop_back();
      break;
    }
  }
  c.tcp = nullptr;
  c.established = false;
  conns_.release(c.index);
  --open_;
  // A queued request may now open a connection of its own.
  if (!waiting_.empty() &&
      (config_.max_connections == 0 || open_ < static_cast<std::size_t>(config_.max_connections))) {
    open_for(waiting_.pop_front());
  }
}

net::TcpCallbacks UpstreamPool::callbacks(Conn& conn) {
  net::TcpCallbacks cb;
  cb.context = &conn;
  cb.on_established = [](void* ctx, net::TcpConnection&) {
    auto& c = *static_cast<Conn*>(ctx);
    c.established = true;
    UpstreamPool& pool = *c.pool;
    pool.table_.at(c.current.request).connected = pool.stack_.endpoint().simulator().now();
    pool.transmit(c, c.current, false);
    pool.fill_pipeline(c);
  };
  cb.on_message = [](void* ctx, net::TcpConnection&, std::uint64_t tag, std::uint64_t bytes) {
    auto& c = *static_cast<Conn*>(ctx);
    const bool last = (tag & net::kLastMessage) != 0;
    if ((tag & ~net::kLastMessage) == c.current.request) c.pool->complete(c, bytes, last);
  };
  cb.on_peer_closed = [](void* ctx, net::TcpConnection& tcp) {
    auto& c = *static_cast<Conn*>(ctx);
    if (c.current.request != 0) c.pool->fail(c, RequestStatus::reset);
    tcp.close();
  };
  cb.on_closed = [](void* ctx, net::TcpConnection&) {
    auto& c = *static_cast<Conn*>(ctx);
    c.pool->release_conn(c);
  };
  cb.on_refused = [](void* ctx, net::TcpConnection&) {
    auto& c = *static_cast<Conn*>(ctx);
    c.pool->fail(c, RequestStatus::refused);
    c.pool->release_conn(c);
  };
  cb.on_reset = [](void* ctx, net::TcpConnection&) {
    auto& c = *static_cast<Conn*>(ctx);
    c.pool->fail(c, RequestStatus::reset);
    c.pool->release_conn(c);
  };
  cb.on_timeout = [](void* ctx, net::TcpConnection&) {
    auto& c = *static_cast<Conn*>(ctx);
    c.pool->fail(c, RequestStatus::timeout);
    c.pool->release_conn(c);
  };
  return cb;
}

void UpstreamPool::transmit(Conn& c, const Pending& p, bool reused) {
  c.current = p;
  RequestRecord& r = table_.at(p.request);
  if (reused) {
    // Time spent waiting for a free connection counts as connecting.
    r.dns_done = r.started;
    r.connected = stack_.endpoint().simulator().now();
    r.reused_connection = true;
  }
  c.tcp->send_message(p.bytes, p.request);
}

void UpstreamPool::fail(Conn& c, RequestStatus status, std::uint64_t only) {
  if (c.current.request == 0) return;
  const Pending p = c.current;
  c.current = Pending{};
  if (c.behind.empty()) {
    fail_one(p, status);
    return;
  }
  c.broken = true;
  std::vector<Pending> rest;
  rest.swap(c.behind);
  fail_one(p, only == 0 || only == p.request ? status : RequestStatus::reset);
  for (const Pending& q : rest)
    fail_one(q, only == 0 || only == q.request ? status : RequestStatus::reset);
}

void UpstreamPool::fail_one(const Pending& p, RequestStatus status) {
  const engine::Time now = stack_.endpoint().simulator().now();
  RequestRecord& r = table_.at(p.request);
  if (r.retries < config_.retries && r.retries < 255) {
    ++r.retries;
    ++counters_.retries;
    r.dns_done = r.connected = r.server_arrived = r.service_started = r.service_done =
        r.calls_done = r.response_sent = engine::Time::zero();
    r.server = 0;
    r.reused_connection = false;
    arm_timeout(p.request);
    open_for(p);
    return;
  }
  if (r.connected == engine::Time::zero() && r.dns_done != engine::Time::zero()) r.connected = now;
  table_.finish(p.request, status, now);
  done_(context_, p.cookie, p.request);
}

void UpstreamPool::complete(Conn& c, std::uint64_t bytes, bool last) {
  const Pending p = c.current;
  c.current = Pending{};
  table_.at(p.request).response_bytes = bytes;
  table_.finish(p.request, RequestStatus::ok, stack_.endpoint().simulator().now());
  ++c.served;
  if (last && config_.keep_alive) ++counters_.closed_by_server;
  if (!c.behind.empty()) {
    // The next pipelined answer is the one it waits for now; a waiting
    // request takes the room this one left.
    c.current = c.behind.front();
    c.behind.erase(c.behind.begin());
    if (!last) fill_pipeline(c);
    done_(context_, p.cookie, p.request);
    return;
  }
  if (config_.keep_alive && !last &&
      (config_.max_requests == 0 || c.served < config_.max_requests)) {
    serve_waiting(c);
  } else {
    c.tcp->close();
  }
  done_(context_, p.cookie, p.request);
}

void UpstreamPool::go_idle(Conn& c) {
  idle_.push_back(c.index);
  ++c.idle_epoch;
  if (config_.idle_timeout > engine::Time::zero()) {
    stack_.endpoint().simulator().schedule_in(
        config_.idle_timeout, &UpstreamPool::on_idle, this,
        static_cast<std::uint64_t>(c.index) << 32 | c.idle_epoch);
  }
}

void UpstreamPool::on_idle(void* pool, std::uint64_t arg) {
  auto* self = static_cast<UpstreamPool*>(pool);
  const auto index = static_cast<std::uint32_t>(arg >> 32);
  Conn& c = self->conns_[index];
  // Idle since the timer was set: closed, and gone from the idle list.
  if (c.tcp == nullptr || c.current.request != 0 || c.idle_epoch != static_cast<std::uint32_t>(arg))
    return;
  for (std::size_t i = 0; i < self->idle_.size(); ++i) {
    if (self->idle_[i] != index) continue;
    self->idle_[i] = self->idle_.back();
    self->idle_.pop_back();
    ++c.idle_epoch;
    c.tcp->close();
    return;
  }
}

void UpstreamPool::serve_waiting(Conn& c) {
  if (!waiting_.empty()) {
    ++counters_.connections_reused;
    transmit(c, waiting_.pop_front(), true);
    fill_pipeline(c);
  } else {
    go_idle(c);
  }
}

}  // namespace podwire::app
