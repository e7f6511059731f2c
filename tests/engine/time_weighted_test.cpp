#include "engine/time_weighted.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>

namespace podwire::engine {
namespace {

using namespace time_literals;

TEST(TimeWeighted, StepSignalAverageIsExact) {
  // 0 on [0,1us), 4 on [1us,3us), 1 on [3us,4us): integral 9 us, average 9/4.
  TimeWeighted tw;
  tw.set(1_us, 4.0);
  tw.set(3_us, 1.0);
  EXPECT_EQ(tw.average(4_us), 9.0 / 4.0);
  EXPECT_DOUBLE_EQ(tw.integral(4_us), 9e-6);
  EXPECT_EQ(tw.value(), 1.0);
  EXPECT_EQ(tw.max(), 4.0);
  // The open last piece grows with the query time without being recorded.
  EXPECT_EQ(tw.average(5_us), 10.0 / 5.0);
  EXPECT_EQ(tw.average(4_us), 9.0 / 4.0);
}

TEST(TimeWeighted, QueueOfArrivalsAndDepartures) {
  // M/D/1-like trace: +1 at each arrival, -1 at each departure.
  TimeWeighted q(Time::zero(), 0.0);
  q.add(10_ns, +1);
  q.add(15_ns, +1);
  q.add(20_ns, -1);
  q.add(30_ns, -1);
  q.add(30_ns, +1);  // zero-length pieces contribute nothing
  q.add(40_ns, -1);
  // 1*5 + 2*5 + 1*10 + 1*10 = 35 ns over 40 ns.
  EXPECT_EQ(q.average(40_ns), 35.0 / 40.0);
  EXPECT_EQ(q.max(), 2.0);
  EXPECT_EQ(q.value(), 0.0);
}

TEST(TimeWeighted, ResetStartsANewWindowKeepingTheValue) {
  TimeWeighted tw(1_ms, 100.0);  // warm-up level
  tw.set(2_ms, 3.0);
  tw.reset(5_ms);
  EXPECT_EQ(tw.window_start(), 5_ms);
  EXPECT_EQ(tw.value(), 3.0);
  EXPECT_EQ(tw.max(), 3.0);
  EXPECT_EQ(tw.average(5_ms), 3.0);  // empty window: the current value
  tw.set(6_ms, 5.0);
  EXPECT_EQ(tw.average(7_ms), 4.0);
  EXPECT_EQ(tw.max(), 5.0);
}

TEST(TimeWeighted, LongRunOfSmallPiecesDoesNotDrift) {
  // A million 1 ps pieces of 0.1 and 0.3: the exact average is 0.2.
  TimeWeighted tw;
  Time t = Time::zero();
  for (int i = 0; i < 1'000'000; ++i) {
    tw.set(t, i % 2 == 0 ? 0.1 : 0.3);
    t += 1_ps;
  }
  EXPECT_DOUBLE_EQ(tw.average(t), 0.2);
}

TEST(TimeWeighted, MatchesDirectSumOnRandomSignal) {
  std::mt19937_64 rng(21);
  std::uniform_int_distribution<std::int64_t> gap(0, 5'000'000);
  std::uniform_int_distribution<int> level(0, 64);
  TimeWeighted tw(Time::zero(), 0.0);
  long double direct = 0;
  Time t = Time::zero();
  int value = 0;
  for (int i = 0; i < 100'000; ++i) {
    const Time next = t + Time::ps(gap(rng));
    direct += static_cast<long double>(value) * static_cast<long double>((next - t).ps());
    value = level(rng);
    tw.set(next, value);
    t = next;
  }
  // Integer levels times integer ps are exact; so is their sum below 2^53.
  EXPECT_EQ(tw.average(t), static_cast<double>(direct) / static_cast<double>(t.ps()));
}

TEST(TimeWeighted, RefusesTimeGoingBackwards) {
  TimeWeighted tw(2_us);
  EXPECT_THROW(tw.set(1_us, 1.0), std::invalid_argument);
  tw.set(3_us, 1.0);
  EXPECT_THROW(tw.add(2_us, 1.0), std::invalid_argument);
  EXPECT_THROW(tw.average(2_us), std::invalid_argument);
  EXPECT_THROW(tw.reset(2_us), std::invalid_argument);
}

}  // namespace
}  // namespace podwire::engine
