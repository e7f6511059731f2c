// Hold-model benchmarks of the event queues and of the whole simulator loop:
// pop the earliest event, schedule one new event an exponential delay later,
// with a fixed number of events pending.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <queue>
#include <random>
#include <vector>

#include "engine/heap_event_queue.hpp"
#include "engine/radix_event_queue.hpp"
#include "engine/random_stream.hpp"
#include "engine/simulator.hpp"

namespace {

using podwire::engine::Event;
using podwire::engine::EventId;
using podwire::engine::HeapEventQueue;
using podwire::engine::RadixEventQueue;
using podwire::engine::Simulator;
using podwire::engine::Time;

constexpr double kMeanDelayPs = 1e6;  // 1 us

// Exponential delays drawn once, so the queue benchmarks time the queue alone.
const std::vector<std::int64_t>& delays() {
  static const std::vector<std::int64_t> table = [] {
    std::mt19937_64 rng(7);
    std::exponential_distribution<double> exp(1.0 / kMeanDelayPs);
    std::vector<std::int64_t> t(1 << 16);
    for (auto& d : t) d = static_cast<std::int64_t>(exp(rng));
    return t;
  }();
  return table;
}

void noop(void*, std::uint64_t) {}

template <class Queue>
void BM_HoldQueue(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  const auto& d = delays();
  Queue q;
  std::uint64_t seq = 1;
  for (std::size_t i = 0; i < pending; ++i) {
    q.push(Event{Time::ps(d[i & 0xFFFF]), seq++, &noop, nullptr, 0});
  }
  std::size_t k = pending;
  for (auto _ : state) {
    Event ev = q.pop();
    ev.time += Time::ps(d[k++ & 0xFFFF]);
    ev.seq = seq++;
    q.push(ev);
  }
  state.SetItemsProcessed(state.iterations());
}

// The usual baseline: std::priority_queue of 24-byte (time, seq, payload) records.
struct Small {
  std::int64_t time;
  std::uint64_t seq;
  std::uint64_t payload;
  bool operator>(const Small& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

void BM_HoldStdPriorityQueue(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  const auto& d = delays();
  std::priority_queue<Small, std::vector<Small>, std::greater<>> q;
  std::uint64_t seq = 1;
  for (std::size_t i = 0; i < pending; ++i) q.push(Small{d[i & 0xFFFF], seq++, 0});
  std::size_t k = pending;
  for (auto _ : state) {
    Small ev = q.top();
    q.pop();
    ev.time += d[k++ & 0xFFFF];
    ev.seq = seq++;
    q.push(ev);
  }
  state.SetItemsProcessed(state.iterations());
}

// The simulator loop itself, as a model uses it: each event reschedules itself
// an exponential delay later, drawn from a podwire random stream.
struct HoldModel {
  Simulator sim;
  podwire::engine::RandomStream rng = podwire::engine::RandomRoot(11).stream("hold");
  void fire() {
    sim.schedule_in<&HoldModel::fire>(
        Time::ps(static_cast<std::int64_t>(rng.exponential(kMeanDelayPs))), this);
  }
};

void BM_HoldSimulator(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  HoldModel m;
  for (std::size_t i = 0; i < pending; ++i) m.fire();
  for (auto _ : state) m.sim.step();
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_HoldStdPriorityQueue)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK_TEMPLATE(BM_HoldQueue, HeapEventQueue)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK_TEMPLATE(BM_HoldQueue, RadixEventQueue)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_HoldSimulator)->Arg(1000)->Arg(100000)->Arg(1000000);
