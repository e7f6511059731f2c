#include "models/kube/tcp_relay.hpp"

namespace podwire::kube {

using engine::Time;

TcpRelay::TcpRelay(net::TcpStack& listen_stack, std::uint16_t listen_port,
                   net::TcpStack& upstream_stack, net::Address upstream,
                   std::uint16_t upstream_port, Time latency, std::string name)
    : listen_stack_(listen_stack),
      upstream_stack_(upstream_stack),
      upstream_(upstream),
      upstream_port_(upstream_port),
      latency_(latency),
      name_(std::move(name)),
      sim_(listen_stack.endpoint().simulator()) {
  net::TcpCallbacks cb;
  cb.context = this;
  cb.on_accept = &TcpRelay::on_accept;
  listen_stack_.listen(listen_port, cb);
}

TcpRelay::Pair& TcpRelay::allocate() {
  const std::uint32_t index = pairs_.acquire();
  Pair& p = pairs_[index];
  p.relay = this;
  p.index = index;
  p.in_use = true;
  return p;
}

void TcpRelay::release(Pair& p) {
  if (!p.in_use || p.down != nullptr || p.up != nullptr) return;
  p.in_use = false;
  p.up_ready = false;
  while (!p.waiting.empty()) p.waiting.pop_front();
  // Messages still due are dropped when they come up (both ends are gone).
  if (p.due.empty()) pairs_.release(p.index);
}

void TcpRelay::on_accept(void* ctx, net::TcpConnection& c) {
  auto* self = static_cast<TcpRelay*>(ctx);
  Pair& p = self->allocate();
  ++self->counters_.connections;
  p.down = &c;
  c.set_callbacks(down_callbacks(&p));
  p.up = self->upstream_stack_.connect(self->upstream_, self->upstream_port_, up_callbacks(&p));
  if (p.up == nullptr) {
    // No local port toward the upstream (EADDRNOTAVAIL): the stream is reset.
    ++self->counters_.upstream_failures;
    p.down = nullptr;
    c.set_callbacks(net::TcpCallbacks{});
    c.abort();
    self->release(p);
  }
}

net::TcpCallbacks TcpRelay::down_callbacks(Pair* pair) {
  net::TcpCallbacks cb;
  cb.context = pair;
  cb.on_message = [](void* ctx, net::TcpConnection&, std::uint64_t tag, std::uint64_t bytes) {
    auto* p = static_cast<Pair*>(ctx);
    p->relay->enqueue(*p, tag, bytes, true);
  };
  cb.on_peer_closed = [](void* ctx, net::TcpConnection& c) {
    auto* p = static_cast<Pair*>(ctx);
    if (p->up != nullptr) p->up->close();
    c.close();
  };
  const auto gone = [](void* ctx, net::TcpConnection&) {
    auto* p = static_cast<Pair*>(ctx);
    p->down = nullptr;
    if (p->up != nullptr) p->up->abort();
    p->up = nullptr;
    p->relay->release(*p);
  };
  cb.on_reset = gone;
  cb.on_timeout = gone;
  cb.on_closed = [](void* ctx, net::TcpConnection&) {
    auto* p = static_cast<Pair*>(ctx);
    p->down = nullptr;
    p->relay->release(*p);
  };
  return cb;
}

net::TcpCallbacks TcpRelay::up_callbacks(Pair* pair) {
  net::TcpCallbacks cb;
  cb.context = pair;
  cb.on_established = [](void* ctx, net::TcpConnection&) {
    auto* p = static_cast<Pair*>(ctx);
    p->up_ready = true;
    while (!p->waiting.empty()) p->relay->send(*p, p->waiting.pop_front());
  };
  cb.on_message = [](void* ctx, net::TcpConnection&, std::uint64_t tag, std::uint64_t bytes) {
    auto* p = static_cast<Pair*>(ctx);
    p->relay->enqueue(*p, tag, bytes, false);
  };
  cb.on_peer_closed = [](void* ctx, net::TcpConnection& c) {
    auto* p = static_cast<Pair*>(ctx);
    if (p->down != nullptr) p->down->close();
    c.close();
  };
  const auto failed = [](void* ctx, net::TcpConnection&) {
    auto* p = static_cast<Pair*>(ctx);
    ++p->relay->counters_.upstream_failures;
    p->up = nullptr;
    if (p->down != nullptr) p->down->abort();
    p->down = nullptr;
    p->relay->release(*p);
  };
  cb.on_refused = failed;
  cb.on_reset = failed;
  cb.on_timeout = failed;
  cb.on_closed = [](void* ctx, net::TcpConnection&) {
    auto* p = static_cast<Pair*>(ctx);
    p->up = nullptr;
    p->relay->release(*p);
  };
  return cb;
}

void TcpRelay::enqueue(Pair& p, std::uint64_t tag, std::uint64_t bytes, bool upward) {
  p.due.push_back(Message{sim_.now() + latency_, tag, bytes, upward});
  if (p.due.size() == 1) sim_.schedule_in<&TcpRelay::on_due>(latency_, this, p.index);
}

void TcpRelay::on_due(std::uint64_t index) {
  Pair& p = pairs_[static_cast<std::uint32_t>(index)];
  const Message m = p.due.pop_front();
  if (!p.due.empty()) sim_.schedule_at<&TcpRelay::on_due>(p.due.front().due, this, index);
  if (!p.in_use) {
    if (p.due.empty()) pairs_.release(p.index);
    return;
  }
  if (m.upward && !p.up_ready) {
    p.waiting.push_back(m);
    return;
  }
  send(p, m);
}

void TcpRelay::send(Pair& p, const Message& m) {
  net::TcpConnection* c = m.upward ? p.up : p.down;
  if (c == nullptr) return;
  ++counters_.messages_forwarded;
  c->send_message(m.bytes, m.tag);
}

}  // namespace podwire::kube
