#include "engine/time_series_sampler.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace podwire::engine {
namespace {

using namespace time_literals;

double read_int(const void* ctx) { return static_cast<double>(*static_cast<const int*>(ctx)); }

// A model whose state changes on its own events, to sample something live.
struct Ticker {
  Simulator* sim = nullptr;
  int ticks = 0;
  void tick() {
    ++ticks;
    sim->schedule_in<&Ticker::tick>(3_us, this);
  }
  double doubled() const { return 2.0 * ticks; }
};

double read_ticks(const void* ctx) { return static_cast<const Ticker*>(ctx)->ticks; }

TEST(TimeSeriesSampler, SamplesAtExactMultiplesOfTheInterval) {
  Simulator sim;
  int level = 7;
  TimeSeriesSampler s(sim, 1_us);
  EXPECT_EQ(s.add_probe("level", &read_int, &level), 0u);
  s.start(2_us);
  sim.run_until(10_us);  // a sample at the limit itself is taken
  ASSERT_EQ(s.size(), 9u);
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s.times()[i], 2_us + Time::us(static_cast<std::int64_t>(i)));
    EXPECT_EQ(s.values(0)[i], 7.0);
  }
  EXPECT_EQ(s.name(0), "level");
  EXPECT_TRUE(s.running());
  EXPECT_EQ(sim.pending(), 1u);  // exactly one event pending, the next sample
  EXPECT_EQ(sim.next_event_time(), 11_us);
}

TEST(TimeSeriesSampler, NoDriftOverManyIntervals) {
  Simulator sim;
  int zero = 0;
  const Time interval = Time::ps(333'333);  // not a round number of anything
  TimeSeriesSampler s(sim, interval);
  s.add_probe("z", &read_int, &zero);
  s.start(Time::ps(1));
  sim.run_until(Time::ps(1) + interval * 100'000);
  ASSERT_EQ(s.size(), 100'001u);
  EXPECT_EQ(s.times().back(), Time::ps(1) + interval * 100'000);
}

TEST(TimeSeriesSampler, ReadsLiveModelStateThroughMemberProbes) {
  Simulator sim;
  Ticker c{&sim};
  sim.schedule_at<&Ticker::tick>(0_us, &c);  // ticks at 0, 3, 6, 9 us
  TimeSeriesSampler s(sim, 5_us);
  s.add_probe<&Ticker::doubled>("2x ticks", &c);
  s.add_probe("ticks", &read_ticks, &c);
  s.start(1_us);
  sim.run_until(11_us);
  ASSERT_EQ(s.size(), 3u);  // 1, 6, 11 us
  // At 6 us the sampler's event was scheduled (at 1 us) before the tick's (at
  // 3 us), so it sees the state before that tick.
  EXPECT_EQ(s.values(1), (std::vector<double>{1, 2, 4}));
  EXPECT_EQ(s.values(0), (std::vector<double>{2, 4, 8}));
  EXPECT_EQ(s.probe_count(), 2u);
}

TEST(TimeSeriesSampler, StopAndRestart) {
  Simulator sim;
  int x = 1;
  TimeSeriesSampler s(sim, 10_ns);
  s.add_probe("x", &read_int, &x);
  s.start(0_ns);
  sim.run_until(25_ns);
  s.stop();
  EXPECT_FALSE(s.running());
  EXPECT_EQ(sim.pending(), 0u);
  sim.run_until(100_ns);
  EXPECT_EQ(s.size(), 3u);  // 0, 10, 20 ns
  s.start(105_ns);
  EXPECT_THROW(s.start(200_ns), std::logic_error);
  sim.run_until(120_ns);
  EXPECT_EQ(s.times(), (std::vector<Time>{0_ns, 10_ns, 20_ns, 105_ns, 115_ns}));
}

struct Collected {
  std::vector<Time> times;
  std::vector<double> values;
  std::size_t width = 0;
  TimeSeriesSampler* stop_after_3 = nullptr;
};

void collect(void* ctx, Time t, const double* values, std::size_t n) {
  auto* c = static_cast<Collected*>(ctx);
  c->times.push_back(t);
  c->values.insert(c->values.end(), values, values + n);
  c->width = n;
  if (c->stop_after_3 != nullptr && c->times.size() == 3) c->stop_after_3->stop();
}

TEST(TimeSeriesSampler, SinkReceivesRowsInsteadOfStorage) {
  Simulator sim;
  int a = 1;
  int b = 2;
  TimeSeriesSampler s(sim, 1_ms);
  s.add_probe("a", &read_int, &a);
  s.add_probe("b", &read_int, &b);
  Collected out;
  s.set_sink(&collect, &out);
  s.start(0_ms);
  sim.schedule_at(
      1500_us, [](void* ctx, std::uint64_t) { *static_cast<int*>(ctx) = 10; }, &a);
  sim.run_until(3_ms);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.times().empty());
  EXPECT_TRUE(s.values(0).empty());
  EXPECT_EQ(s.rows_produced(), 4u);
  EXPECT_EQ(out.width, 2u);
  EXPECT_EQ(out.times, (std::vector<Time>{0_ms, 1_ms, 2_ms, 3_ms}));
  EXPECT_EQ(out.values, (std::vector<double>{1, 2, 1, 2, 10, 2, 10, 2}));

  s.set_sink(nullptr, nullptr);  // storage back on
  sim.run_until(4_ms);
  EXPECT_EQ(s.times(), (std::vector<Time>{4_ms}));
  EXPECT_EQ(out.times.size(), 4u);
}

TEST(TimeSeriesSampler, SinkMayStopTheSampler) {
  Simulator sim;
  int a = 0;
  TimeSeriesSampler s(sim, 1_us);
  s.add_probe("a", &read_int, &a);
  Collected out;
  out.stop_after_3 = &s;
  s.set_sink(&collect, &out);
  s.start(0_us);
  sim.run();  // ends because the sink stopped the sampler
  EXPECT_EQ(out.times.size(), 3u);
  EXPECT_FALSE(s.running());
}

TEST(TimeSeriesSampler, DestructionCancelsThePendingSample) {
  Simulator sim;
  int a = 0;
  {
    TimeSeriesSampler s(sim, 1_us);
    s.add_probe("a", &read_int, &a);
    s.start(5_us);
  }
  sim.run();  // would call into a destroyed sampler otherwise (ASan)
  EXPECT_EQ(sim.events_executed(), 0u);
}

TEST(TimeSeriesSampler, RejectsMisuse) {
  Simulator sim;
  int a = 0;
  EXPECT_THROW(TimeSeriesSampler(sim, Time::zero()), std::invalid_argument);
  TimeSeriesSampler s(sim, 1_us);
  EXPECT_THROW(s.add_probe("null", nullptr, &a), std::invalid_argument);
  s.add_probe("a", &read_int, &a);
  sim.run_until(10_us);
  EXPECT_THROW(s.start(9_us), std::invalid_argument);  // in the past
  s.start(10_us);
  EXPECT_THROW(s.add_probe("late", &read_int, &a), std::logic_error);
  sim.run_until(12_us);
  s.stop();
  EXPECT_THROW(s.add_probe("ragged", &read_int, &a), std::logic_error);
  s.clear();
  EXPECT_EQ(s.add_probe("b", &read_int, &a), 1u);
  EXPECT_THROW(s.name(5), std::out_of_range);
}

}  // namespace
}  // namespace podwire::engine
