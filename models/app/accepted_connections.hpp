// AcceptedConnections: the connections a server application has accepted,
// each in a reused slot with a generation. A request remembers the slot and
// generation it came on, so an answer computed later goes out only if that
// connection is still open and still the same one.
#pragma once

#include <cstdint>

#include "engine/slot_pool.hpp"
#include "models/net/tcp_connection.hpp"

namespace podwire::app {

class AcceptedConnections {
 public:
  // Where a request arrived: the owner's handler gets the owner, the
  // connection it came on and the message's tag (a request id).
  struct Ref {
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
  };
  using OnMessage = void (*)(void* owner, Ref from, std::uint64_t tag);

  AcceptedConnections(void* owner, OnMessage on_message) : owner_(owner), on_message_(on_message) {}
  AcceptedConnections(const AcceptedConnections&) = delete;
  AcceptedConnections& operator=(const AcceptedConnections&) = delete;

  // Takes a connection a listener accepted (call it from on_accept).
  void accept(net::TcpConnection& tcp) {
    const std::uint32_t index = slots_.acquire();
    Slot& s = slots_[index];
    s.set = this;
    s.index = index;
    ++s.generation;
    s.tcp = &tcp;
    s.unanswered = 0;
    s.closing = false;
    net::TcpCallbacks cb;
    cb.context = &s;
    cb.on_message = [](void* ctx, net::TcpConnection&, std::uint64_t tag, std::uint64_t) {
      auto& slot = *static_cast<Slot*>(ctx);
      if (slot.closing) return;  // raced our FIN: the client sees the close and gives up
      ++slot.unanswered;
      slot.set->on_message_(slot.set->owner_, Ref{slot.index, slot.generation}, tag);
    };
    cb.on_closed = &AcceptedConnections::gone;
    cb.on_reset = &AcceptedConnections::gone;
    cb.on_timeout = &AcceptedConnections::gone;
    tcp.set_callbacks(cb);
  }

  // Sends a message on the connection `to` names; false (nothing sent) when
  // that connection has gone.
  bool send(Ref to, std::uint64_t bytes, std::uint64_t tag) {
    Slot& s = slots_[to.slot];
    if (s.tcp == nullptr || s.generation != to.generation || s.closing) return false;
    s.tcp->send_message(bytes, tag);
    if (s.unanswered > 0) --s.unanswered;
    if (draining_ && s.unanswered == 0) close(s);
    return true;
  }

  // A graceful shutdown (an HTTP server's on SIGTERM): idle connections are
  // closed now, busy ones once their last answer is sent.
  void drain() {
    draining_ = true;
    for (Slot& s : slots_) {
      if (s.tcp != nullptr && s.unanswered == 0) close(s);
    }
  }

 private:
  struct Slot {
    AcceptedConnections* set = nullptr;
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    net::TcpConnection* tcp = nullptr;  // null once closed
    std::uint32_t unanswered = 0;       // requests received and not yet answered
    bool closing = false;               // we sent FIN
  };

  static void close(Slot& s) {
    s.closing = true;
    s.tcp->close();
  }

  static void gone(void* ctx, net::TcpConnection&) {
    auto& s = *static_cast<Slot*>(ctx);
    s.tcp = nullptr;
    s.unanswered = 0;
    s.closing = false;
    ++s.generation;
    s.set->slots_.release(s.index);
  }

  void* owner_;
  OnMessage on_message_;
  bool draining_ = false;
  engine::SlotPool<Slot> slots_;  // a slot keeps its generation across uses
};

}  // namespace podwire::app
