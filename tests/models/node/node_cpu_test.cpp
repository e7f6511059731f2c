// NodeCpu: exact FIFO timings on one core, pinned work ahead of shared work,
// lowest-idle-core dispatch, exact busy-time accounting, and the shared queue
// against the M/M/c (Erlang C) mean wait.
#include "models/node/node_cpu.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "engine/random_stream.hpp"
#include "models/queueing/queueing_theory.hpp"

namespace podwire::node {
namespace {

using namespace engine::time_literals;
using engine::Time;

// Records (tag, time) of every finished job.
struct Log {
  engine::Simulator* sim;
  struct Entry {
    std::uint64_t tag;
    Time at;
  };
  std::vector<Entry> done;
  static void on_done(void* c, std::uint64_t tag) {
    auto* log = static_cast<Log*>(c);
    log->done.push_back(Entry{tag, log->sim->now()});
  }
};

TEST(NodeCpu, RejectsBadArguments) {
  engine::Simulator sim;
  EXPECT_THROW(NodeCpu(sim, 0, "n"), std::invalid_argument);
  NodeCpu cpu(sim, 2, "n");
  EXPECT_THROW(cpu.run_on_core(2, 1_us, nullptr, nullptr, 0), std::out_of_range);
  EXPECT_THROW(cpu.run_on_core(-1, 1_us, nullptr, nullptr, 0), std::out_of_range);
  EXPECT_THROW(cpu.run(-1_us, nullptr, nullptr, 0), std::invalid_argument);
}

TEST(NodeCpu, OneCoreRunsSharedWorkInOrderAtExactTimes) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 1, "node");
  Log log{&sim, {}};
  cpu.run(3_us, &Log::on_done, &log, 1);
  cpu.run(5_us, &Log::on_done, &log, 2);
  cpu.run(2_us, &Log::on_done, &log, 3);
  cpu.run(0_us, &Log::on_done, &log, 4);
  EXPECT_EQ(cpu.busy_cores(), 1);
  EXPECT_EQ(cpu.shared_queue_length(), 3u);
  sim.run_until(20_us);
  cpu.run(1_us, &Log::on_done, &log, 5);  // finds the core idle: starts at once
  sim.run();
  ASSERT_EQ(log.done.size(), 5u);
  const std::uint64_t tags[] = {1, 2, 3, 4, 5};
  const Time at[] = {3_us, 8_us, 10_us, 10_us, 21_us};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(log.done[i].tag, tags[i]);
    EXPECT_EQ(log.done[i].at, at[i]);
  }
  EXPECT_EQ(cpu.counters().application_jobs, 5u);
  EXPECT_EQ(cpu.counters().application_waited, 3u);
  EXPECT_EQ(cpu.busy_cores(), 0);
}

TEST(NodeCpu, WorkSubmittedFromACallbackQueuesBehindWaitingWork) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 1, "node");
  struct Chain {
    NodeCpu* cpu;
    Log* log;
  } chain{&cpu, nullptr};
  Log log{&sim, {}};
  chain.log = &log;
  cpu.run(
      1_us,
      [](void* c, std::uint64_t) {
        auto* ch = static_cast<Chain*>(c);
        ch->cpu->run(1_us, &Log::on_done, ch->log, 9);
      },
      &chain, 0);
  cpu.run(4_us, &Log::on_done, &log, 2);
  sim.run();
  ASSERT_EQ(log.done.size(), 2u);
  EXPECT_EQ(log.done[0].tag, 2u);
  EXPECT_EQ(log.done[0].at, 5_us);
  EXPECT_EQ(log.done[1].tag, 9u);
  EXPECT_EQ(log.done[1].at, 6_us);
}

TEST(NodeCpu, PinnedWorkPreemptsApplicationWorkOnItsCoreAndQueuesBehindKernelWork) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 2, "node");
  Log log{&sim, {}};
  cpu.run(10_us, &Log::on_done, &log, 1);            // core 0, the lowest idle core
  cpu.run(6_us, &Log::on_done, &log, 2);             // core 1
  cpu.run(5_us, &Log::on_done, &log, 3);             // waits in the shared queue
  cpu.run_on_core(0, 1_us, &Log::on_done, &log, 4);  // interrupts job 1
  cpu.run_on_core(1, 2_us, &Log::on_done, &log, 5);  // interrupts job 2
  cpu.run_on_core(1, 1_us, &Log::on_done, &log,
                  6);  // waits for job 5: kernel work does not preempt kernel work
  EXPECT_TRUE(cpu.core_busy(0));
  EXPECT_TRUE(cpu.core_busy(1));
  EXPECT_EQ(cpu.pinned_queue_length(0), 0u);
  EXPECT_EQ(cpu.pinned_queue_length(1), 1u);
  sim.run();
  // Core 0: pinned 4 [0, 1), job 1 resumed [1, 11).
  // Core 1: pinned 5 [0, 2), pinned 6 [2, 3), job 2 resumed [3, 9), shared 3 [9, 14).
  ASSERT_EQ(log.done.size(), 6u);
  const std::uint64_t tags[] = {4, 5, 6, 2, 1, 3};
  const Time at[] = {1_us, 2_us, 3_us, 9_us, 11_us, 14_us};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(log.done[i].tag, tags[i]) << i;
    EXPECT_EQ(log.done[i].at, at[i]) << i;
  }
  EXPECT_EQ(cpu.counters().kernel_jobs, 3u);
  EXPECT_EQ(cpu.counters().application_jobs, 3u);
  EXPECT_EQ(cpu.busy_time(CpuWork::kernel), 4_us);
  EXPECT_EQ(cpu.busy_time(CpuWork::application), 21_us);
}

TEST(NodeCpu, BusyTimeIsExactAndSplitByKind) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 2, "node");
  cpu.run_on_core(1, 3_us, nullptr, nullptr, 0);
  cpu.run(4_us, nullptr, nullptr, 0);  // core 0
  sim.run_until(2_us);
  // Work in progress counts up to now: 2 us of each kind on 2 cores over 2 us.
  EXPECT_EQ(cpu.busy_time(CpuWork::kernel), 2_us);
  EXPECT_EQ(cpu.busy_time(CpuWork::application), 2_us);
  EXPECT_DOUBLE_EQ(cpu.busy_fraction(CpuWork::kernel), 0.5);
  const CpuUsage at2 = cpu.usage();
  sim.run_until(10_us);
  EXPECT_EQ(cpu.busy_time(CpuWork::kernel), 3_us);
  EXPECT_EQ(cpu.busy_time(CpuWork::application), 4_us);
  EXPECT_EQ(cpu.core_busy_time(0), 4_us);
  EXPECT_EQ(cpu.core_busy_time(1), 3_us);
  EXPECT_DOUBLE_EQ(cpu.busy_fraction(CpuWork::kernel), 3.0 / 20.0);
  EXPECT_DOUBLE_EQ(cpu.busy_fraction(CpuWork::application), 4.0 / 20.0);
  // Over [2 us, 10 us]: 1 us kernel, 2 us application of 16 us of capacity.
  EXPECT_DOUBLE_EQ(cpu.busy_fraction(CpuWork::kernel, at2), 1.0 / 16.0);
  EXPECT_DOUBLE_EQ(cpu.busy_fraction(CpuWork::application, at2), 2.0 / 16.0);
  EXPECT_EQ(cpu.busy_fraction(CpuWork::kernel, cpu.usage()), 0.0);  // empty window
}

// A thread's time in the kernel (a write's send() and copy) runs on the
// shared queue like its user time but is accounted as system time, first;
// preempted halfway, it keeps the split.
TEST(NodeCpu, SharedWorkWithASystemPartIsAccountedAsSystemTimeFirst) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 1, "node");
  cpu.run(5_us, 3_us, nullptr, nullptr, 0);
  sim.run_until(2_us);
  CpuUsage u = cpu.usage();
  EXPECT_EQ(u.system, 2_us);
  EXPECT_EQ(u.kernel, 2_us);
  EXPECT_EQ(u.application, Time::zero());
  cpu.run_on_core(0, 1_us, nullptr, nullptr, 0);  // softirq takes the core [2, 3)
  sim.run();
  u = cpu.usage();
  EXPECT_EQ(u.system, 3_us);
  EXPECT_EQ(u.kernel, 4_us);  // 3 of the thread's system time, 1 of softirq
  EXPECT_EQ(u.softirq(), 1_us);
  EXPECT_EQ(u.application, 2_us);
  EXPECT_EQ(cpu.core_busy_time(0), 6_us);
  EXPECT_EQ(cpu.counters().application_jobs, 1u);
}

TEST(NodeCpu, SharedWorkTakesTheLowestIdleCore) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 70, "big");  // more than one word of the idle mask
  for (int i = 0; i < 69; ++i) cpu.run(1_ms, nullptr, nullptr, 0);
  EXPECT_EQ(cpu.busy_cores(), 69);
  EXPECT_FALSE(cpu.core_busy(69));
  EXPECT_TRUE(cpu.core_busy(68));
  sim.run_until(500_us);
  cpu.run(1_ms, nullptr, nullptr, 0);
  EXPECT_TRUE(cpu.core_busy(69));
  EXPECT_EQ(cpu.shared_queue_length(), 0u);
  cpu.run(1_ms, nullptr, nullptr, 0);
  EXPECT_EQ(cpu.shared_queue_length(), 1u);
  sim.run_until(1_ms);  // cores 0..68 free; the waiting job takes core 0
  EXPECT_TRUE(cpu.core_busy(0));
  EXPECT_FALSE(cpu.core_busy(1));
  EXPECT_EQ(cpu.busy_cores(), 2);
}

// Poisson arrivals of exponential work to the shared queue of c cores are an
// M/M/c queue: the mean wait must match Erlang C.
struct Source {
  engine::Simulator* sim;
  NodeCpu* cpu;
  engine::RandomStream rng{42};
  double lambda, mean_work;
  std::uint64_t remaining;
  std::vector<Time> submitted;
  std::vector<Time> work;
  double wait_sum = 0;
  std::uint64_t finished = 0;

  void arrive() {
    const Time w = Time::from_seconds(rng.exponential(mean_work));
    const std::uint64_t tag = submitted.size();
    submitted.push_back(sim->now());
    work.push_back(w);
    cpu->run<&Source::on_done>(w, this, tag);
    if (--remaining > 0)
      sim->schedule_in<&Source::arrive>(Time::from_seconds(rng.exponential(1 / lambda)), this);
  }
  void on_done(std::uint64_t tag) {
    wait_sum += (sim->now() - submitted[tag] - work[tag]).seconds();
    ++finished;
  }
};

TEST(NodeCpuValidation, SharedQueueMatchesErlangC) {
  const int c = 4;
  const double mean_work = 100e-6, mu = 1 / mean_work, lambda = 0.75 * c * mu;
  const std::uint64_t jobs = 2'000'000;
  engine::Simulator sim;
  NodeCpu cpu(sim, c, "node");
  Source src{&sim, &cpu, engine::RandomStream(42), lambda, mean_work, jobs, {}, {}, 0, 0};
  src.submitted.reserve(jobs);
  src.work.reserve(jobs);
  src.arrive();
  sim.run();
  ASSERT_EQ(src.finished, jobs);
  const queueing::MmcQueue truth(lambda, mu, c);
  const double wait = src.wait_sum / static_cast<double>(jobs);
  std::printf("[ erlang c ] c=%d rho=0.75: mean wait %.3f us, theory %.3f us; busy %.4f\n", c,
              wait * 1e6, truth.mean_wait() * 1e6, cpu.busy_fraction(CpuWork::application));
  EXPECT_NEAR(wait / truth.mean_wait(), 1.0, 0.03);
  EXPECT_NEAR(cpu.busy_fraction(CpuWork::application), 0.75, 0.01);
  EXPECT_EQ(cpu.busy_time(CpuWork::kernel), Time::zero());
}

// ---------------------------------------------------------------------------
// Simultaneous multithreading: cores i and i + cores/2 are one physical core.

TEST(NodeCpuSmt, PairsCoreIWithIPlusHalfAndRejectsAShareOutsideZeroToOne) {
  engine::Simulator sim;
  EXPECT_EQ(NodeCpu(sim, 3, "n", 1.0, Smt{true, 0.5}).sibling(2), -1);  // the odd one out
  EXPECT_EQ(NodeCpu(sim, 3, "n", 1.0, Smt{true, 0.5}).sibling(1), 0);
  EXPECT_THROW(NodeCpu(sim, 4, "n", 1.0, Smt{true, 0.0}), std::invalid_argument);
  EXPECT_THROW(NodeCpu(sim, 4, "n", 1.0, Smt{true, 1.5}), std::invalid_argument);
  NodeCpu cpu(sim, 4, "n", 1.0, Smt{true, 0.5});
  EXPECT_EQ(cpu.sibling(0), 2);
  EXPECT_EQ(cpu.sibling(3), 1);
  EXPECT_EQ(NodeCpu(sim, 4, "n").sibling(0), -1);
}

TEST(NodeCpuSmt, TwoBusySiblingsEachRunAtTheirShare) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 4, "n", 1.0, Smt{true, 0.6});
  Log log{&sim, {}};
  cpu.run_on_core(0, 6_us, &Log::on_done, &log, 0);
  cpu.run_on_core(2, 6_us, &Log::on_done, &log, 2);
  cpu.run_on_core(1, 6_us, &Log::on_done, &log, 1);  // core 1's sibling (3) is idle
  sim.run();
  ASSERT_EQ(log.done.size(), 3u);
  EXPECT_EQ(log.done[0].tag, 1u);
  EXPECT_EQ(log.done[0].at, 6_us);
  EXPECT_EQ(log.done[1].at, 10_us);  // 6 us of work at 0.6
  EXPECT_EQ(log.done[2].at, 10_us);
  // Each hardware thread was busy for the wall time it took, as Linux counts it.
  EXPECT_EQ(cpu.core_busy_time(0), 10_us);
  EXPECT_EQ(cpu.core_busy_time(2), 10_us);
  EXPECT_EQ(cpu.core_busy_time(1), 6_us);
  // The work itself is what the jobs needed; the pairs deliver 2 x 0.6 each.
  EXPECT_EQ(cpu.usage().work, 18_us);
  EXPECT_DOUBLE_EQ(cpu.capacity(), 2.4);
  EXPECT_DOUBLE_EQ(NodeCpu(sim, 3, "n", 1.0, Smt{true, 0.5}).capacity(), 2.0);
  EXPECT_DOUBLE_EQ(NodeCpu(sim, 3, "n").capacity(), 3.0);
}

TEST(NodeCpuSmt, ARunningJobSlowsWhileItsSiblingWorksAndSpeedsUpAfter) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 2, "n", 1.0, Smt{true, 0.5});
  Log log{&sim, {}};
  cpu.run_on_core(0, 10_us, &Log::on_done, &log, 0);
  sim.run_until(4_us);
  cpu.run_on_core(1, 2_us, &Log::on_done, &log, 1);
  sim.run();
  ASSERT_EQ(log.done.size(), 2u);
  // Core 1: 2 us of work at half pace, from 4 to 8 us. Core 0: 4 us alone,
  // 2 us of work in the 4 us beside it, the last 4 us alone: 12 us.
  EXPECT_EQ(log.done[0].tag, 1u);
  EXPECT_EQ(log.done[0].at, 8_us);
  EXPECT_EQ(log.done[1].at, 12_us);
  EXPECT_EQ(cpu.usage().kernel, 12_us + 4_us);
  EXPECT_EQ(cpu.usage().work, 10_us + 2_us);
}

TEST(NodeCpuSmt, SystemTimeStretchesWithTheJobThatSpendsIt) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 2, "n", 1.0, Smt{true, 0.5});
  Log log{&sim, {}};
  cpu.run_on_core(1, 40_us, &Log::on_done, &log, 1);  // keeps core 0's sibling busy
  cpu.run(10_us, 4_us, &Log::on_done, &log, 0);       // lowest idle core: 0
  sim.run_until(20_us);
  ASSERT_EQ(log.done.size(), 1u);
  EXPECT_EQ(log.done[0].at, 20_us);
  const CpuUsage u = cpu.usage();
  EXPECT_EQ(u.application, 12_us);    // 6 us of user work at half pace
  EXPECT_EQ(u.system, 8_us);          // 4 us of system work at half pace
  EXPECT_EQ(u.kernel, 8_us + 20_us);  // and core 1's 20 us so far
}

TEST(NodeCpuSmt, KernelWorkPreemptingAThreadKeepsTheSiblingsPace) {
  engine::Simulator sim;
  NodeCpu cpu(sim, 2, "n", 1.0, Smt{true, 0.5});
  Log log{&sim, {}};
  cpu.run(8_us, &Log::on_done, &log, 0);  // core 0, alone
  sim.run_until(2_us);
  cpu.run_on_core(1, 4_us, &Log::on_done, &log, 1);  // sibling: both at half pace
  sim.run_until(4_us);
  cpu.run_on_core(0, 1_us, &Log::on_done, &log, 2);  // preempts the thread on core 0
  sim.run();
  ASSERT_EQ(log.done.size(), 3u);
  // Core 0's thread: 2 us alone, 1 us of work from 2 to 4 us; the softirq's
  // 1 us at half pace, 4 to 6 us; core 1 finishes 4 us of work at 10 us, by
  // which time core 0's thread has done 2 more (6 to 10 us); its last 3 us
  // alone: 13 us.
  EXPECT_EQ(log.done[0].tag, 2u);
  EXPECT_EQ(log.done[0].at, 6_us);
  EXPECT_EQ(log.done[1].tag, 1u);
  EXPECT_EQ(log.done[1].at, 10_us);
  EXPECT_EQ(log.done[2].tag, 0u);
  EXPECT_EQ(log.done[2].at, 13_us);
}

}  // namespace
}  // namespace podwire::node
