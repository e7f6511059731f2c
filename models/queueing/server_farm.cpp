#include "models/queueing/server_farm.hpp"

#include <stdexcept>

namespace podwire::queueing {

using engine::Time;

ServerFarm::ServerFarm(engine::Simulator& sim, const engine::RandomRoot& random,
                       ServerFarmConfig config, const std::string& name)
    : sim_(sim),
      config_(std::move(config)),
      arrivals_rng_(random.stream(name + "/arrivals")),
      service_rng_(random.stream(name + "/service")),
      in_system_(sim.now()),
      busy_servers_(sim.now()) {
  if (config_.servers < 1) {
    throw std::invalid_argument("server farm '" + name + "' needs at least 1 server, got " +
                                std::to_string(config_.servers));
  }
}

void ServerFarm::start() {
  sim_.schedule_in<&ServerFarm::on_arrival>(draw(config_.interarrival, arrivals_rng_), this);
  sim_.schedule_at<&ServerFarm::on_warmup_end>(std::max(config_.warmup, sim_.now()), this);
}

Time ServerFarm::draw(const engine::Distribution& d, engine::RandomStream& s) {
  const double seconds = d.sample(s);
  return seconds <= 0 ? Time::zero() : Time::from_seconds(seconds);
}

void ServerFarm::on_arrival() {
  const Time now = sim_.now();
  if (now >= config_.warmup) ++arrivals_;
  in_system_.add(now, 1);
  if (busy_ < config_.servers) {
    begin_service(now);
  } else {
    queue_.push_back(now);
  }
  sim_.schedule_in<&ServerFarm::on_arrival>(draw(config_.interarrival, arrivals_rng_), this);
}

void ServerFarm::begin_service(Time arrived) {
  const Time now = sim_.now();
  ++busy_;
  busy_servers_.set(now, busy_);
  if (arrived >= config_.warmup) {
    if (now > arrived) ++waited_;
    wait_s_.add((now - arrived).seconds());
    wait_hist_.record(now - arrived);
  }
  // The departure carries the job's arrival time, so servers need no job records.
  sim_.schedule_in<&ServerFarm::on_departure>(draw(config_.service, service_rng_), this,
                                              static_cast<std::uint64_t>(arrived.ps()));
}

void ServerFarm::on_departure(std::uint64_t arrival_ps) {
  const Time now = sim_.now();
  const Time arrived = Time::ps(static_cast<std::int64_t>(arrival_ps));
  if (arrived >= config_.warmup) {
    ++completions_;
    sojourn_s_.add((now - arrived).seconds());
    sojourn_hist_.record(now - arrived);
  }
  in_system_.add(now, -1);
  --busy_;
  busy_servers_.set(now, busy_);
  if (!queue_.empty()) begin_service(queue_.pop_front());
}

void ServerFarm::on_warmup_end() {
  in_system_.reset(sim_.now());
  busy_servers_.reset(sim_.now());
}

ServerFarmStats ServerFarm::stats() const {
  ServerFarmStats s;
  const Time now = sim_.now();
  s.arrivals = arrivals_;
  s.completions = completions_;
  s.waited = waited_;
  s.wait_s = wait_s_;
  s.sojourn_s = sojourn_s_;
  s.wait = wait_hist_;
  s.sojourn = sojourn_hist_;
  if (now > config_.warmup) {
    s.mean_in_system = in_system_.average(now);
    s.mean_busy = busy_servers_.average(now);
    s.window_s = (now - config_.warmup).seconds();
  }
  return s;
}

}  // namespace podwire::queueing
