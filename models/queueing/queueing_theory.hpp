// Closed-form queueing results that podwire prints beside simulated figures and
// that validation tests check the engine against: M/M/c (Erlang C) and the
// Pollaczek-Khinchine mean for M/G/1. Rates in 1/s, times in seconds.
#pragma once

namespace podwire::queueing {

// Erlang C: the probability that an arrival waits, for c servers offered
// a = lambda/mu erlangs. Requires a < c. Computed through the Erlang B
// recursion, which stays stable for hundreds of servers.
double erlang_c(int servers, double offered_erlangs);

// Steady state of an M/M/c queue with arrival rate lambda and service rate mu
// per server. std::invalid_argument unless lambda > 0, mu > 0, c >= 1 and
// lambda < c * mu.
class MmcQueue {
 public:
  MmcQueue(double lambda, double mu, int servers);

  double utilisation() const { return lambda_ / (servers_ * mu_); }
  double p_wait() const { return p_wait_; }
  double mean_wait() const { return p_wait_ / theta(); }
  double mean_sojourn() const { return mean_wait() + 1.0 / mu_; }
  double mean_in_system() const { return lambda_ * mean_sojourn(); }  // Little's law
  double mean_in_queue() const { return lambda_ * mean_wait(); }

  // P(wait > t) and P(time in system > t).
  double wait_tail(double t) const;
  double sojourn_tail(double t) const;

  // Smallest t with P(X <= t) >= p, for p in (0, 1), to a relative 1e-9.
  double wait_quantile(double p) const;
  double sojourn_quantile(double p) const;

 private:
  double theta() const { return servers_ * mu_ - lambda_; }  // decay rate of the wait tail

  double lambda_;
  double mu_;
  int servers_;
  double p_wait_;
};

// Mean wait in queue of an M/G/1 queue (Pollaczek-Khinchine):
// lambda * E[S^2] / (2 (1 - rho)), rho = lambda * E[S] < 1.
double mg1_mean_wait(double lambda, double mean_service, double service_second_moment);

}  // namespace podwire::queueing
