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
  in_service_.resize(static_cast<std::size_t>(config_.servers));
  for (std::uint64_t s = static_cast<std::uint64_t>(config_.servers); s > 0; --s)
    idle_servers_.push_back(s - 1);
}

void ServerFarm::start() {
  sim_.schedule_in<&ServerFarm::on_arrival>(draw(config_.interarrival, arrivals_rng_), this);
  sim_.schedule_at<&ServerFarm::on_warmup_end>(std::max(config_.warmup, sim_.now()), this);
}

Time ServerFarm::draw(const engine::Distribution& d, engine::RandomStream& s) {
  return Time::drawn(d.sample(s));
}

void ServerFarm::on_arrival() {
  const Time now = sim_.now();
  if (now >= config_.warmup) ++arrivals_;
  in_system_.add(now, 1);
  const Waiting job{++next_id_, now};
  if (busy_ < config_.servers) {
    begin_service(job);
  } else {
    queue_.push_back(job);
  }
  sim_.schedule_in<&ServerFarm::on_arrival>(draw(config_.interarrival, arrivals_rng_), this);
}

void ServerFarm::begin_service(const Waiting& job) {
  const Time now = sim_.now();
  ++busy_;
  busy_servers_.set(now, busy_);
  const bool measured = job.arrived >= config_.warmup;
  if (measured) {
    if (now > job.arrived) ++waited_;
    wait_s_.add((now - job.arrived).seconds());
    wait_hist_.record(now - job.arrived);
  }
  const std::uint64_t server = idle_servers_.back();
  idle_servers_.pop_back();
  in_service_[server] = JobRecord{job.id, job.arrived, now, Time::zero(), measured};
  sim_.schedule_in<&ServerFarm::on_departure>(draw(config_.service, service_rng_), this, server);
}

void ServerFarm::on_departure(std::uint64_t server) {
  const Time now = sim_.now();
  JobRecord& job = in_service_[server];
  job.finished = now;
  if (job.measured) {
    ++completions_;
    sojourn_s_.add((now - job.arrived).seconds());
    sojourn_hist_.record(now - job.arrived);
  }
  job_done.emit(job);
  idle_servers_.push_back(server);
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
