// HttpServer: a pod's server application. A request arrives as one TCP
// message, waits FIFO for one of `concurrency` worker slots, runs its CPU work
// on the node's cores, holds the slot for its service time, then makes its
// downstream calls (groups in order; a group's calls all at once when
// parallel, one after another when sequential) and answers. What it does is
// its route's handler: the request names a route (RequestRecord::route), and
// a route the server does not know gets its first handler. The slot is freed
// when the service time ends: calls wait without holding it, as an
// event-driven server does, so each Service behaves as an M/G/c station and
// Jackson-network estimates apply to the server time. Requests pipelined on
// one connection are served as any others and answered in their order (a
// slow one holds back the answers behind it), except on HTTP/2 connections
// (`multiplexed`). With `udp` the server takes datagrams on its port
// instead: each one a request, answered by a datagram when its sender waits
// for one; those waiting for a slot sit in the socket's receive queue, and a
// datagram that finds it full is dropped, as Linux drops it (RcvbufErrors).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/random_stream.hpp"
#include "engine/ring_queue.hpp"
#include "models/app/accepted_connections.hpp"
#include "models/app/call_count.hpp"
#include "models/app/program_cpu.hpp"
#include "models/app/requests.hpp"
#include "models/app/upstream_pool.hpp"
#include "models/net/tcp_stack.hpp"
#include "models/node/node_cpu.hpp"

namespace podwire::app {

struct Call {
  Upstream* upstream = nullptr;  // the caller pod's pool (or channel) to the target
  std::uint32_t target = 0;      // the target's index in the run's target table
  std::uint32_t route = 0;       // the route it asks for (RequestRecord::route)
  std::uint64_t request_bytes = 200;
  CallCount count;         // times per request
  double probability = 1;  // that it is made at all (a cache miss), drawn per request
  int max_depth = 0;       // made only when its request is at most this deep; 0: any depth
};

struct CallGroup {
  bool parallel = false;
  std::vector<Call> calls;
};

// What the server does with a request of one route.
struct RouteHandler {
  engine::Distribution service_time = engine::Distribution::constant(0.0);
  engine::Time cpu_per_request;  // the program's user-space work per request
  std::uint64_t response_bytes = 1000;
  std::vector<CallGroup> calls;
};

struct HttpServerConfig {
  std::uint16_t port = 80;
  int concurrency = 1;
  engine::Time cpu_per_connection;  // the program's work per connection accepted (a TLS handshake)
  int threads = 0;                  // the program's threads (its CPU work at once); 0: one per core
  const node::HostStackCosts* host = nullptr;  // the node's, for accepting and reading (null: free)
  bool event_loop = true;                      // the program waits on epoll
  // nginx's keepalive_requests and keepalive_timeout (0: no limit).
  std::uint32_t keepalive_requests = 0;
  engine::Time keepalive_timeout = engine::Time::zero();
  std::vector<RouteHandler> handlers{RouteHandler{}};  // [0] for requests naming no known route
  std::vector<std::uint32_t> handler_of_route;  // by RequestRecord::route; beyond it: handler 0
  std::uint32_t app = 0;     // index of the app, recorded as the source of its calls
  bool multiplexed = false;  // HTTP/2: a connection's answers go out as they are ready
  // UDP: the socket's receive queue holds `receive_buffer` bytes, each
  // datagram charged its payload and `datagram_overhead` (the kernel's
  // bookkeeping, the skb's truesize).
  bool udp = false;
  std::uint64_t receive_buffer = 212992;
  std::uint32_t datagram_overhead = 576;
};

struct HttpServerCounters {
  std::uint64_t accepted = 0;  // connections
  std::uint64_t requests = 0;
  std::uint64_t served = 0;
  std::uint64_t dropped = 0;        // answered nowhere: the client's connection was gone
  std::uint64_t receive_drops = 0;  // UDP: datagrams that found the receive queue full
  std::uint64_t consumed = 0;       // UDP: datagrams handled without an answer
};

class HttpServer {
 public:
  // Listens on the pod's stack (its containers share it); `cpu` may be null
  // (no CPU charged). The random stream should be named after the pod.
  HttpServer(net::TcpStack& stack, node::NodeCpu* cpu, RequestTable& table, HttpServerConfig config,
             engine::RandomStream random);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The calls' pools are made after the server, with call_done as their
  // callback and the server as context; set them before the run.
  std::vector<CallGroup>& calls(std::size_t handler = 0) { return config_.handlers[handler].calls; }
  // Where drawn calls (probabilities, drawn counts) draw from, apart from the
  // service times, so that they change no other draw.
  void set_call_random(engine::RandomStream random) { call_random_ = random; }
  static void call_done(void* server, std::uint64_t cookie, std::uint64_t request) {
    on_call_done(server, cookie, request);
  }
  const HttpServerConfig& config() const { return config_; }
  const HttpServerCounters& counters() const { return counters_; }
  int busy_slots() const { return busy_; }

  // SIGTERM, as an HTTP server handles it: the listener closes (new
  // connections are refused), idle connections are closed, requests in
  // progress finish and their connections close after the answer. `drained`
  // is called once nothing is in progress any more.
  using Drained = void (*)(void* context);
  void shutdown(Drained drained, void* context);
  // SIGKILL: nothing more is served or answered (the caller resets the
  // pod's connections).
  void kill();
  // Requests received and not yet answered.
  std::size_t in_progress() const { return work_.size() - free_work_.size(); }
  std::size_t queued() const { return queue_.size(); }

 private:
  struct Work {
    std::uint64_t request = 0;
    AcceptedConnections::Ref from;
    std::uint32_t handler = 0;
    std::uint16_t depth = 0;  // the request's (RequestRecord::depth)
    std::size_t group = 0;    // the call group in progress
    std::size_t call = 0;     // sequential: the call in progress; parallel: 1 once sent
    int left = -1;            // sequential: times the call is still to be made; -1: not drawn
    int outstanding = 0;      // calls in flight
    bool in_use = false;
    // UDP: whom to answer (when its sender waits), and what it holds of the
    // receive queue while it waits for a slot.
    bool udp = false;
    bool reply = false;
    net::Address peer = 0;
    std::uint16_t peer_port = 0;
    std::uint64_t queued_bytes = 0;
  };

  static void on_accept(void* ctx, net::TcpConnection& c);
  void on_accepted(std::uint64_t) {}
  static void on_request(void* ctx, AcceptedConnections::Ref from, std::uint64_t tag);
  static void on_datagram(void* ctx, const net::Packet& p);
  std::uint32_t new_work(std::uint64_t request, AcceptedConnections::Ref from);
  void start(std::uint32_t work);
  static void on_cpu_done(void* ctx, std::uint64_t work);
  void on_service_done(std::uint64_t work);
  void next_calls(std::uint32_t work);
  void send_call(std::uint32_t work, const Call& call);
  int times(const Work& work, const Call& call);  // how often the call is made for the work
  static void on_call_done(void* ctx, std::uint64_t work, std::uint64_t request);
  void respond(std::uint32_t work);
  void check_drained();

  net::TcpStack& stack_;
  engine::Simulator& sim_;
  node::NodeCpu* cpu_;
  ProgramCpu program_;
  RequestTable& table_;
  HttpServerConfig config_;
  engine::RandomStream random_;
  engine::RandomStream call_random_{0};
  AcceptedConnections connections_{this, &HttpServer::on_request};
  std::vector<Work> work_;
  std::vector<std::uint32_t> free_work_;
  engine::RingQueue<std::uint32_t> queue_;  // waiting for a slot
  std::uint64_t receive_queued_ = 0;        // UDP: bytes charged to the receive queue
  int busy_ = 0;
  bool shut_down_ = false;
  bool killed_ = false;
  Drained drained_ = nullptr;
  void* drained_context_ = nullptr;
  HttpServerCounters counters_;
};

}  // namespace podwire::app
