// ServerFarm: c identical servers behind one FIFO queue, fed by a renewal
// arrival process (Poisson when inter-arrival times are exponential): the
// G/G/c queue that the default scenario and the validation tests run on the engine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/latency_histogram.hpp"
#include "engine/random_stream.hpp"
#include "engine/ring_queue.hpp"
#include "engine/running_stats.hpp"
#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "engine/time_weighted.hpp"

namespace podwire::queueing {

struct ServerFarmConfig {
  engine::Distribution interarrival = engine::Distribution::exponential(1.0);  // seconds
  engine::Distribution service = engine::Distribution::exponential(0.5);       // seconds
  int servers = 1;
  // Jobs that arrive before this time are served but not measured, and the
  // time-weighted statistics start here.
  engine::Time warmup;
};

// What the farm measured over its window [warmup, now]. Times in picoseconds.
struct ServerFarmStats {
  std::uint64_t arrivals = 0;      // measured jobs that arrived
  std::uint64_t completions = 0;   // measured jobs that finished
  std::uint64_t waited = 0;        // measured jobs that found every server busy
  engine::RunningStats wait_s;     // time in queue, seconds
  engine::RunningStats sojourn_s;  // time in system, seconds
  engine::LatencyHistogram sojourn;
  engine::LatencyHistogram wait;
  double mean_in_system = 0;  // time-weighted, over the window
  double mean_busy = 0;       // time-weighted busy servers
  double window_s = 0;
};

// One finished job, as observers (a trace writer) see it.
struct JobRecord {
  std::uint64_t id = 0;  // arrival order, from 1
  engine::Time arrived;
  engine::Time started;  // service began
  engine::Time finished;
  bool measured = false;  // arrived after the warm-up
};

class ServerFarm {
 public:
  // Draws arrivals from stream "<name>/arrivals" and service times from
  // "<name>/service" of the root. std::invalid_argument when servers < 1.
  ServerFarm(engine::Simulator& sim, const engine::RandomRoot& random, ServerFarmConfig config,
             const std::string& name = "farm");
  ServerFarm(const ServerFarm&) = delete;
  ServerFarm& operator=(const ServerFarm&) = delete;

  // Schedules the first arrival and the end of the warm-up.
  void start();

  // Statistics of the measurement window up to now.
  ServerFarmStats stats() const;

  std::size_t in_queue() const { return queue_.size(); }
  int busy() const { return busy_; }

  // Emitted for every job as it leaves; costs nothing when nobody listens.
  engine::Signal<const JobRecord&> job_done;

 private:
  struct Waiting {
    std::uint64_t id;
    engine::Time arrived;
  };

  void on_arrival();
  void on_departure(std::uint64_t server);
  void on_warmup_end();
  void begin_service(const Waiting& job);
  engine::Time draw(const engine::Distribution& d, engine::RandomStream& s);

  engine::Simulator& sim_;
  ServerFarmConfig config_;
  engine::RandomStream arrivals_rng_;
  engine::RandomStream service_rng_;
  engine::RingQueue<Waiting> queue_;
  std::vector<JobRecord> in_service_;  // by server
  std::vector<std::uint64_t> idle_servers_;
  int busy_ = 0;
  std::uint64_t next_id_ = 0;

  std::uint64_t arrivals_ = 0;
  std::uint64_t completions_ = 0;
  std::uint64_t waited_ = 0;
  engine::RunningStats wait_s_;
  engine::RunningStats sojourn_s_;
  engine::LatencyHistogram wait_hist_;
  engine::LatencyHistogram sojourn_hist_;
  engine::TimeWeighted in_system_;
  engine::TimeWeighted busy_servers_;
};

}  // namespace podwire::queueing
