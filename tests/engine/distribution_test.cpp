// Distribution: Kolmogorov-Smirnov tests of every sampler against its exact CDF,
// sample means against the analytic mean(), and parameter validation. Fixed
// seeds; thresholds at alpha = 1% (KS) or several standard errors (means).
#include "engine/distribution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/random_stream.hpp"

namespace podwire::engine {
namespace {

constexpr std::size_t kSamples = 100'000;

std::vector<double> sample(const Distribution& d, std::uint64_t seed, std::size_t n = kSamples) {
  RandomStream s = RandomRoot(seed).stream("distribution-test");
  std::vector<double> xs(n);
  for (auto& x : xs) x = d.sample(s);
  return xs;
}

// One-sample KS statistic sup |F_n - F|. cdf(x) = P(X <= x); cdf_below(x) =
// P(X < x) differs from it only at atoms, where the empirical CDF jumps too.
template <class Cdf, class CdfBelow>
double ks_statistic(std::vector<double> xs, Cdf cdf, CdfBelow cdf_below) {
  std::sort(xs.begin(), xs.end());
  const double n = static_cast<double>(xs.size());
  double d = 0;
  for (std::size_t i = 0; i < xs.size();) {
    std::size_t j = i;
    while (j < xs.size() && xs[j] == xs[i]) ++j;
    // F_n rises from i/n to j/n at xs[i].
    d = std::max({d, std::abs(cdf_below(xs[i]) - static_cast<double>(i) / n),
                  std::abs(cdf(xs[i]) - static_cast<double>(j) / n)});
    i = j;
  }
  return d;
}

template <class Cdf>
double ks_statistic(std::vector<double> xs, Cdf cdf) {
  return ks_statistic(std::move(xs), cdf, cdf);
}

// Asymptotic 1% critical value; conservative when F has atoms.
double ks_critical(std::size_t n) { return 1.63 / std::sqrt(static_cast<double>(n)); }

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

struct Moments {
  double mean;
  double standard_error;
};

Moments moments(const std::vector<double>& xs) {
  const double n = static_cast<double>(xs.size());
  double sum = 0;
  for (const double x : xs) sum += x;
  const double mean = sum / n;
  double ss = 0;
  for (const double x : xs) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / (n - 1) / n)};
}

// The sample mean lies within 5 standard errors of mean() (a false alarm once
// in ~1.7 million runs).
void expect_mean_matches(const Distribution& d, std::uint64_t seed, std::size_t n = kSamples) {
  const Moments m = moments(sample(d, seed, n));
  EXPECT_LT(std::abs(m.mean - d.mean()), 5 * m.standard_error)
      << d.describe() << ": sample mean " << m.mean << ", mean() " << d.mean();
}

// The exact CDF of an empirical table, written from its definition rather than
// the sampler's algorithm: the last point at or below x fixes the value,
// interpolating towards the next point when the value rises.
double table_cdf(const std::vector<std::pair<double, double>>& pts, double x) {
  if (x < pts.front().first) return 0.0;
  std::size_t i = 0;
  while (i + 1 < pts.size() && pts[i + 1].first <= x) ++i;
  if (i + 1 == pts.size()) return 1.0;
  const auto [x0, p0] = pts[i];
  const auto [x1, p1] = pts[i + 1];
  return p0 + (p1 - p0) * (x - x0) / (x1 - x0);
}

TEST(Distribution, ConstantAlwaysReturnsItsValue) {
  const Distribution d = Distribution::constant(2.5e-6);
  RandomStream s(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(d.sample(s), 2.5e-6);
  EXPECT_EQ(d.mean(), 2.5e-6);
  EXPECT_EQ(d.kind(), Distribution::Kind::constant);
  EXPECT_EQ(d.describe(), "constant(value=2.5e-06)");
}

TEST(Distribution, ExponentialMatchesItsCdf) {
  const double mean = 1e-3;
  const Distribution d = Distribution::exponential(mean);
  EXPECT_EQ(d.kind(), Distribution::Kind::exponential);
  EXPECT_EQ(d.describe(), "exponential(mean=0.001)");
  EXPECT_EQ(d.mean(), mean);
  const double ks = ks_statistic(sample(d, 1), [&](double x) { return -std::expm1(-x / mean); });
  EXPECT_LT(ks, ks_critical(kSamples));
  // Every M/M/c validation rests on this mean: 1e6 draws resolve a 0.5% error.
  expect_mean_matches(d, 2, 1'000'000);
}

TEST(Distribution, UniformMatchesItsCdf) {
  const Distribution d = Distribution::uniform(2.0, 5.0);
  EXPECT_EQ(d.describe(), "uniform(lo=2, hi=5)");
  EXPECT_EQ(d.mean(), 3.5);
  const auto xs = sample(d, 3);
  for (const double x : xs) ASSERT_TRUE(x >= 2.0 && x <= 5.0) << x;
  EXPECT_LT(ks_statistic(xs, [](double x) { return (x - 2.0) / 3.0; }), ks_critical(kSamples));
  expect_mean_matches(d, 4);
}

TEST(Distribution, NormalMatchesItsCdf) {
  const Distribution d = Distribution::normal(5.0, 2.0);
  EXPECT_EQ(d.describe(), "normal(mean=5, stddev=2)");
  EXPECT_EQ(d.mean(), 5.0);
  const double ks =
      ks_statistic(sample(d, 5), [](double x) { return normal_cdf((x - 5.0) / 2.0); });
  EXPECT_LT(ks, ks_critical(kSamples));
  expect_mean_matches(d, 6);
}

TEST(Distribution, NormalIsNotTruncated) {
  const auto xs = sample(Distribution::normal(1.0, 1.0), 7, 10'000);
  const auto negatives = std::count_if(xs.begin(), xs.end(), [](double x) { return x < 0; });
  // P(X < 0) = Phi(-1) = 0.1587; 10k draws give 1587 +- 37.
  EXPECT_NEAR(static_cast<double>(negatives), 1587.0, 5 * 37.0);
}

TEST(Distribution, LognormalMatchesItsCdf) {
  const double mu = -1.0, sigma = 0.8;
  const Distribution d = Distribution::lognormal(mu, sigma);
  EXPECT_EQ(d.describe(), "lognormal(mu=-1, sigma=0.8)");
  EXPECT_DOUBLE_EQ(d.mean(), std::exp(mu + sigma * sigma / 2));
  const double ks =
      ks_statistic(sample(d, 8), [&](double x) { return normal_cdf((std::log(x) - mu) / sigma); });
  EXPECT_LT(ks, ks_critical(kSamples));
  expect_mean_matches(d, 9);
}

TEST(Distribution, LognormalFromMeanAndStddevHitsBoth) {
  const double mean = 1e-3, stddev = 5e-4;
  const Distribution d = Distribution::lognormal_from_mean_stddev(mean, stddev);
  EXPECT_EQ(d.kind(), Distribution::Kind::lognormal);
  EXPECT_NEAR(d.mean(), mean, 1e-15);
  // Parameters derived independently: the variance is (e^{s^2} - 1) e^{2 mu + s^2}.
  const double sigma = std::sqrt(std::log(1 + 0.25));
  const double mu = std::log(mean) - sigma * sigma / 2;
  const auto xs = sample(d, 10);
  EXPECT_LT(ks_statistic(xs, [&](double x) { return normal_cdf((std::log(x) - mu) / sigma); }),
            ks_critical(kSamples));
  const Moments m = moments(xs);
  const double sample_sd = m.standard_error * std::sqrt(static_cast<double>(xs.size()));
  EXPECT_NEAR(sample_sd / stddev, 1.0, 0.03);
  expect_mean_matches(d, 11);
  // A heavy tail (coefficient of variation 2), as the queueing scenarios use.
  EXPECT_NEAR(Distribution::lognormal_from_mean_stddev(1e-3, 2e-3).mean(), 1e-3, 1e-15);
}

TEST(Distribution, ParetoMatchesItsCdf) {
  const double alpha = 2.5, x_min = 1.5;
  const Distribution d = Distribution::pareto(alpha, x_min);
  EXPECT_EQ(d.describe(), "pareto(alpha=2.5, x_min=1.5)");
  EXPECT_DOUBLE_EQ(d.mean(), alpha * x_min / (alpha - 1));
  const auto xs = sample(d, 12);
  for (const double x : xs) ASSERT_GE(x, x_min);
  EXPECT_LT(ks_statistic(xs, [&](double x) { return 1 - std::pow(x_min / x, alpha); }),
            ks_critical(kSamples));
  // The sample mean needs a finite variance to be checked by standard errors.
  expect_mean_matches(Distribution::pareto(4.5, x_min), 13);
}

TEST(Distribution, ParetoMeanIsInfiniteForAlphaAtMostOne) {
  EXPECT_EQ(Distribution::pareto(1.0, 1.0).mean(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(Distribution::pareto(0.5, 1.0).mean(), std::numeric_limits<double>::infinity());
}

TEST(Distribution, BoundedParetoMatchesItsCdf) {
  const double alpha = 1.2, lo = 1.0, hi = 1000.0;
  const Distribution d = Distribution::bounded_pareto(alpha, lo, hi);
  EXPECT_EQ(d.describe(), "bounded_pareto(alpha=1.2, lo=1, hi=1000)");
  const auto xs = sample(d, 14);
  for (const double x : xs) ASSERT_TRUE(x >= lo && x <= hi) << x;
  const double mass = 1 - std::pow(lo / hi, alpha);
  EXPECT_LT(ks_statistic(xs, [&](double x) { return (1 - std::pow(lo / x, alpha)) / mass; }),
            ks_critical(kSamples));
  expect_mean_matches(d, 15);
  expect_mean_matches(Distribution::bounded_pareto(1.0, 2.0, 50.0), 16);
}

TEST(Distribution, BoundedParetoMeanMatchesTheTextbookFormula) {
  const double lo = 2.0, hi = 50.0;
  // E = lo^a / (1 - (lo/hi)^a) * a / (a - 1) * (lo^(1-a) - hi^(1-a)) for a != 1,
  // lo hi log(hi/lo) / (hi - lo) for a == 1.
  auto textbook = [&](double a) {
    return std::pow(lo, a) / (1 - std::pow(lo / hi, a)) * a / (a - 1) *
           (std::pow(lo, 1 - a) - std::pow(hi, 1 - a));
  };
  for (const double a : {0.3, 0.9, 1.5, 2.0, 3.7}) {
    EXPECT_NEAR(Distribution::bounded_pareto(a, lo, hi).mean(), textbook(a), 1e-12 * textbook(a))
        << "alpha " << a;
  }
  const double at_one = lo * hi * std::log(hi / lo) / (hi - lo);
  EXPECT_NEAR(Distribution::bounded_pareto(1.0, lo, hi).mean(), at_one, 1e-12 * at_one);
  // Continuous through alpha = 1, where the textbook form divides 0 by 0.
  EXPECT_NEAR(Distribution::bounded_pareto(1.0 + 1e-10, lo, hi).mean(), at_one, 1e-8 * at_one);
  EXPECT_NEAR(Distribution::bounded_pareto(1.0 - 1e-10, lo, hi).mean(), at_one, 1e-8 * at_one);
}

TEST(Distribution, EmpiricalWithAtomsAndGapsMatchesItsCdf) {
  // An atom of 0.2 at 1, linear to 2, an atom of 0.1 at 2, nothing in (2, 4),
  // linear from 4 to 10.
  const std::vector<std::pair<double, double>> pts = {
      {1.0, 0.2}, {2.0, 0.5}, {2.0, 0.6}, {4.0, 0.6}, {10.0, 1.0}};
  const Distribution d = Distribution::empirical(pts);
  EXPECT_EQ(d.kind(), Distribution::Kind::empirical);
  EXPECT_EQ(d.describe(), "empirical(points=5, min=1, max=10)");
  EXPECT_DOUBLE_EQ(d.mean(), 0.2 * 1 + 0.3 * 1.5 + 0.1 * 2 + 0.4 * 7);
  const auto xs = sample(d, 17);
  auto cdf = [&](double x) { return table_cdf(pts, x); };
  auto cdf_below = [&](double x) {
    return table_cdf(pts, std::nextafter(x, -std::numeric_limits<double>::infinity()));
  };
  EXPECT_LT(ks_statistic(xs, cdf, cdf_below), ks_critical(kSamples));
  const double n = static_cast<double>(xs.size());
  const double at_1 = static_cast<double>(std::count(xs.begin(), xs.end(), 1.0)) / n;
  const double at_2 = static_cast<double>(std::count(xs.begin(), xs.end(), 2.0)) / n;
  EXPECT_NEAR(at_1, 0.2, 5 * std::sqrt(0.2 * 0.8 / n));
  EXPECT_NEAR(at_2, 0.1, 5 * std::sqrt(0.1 * 0.9 / n));
  EXPECT_EQ(std::count_if(xs.begin(), xs.end(), [](double x) { return x > 2.0 && x < 4.0; }), 0);
  for (const double x : xs) ASSERT_TRUE(x >= 1.0 && x <= 10.0) << x;
  expect_mean_matches(d, 18);
}

TEST(Distribution, EmpiricalLargeTablesMatchTheirCdf) {
  // Many points exercise the guide table; 128 (a power of two) the rounding of
  // u * points up to the table size.
  for (const int points : {100, 128}) {
    std::vector<std::pair<double, double>> pts;
    for (int k = 0; k < points; ++k) {
      const double x = static_cast<double>(k) / (points - 1);
      pts.emplace_back(x, x * x);  // F(x) = x^2 on [0, 1], sampled at the points
    }
    const Distribution d = Distribution::empirical(pts);
    EXPECT_LT(ks_statistic(sample(d, 19), [&](double x) { return table_cdf(pts, x); }),
              ks_critical(kSamples))
        << points << " points";
    expect_mean_matches(d, 20);
  }
}

TEST(Distribution, EmpiricalSinglePointIsAConstant) {
  const Distribution d = Distribution::empirical({{3.0, 1.0}});
  RandomStream s(2);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(d.sample(s), 3.0);
  EXPECT_EQ(d.mean(), 3.0);
}

TEST(Distribution, CopiesSampleTheSameSequence) {
  const Distribution a = Distribution::empirical({{0.0, 0.0}, {1.0, 0.5}, {3.0, 1.0}});
  const Distribution b = a;
  RandomStream s1(3), s2(3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.sample(s1), b.sample(s2));
}

// Every invalid parameter is std::invalid_argument whose message names the
// distribution and the parameter.
template <class Make>
void expect_rejected(Make make, const std::string& distribution, const std::string& parameter) {
  try {
    make();
    ADD_FAILURE() << "no exception; expected one naming " << distribution << " and " << parameter;
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(distribution + ":", 0), 0u) << what;
    EXPECT_NE(what.find(parameter), std::string::npos) << what;
  }
}

TEST(Distribution, RejectsBadParametersWithAClearMessage) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  using D = Distribution;

  try {
    D::exponential(-1);
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "exponential: mean must be > 0, got -1");
  }

  expect_rejected([&] { D::constant(nan); }, "constant", "value");
  expect_rejected([&] { D::constant(-inf); }, "constant", "value");

  expect_rejected([&] { D::uniform(nan, 1); }, "uniform", "lo");
  expect_rejected([&] { D::uniform(0, inf); }, "uniform", "hi");
  expect_rejected([&] { D::uniform(2, 1); }, "uniform", "hi must be > lo");
  expect_rejected([&] { D::uniform(1, 1); }, "uniform", "hi must be > lo");

  expect_rejected([&] { D::exponential(0); }, "exponential", "mean");
  expect_rejected([&] { D::exponential(nan); }, "exponential", "mean");
  expect_rejected([&] { D::exponential(inf); }, "exponential", "mean");

  expect_rejected([&] { D::normal(nan, 1); }, "normal", "mean");
  expect_rejected([&] { D::normal(0, 0); }, "normal", "stddev");
  expect_rejected([&] { D::normal(0, -1); }, "normal", "stddev");
  expect_rejected([&] { D::normal(0, inf); }, "normal", "stddev");

  expect_rejected([&] { D::lognormal(inf, 1); }, "lognormal", "mu");
  expect_rejected([&] { D::lognormal(0, 0); }, "lognormal", "sigma");
  expect_rejected([&] { D::lognormal(0, nan); }, "lognormal", "sigma");

  expect_rejected([&] { D::lognormal_from_mean_stddev(0, 1); }, "lognormal_from_mean_stddev",
                  "mean");
  expect_rejected([&] { D::lognormal_from_mean_stddev(-1, 1); }, "lognormal_from_mean_stddev",
                  "mean");
  expect_rejected([&] { D::lognormal_from_mean_stddev(1, 0); }, "lognormal_from_mean_stddev",
                  "stddev");
  expect_rejected([&] { D::lognormal_from_mean_stddev(1, nan); }, "lognormal_from_mean_stddev",
                  "stddev");

  expect_rejected([&] { D::pareto(0, 1); }, "pareto", "alpha");
  expect_rejected([&] { D::pareto(nan, 1); }, "pareto", "alpha");
  expect_rejected([&] { D::pareto(1, 0); }, "pareto", "x_min");
  expect_rejected([&] { D::pareto(1, inf); }, "pareto", "x_min");

  expect_rejected([&] { D::bounded_pareto(-1, 1, 2); }, "bounded_pareto", "alpha");
  expect_rejected([&] { D::bounded_pareto(1, 0, 2); }, "bounded_pareto", "lo");
  expect_rejected([&] { D::bounded_pareto(1, 2, 2); }, "bounded_pareto", "hi must be > lo");
  expect_rejected([&] { D::bounded_pareto(1, 3, 2); }, "bounded_pareto", "hi must be > lo");
  expect_rejected([&] { D::bounded_pareto(1, 1, inf); }, "bounded_pareto", "hi");

  expect_rejected([&] { D::empirical({}); }, "empirical", "points");
  expect_rejected([&] { D::empirical({{1, 0.5}}); }, "empirical", "probability must be exactly 1");
  expect_rejected([&] { D::empirical({{1, 0.5}, {0, 1}}); }, "empirical", "points[1] value");
  expect_rejected(
      [&] {
        D::empirical({{1, 0.6}, {2, 0.5}, {3, 1}});
      },
      "empirical", "points[1] probability");
  expect_rejected([&] { D::empirical({{nan, 1}}); }, "empirical", "points[0] value");
  expect_rejected([&] { D::empirical({{1, 0.5}, {inf, 1}}); }, "empirical", "points[1] value");
  expect_rejected([&] { D::empirical({{1, -0.1}, {2, 1}}); }, "empirical", "points[0] probability");
  expect_rejected([&] { D::empirical({{1, 1.5}}); }, "empirical", "points[0] probability");
  expect_rejected([&] { D::empirical({{1, nan}, {2, 1}}); }, "empirical", "points[0] probability");
}

}  // namespace
}  // namespace podwire::engine
