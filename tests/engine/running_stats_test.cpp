#include "engine/running_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace podwire::engine {
namespace {

struct TwoPass {
  double mean = 0.0;
  double variance = 0.0;  // sample variance
};

// Reference computed in long double with the mean subtracted first, which is
// accurate for any offset.
TwoPass two_pass(const std::vector<double>& xs) {
  long double sum = 0;
  for (double x : xs) sum += x;
  const long double mean = sum / static_cast<long double>(xs.size());
  long double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const long double variance = ss / static_cast<long double>(xs.size() - 1);
  return {static_cast<double>(mean), static_cast<double>(variance)};
}

std::vector<double> offset_noise(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> xs(n);
  for (double& x : xs) x = 1e9 + noise(rng);
  return xs;
}

TEST(RunningStats, EmptyAndSingleValueAreUndefinedNotZero) {
  RunningStats s;
  EXPECT_EQ(s.count(), 0u);
  EXPECT_TRUE(std::isnan(s.mean()));
  EXPECT_TRUE(std::isnan(s.min()));
  EXPECT_TRUE(std::isnan(s.max()));
  EXPECT_TRUE(std::isnan(s.variance()));
  EXPECT_EQ(s.sum(), 0.0);
  s.add(4.0);
  EXPECT_EQ(s.mean(), 4.0);
  EXPECT_EQ(s.population_variance(), 0.0);
  EXPECT_TRUE(std::isnan(s.variance()));
  EXPECT_TRUE(std::isnan(s.standard_error()));
}

TEST(RunningStats, SmallIntegersAreExact) {
  RunningStats s;
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) s.add(x);
  EXPECT_EQ(s.count(), 8u);
  EXPECT_EQ(s.sum(), 40.0);
  EXPECT_EQ(s.mean(), 5.0);
  EXPECT_EQ(s.population_variance(), 4.0);
  EXPECT_DOUBLE_EQ(s.variance(), 32.0 / 7.0);
  EXPECT_DOUBLE_EQ(s.stddev(), std::sqrt(32.0 / 7.0));
  EXPECT_DOUBLE_EQ(s.standard_error(), std::sqrt(32.0 / 7.0) / std::sqrt(8.0));
  EXPECT_EQ(s.min(), 2.0);
  EXPECT_EQ(s.max(), 9.0);
}

TEST(RunningStats, WelfordMatchesTwoPassOnLargeOffset) {
  const std::vector<double> xs = offset_noise(200'000, 1);
  RunningStats s;
  for (double x : xs) s.add(x);
  const TwoPass ref = two_pass(xs);
  EXPECT_NEAR(s.mean(), ref.mean, 1e-6);
  // Variance is ~1 on values ~1e9; the naive E[x^2] - E[x]^2 would be off by
  // orders of magnitude here (ulp(1e18) = 128).
  EXPECT_NEAR(s.variance(), ref.variance, 1e-6 * ref.variance);
  EXPECT_NEAR(s.variance(), 1.0, 0.02);
  EXPECT_NEAR(s.sum(), ref.mean * static_cast<double>(xs.size()), 1.0);
}

TEST(RunningStats, MergeEqualsAddingEverythingToOne) {
  const std::vector<double> xs = offset_noise(100'003, 2);
  RunningStats all;
  for (double x : xs) all.add(x);

  // Uneven parts, including an empty one, merged in a tree order.
  const std::size_t cuts[] = {0, 1, 1, 17, 40'000, 100'003};
  std::vector<RunningStats> parts(5);
  for (std::size_t p = 0; p < 5; ++p) {
    for (std::size_t i = cuts[p]; i < cuts[p + 1]; ++i) parts[p].add(xs[i]);
  }
  RunningStats left = parts[0];
  left.merge(parts[1]);
  left.merge(parts[2]);
  RunningStats right = parts[3];
  right.merge(parts[4]);
  left.merge(right);

  EXPECT_EQ(left.count(), all.count());
  EXPECT_NEAR(left.mean(), all.mean(), 1e-6);
  EXPECT_NEAR(left.variance(), all.variance(), 1e-9 * all.variance());
  EXPECT_EQ(left.min(), all.min());
  EXPECT_EQ(left.max(), all.max());
  EXPECT_NEAR(left.sum(), all.sum(), 1e-3);

  RunningStats empty;
  empty.merge(all);
  EXPECT_EQ(empty.count(), all.count());
  EXPECT_EQ(empty.variance(), all.variance());
}

TEST(RunningStats, CompensatedSumDoesNotDrift) {
  RunningStats s;
  for (int i = 0; i < 1'000'000; ++i) s.add(0.1);
  EXPECT_EQ(s.sum(), 100'000.0);
  s.reset();
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.sum(), 0.0);
}

}  // namespace
}  // namespace podwire::engine
