// NodeCpu: a node's cores, on which the kernel's per-packet work (pinned to the
// core RSS/RPS picks) and applications' work (one shared run queue) are queued
// and charged, so both show up as latency and as busy time. Kernel work
// preempts an application job on its core, as softirqs interrupt a process:
// the application job resumes, delayed by that much, once the core's kernel
// work is done. Neither kind preempts its own kind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ring_queue.hpp"
#include "engine/simulator.hpp"
#include "engine/time.hpp"

namespace podwire::node {

// Which account a piece of work is charged to.
enum class CpuWork : std::uint8_t {
  kernel,       // pinned to a core: softirq, netfilter, encapsulation
  application,  // the shared run queue: containers' threads
};

struct NodeCpuCounters {
  std::uint64_t kernel_jobs = 0;  // pinned jobs finished
  std::uint64_t application_jobs = 0;
  std::uint64_t application_waited = 0;  // shared jobs that found every core busy
};

// Busy core-time charged up to `at` (work in progress counted up to `at`):
// take one with usage() and pass it back to busy_fraction() to measure a window.
struct CpuUsage {
  engine::Time at;
  engine::Time kernel;
  engine::Time application;
};

class NodeCpu {
 public:
  // Called when a piece of work has finished, with the context and tag the
  // submitter chose (a request slot, a packet id). The same shape as
  // node::NodeCpu, so either can be used where the other was.
  using Done = void (*)(void* context, std::uint64_t tag);

  // std::invalid_argument naming the node when cores < 1.
  NodeCpu(engine::Simulator& sim, int cores, std::string name);
  NodeCpu(const NodeCpu&) = delete;
  NodeCpu& operator=(const NodeCpu&) = delete;

  // Kernel work pinned to `core` (0-based), FIFO per core. A core that becomes
  // free takes its pinned work before any shared work, which is what softirq
  // preempting threads amounts to when work is never preempted once running.
  // std::out_of_range for a bad core, std::invalid_argument for negative work.
  // O(1) amortised.
  void run_on_core(int core, engine::Time work, Done done, void* context, std::uint64_t tag);

  // Application work in the shared FIFO, started on the lowest-numbered idle
  // core. Zero work still completes through an event (never inside this call).
  // O(cores / 64) to find an idle core; O(1) amortised otherwise.
  void run(engine::Time work, Done done, void* context, std::uint64_t tag);

  // Member-function forms: cpu.run<&Server::on_cpu_done>(work, this, slot);
  // Method is void (T::*)(std::uint64_t tag).
  template <auto Method, class T>
  void run(engine::Time work, T* object, std::uint64_t tag) {
    run(work, &thunk<Method, T>, object, tag);
  }
  template <auto Method, class T>
  void run_on_core(int core, engine::Time work, T* object, std::uint64_t tag) {
    run_on_core(core, work, &thunk<Method, T>, object, tag);
  }

  const std::string& name() const { return name_; }
  int cores() const { return static_cast<int>(cores_.size()); }
  int busy_cores() const { return busy_; }
  bool core_busy(int core) const { return cores_.at(static_cast<std::size_t>(core)).busy; }
  // Jobs waiting, not counting the ones running.
  std::size_t pinned_queue_length(int core) const {
    return cores_.at(static_cast<std::size_t>(core)).pinned.size();
  }
  std::size_t shared_queue_length() const { return shared_.size(); }
  const NodeCpuCounters& counters() const { return counters_; }

  // Busy core-time charged so far, exact in picoseconds. O(cores).
  CpuUsage usage() const;
  engine::Time busy_time(CpuWork kind) const;
  engine::Time core_busy_time(int core) const;  // both kinds

  // Fraction of the node's capacity (cores x elapsed time) spent on `kind`
  // since `since` was taken (default: since construction); 0 over an empty
  // window. O(cores).
  double busy_fraction(CpuWork kind, const CpuUsage& since) const;
  double busy_fraction(CpuWork kind) const {
    return busy_fraction(kind, CpuUsage{created_, {}, {}});
  }

  // node::NodeCpu' names for the same figures.
  engine::Time busy_application() const { return busy_time(CpuWork::application); }
  engine::Time busy_kernel() const { return busy_time(CpuWork::kernel); }
  std::size_t queued_application() const { return shared_.size(); }
  std::uint64_t jobs_done() const { return counters_.kernel_jobs + counters_.application_jobs; }

 private:
  struct Job {
    engine::Time work;
    Done done = nullptr;
    void* context = nullptr;
    std::uint64_t tag = 0;
  };

  template <auto Method, class T>
  static void thunk(void* context, std::uint64_t tag) {
    (static_cast<T*>(context)->*Method)(tag);
  }
  struct Core {
    bool busy = false;
    CpuWork kind = CpuWork::application;
    engine::Time started;
    Job job;
    engine::EventId finish;
    bool has_preempted = false;  // an application job waits for the kernel work
    Job preempted;               // its remaining work
    engine::Time kernel_done;  // charged by finished jobs
    engine::Time application_done;
    engine::RingQueue<Job> pinned;
  };

  void start(std::size_t core, const Job& job, CpuWork kind);
  void on_finish(std::uint64_t core);
  void set_idle(std::size_t core, bool idle);
  // Lowest idle core, or cores() when none is idle.
  std::size_t lowest_idle() const;
  static void check_work(engine::Time work, const std::string& name);

  engine::Simulator& sim_;
  std::string name_;
  engine::Time created_;
  std::vector<Core> cores_;
  std::vector<std::uint64_t> idle_mask_;  // bit per core
  engine::RingQueue<Job> shared_;
  int busy_ = 0;
  NodeCpuCounters counters_;
};

}  // namespace podwire::node
