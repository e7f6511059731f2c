// ProgramCpu: a program's threads on its node's cores. Its user-space work
// (a request parsed and built, a response handled) runs on the node's shared
// run queue, but at most `threads` jobs of the program at once: a job that
// finds every thread busy waits its turn, so a single-threaded load generator
// (ab) that saturates delays its next request as it does in a benchmark.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/ring_queue.hpp"
#include "engine/slot_pool.hpp"
#include "engine/time.hpp"
#include "models/node/host_stack.hpp"
#include "models/node/node_cpu.hpp"

namespace podwire::app {

class ProgramCpu {
 public:
  using Done = node::NodeCpu::Done;

  // `cpu` may be null (no CPU charged: jobs finish at once); threads 0: one
  // per core of the node. `host`: the node's host stack costs, for reading
  // messages (null: reading costs nothing).
  ProgramCpu(node::NodeCpu* cpu, int threads, const node::HostStackCosts* host = nullptr);
  ProgramCpu(const ProgramCpu&) = delete;
  ProgramCpu& operator=(const ProgramCpu&) = delete;

  // Runs `work` on one of the program's threads, then calls done(context,
  // tag). Zero work, or no CPU, calls done at once, inside this call.
  void run(engine::Time work, Done done, void* context, std::uint64_t tag) {
    run(work, engine::Time::zero(), done, context, tag);
  }
  template <auto Method, class T>
  void run(engine::Time work, T* object, std::uint64_t tag) {
    run(work, &thunk<Method, T>, object, tag);
  }
  // The same where the first `system` of `work` is the thread's time in the
  // kernel (recv(), accept(), a wake-up: read_cost(), accept_cost()), which
  // the node accounts as system time rather than user time.
  void run(engine::Time work, engine::Time system, Done done, void* context, std::uint64_t tag);
  template <auto Method, class T>
  void run(engine::Time work, engine::Time system, T* object, std::uint64_t tag) {
    run(work, system, &thunk<Method, T>, object, tag);
  }

  // What reading a message of `bytes` costs the program now: recv() and the
  // copy, and a wake-up when every thread is asleep (nothing running or
  // waiting), as an event loop pays it only when it had run dry.
  // An event loop also calls epoll_wait() for each message it handles.
  engine::Time read_cost(std::uint64_t bytes) const {
    if (host_ == nullptr || cpu_ == nullptr) return engine::Time::zero();
    return node::HostStack::read(*host_, bytes, asleep()) +
           (event_loop_ ? host_->syscall : engine::Time::zero());
  }
  // What accepting a connection costs the program now: accept(), and a
  // wake-up when it was asleep.
  engine::Time accept_cost() const {
    if (host_ == nullptr || cpu_ == nullptr) return engine::Time::zero();
    return node::HostStack::accept(*host_, asleep());
  }
  // The program waits for events with epoll (nginx, Envoy, wrk) rather than
  // blocking in recv() (netperf).
  void set_event_loop(bool on) { event_loop_ = on; }
  bool asleep() const { return busy_ == 0 && waiting_.empty(); }

  int threads() const { return threads_; }
  int busy_threads() const { return busy_; }
  std::size_t waiting() const { return waiting_.size(); }
  std::uint64_t jobs_waited() const { return waited_; }  // jobs that found every thread busy

 private:
  struct Job {
    engine::Time work;
    engine::Time system;
    Done done = nullptr;
    void* context = nullptr;
    std::uint64_t tag = 0;
  };
  template <auto Method, class T>
  static void thunk(void* context, std::uint64_t tag) {
    (static_cast<T*>(context)->*Method)(tag);
  }
  void start(const Job& job);
  static void on_done(void* self, std::uint64_t slot);

  node::NodeCpu* cpu_;
  const node::HostStackCosts* host_;
  int threads_;
  bool event_loop_ = false;
  int busy_ = 0;
  std::uint64_t waited_ = 0;
  engine::RingQueue<Job> waiting_;
  engine::SlotPool<Job> running_;  // the jobs on the cores: at most threads_ of them
};

}  // namespace podwire::app
