// The closed forms the demo prints and the validation tests use, checked against
// textbook values and independent formulas.
#include "models/queueing/queueing_theory.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace podwire::queueing {
namespace {

// Erlang C from its defining sum, without the Erlang B recursion.
double erlang_c_by_sum(int c, double a) {
  double term = 1.0, sum = 0.0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);  // a^c / c! * c / (c - a)
  return top / (sum + top);
}

TEST(QueueingTheory, ErlangCMatchesKnownValues) {
  EXPECT_NEAR(erlang_c(1, 0.7), 0.7, 1e-12);        // M/M/1: P(wait) = rho
  EXPECT_NEAR(erlang_c(2, 1.0), 1.0 / 3.0, 1e-12);  // 2 rho^2 / (1 + rho), rho = 0.5
  EXPECT_NEAR(erlang_c(4, 3.2), erlang_c_by_sum(4, 3.2), 1e-12);
  EXPECT_NEAR(erlang_c(4, 3.2), 0.5964, 1e-4);  // tables: c = 4, rho = 0.8
  EXPECT_NEAR(erlang_c(50, 45.0), erlang_c_by_sum(50, 45.0), 1e-9);
  EXPECT_THROW(erlang_c(4, 4.0), std::invalid_argument);
}

TEST(QueueingTheory, MM1ReducesToTheExponentialSojourn) {
  const MmcQueue q(900.0, 1000.0, 1);
  EXPECT_NEAR(q.mean_sojourn(), 1.0 / 100.0, 1e-12);
  EXPECT_NEAR(q.mean_wait(), 0.9 / 100.0, 1e-12);
  for (double t : {0.0, 0.005, 0.02, 0.1})
    EXPECT_NEAR(q.sojourn_tail(t), std::exp(-100.0 * t), 1e-12);
  EXPECT_NEAR(q.sojourn_quantile(0.99), std::log(100.0) / 100.0, 1e-9);
}

TEST(QueueingTheory, MMcSojournTailIntegratesToTheMean) {
  const MmcQueue q(3200.0, 1000.0, 4);
  // E[T] = integral of P(T > t) dt, by the trapezoid rule.
  double integral = 0.0;
  const double dt = 1e-6;
  for (double t = 0; t < 0.05; t += dt)
    integral += 0.5 * (q.sojourn_tail(t) + q.sojourn_tail(t + dt)) * dt;
  EXPECT_NEAR(integral, q.mean_sojourn(), 1e-6 * q.mean_sojourn() + 1e-9);
  EXPECT_NEAR(q.utilisation(), 0.8, 1e-12);
  EXPECT_NEAR(q.wait_tail(0.0), q.p_wait(), 1e-12);
  EXPECT_NEAR(q.wait_quantile(0.3), 0.0, 0.0);  // 40% of arrivals do not wait
}

TEST(QueueingTheory, PollaczekKhinchine) {
  // M/D/1 at rho = 0.8 with D = 1 ms: Wq = rho D / (2 (1 - rho)) = 2 ms.
  EXPECT_NEAR(mg1_mean_wait(800.0, 1e-3, 1e-6), 2e-3, 1e-12);
  // M/M/1: E[S^2] = 2/mu^2 gives rho / (mu - lambda).
  EXPECT_NEAR(mg1_mean_wait(500.0, 1e-3, 2e-6), 0.5 / 500.0, 1e-12);
  EXPECT_THROW(mg1_mean_wait(1000.0, 1e-3, 1e-6), std::invalid_argument);
}

TEST(QueueingTheory, RefusesUnstableQueues) {
  EXPECT_THROW(MmcQueue(4000.0, 1000.0, 4), std::invalid_argument);
  EXPECT_THROW(MmcQueue(1.0, 1.0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace podwire::queueing
