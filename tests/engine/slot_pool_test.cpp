#include "engine/slot_pool.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace podwire::engine {
namespace {

struct Item {
  int value = 0;
  std::vector<int> buffer;
};

TEST(SlotPool, NewSlotsAreNumberedInOrder) {
  SlotPool<Item> pool;
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.acquire(), 0u);
  EXPECT_EQ(pool.acquire(), 1u);
  EXPECT_EQ(pool.acquire(), 2u);
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool.in_use(), 3u);
  EXPECT_EQ(pool.free_count(), 0u);
}

TEST(SlotPool, ReleasedSlotsAreReusedLastInFirstOut) {
  SlotPool<Item> pool;
  for (int i = 0; i < 5; ++i) pool.acquire();
  pool.release(1);
  pool.release(3);
  pool.release(0);
  EXPECT_EQ(pool.free_count(), 3u);
  EXPECT_EQ(pool.acquire(), 0u);
  EXPECT_EQ(pool.acquire(), 3u);
  EXPECT_EQ(pool.acquire(), 1u);
  EXPECT_EQ(pool.acquire(), 5u);  // free list empty: a new slot
  EXPECT_EQ(pool.size(), 6u);
}

TEST(SlotPool, ReuseKeepsWhatTheObjectHeld) {
  SlotPool<Item> pool;
  const std::uint32_t i = pool.acquire();
  pool[i].value = 7;
  pool[i].buffer.assign(100, 1);
  pool.release(i);
  ASSERT_EQ(pool.acquire(), i);
  EXPECT_EQ(pool[i].value, 7);
  EXPECT_EQ(pool[i].buffer.size(), 100u);
}

TEST(SlotPool, SlotsNeverMoveWhileThePoolGrows) {
  SlotPool<Item> pool;
  const std::uint32_t first = pool.acquire();
  const Item* address = &pool[first];
  for (int i = 0; i < 10000; ++i) pool.acquire();
  EXPECT_EQ(&pool[first], address);
}

TEST(SlotPool, IteratesOverEverySlotInIndexOrder) {
  SlotPool<Item> pool;
  for (int i = 0; i < 4; ++i) pool[pool.acquire()].value = i;
  pool.release(2);
  std::vector<int> seen;
  for (const Item& item : pool) seen.push_back(item.value);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));  // free slots included
}

// The allocator SlotPool replaced in UpstreamPool, TcpRelay and
// AcceptedConnections, written out as it was: a run must reuse slots in
// exactly the same order for traces to stay the same.
class InlineFreeList {
 public:
  std::uint32_t acquire() {
    if (free_.empty()) {
      slots_.emplace_back();
      free_.push_back(static_cast<std::uint32_t>(slots_.size() - 1));
    }
    const std::uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  void release(std::uint32_t i) { free_.push_back(i); }

 private:
  std::deque<int> slots_;
  std::vector<std::uint32_t> free_;
};

TEST(SlotPool, ReusesSlotsInTheOrderOfTheInlineFreeList) {
  std::mt19937_64 rng(20240613);
  SlotPool<Item> pool;
  InlineFreeList reference;
  std::vector<std::uint32_t> in_use;
  for (int step = 0; step < 200000; ++step) {
    // Phases that grow, shrink and churn, releasing in random order.
    const int phase = (step / 5000) % 3;
    const std::uint64_t acquire_odds = phase == 0 ? 70 : phase == 1 ? 30 : 50;
    if (in_use.empty() || rng() % 100 < acquire_odds) {
      const std::uint32_t got = pool.acquire();
      ASSERT_EQ(got, reference.acquire()) << "step " << step;
      in_use.push_back(got);
    } else {
      const std::size_t k = rng() % in_use.size();
      const std::uint32_t i = in_use[k];
      in_use[k] = in_use.back();
      in_use.pop_back();
      pool.release(i);
      reference.release(i);
    }
    ASSERT_EQ(pool.in_use(), in_use.size());
  }
}

}  // namespace
}  // namespace podwire::engine
