// UpstreamPool: how one client (a traffic source, or a server calling a
// downstream Service) reaches one target host:port over TCP, HTTP/1.1 style:
// one request at a time per connection; with keep-alive, idle connections are
// reused and more are opened (up to a limit, then requests queue) when all are
// busy; without it, each request resolves the name, connects, and closes after
// its response (the client closes, so TIME_WAIT stays on the client). The name
// is resolved each time a connection is opened, as getaddrinfo() is, unless
// `resolve_once` (a benchmark that resolves its target before its loop). With
// `pipeline` N above 1 (Redis, Memcached) a busy connection takes more
// requests before the pool opens another, up to N outstanding, answered in
// order: the answer it waits for is always its oldest request's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ring_queue.hpp"
#include "engine/slot_pool.hpp"
#include "models/app/name_resolver.hpp"
#include "models/app/requests.hpp"
#include "models/app/upstream.hpp"
#include "models/net/tcp_stack.hpp"

namespace podwire::app {

struct UpstreamConfig {
  std::string host;  // a name or an address literal
  std::uint16_t port = 80;
  bool keep_alive = true;
  int max_connections = 0;  // 0: no limit
  // Attempts after the first when a connection is refused, reset or times out
  // before the answer, each on a new connection (what a client library or a
  // sidecar's retry policy does). 0: none.
  int retries = 0;
  // Gives up on an attempt that has not been answered this long after it
  // started (connecting included; not the wait for a free connection): the
  // connection is reset and the request fails with `timeout`, or is retried.
  // Zero: no limit (TCP's own retries decide).
  engine::Time timeout = engine::Time::zero();
  // With keep-alive: a connection is closed after this many requests (0: no
  // limit), and when it has been idle this long (0: never).
  int max_requests = 0;
  engine::Time idle_timeout = engine::Time::zero();
  // Requests outstanding at once on one connection (1: HTTP/1.1, one at a
  // time). With keep-alive only.
  int pipeline = 1;
  // Resolves the name at the first connection and keeps the address, as
  // wrk, ab and netperf call getaddrinfo() once at start; otherwise every
  // connection resolves it (fortio, a server's HTTP client library).
  bool resolve_once = false;
};

struct UpstreamCounters {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;  // requests sent on a kept-alive connection
  std::uint64_t queued = 0;              // requests that waited for a connection
  std::uint64_t retries = 0;
  std::uint64_t timeouts = 0;  // attempts given up by `timeout`
  std::uint64_t closed_by_server =
      0;                        // kept-alive connections the server ended ("Connection: close")
  std::uint64_t pipelined = 0;  // requests sent behind another's on a connection
};

class UpstreamPool final : public Upstream {
 public:
  UpstreamPool(net::TcpStack& stack, NameResolver& resolver, RequestTable& table,
               UpstreamConfig config, Done done, void* context);
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // Sends the request (its record exists, `started` set). O(1) amortised;
  // with pipelining, O(connections) when none is idle (the least loaded is
  // looked for).
  void send(std::uint64_t request, std::uint64_t request_bytes, std::uint64_t cookie) override;

  const UpstreamConfig& config() const { return config_; }
  const UpstreamCounters& counters() const { return counters_; }
  std::size_t open_connections() const { return open_; }

 private:
  struct Pending {
    std::uint64_t request = 0;
    std::uint64_t bytes = 0;
    std::uint64_t cookie = 0;
  };
  struct Conn {
    UpstreamPool* pool = nullptr;
    std::uint32_t index = 0;
    net::TcpConnection* tcp = nullptr;
    bool established = false;
    Pending current;               // the oldest outstanding; request 0: idle
    std::vector<Pending> behind;   // pipelined after `current`, in order
    bool broken = false;           // failing: takes no more
    int served = 0;                // requests answered on it
    std::uint32_t idle_epoch = 0;  // times it went idle, ever (idle timers)
  };

  void open_for(const Pending& p);
  void arm_timeout(std::uint64_t request);
  static void on_timeout(void* pool, std::uint64_t arg);
  static void on_resolved(void* context, std::uint64_t slot, bool ok, net::Address address);
  void resolved(std::uint32_t slot, bool ok, net::Address address);
  void connect_to(const Pending& p, net::Address address);
  net::TcpCallbacks callbacks(Conn& c);
  Conn& allocate_conn();
  void release_conn(Conn& c);
  // Fails (or retries) every request outstanding on the connection; with
  // `only` set, that one with `status` and the others pipelined beside it
  // with `reset`.
  void fail(Conn& c, RequestStatus status, std::uint64_t only = 0);
  void fail_one(const Pending& p, RequestStatus status);
  // A busy, established connection with room for one more pipelined request
  // (the least loaded); null when none has.
  Conn* pipelinable();
  void pipeline_onto(Conn& c, const Pending& p);
  void fill_pipeline(Conn& c);  // waiting requests onto `c`, while it has room
  void complete(Conn& c, std::uint64_t bytes, bool last);
  void go_idle(Conn& c);
  static void on_idle(void* pool, std::uint64_t arg);
  void serve_waiting(Conn& c);
  void transmit(Conn& c, const Pending& p, bool reused);

  net::TcpStack& stack_;
  NameResolver& resolver_;
  // resolve_once: the first answer, the lookup that will give it, and the
  // connections (`resolving_` slots) waiting for it.
  static constexpr std::uint32_t kNoLookup = 0xffffffffu;
  net::Address kept_address_ = 0;
  bool have_address_ = false;
  std::uint32_t first_lookup_ = kNoLookup;
  std::vector<std::uint32_t> awaiting_address_;
  RequestTable& table_;
  UpstreamConfig config_;
  Done done_;
  void* context_;
  engine::SlotPool<Conn> conns_;
  std::vector<std::uint32_t> idle_;  // kept-alive, established, no request
  engine::RingQueue<Pending> waiting_;
  engine::SlotPool<Pending> resolving_;  // requests whose name is being resolved
  std::size_t open_ = 0;                 // connections opening or open
  UpstreamCounters counters_;
};

}  // namespace podwire::app
