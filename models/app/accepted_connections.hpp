// AcceptedConnections: the connections a server application has accepted,
// each in a reused slot with a generation. A request remembers the slot and
// generation it came on, so an answer computed later goes out only if that
// connection is still open and still the same one. In order (HTTP/1.1,
// Redis, Memcached: a connection's answers follow its requests), an answer
// ready before those of earlier requests waits for them: pipelined requests
// meet head-of-line blocking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/simulator.hpp"
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
    std::uint32_t seq = 0;  // the request's place among the connection's, from 0
  };
  using OnMessage = void (*)(void* owner, Ref from, std::uint64_t tag);

  AcceptedConnections(void* owner, OnMessage on_message) : owner_(owner), on_message_(on_message) {}
  AcceptedConnections(const AcceptedConnections&) = delete;
  AcceptedConnections& operator=(const AcceptedConnections&) = delete;

  // How long the server keeps a connection, as nginx's keepalive_requests
  // and keepalive_timeout: it closes one after answering `max_requests` on
  // it, and one that has been idle `idle_timeout` (each 0: no limit). Set
  // before the first accept.
  void set_keep_alive(engine::Simulator& sim, std::uint32_t max_requests,
                      engine::Time idle_timeout) {
    sim_ = &sim;
    max_requests_ = max_requests;
    idle_timeout_ = idle_timeout;
  }
  // Answers leave in the order their requests came (not for HTTP/2, whose
  // streams are answered as they finish). Set before the first accept.
  void set_in_order(bool in_order) { in_order_ = in_order; }
  std::uint64_t closed_at_limit() const { return closed_at_limit_; }
  std::uint64_t held_back() const { return held_back_; }
  std::uint64_t closed_idle() const { return closed_idle_; }

  // Takes a connection a listener accepted (call it from on_accept).
  void accept(net::TcpConnection& tcp) {
    const std::uint32_t index = slots_.acquire();
    Slot& s = slots_[index];
    s.set = this;
    s.index = index;
    ++s.generation;
    s.tcp = &tcp;
    s.unanswered = 0;
    s.answered = 0;
    s.arrived = 0;
    s.next_answer = 0;
    s.parked.clear();
    s.closing = false;
    net::TcpCallbacks cb;
    cb.context = &s;
    cb.on_message = [](void* ctx, net::TcpConnection&, std::uint64_t tag, std::uint64_t) {
      auto& slot = *static_cast<Slot*>(ctx);
      if (slot.closing) return;  // raced our FIN: the client sees the close and gives up
      ++slot.unanswered;
      ++slot.activity;
      slot.set->on_message_(slot.set->owner_, Ref{slot.index, slot.generation, slot.arrived++},
                            tag);
    };
    cb.on_closed = &AcceptedConnections::gone;
    cb.on_reset = &AcceptedConnections::gone;
    cb.on_timeout = &AcceptedConnections::gone;
    tcp.set_callbacks(cb);
    ++s.activity;
    arm_idle(s);
  }

  // Sends a message on the connection `to` names; false (nothing sent) when
  // that connection has gone. In order, an answer whose earlier ones are not
  // sent yet waits for them (and is sent with the last of them).
  bool send(Ref to, std::uint64_t bytes, std::uint64_t tag) {
    Slot& s = slots_[to.slot];
    if (s.tcp == nullptr || s.generation != to.generation || s.closing) return false;
    if (in_order_ && to.seq != s.next_answer) {
      ++held_back_;
      s.parked.push_back(Parked{to.seq, bytes, tag});
      return true;
    }
    transmit(s, bytes, tag);
    while (in_order_ && !s.parked.empty() && s.tcp != nullptr && !s.closing) {
      std::size_t i = 0;
      while (i < s.parked.size() && s.parked[i].seq != s.next_answer) ++i;
      if (i == s.parked.size()) break;
      const Parked next = s.parked[i];
      s.parked.erase(s.parked.begin() + static_cast<std::ptrdiff_t>(i));
      transmit(s, next.bytes, next.tag);
    }
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
  struct Parked {
    std::uint32_t seq;
    std::uint64_t bytes;
    std::uint64_t tag;
  };
  struct Slot {
    AcceptedConnections* set = nullptr;
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    net::TcpConnection* tcp = nullptr;  // null once closed
    std::uint32_t unanswered = 0;       // requests received and not yet answered
    std::uint32_t answered = 0;         // on this connection
    std::uint32_t activity = 0;         // requests and accepts in this slot, ever (idle timers)
    std::uint32_t arrived = 0;          // requests received on this connection
    std::uint32_t next_answer = 0;      // in order: the request whose answer goes next
    std::vector<Parked> parked;         // in order: answers waiting for earlier ones
    bool closing = false;               // we sent FIN
  };

  void transmit(Slot& s, std::uint64_t bytes, std::uint64_t tag) {
    const bool last =
        max_requests_ != 0 && s.answered + 1 >= max_requests_ && s.unanswered <= 1 && !draining_;
    s.tcp->send_message(bytes, last ? tag | net::kLastMessage : tag);
    if (s.unanswered > 0) --s.unanswered;
    ++s.answered;
    ++s.next_answer;
    if (s.unanswered == 0) {
      if (draining_) {
        close(s);
      } else if (max_requests_ != 0 && s.answered >= max_requests_) {
        ++closed_at_limit_;  // nginx answers the last one with "Connection: close"
        close(s);
      } else {
        arm_idle(s);
      }
    }
  }

  void arm_idle(Slot& s) {
    if (sim_ == nullptr || idle_timeout_ <= engine::Time::zero()) return;
    sim_->schedule_in(idle_timeout_, &AcceptedConnections::on_idle, this,
                      static_cast<std::uint64_t>(s.index) << 32 | s.activity);
  }
  static void on_idle(void* self, std::uint64_t arg) {
    auto* set = static_cast<AcceptedConnections*>(self);
    const auto index = static_cast<std::uint32_t>(arg >> 32);
    Slot& s = set->slots_[index];
    // Still the connection the timer was set for, with nothing since.
    if (s.tcp == nullptr || s.closing || s.unanswered != 0 ||
        s.activity != static_cast<std::uint32_t>(arg)) {
      return;
    }
    ++set->closed_idle_;
    close(s);
  }

  static void close(Slot& s) {
    s.closing = true;
    s.tcp->close();
  }

  static void gone(void* ctx, net::TcpConnection&) {
    auto& s = *static_cast<Slot*>(ctx);
    s.tcp = nullptr;
    s.unanswered = 0;
    s.parked.clear();
    s.closing = false;
    ++s.generation;
    s.set->slots_.release(s.index);
  }

  void* owner_;
  OnMessage on_message_;
  bool draining_ = false;
  bool in_order_ = false;
  std::uint64_t held_back_ = 0;
  engine::Simulator* sim_ = nullptr;
  std::uint32_t max_requests_ = 0;
  engine::Time idle_timeout_;
  std::uint64_t closed_at_limit_ = 0;
  std::uint64_t closed_idle_ = 0;
  engine::SlotPool<Slot> slots_;  // a slot keeps its generation across uses
};

}  // namespace podwire::app
