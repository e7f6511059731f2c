// Maglev's two properties (Eisenbud et al. 2016): near-equal shares, and
// minimal disruption when a backend goes away.
#include "models/proxy/maglev.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace podwire::proxy {
namespace {

std::vector<std::uint32_t> ids(std::uint32_t n) {
  std::vector<std::uint32_t> v;
  for (std::uint32_t i = 0; i < n; ++i) v.push_back(1000 + 7 * i);
  return v;
}

TEST(Maglev, EveryBackendOwnsAnEqualShareOfTheTable) {
  // With M = 16381 and N = 100 (M >= 100 N, Cilium's rule for <= 1% reshuffle)
  // each backend gets 163 or 164 slots: the fill is round robin.
  const MaglevTable t(ids(100));
  const auto shares = t.shares();
  EXPECT_EQ(*std::min_element(shares.begin(), shares.end()), 163u);
  EXPECT_EQ(*std::max_element(shares.begin(), shares.end()), 164u);
}

TEST(Maglev, RemovingABackendMovesLittleMoreThanItsOwnShare) {
  std::vector<std::uint32_t> all = ids(100);
  const MaglevTable before(all);
  const std::uint32_t gone = all[37];  // ids are sorted already: index 37 in the table's order too
  all.erase(all.begin() + 37);
  const MaglevTable after(all);
  const auto a = before.slots_by_id(), b = after.slots_by_id();
  std::size_t moved = 0, own = 0;
  for (std::size_t s = 0; s < a.size(); ++s) {
    if (a[s] == gone)
      ++own;
    else if (a[s] != b[s])
      ++moved;
  }
  EXPECT_EQ(own, 163u + (before.shares()[37] - 163u));
  // Slots of other backends that changed hands: about 1% of the table here.
  EXPECT_LT(static_cast<double>(moved) / static_cast<double>(a.size()), 0.02);
}

TEST(Maglev, EveryNodeBuildsTheSameTableWhateverTheOrder) {
  std::vector<std::uint32_t> v = ids(10);
  const MaglevTable a(v);
  std::reverse(v.begin(), v.end());
  const MaglevTable b(v);
  EXPECT_EQ(a.slots_by_id(), b.slots_by_id());
  for (std::uint64_t h = 0; h < 1000; ++h)
    EXPECT_EQ(a.lookup(h * 0x9E3779B97F4A7C15ULL), b.lookup(h * 0x9E3779B97F4A7C15ULL));
}

TEST(Maglev, TheSizeMustBeAPrimeAboveTheBackends) {
  EXPECT_THROW(MaglevTable(ids(3), 16380), std::invalid_argument);
  EXPECT_THROW(MaglevTable(ids(20), 17), std::invalid_argument);
}

}  // namespace
}  // namespace podwire::proxy
