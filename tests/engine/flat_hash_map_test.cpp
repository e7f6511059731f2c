#include "engine/flat_hash_map.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>

namespace podwire::engine {
namespace {

TEST(FlatHashMap, FindsWhatWasInsertedAndNotWhatWasErased) {
  FlatHashMap<std::uint32_t, int> m;
  EXPECT_EQ(m.find(7), nullptr);
  EXPECT_EQ(m.erase(7), 0u);
  EXPECT_TRUE(m.emplace(7, 70));
  EXPECT_FALSE(m.emplace(7, 71));  // present: kept, as unordered_map::emplace does
  ASSERT_NE(m.find(7), nullptr);
  EXPECT_EQ(*m.find(7), 70);
  m[8] += 5;
  EXPECT_EQ(*m.find(8), 5);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.erase(7), 1u);
  EXPECT_EQ(m.find(7), nullptr);
  EXPECT_EQ(*m.find(8), 5);
}

// Keys that all hash alike make one long probe run: erasing from its middle
// must keep every later key findable (backward-shift deletion).
struct Collide {
  std::size_t operator()(std::uint32_t) const { return 42; }
};

TEST(FlatHashMap, ErasingInsideAProbeRunKeepsTheRestFindable) {
  FlatHashMap<std::uint32_t, std::uint32_t, Collide> m;
  for (std::uint32_t k = 0; k < 20; ++k) m.emplace(k, k * 10);
  for (std::uint32_t k = 0; k < 20; k += 3) EXPECT_EQ(m.erase(k), 1u);
  for (std::uint32_t k = 0; k < 20; ++k) {
    if (k % 3 == 0) {
      EXPECT_EQ(m.find(k), nullptr) << k;
    } else {
      ASSERT_NE(m.find(k), nullptr) << k;
      EXPECT_EQ(*m.find(k), k * 10);
    }
  }
}

TEST(FlatHashMap, AgreesWithUnorderedMapOverRandomOperations) {
  FlatHashMap<std::uint64_t, std::uint64_t> flat;
  std::unordered_map<std::uint64_t, std::uint64_t> ref;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t key = rng() % 5000;
    switch (rng() % 3) {
      case 0:
        EXPECT_EQ(flat.emplace(key, i), ref.emplace(key, i).second);
        break;
      case 1:
        EXPECT_EQ(flat.erase(key), ref.erase(key));
        break;
      default: {
        const auto it = ref.find(key);
        const std::uint64_t* v = flat.find(key);
        ASSERT_EQ(v != nullptr, it != ref.end());
        if (v != nullptr) {
          EXPECT_EQ(*v, it->second);
        }
      }
    }
    ASSERT_EQ(flat.size(), ref.size());
  }
}

}  // namespace
}  // namespace podwire::engine
