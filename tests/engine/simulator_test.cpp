#include "engine/simulator.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/error_of.hpp"

namespace podwire::engine {
namespace {

using namespace time_literals;

// Records (time, tag) of every call; events reschedule through it.
struct Recorder {
  Simulator* sim = nullptr;
  std::vector<std::pair<Time, std::uint64_t>> calls;
  void on(std::uint64_t tag) { calls.emplace_back(sim->now(), tag); }
  void tick() { calls.emplace_back(sim->now(), 0); }
};

TEST(Simulator, RunsEventsInTimeOrderAndTiesInScheduleOrder) {
  Simulator sim;
  Recorder r{&sim, {}};
  sim.schedule_at<&Recorder::on>(3_us, &r, 1);
  sim.schedule_at<&Recorder::on>(1_us, &r, 2);
  sim.schedule_at<&Recorder::on>(3_us, &r, 3);
  sim.schedule_in<&Recorder::on>(1_us, &r, 4);
  sim.schedule_at<&Recorder::tick>(2_us, &r);
  sim.run();
  const std::vector<std::pair<Time, std::uint64_t>> expected{
      {1_us, 2}, {1_us, 4}, {2_us, 0}, {3_us, 1}, {3_us, 3}};
  EXPECT_EQ(r.calls, expected);
  EXPECT_EQ(sim.now(), 3_us);
  EXPECT_EQ(sim.events_executed(), 5u);
  EXPECT_EQ(sim.pending(), 0u);
}

TEST(Simulator, ZeroDelayEventsRunAfterTheCurrentOne) {
  Simulator sim;
  std::vector<int> order;
  struct Ctx {
    Simulator* sim;
    std::vector<int>* order;
  } ctx{&sim, &order};
  sim.schedule_at(
      5_ns,
      [](void* c, std::uint64_t) {
        auto* x = static_cast<Ctx*>(c);
        x->order->push_back(1);
        x->sim->schedule_in(
            Time::zero(),
            [](void* c2, std::uint64_t) { static_cast<Ctx*>(c2)->order->push_back(3); }, c);
      },
      &ctx);
  sim.schedule_at(
      5_ns, [](void* c, std::uint64_t) { static_cast<Ctx*>(c)->order->push_back(2); }, &ctx);
  sim.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

using test_support::error_of;

TEST(Simulator, RefusesThePastWithAClearMessage) {
  Simulator sim;
  Recorder r{&sim, {}};
  sim.schedule_at<&Recorder::tick>(10_us, &r);
  sim.run();
  EXPECT_EQ(error_of([&] { sim.schedule_at<&Recorder::tick>(9_us, &r); }),
            "cannot schedule an event at 9us, before the current time 10us");
  EXPECT_EQ(error_of([&] { sim.schedule_in<&Recorder::tick>(-(1_ns), &r); }),
            "cannot schedule an event with negative delay -1ns");
  EXPECT_EQ(error_of([&] { sim.run_until(1_us); }),
            "cannot run until 1us, before the current time 10us");
  // A delay past the end of simulated time is an event at its end, which no
  // run_until reaches.
  sim.schedule_in<&Recorder::tick>(Time::max(), &r);
  EXPECT_EQ(sim.next_event_time(), Time::max());
  const std::size_t before = r.calls.size();
  sim.run_until(Time::s(1));
  EXPECT_EQ(r.calls.size(), before);
}

TEST(Simulator, CancelledEventsDoNotRun) {
  Simulator sim;
  Recorder r{&sim, {}};
  const EventId a = sim.schedule_at<&Recorder::on>(1_us, &r, 1);
  const EventId b = sim.schedule_at<&Recorder::on>(2_us, &r, 2);
  sim.schedule_at<&Recorder::on>(3_us, &r, 3);
  EXPECT_TRUE(sim.cancel(b));
  EXPECT_FALSE(sim.cancel(b));  // already cancelled
  EXPECT_EQ(sim.pending(), 2u);
  sim.run();
  EXPECT_FALSE(sim.cancel(a));  // already ran
  EXPECT_FALSE(sim.cancel(EventId{}));
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0].second, 1u);
  EXPECT_EQ(r.calls[1].second, 3u);
  EXPECT_EQ(sim.events_executed(), 2u);
}

// An event can cancel a later event at its own time, but not one that already ran.
TEST(Simulator, CancelAtTheSameTimeKnowsWhatRan) {
  Simulator sim;
  struct Ctx {
    Simulator* sim;
    EventId first, third;
    bool cancelled_first = true, cancelled_third = false;
    int runs = 0;
  } ctx{&sim, {}, {}};
  auto count = [](void* c, std::uint64_t) { ++static_cast<Ctx*>(c)->runs; };
  ctx.first = sim.schedule_at(1_us, count, &ctx);
  sim.schedule_at(
      1_us,
      [](void* c, std::uint64_t) {
        auto* x = static_cast<Ctx*>(c);
        x->cancelled_first = x->sim->cancel(x->first);
        x->cancelled_third = x->sim->cancel(x->third);
      },
      &ctx);
  ctx.third = sim.schedule_at(1_us, count, &ctx);
  sim.run();
  EXPECT_FALSE(ctx.cancelled_first);
  EXPECT_TRUE(ctx.cancelled_third);
  EXPECT_EQ(ctx.runs, 1);
}

TEST(Simulator, RunUntilStopsAtTheLimitAndAdvancesTheClock) {
  Simulator sim;
  Recorder r{&sim, {}};
  for (int i = 1; i <= 5; ++i)
    sim.schedule_at<&Recorder::on>(Time::us(i), &r, static_cast<std::uint64_t>(i));
  sim.run_until(3_us);  // inclusive
  EXPECT_EQ(r.calls.size(), 3u);
  EXPECT_EQ(sim.now(), 3_us);
  sim.run_until(Time::parse("4.5us"));
  EXPECT_EQ(r.calls.size(), 4u);
  EXPECT_EQ(sim.now(), Time::parse("4.5us"));
  // An event between the clock and the next pending one still runs in order.
  sim.schedule_at<&Recorder::on>(Time::parse("4.7us"), &r, 47);
  EXPECT_EQ(sim.next_event_time(), Time::parse("4.7us"));
  sim.run();
  ASSERT_EQ(r.calls.size(), 6u);
  EXPECT_EQ(r.calls[4].second, 47u);
  EXPECT_EQ(r.calls[5].second, 5u);
  EXPECT_EQ(sim.next_event_time(), Time::max());
}

struct Stopper {
  Simulator* sim;
  int runs = 0;
  void fire() {
    if (++runs == 3) sim->stop();
    sim->schedule_in<&Stopper::fire>(1_ms, this);
  }
};

TEST(Simulator, StopReturnsAfterTheCurrentEvent) {
  Simulator sim;
  Stopper s{&sim};
  sim.schedule_in<&Stopper::fire>(1_ms, &s);
  sim.run();
  EXPECT_EQ(s.runs, 3);
  EXPECT_EQ(sim.now(), 3_ms);
  EXPECT_EQ(sim.pending(), 1u);
  EXPECT_TRUE(sim.step());
  EXPECT_EQ(s.runs, 4);
  sim.run_until(10_ms);
  EXPECT_EQ(s.runs, 10);
  EXPECT_EQ(sim.now(), 10_ms);
}

struct Ticker {
  Simulator* sim;
  int runs = 0;
  void fire() {
    ++runs;
    sim->schedule_in<&Ticker::fire>(1_ms, this);
  }
};

TEST(Simulator, TwoSimulatorsAreIndependent) {
  Simulator a, b;
  Ticker ta{&a}, tb{&b};
  a.schedule_in<&Ticker::fire>(1_ms, &ta);
  b.schedule_in<&Ticker::fire>(1_ms, &tb);
  a.run_until(20_ms);
  EXPECT_EQ(ta.runs, 20);
  EXPECT_EQ(tb.runs, 0);
  EXPECT_EQ(b.now(), Time::zero());
  b.run_until(5_ms);
  EXPECT_EQ(tb.runs, 5);
  EXPECT_EQ(ta.runs, 20);
}

TEST(Simulator, HandlerExceptionsPropagateAndLeaveTheLoopUsable) {
  Simulator sim;
  sim.schedule_at(
      1_us, [](void*, std::uint64_t) { throw std::runtime_error("model failed"); }, nullptr);
  Recorder r{&sim, {}};
  sim.schedule_at<&Recorder::tick>(2_us, &r);
  EXPECT_EQ(error_of([&] { sim.run(); }), "model failed");
  sim.run();
  EXPECT_EQ(r.calls.size(), 1u);
}

}  // namespace
}  // namespace podwire::engine
