// Validation of the engine against queueing theory: Poisson sources, FIFO
// servers, fixed seeds and enough jobs that the tolerances are several standard
// errors wide. Theory is computed here from textbook formulas.
#include "models/queueing/server_farm.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace podwire::queueing {
namespace {

using engine::Distribution;
using engine::Time;

struct FarmRun {
  ServerFarmStats stats;
  std::uint64_t events = 0;
};

FarmRun simulate(double lambda, Distribution service, int servers, double jobs,
                 std::uint64_t seed = 1) {
  engine::Simulator sim;
  engine::RandomRoot random(seed);
  const double warmup_s = 2000.0 / lambda;
  ServerFarm farm(sim, random,
                  ServerFarmConfig{Distribution::exponential(1.0 / lambda), service, servers,
                                   Time::from_seconds(warmup_s)});
  farm.start();
  sim.run_until(Time::from_seconds(warmup_s + jobs / lambda));
  return {farm.stats(), sim.events_executed()};
}

double relative_error(double got, double want) { return std::fabs(got - want) / want; }

void check_mm1(double rho, double jobs) {
  const double mu = 1000.0, lambda = rho * mu;
  const FarmRun r = simulate(lambda, Distribution::exponential(1.0 / mu), 1, jobs);
  const double mean_sojourn = 1.0 / (mu - lambda);
  const double p99 = std::log(100.0) / (mu - lambda);  // the sojourn is exponential(mu - lambda)
  EXPECT_LT(relative_error(r.stats.sojourn_s.mean(), mean_sojourn), 0.02)
      << "rho " << rho << ": mean " << r.stats.sojourn_s.mean() << " vs " << mean_sojourn;
  EXPECT_LT(relative_error(r.stats.sojourn.percentile_time(99).seconds(), p99), 0.05)
      << "rho " << rho << ": p99 " << r.stats.sojourn.percentile_time(99).seconds() << " vs "
      << p99;
}

TEST(ServerFarmValidation, MM1AtHalfLoad) { check_mm1(0.5, 2e6); }

TEST(ServerFarmValidation, MM1AtNinetyPercentLoad) { check_mm1(0.9, 1e7); }

TEST(ServerFarmValidation, MD1MeanWaitMatchesPollaczekKhinchine) {
  const double d = 1e-3, lambda = 800.0, rho = lambda * d;
  const FarmRun r = simulate(lambda, Distribution::constant(d), 1, 4e6);
  const double wq = rho * d / (2 * (1 - rho));
  EXPECT_LT(relative_error(r.stats.wait_s.mean(), wq), 0.02)
      << r.stats.wait_s.mean() << " vs " << wq;
}

TEST(ServerFarmValidation, MMcMeanWaitMatchesErlangC) {
  const int c = 4;
  const double mu = 1000.0, lambda = 0.8 * c * mu, a = lambda / mu;
  const FarmRun r = simulate(lambda, Distribution::exponential(1.0 / mu), c, 8e6);
  // Erlang C by its defining sum.
  double term = 1.0, sum = 0.0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);
  const double p_wait = top / (sum + top);
  const double wq = p_wait / (c * mu - lambda);
  EXPECT_LT(relative_error(r.stats.wait_s.mean(), wq), 0.03)
      << r.stats.wait_s.mean() << " vs " << wq;
  EXPECT_LT(relative_error(r.stats.mean_busy, a), 0.01);
}

TEST(ServerFarmValidation, LittlesLawHoldsOnTheSamplePath) {
  const FarmRun r = simulate(700.0, Distribution::lognormal_from_mean_stddev(1e-3, 2e-3), 1, 1e6);
  const double lambda_measured = static_cast<double>(r.stats.arrivals) / r.stats.window_s;
  const double l_from_w = lambda_measured * r.stats.sojourn_s.mean();
  EXPECT_LT(relative_error(r.stats.mean_in_system, l_from_w), 0.01)
      << r.stats.mean_in_system << " vs " << l_from_w;
}

TEST(ServerFarmDeterminism, SameSeedSameRunOtherSeedOtherRun) {
  const FarmRun a = simulate(800.0, Distribution::exponential(1e-3), 2, 1e5, 7);
  const FarmRun b = simulate(800.0, Distribution::exponential(1e-3), 2, 1e5, 7);
  const FarmRun c = simulate(800.0, Distribution::exponential(1e-3), 2, 1e5, 8);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.stats.completions, b.stats.completions);
  EXPECT_EQ(a.stats.sojourn, b.stats.sojourn);  // every histogram bucket
  EXPECT_EQ(a.stats.sojourn_s.mean(), b.stats.sojourn_s.mean());
  EXPECT_EQ(a.stats.mean_in_system, b.stats.mean_in_system);
  EXPECT_NE(a.events, c.events);
  EXPECT_NE(a.stats.sojourn_s.mean(), c.stats.sojourn_s.mean());
}

TEST(ServerFarm, RefusesZeroServers) {
  engine::Simulator sim;
  engine::RandomRoot random(1);
  EXPECT_THROW(ServerFarm(sim, random, ServerFarmConfig{.servers = 0, .warmup = Time::zero()}),
               std::invalid_argument);
}

}  // namespace
}  // namespace podwire::queueing
