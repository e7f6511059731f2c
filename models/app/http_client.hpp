// HttpClient: a traffic source. Open loop: requests start at the instants of
// an arrival process (Poisson or constant rate) whatever happens to earlier
// ones. Closed loop: each of `users` sends a request, waits for its answer,
// thinks, and sends the next. Every request gets a record (requests.hpp),
// costs the client program's user-space CPU on its threads (ProgramCpu), and
// goes through one Upstream (an HTTP/1.1 pool or an HTTP/2 channel) to the
// target.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/random_stream.hpp"
#include "engine/slot_pool.hpp"
#include "models/app/program_cpu.hpp"
#include "models/app/upstream_pool.hpp"

namespace podwire::app {

struct HttpClientConfig {
  std::uint32_t source = 0;  // recorded in each request: which traffic entry
  std::uint32_t target = 0;  // recorded in each request
  std::uint32_t url = 0;     // recorded in each request (RequestTable::intern_url)
  // The routes its requests ask for, each with the cumulative weight up to it
  // (the last is the total); one route needs no draw, none is route 0.
  std::vector<std::pair<std::uint32_t, double>> mix;
  bool open_loop = true;
  engine::Distribution interarrival = engine::Distribution::exponential(0.01);
  int users = 1;
  engine::Distribution think_time = engine::Distribution::constant(0.0);
  std::uint64_t request_bytes = 200;
  engine::Time cpu_per_request;  // the program's user-space work for each request, before it leaves
  engine::Time start;
  engine::Time stop = engine::Time::max();
};

struct HttpClientCounters {
  std::uint64_t sent = 0;
  std::uint64_t finished = 0;
  std::uint64_t ok = 0;
};

class HttpClient {
 public:
  // The pool must have been made with HttpClient::done and this client as
  // context: make the client first, then its pool, then call attach(). The
  // random stream should be named after the traffic entry and the pod.
  HttpClient(RequestTable& table, std::uint32_t endpoint_id, HttpClientConfig config,
             engine::Simulator& sim, engine::RandomStream random);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void attach(Upstream& pool) { pool_ = &pool; }
  // The program's threads on its node (none: no CPU charged).
  void set_program(ProgramCpu* program) { program_ = program; }
  // Where a mix of routes draws from, apart from the arrivals.
  void set_mix_random(engine::RandomStream random) { mix_random_ = random; }
  // Schedules the first requests.
  void start();
  static void done(void* client, std::uint64_t cookie, std::uint64_t request);

  const HttpClientCounters& counters() const { return counters_; }
  const HttpClientConfig& config() const { return config_; }

 private:
  void on_arrival();
  void on_user(std::uint64_t user);
  void send(std::uint64_t cookie);
  void on_built(std::uint64_t slot);
  void on_read(std::uint64_t) {}
  std::uint32_t route();  // the next request's

  RequestTable& table_;
  std::uint32_t endpoint_id_;
  HttpClientConfig config_;
  engine::Simulator& sim_;
  engine::RandomStream random_;
  engine::RandomStream mix_random_{0};
  Upstream* pool_ = nullptr;
  ProgramCpu* program_ = nullptr;
  struct Building {
    std::uint64_t request;
    std::uint64_t cookie;
  };
  engine::SlotPool<Building> building_;  // requests on the program's threads
  HttpClientCounters counters_;
};

}  // namespace podwire::app
