// One conformance suite run against every event queue: the same (time, seq)
// order as sorting, FIFO among equal times, interleaved pushes and pops.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/heap_event_queue.hpp"
#include "engine/radix_event_queue.hpp"

namespace podwire::engine {
namespace {

template <class Queue>
class EventQueueTest : public ::testing::Test {};

using Queues = ::testing::Types<RadixEventQueue, HeapEventQueue>;
TYPED_TEST_SUITE(EventQueueTest, Queues);

Event make(std::int64_t ps, std::uint64_t seq) {
  return Event{Time::ps(ps), seq, nullptr, nullptr, seq};
}

TYPED_TEST(EventQueueTest, PopsInTimeThenScheduleOrder) {
  TypeParam q;
  std::mt19937_64 rng(1);
  std::vector<Event> all;
  for (std::uint64_t seq = 1; seq <= 20'000; ++seq) {
    // Few distinct times, so ties are common.
    all.push_back(make(static_cast<std::int64_t>(rng() % 500), seq));
    q.push(all.back());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(q.size(), all.size());
  for (const Event& expected : all) {
    const Event got = q.pop();
    ASSERT_EQ(got.time, expected.time);
    ASSERT_EQ(got.seq, expected.seq);
  }
  EXPECT_TRUE(q.empty());
}

// Interleaves pops with pushes at or after the last popped time, like a simulator,
// and checks against a brute-force reference.
TYPED_TEST(EventQueueTest, MatchesReferenceUnderHoldPattern) {
  TypeParam q;
  std::vector<Event> reference;
  std::mt19937_64 rng(2);
  std::uint64_t seq = 1;
  std::int64_t now = 0;
  auto push = [&](std::int64_t t) {
    const Event ev = make(t, seq++);
    q.push(ev);
    reference.push_back(ev);
  };
  for (int i = 0; i < 1000; ++i) push(static_cast<std::int64_t>(rng() % 1'000'000));
  for (int step = 0; step < 50'000; ++step) {
    auto it = std::min_element(reference.begin(), reference.end());
    const Event expected = *it;
    reference.erase(it);
    const Event got = q.pop();
    ASSERT_EQ(got.time, expected.time) << "step " << step;
    ASSERT_EQ(got.seq, expected.seq) << "step " << step;
    now = got.time.ps();
    const int children = static_cast<int>(rng() % 3);  // 0, 1 or 2: the size wanders
    for (int c = 0; c < children && reference.size() < 2000; ++c) {
      const std::uint64_t r = rng();
      // Same time (zero delay), tiny, or huge delays.
      const std::int64_t delay = r % 4 == 0   ? 0
                                 : r % 4 == 1 ? static_cast<std::int64_t>(r % 7)
                                              : static_cast<std::int64_t>(r % (1ULL << 40));
      push(now + delay);
    }
    if (reference.empty()) push(now + 1);
  }
}

TYPED_TEST(EventQueueTest, TopDoesNotRemove) {
  TypeParam q;
  q.push(make(5, 1));
  q.push(make(3, 2));
  EXPECT_EQ(q.top().seq, 2u);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop().seq, 2u);
  EXPECT_EQ(q.pop().seq, 1u);
}

TEST(RadixEventQueue, AcceptsATimeBelowAPeekedKey) {
  // A simulator may peek at an event beyond its run limit and then receive an
  // event between its clock and that peeked time.
  RadixEventQueue q;
  q.push(make(100, 1));
  q.push(make(1000, 2));
  q.push(make(1000, 3));
  EXPECT_EQ(q.pop().seq, 1u);
  EXPECT_EQ(q.top().time, Time::ps(1000));  // looked at, not taken
  q.push(make(500, 4));
  q.push(make(1000, 5));
  EXPECT_EQ(q.pop().seq, 4u);
  EXPECT_EQ(q.pop().seq, 2u);
  EXPECT_EQ(q.pop().seq, 3u);
  EXPECT_EQ(q.pop().seq, 5u);
  EXPECT_TRUE(q.empty());
}

TEST(RadixEventQueue, HandlesTimesNearTheTopOfTheRange) {
  RadixEventQueue q;
  const std::int64_t big = Time::max().ps();
  q.push(make(big, 1));
  q.push(make(big - 1, 2));
  q.push(make(0, 3));
  EXPECT_EQ(q.pop().seq, 3u);
  EXPECT_EQ(q.pop().seq, 2u);
  EXPECT_EQ(q.pop().seq, 1u);
}

}  // namespace
}  // namespace podwire::engine
