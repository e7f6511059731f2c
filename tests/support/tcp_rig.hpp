// Test rig for TCP: n hosts on one switch, an application that records what
// its connections see, a sink that drops chosen packets, and Jain's fairness.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "models/net/network.hpp"
#include "models/net/tcp_stack.hpp"

namespace podwire::net::tcp_rig {

using namespace engine::time_literals;
using engine::BitRate;
using engine::Time;

const LinkConfig kTenGig{BitRate::parse("10Gbps"), 1_us, 1000, 0, 0};

// n hosts on one switch with zero forwarding latency; host n-1 is the server
// and its cable (the bottleneck towards it) may differ.
struct Fabric {
  engine::Simulator sim;
  PacketPool pool;
  Network net{sim, pool};
  Switch* sw = nullptr;
  std::vector<Host*> hosts;
  std::deque<TcpStack> stacks;

  Fabric(std::size_t n, const LinkConfig& link, const LinkConfig& server_link,
         const TcpConfig& tcp = {}) {
    sw = &net.add_switch("s0");
    for (std::size_t i = 0; i < n; ++i) {
      Host& h = net.add_host(std::string("h").append(std::to_string(i)),
                             parse_address("10.0.0.1") + static_cast<Address>(i));
      net.connect(h, *sw, i + 1 == n ? server_link : link);
      hosts.push_back(&h);
      stacks.emplace_back(h, tcp);
    }
    net.compute_routes();
  }
  Fabric(std::size_t n, const LinkConfig& link, const TcpConfig& tcp = {})
      : Fabric(n, link, link, tcp) {}

  TcpStack& client(std::size_t i = 0) { return stacks[i]; }
  TcpStack& server() { return stacks.back(); }
  Address server_address() const { return hosts.back()->address(); }
};

// Records what one application endpoint was told, with times.
struct App {
  engine::Simulator* sim = nullptr;
  TcpConnection* conn = nullptr;
  int established = 0, accepted = 0, refused = 0, resets = 0, timeouts = 0, closed = 0;
  Time established_at = Time::max(), refused_at = Time::max(), reset_at = Time::max();
  Time timeout_at = Time::max(), closed_at = Time::max();
  struct Message {
    std::uint64_t tag;
    std::uint64_t bytes;
    Time at;
  };
  std::vector<Message> messages;
  // What to do on events, set by a test.
  std::uint64_t send_on_established = 0;  // bytes, as message tag 1
  std::uint64_t reply_bytes = 0;          // answer each message with this many bytes
  bool close_on_message = false;
  bool abort_on_message = false;

  explicit App(engine::Simulator& s) : sim(&s) {}

  static App& of(void* c) { return *static_cast<App*>(c); }
  TcpCallbacks callbacks() {
    TcpCallbacks cb;
    cb.context = this;
    cb.on_established = [](void* c, TcpConnection& conn) {
      App& a = of(c);
      a.conn = &conn;
      ++a.established;
      a.established_at = a.sim->now();
      if (a.send_on_established > 0) conn.send_message(a.send_on_established, 1);
    };
    cb.on_accept = [](void* c, TcpConnection& conn) {
      of(c).conn = &conn;
      ++of(c).accepted;
    };
    cb.on_message = [](void* c, TcpConnection& conn, std::uint64_t tag, std::uint64_t bytes) {
      App& a = of(c);
      a.messages.push_back(Message{tag, bytes, a.sim->now()});
      if (a.reply_bytes > 0) conn.send_message(a.reply_bytes, tag + 100);
      if (a.close_on_message) conn.close();
      if (a.abort_on_message) conn.abort();
    };
    cb.on_closed = [](void* c, TcpConnection&) {
      App& a = of(c);
      ++a.closed;
      a.closed_at = a.sim->now();
      a.conn = nullptr;
    };
    cb.on_refused = [](void* c, TcpConnection&) {
      App& a = of(c);
      ++a.refused;
      a.refused_at = a.sim->now();
      a.conn = nullptr;
    };
    cb.on_reset = [](void* c, TcpConnection&) {
      App& a = of(c);
      ++a.resets;
      a.reset_at = a.sim->now();
      a.conn = nullptr;
    };
    cb.on_timeout = [](void* c, TcpConnection&) {
      App& a = of(c);
      ++a.timeouts;
      a.timeout_at = a.sim->now();
      a.conn = nullptr;
    };
    return cb;
  }
};

// A stage spliced into a link (link.connect(&dropper)) that forwards to the
// link's original far end, dropping what the test asks for and logging the rest.
struct Dropper final : PacketSink {
  engine::Simulator* sim;
  PacketPool* pool;
  PacketSink* next;
  std::uint64_t drop_data_index = 0;  // drop the n-th data segment seen (1-based); 0: none
  std::uint64_t drop_every = 0;       // drop every n-th packet seen; 0: none
  int drop_syns = 0;                  // drop this many SYNs
  Time drop_from = Time::max();       // drop everything in [drop_from, drop_until)
  Time drop_until = Time::max();
  std::uint64_t data_seen = 0;
  std::uint64_t dropped = 0;
  struct Seen {
    std::uint64_t seq;
    std::uint8_t flags;
    Time at;
    bool dropped;
    SentBy sent_by;
    std::uint32_t payload;
  };
  std::vector<Seen> log;

  Dropper(engine::Simulator& s, PacketPool& p, PacketSink& n) : sim(&s), pool(&p), next(&n) {}
  void receive(Packet& p) override {
    bool drop = false;
    if (p.payload_bytes > 0 && ++data_seen == drop_data_index) drop = true;
    if (drop_every > 0 && (log.size() + 1) % drop_every == 0) drop = true;
    if ((p.tcp_flags & tcp_flags::syn) && drop_syns > 0) {
      --drop_syns;
      drop = true;
    }
    if (sim->now() >= drop_from && sim->now() < drop_until) drop = true;
    log.push_back(Seen{p.seq, p.tcp_flags, sim->now(), drop, p.sent_by, p.payload_bytes});
    if (drop) {
      ++dropped;
      pool->release(p);
      return;
    }
    next->receive(p);
  }
};

inline Time serialise(std::uint32_t bytes) {
  return kTenGig.rate.serialization(engine::Bytes(bytes));
}

inline double jain(const std::vector<double>& x) {
  double sum = 0, squares = 0;
  for (double v : x) {
    sum += v;
    squares += v * v;
  }
  return sum * sum / (static_cast<double>(x.size()) * squares);
}

}  // namespace podwire::net::tcp_rig
