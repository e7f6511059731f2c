#include "models/proxy/proxy_sync.hpp"

#include <algorithm>

#include "models/proxy/proxy_factory.hpp"

namespace podwire::proxy {

using engine::Time;

std::size_t EndpointDiffs::count(const std::vector<Backend>& before,
                                 const std::vector<Backend>& after) {
  const auto key = [](const Backend& b) {
    return static_cast<std::uint64_t>(b.address) << 24 | static_cast<std::uint64_t>(b.port) << 8 |
           static_cast<std::uint64_t>(b.ready) << 2 | static_cast<std::uint64_t>(b.serving) << 1 |
           static_cast<std::uint64_t>(b.terminating);
  };
  std::vector<std::uint64_t> x, y;
  x.reserve(before.size());
  y.reserve(after.size());
  for (const Backend& e : before) x.push_back(key(e));
  for (const Backend& e : after) y.push_back(key(e));
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  std::size_t same = 0;
  for (std::size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    if (x[i] == y[j]) {
      ++same, ++i, ++j;
    } else if (x[i] < y[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return x.size() + y.size() - 2 * same;
}

std::size_t EndpointDiffs::between(const List& before, const std::vector<Backend>& before_list,
                                   const List& after) {
  const std::pair<const void*, const void*> k{&before_list, after.get()};
  if (const auto it = cache_.find(k); it != cache_.end()) return it->second;
  if (alive_.size() >= 8192) {  // forget everything at once: no stale key survives
    cache_.clear();
    alive_.clear();
  }
  const std::size_t n = count(before_list, *after);
  cache_.emplace(k, n);
  if (before) alive_.push_back(before);
  alive_.push_back(after);
  return n;
}

SyncConfig SyncConfig::defaults(std::string_view mode, KubeProxyVersion version, Time sync_period) {
  SyncConfig c;
  if (!syncs_periodically(mode)) {
    c.min_sync_period = Time::zero();
    c.resync_interval = Time::zero();
  } else {
    c.resync_interval = version.full_resync_interval(mode, sync_period);
  }
  return c;
}

ProxySync::ProxySync(engine::Simulator& sim, ServiceProxy& proxy, SyncConfig config,
                     node::NodeCpu* cpu, EndpointDiffs* diffs)
    : sim_(sim), proxy_(proxy), config_(std::move(config)), cpu_(cpu), diffs_(diffs) {
  const ServiceTable& table = proxy_.services();
  services_ = table.size();
  endpoints_ = proxy_.backend_count();
  if (config_.resync_interval > Time::zero()) {
    periodic_ = sim_.schedule_in<&ProxySync::on_periodic>(config_.resync_interval, this);
  }
}

std::uint64_t ProxySync::sync_writes(bool full, std::size_t changed_frontends,
                                     std::size_t changed_endpoints) const {
  return proxy_.sync_writes(config_.costs, full, changed_frontends, changed_endpoints, services_,
                            endpoints_);
}

Time ProxySync::sync_duration(bool full, std::size_t changed_frontends,
                              std::size_t changed_endpoints) const {
  return proxy_.sync_duration(config_.costs, full,
                              sync_writes(full, changed_frontends, changed_endpoints), services_,
                              endpoints_);
}

void ProxySync::notify(std::uint32_t frontend, std::shared_ptr<const std::vector<Backend>> backends,
                       Time changed_at, std::uint64_t change_id) {
  Pending& p = pending_[frontend];
  p.backends = std::move(backends);
  p.records.push_back(ProgrammingRecord{change_id, frontend, changed_at, sim_.now(), Time::zero()});
  request(earliest_start());
}

Time ProxySync::earliest_start() const {
  const std::int64_t spare = std::max(0, config_.burst_syncs - 1);
  return std::max(sim_.now(), tat_ - config_.min_sync_period * spare);
}

void ProxySync::request(Time at) {
  if (running_ || run_scheduled_) return;  // the running sync asks again when done
  run_scheduled_ = true;
  sim_.schedule_at<&ProxySync::on_run>(at, this);
}

void ProxySync::on_run(std::uint64_t) {
  run_scheduled_ = false;
  if (running_) return;
  const bool full =
      full_requested_ || (proxy_.rewrites_whole_chains() && !config_.iptables_partial);
  full_requested_ = false;
  start_sync(full);
}

void ProxySync::on_periodic(std::uint64_t) {
  // A full resync is due: it runs now, or as soon as minSyncPeriod allows.
  full_requested_ = true;
  request(earliest_start());
}

void ProxySync::start_sync(bool full) {
  running_ = true;
  ever_ran_ = true;
  last_start_ = sim_.now();
  tat_ = std::max(tat_, sim_.now()) + config_.min_sync_period;
  // The next periodic resync counts from this sync (the runner's max interval).
  if (config_.resync_interval > Time::zero()) {
    sim_.cancel(periodic_);
    periodic_ = sim_.schedule_in<&ProxySync::on_periodic>(config_.resync_interval, this);
  }
  // What a sync writes beside the fixed part: iptables rewrites the changed
  // Services' chains whole; the other modes write the endpoints that changed.
  std::size_t endpoints = 0;
  in_flight_.clear();
  for (auto& [frontend, p] : pending_) {
    if (proxy_.rewrites_whole_chains()) {
      endpoints += p.backends->size();
    } else if (diffs_ != nullptr) {
      endpoints +=
          diffs_->between(proxy_.programmed(frontend), proxy_.backends(frontend), p.backends);
    } else {
      endpoints += EndpointDiffs::count(proxy_.backends(frontend), *p.backends);
    }
    in_flight_.emplace_back(frontend, std::move(p));
  }
  pending_.clear();
  const Time duration = sync_duration(full, in_flight_.size(), endpoints);
  ++counters_.syncs;
  if (full) {
    ++counters_.full_syncs;
  } else {
    ++counters_.partial_syncs;
  }
  counters_.rules_written += sync_writes(full, in_flight_.size(), endpoints);
  counters_.busy += duration;
  if (cpu_ != nullptr) {
    cpu_->run(duration, &ProxySync::on_cpu_done, this, 0);
  } else {
    sim_.schedule_in<&ProxySync::on_done>(duration, this);
  }
}

void ProxySync::on_cpu_done(void* self, std::uint64_t) {
  static_cast<ProxySync*>(self)->finish_sync();
}

void ProxySync::on_done(std::uint64_t) { finish_sync(); }

void ProxySync::finish_sync() {
  const Time now = sim_.now();
  for (auto& [frontend, p] : in_flight_) {
    const std::size_t before = proxy_.backends(frontend).size();
    endpoints_ += p.backends->size();
    endpoints_ -= std::min<std::uint64_t>(endpoints_, before);
    counters_.endpoints_programmed += p.backends->size();
    counters_.udp_entries_cleared += proxy_.program(frontend, std::move(p.backends));
    for (ProgrammingRecord& r : p.records) {
      r.programmed_at = now;
      programmed.emit(r);
    }
  }
  in_flight_.clear();
  proxy_.rules_rewritten();
  running_ = false;
  if (!pending_.empty() || full_requested_) {
    request(earliest_start());
  }
}

}  // namespace podwire::proxy
