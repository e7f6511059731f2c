#include "models/node/node_cpu.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace podwire::node {

using engine::Time;

NodeCpu::NodeCpu(engine::Simulator& sim, int cores, std::string name, double speed, Smt smt)
    : sim_(sim), name_(std::move(name)), created_(sim.now()), speed_(speed), smt_(smt) {
  if (cores < 1) {
    throw std::invalid_argument("node CPU '" + name_ + "' needs at least 1 core, got " +
                                std::to_string(cores));
  }
  if (!(speed > 0.0) || !std::isfinite(speed)) {
    throw std::invalid_argument("node CPU '" + name_ + "': speed must be a positive number, got " +
                                std::to_string(speed));
  }
  if (smt_.on && !(smt_.share > 0.0 && smt_.share <= 1.0)) {
    throw std::invalid_argument("node CPU '" + name_ +
                                "': a hardware thread's share of its core must be in (0, 1], got " +
                                std::to_string(smt_.share));
  }
  cores_.resize(static_cast<std::size_t>(cores));
  idle_mask_.assign((cores_.size() + 63) / 64, 0);
  for (std::size_t c = 0; c < cores_.size(); ++c) set_idle(c, true);
}

void NodeCpu::check_work(Time work, const std::string& name) {
  if (work < Time::zero()) {
    throw std::invalid_argument("node CPU '" + name + "': work must not be negative, got " +
                                work.to_string());
  }
}

namespace {
// Picoseconds as a Time, saturating where a slow core stretches a huge job
// past the end of simulated time (converting such a double is undefined).
Time saturated_ps(double ps) {
  return ps >= 9.2e18 ? Time::max() : Time::ps(static_cast<std::int64_t>(ps));
}
}  // namespace

Time NodeCpu::scaled(Time work) const {
  if (speed_ == 1.0) return work;
  return saturated_ps(std::round(static_cast<double>(work.ps()) / speed_));
}

void NodeCpu::run_on_core(int core, Time work, Time system, Done done, void* context,
                          std::uint64_t tag) {
  if (core < 0 || static_cast<std::size_t>(core) >= cores_.size()) {
    throw std::out_of_range("node CPU '" + name_ + "' has no core " + std::to_string(core));
  }
  check_work(work, name_);
  work = scaled(work);
  system = std::min(scaled(system), work);
  const auto c = static_cast<std::size_t>(core);
  Core& k = cores_[c];
  if (k.busy && k.kind == CpuWork::application) {
    // Preempt: the application job keeps what it has done and waits with the rest.
    k.advance(sim_.now());
    k.preempted = k.job;
    k.has_preempted = true;
    ++k.generation;  // its pending finish is void
    start(c, Job{work, system, done, context, tag}, CpuWork::kernel);
  } else if (k.busy) {
    k.pinned.push_back(Job{work, system, done, context, tag});
  } else {
    start(c, Job{work, system, done, context, tag}, CpuWork::kernel);
  }
}

Time NodeCpu::Core::stretched(Time work) const {
  if (rate == 1.0) return work;
  return saturated_ps(std::ceil(static_cast<double>(work.ps()) / rate));
}

Time NodeCpu::Core::system_wall(Time elapsed) const {
  // A job's system part comes first, at the pace the job runs.
  return std::min(elapsed, stretched(job.system));
}

Time NodeCpu::Core::progress(Time elapsed) const {
  if (rate == 1.0) return elapsed;
  return Time::ps(std::llround(static_cast<double>(elapsed.ps()) * rate));
}

void NodeCpu::Core::account(Time elapsed) {
  work_done += progress(elapsed);
  const Time system = system_wall(elapsed);
  if (kind == CpuWork::kernel) {
    kernel_done += elapsed;
    system_done += system;
    return;
  }
  kernel_done += system;
  system_done += system;
  application_done += elapsed - system;
}

void NodeCpu::Core::advance(Time now) {
  const Time elapsed = now - started;
  account(elapsed);
  const Time done = progress(elapsed);
  job.work = std::max(Time::zero(), job.work - done);
  job.system = std::max(Time::zero(), job.system - done);
  started = now;
}

void NodeCpu::run(Time work, Time system, Done done, void* context, std::uint64_t tag) {
  check_work(work, name_);
  work = scaled(work);
  system = std::min(scaled(system), work);
  // An idle core has no pinned work waiting, and shared work waits only while
  // every core is busy, so an idle core can take this job at once.
  const std::size_t c = lowest_idle();
  if (c < cores_.size()) {
    start(c, Job{work, system, done, context, tag}, CpuWork::application);
  } else {
    ++counters_.application_waited;
    shared_.push_back(Job{work, system, done, context, tag});
  }
}

double NodeCpu::rate_for(std::size_t core) const {
  const int other = sibling(static_cast<int>(core));
  if (other < 0) return 1.0;
  return cores_[static_cast<std::size_t>(other)].busy ? smt_.share : 1.0;
}

void NodeCpu::arm(std::size_t core, Time at) {
  Core& c = cores_[core];
  c.armed = at;
  sim_.schedule_at<&NodeCpu::on_finish>(at, this, core | (std::uint64_t{c.generation} << 32));
}

void NodeCpu::repace(std::size_t core) {
  Core& c = cores_[core];
  const double rate = rate_for(core);
  if (rate == c.rate) return;
  c.advance(sim_.now());
  c.rate = rate;
  c.due = sim_.now() + c.stretched(c.job.work);
  // Later than the pending event: it finds the job unfinished and waits on.
  if (c.due < c.armed) {
    ++c.generation;
    arm(core, c.due);
  }
}

void NodeCpu::repace_sibling(std::size_t core) {
  const int other = sibling(static_cast<int>(core));
  if (other >= 0 && cores_[static_cast<std::size_t>(other)].busy)
    repace(static_cast<std::size_t>(other));
}

void NodeCpu::start(std::size_t core, const Job& job, CpuWork kind) {
  Core& c = cores_[core];
  const bool was_idle = !c.busy;
  if (was_idle) {
    c.busy = true;
    ++busy_;
    set_idle(core, false);
  }
  c.kind = kind;
  c.started = sim_.now();
  c.job = job;
  c.rate = rate_for(core);
  c.due = sim_.now() + c.stretched(c.job.work);
  ++c.generation;
  arm(core, c.due);
  if (was_idle) repace_sibling(core);
}

void NodeCpu::on_finish(std::uint64_t tag) {
  const std::uint64_t core = tag & 0xffffffffu;
  Core& c = cores_[core];
  if (!c.busy || tag >> 32 != c.generation) return;  // stale
  if (sim_.now() < c.due) {                          // slowed down since it was armed
    arm(core, c.due);
    return;
  }
  const Job finished = c.job;
  c.account(sim_.now() - c.started);
  ++(c.kind == CpuWork::kernel ? counters_.kernel_jobs : counters_.application_jobs);
  // The next job starts before the callback runs, so work the callback submits
  // queues behind what was already waiting.
  if (!c.pinned.empty()) {
    start(core, c.pinned.pop_front(), CpuWork::kernel);
  } else if (c.has_preempted) {
    c.has_preempted = false;
    start(core, c.preempted, CpuWork::application);
  } else if (!shared_.empty()) {
    start(core, shared_.pop_front(), CpuWork::application);
  } else {
    c.busy = false;
    --busy_;
    set_idle(core, true);
    repace_sibling(core);
  }
  if (finished.done != nullptr) {
    current_core_ = static_cast<int>(core);
    finished.done(finished.context, finished.tag);
    current_core_ = -1;
  }
}

void NodeCpu::set_idle(std::size_t core, bool idle) {
  const std::uint64_t bit = std::uint64_t{1} << (core % 64);
  if (idle) {
    idle_mask_[core / 64] |= bit;
  } else {
    idle_mask_[core / 64] &= ~bit;
  }
}

std::size_t NodeCpu::lowest_idle() const {
  for (std::size_t w = 0; w < idle_mask_.size(); ++w) {
    if (idle_mask_[w] != 0)
      return w * 64 + static_cast<std::size_t>(std::countr_zero(idle_mask_[w]));
  }
  return cores_.size();
}

CpuUsage NodeCpu::usage() const {
  const Time now = sim_.now();
  CpuUsage u{now, Time::zero(), Time::zero(), Time::zero(), Time::zero()};
  for (const Core& c : cores_) {
    u.kernel += c.kernel_done;
    u.system += c.system_done;
    u.application += c.application_done;
    u.work += c.work_done;
    if (!c.busy) continue;
    const Time running = now - c.started;
    u.work += c.progress(running);
    const Time system = c.system_wall(running);
    u.kernel += c.kind == CpuWork::kernel ? running : system;
    u.system += system;
    if (c.kind == CpuWork::application) u.application += running - system;
  }
  return u;
}

Time NodeCpu::busy_time(CpuWork kind) const {
  const CpuUsage u = usage();
  return kind == CpuWork::kernel ? u.kernel : u.application;
}

Time NodeCpu::core_busy_time(int core) const {
  const Core& c = cores_.at(static_cast<std::size_t>(core));
  Time t = c.kernel_done + c.application_done;
  if (c.busy) t += sim_.now() - c.started;
  return t;
}

double NodeCpu::system_fraction(const CpuUsage& since) const {
  const CpuUsage u = usage();
  const Time span = u.at - since.at;
  if (span <= Time::zero()) return 0.0;
  return (u.system - since.system) / (span * static_cast<std::int64_t>(cores_.size()));
}

double NodeCpu::busy_fraction(CpuWork kind, const CpuUsage& since) const {
  const CpuUsage u = usage();
  const Time span = u.at - since.at;
  if (span <= Time::zero()) return 0.0;
  const Time busy =
      kind == CpuWork::kernel ? u.kernel - since.kernel : u.application - since.application;
  return busy / (span * static_cast<std::int64_t>(cores_.size()));
}

}  // namespace podwire::node
