// NodeCpu: a node's cores, on which the kernel's per-packet work (pinned to the
// core that runs it: the RSS queue's, or the sending thread's) and
// applications' work (one shared run queue) are queued and charged, so both
// show up as latency and as busy time. Work is given as time on the reference
// machine (docs/parameters.md); the cores run it at their relative `speed`. Kernel work
// preempts an application job on its core, as softirqs interrupt a process:
// the application job resumes, delayed by that much, once the core's kernel
// work is done. Neither kind preempts its own kind. With simultaneous
// multithreading, core i and core i + cores/2 are two hardware threads of one
// physical core (Linux's numbering on x86; of an odd number the last core
// has none): while both are busy each runs at
// `Smt::share` of its speed alone, and a job already running slows down or
// speeds up from that moment.
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
// Kernel time splits as Linux's accounting does: `system` is the part spent
// in a process's context (system calls, TCP output from send()), the rest of
// `kernel` softirq; `application` is user time.
// `work` is what the jobs needed at a hardware thread's pace alone: below
// kernel + application by what busy SMT siblings slowed them.
struct CpuUsage {
  engine::Time at;
  engine::Time kernel;
  engine::Time application;
  engine::Time system;  // part of kernel
  engine::Time work;
  engine::Time softirq() const { return kernel - system; }
};

// Two hardware threads per physical core, each running at `share` of its
// speed alone while its sibling is busy; share 1 makes them independent.
struct Smt {
  bool on = false;
  double share = 1.0;
};

class NodeCpu {
 public:
  // Called when a piece of work has finished, with the context and tag the
  // submitter chose (a request slot, a packet id). The same shape as
  // node::NodeCpu, so either can be used where the other was.
  using Done = void (*)(void* context, std::uint64_t tag);

  // std::invalid_argument naming the node when cores < 1 or speed is not
  // positive. speed: how fast a core runs work relative to the reference
  // machine (2.0 halves every cost).
  // With `smt.on`, share must be in (0, 1]; of an odd number of cores the
  // last has no sibling.
  NodeCpu(engine::Simulator& sim, int cores, std::string name, double speed = 1.0, Smt smt = {});
  NodeCpu(const NodeCpu&) = delete;
  NodeCpu& operator=(const NodeCpu&) = delete;

  // Kernel work pinned to `core` (0-based), FIFO per core. A core that becomes
  // free takes its pinned work before any shared work, which is what softirq
  // preempting threads amounts to when work is never preempted once running.
  // std::out_of_range for a bad core, std::invalid_argument for negative work.
  // `system` is the part of `work` accounted as system time (at most work).
  // O(1) amortised.
  void run_on_core(int core, engine::Time work, Done done, void* context, std::uint64_t tag) {
    run_on_core(core, work, engine::Time::zero(), done, context, tag);
  }
  void run_on_core(int core, engine::Time work, engine::Time system, Done done, void* context,
                   std::uint64_t tag);

  // The core whose finished job's callback is running now, or -1: work a
  // callback submits (a packet sent in reply) runs in that thread's context.
  int current_core() const { return current_core_; }
  double speed() const { return speed_; }
  // The work per second the cores deliver when every one is busy, in
  // hardware threads' worth at their pace alone: cores() without SMT, each
  // pair of siblings 2 x share with it.
  double capacity() const {
    const int pairs = smt_.on ? cores() / 2 : 0;
    return (cores() - 2 * pairs) + 2.0 * pairs * smt_.share;
  }
  // The other hardware thread of `core`'s physical core, or -1 without SMT.
  int sibling(int core) const {
    const int half = cores() / 2;
    if (!smt_.on || core >= 2 * half) return -1;
    return core < half ? core + half : core - half;
  }

  // Application work in the shared FIFO, started on the lowest-numbered idle
  // core. Zero work still completes through an event (never inside this call).
  // O(cores / 64) to find an idle core; O(1) amortised otherwise.
  void run(engine::Time work, Done done, void* context, std::uint64_t tag) {
    run(work, engine::Time::zero(), done, context, tag);
  }
  // The same with `system` (at most work) of it a thread's time in the
  // kernel, accounted as system time: a write's send() and copy.
  void run(engine::Time work, engine::Time system, Done done, void* context, std::uint64_t tag);

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
  // The next job waiting on `core` (after the one running): false when none,
  // else its callback, context and tag.
  bool next_pinned(int core, Done& done, void*& context, std::uint64_t& tag) const {
    const Core& c = cores_.at(static_cast<std::size_t>(core));
    if (c.pinned.empty()) return false;
    const Job& j = c.pinned.front();
    done = j.done;
    context = j.context;
    tag = j.tag;
    return true;
  }
  const NodeCpuCounters& counters() const { return counters_; }

  // Busy core-time charged so far, exact in picoseconds. O(cores).
  CpuUsage usage() const;
  engine::Time busy_time(CpuWork kind) const;
  engine::Time core_busy_time(int core) const;  // both kinds

  // Fraction of the node's capacity (cores x elapsed time) spent on `kind`
  // since `since` was taken (default: since construction); 0 over an empty
  // window. O(cores).
  double busy_fraction(CpuWork kind, const CpuUsage& since) const;
  // The part of the kernel's share that was system time.
  double system_fraction(const CpuUsage& since) const;
  double busy_fraction(CpuWork kind) const {
    return busy_fraction(kind, CpuUsage{created_, {}, {}, {}, {}});
  }

  // node::NodeCpu' names for the same figures.
  engine::Time busy_application() const { return busy_time(CpuWork::application); }
  engine::Time busy_kernel() const { return busy_time(CpuWork::kernel); }
  std::size_t queued_application() const { return shared_.size(); }
  std::uint64_t jobs_done() const { return counters_.kernel_jobs + counters_.application_jobs; }

 private:
  struct Job {
    engine::Time work;
    engine::Time system;  // the part that is system time (first)
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
    engine::Time started;  // when `job` (its work left then) last changed pace
    double rate = 1.0;     // work done per unit of time: below 1 while the SMT sibling is busy
    Job job;
    // The running job's finish: `due` at its pace now. One event is pending
    // for it at `armed` (at most `due`); an event of an older generation is
    // stale and does nothing, so a pace change never cancels one: slowing
    // down leaves the event to find the job unfinished and wait on, speeding
    // up arms an earlier one.
    engine::Time due;
    engine::Time armed;
    std::uint32_t generation = 0;
    // The wall time `work` takes at the running job's pace.
    engine::Time stretched(engine::Time work) const;
    // The wall time of `elapsed` the running job spent in its system part.
    engine::Time system_wall(engine::Time elapsed) const;
    // The work the running job does in `elapsed` at its pace.
    engine::Time progress(engine::Time elapsed) const;
    // Charges `elapsed` (wall time) of the running job to its accounts (an
    // application job's system part first).
    void account(engine::Time elapsed);
    // Charges the time since `started` and takes the work done off the job.
    void advance(engine::Time now);
    bool has_preempted = false;  // an application job waits for the kernel work
    Job preempted;               // its remaining work
    engine::Time kernel_done;    // charged by finished jobs
    engine::Time system_done;    // of which system time
    engine::Time application_done;
    engine::Time work_done;  // at the pace alone
    engine::RingQueue<Job> pinned;
  };

  void start(std::size_t core, const Job& job, CpuWork kind);
  // The running job on `core` goes on at the pace its sibling now allows.
  void repace(std::size_t core);
  // A busy core's sibling goes on at the pace this core's start or stop allows.
  void repace_sibling(std::size_t core);
  double rate_for(std::size_t core) const;
  void on_finish(std::uint64_t tag);  // core | generation << 32
  void arm(std::size_t core, engine::Time at);
  void set_idle(std::size_t core, bool idle);
  // Lowest idle core, or cores() when none is idle.
  std::size_t lowest_idle() const;
  static void check_work(engine::Time work, const std::string& name);
  // Reference-machine work as this machine's cores take it.
  engine::Time scaled(engine::Time work) const;

  engine::Simulator& sim_;
  std::string name_;
  engine::Time created_;
  std::vector<Core> cores_;
  std::vector<std::uint64_t> idle_mask_;  // bit per core
  engine::RingQueue<Job> shared_;
  int busy_ = 0;
  int current_core_ = -1;
  double speed_ = 1.0;
  Smt smt_;
  NodeCpuCounters counters_;
};

}  // namespace podwire::node
