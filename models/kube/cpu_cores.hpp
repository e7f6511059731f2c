// CpuCores: a node's cores, on which application work and the kernel's
// per-packet work are queued and charged. Pinned work (softirq on the core
// RSS/RPS chose) waits in that core's FIFO; application work waits in one
// shared FIFO and runs on whichever core frees first; an idle core takes its
// pinned work before shared work, as softirqs run ahead of threads. No
// preemption of work already running. One pending event per busy core.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ring_queue.hpp"
#include "engine/simulator.hpp"

namespace podwire::kube {

class CpuCores {
 public:
  using Done = void (*)(void* context, std::uint64_t tag);

  CpuCores(engine::Simulator& sim, int cores, std::string name);
  CpuCores(const CpuCores&) = delete;
  CpuCores& operator=(const CpuCores&) = delete;

  // Application work on any core. O(1).
  void run(engine::Time work, Done done, void* context, std::uint64_t tag);
  // Kernel work on one core (core < cores()). O(1).
  void run_on_core(int core, engine::Time work, Done done, void* context, std::uint64_t tag);

  int cores() const { return static_cast<int>(cores_.size()); }
  const std::string& name() const { return name_; }
  // Busy time summed over cores since the start, by kind, including work in
  // progress up to now.
  engine::Time busy_application() const;
  engine::Time busy_kernel() const;
  std::size_t queued_application() const { return shared_.size(); }
  std::uint64_t jobs_done() const { return jobs_done_; }

 private:
  struct Job {
    engine::Time work;
    Done done;
    void* context;
    std::uint64_t tag;
  };
  struct Core {
    engine::RingQueue<Job> pinned;
    bool busy = false;
    bool running_kernel = false;
    Job running{};
    engine::Time started;
  };

  void start(int core);
  void on_finish(std::uint64_t core);

  engine::Simulator& sim_;
  std::string name_;
  std::vector<Core> cores_;
  engine::RingQueue<Job> shared_;
  engine::Time busy_application_;
  engine::Time busy_kernel_;
  std::uint64_t jobs_done_ = 0;
};

}  // namespace podwire::kube
