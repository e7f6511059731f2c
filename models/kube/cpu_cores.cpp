#include "models/kube/cpu_cores.hpp"

#include <stdexcept>

namespace podwire::kube {

using engine::Time;

CpuCores::CpuCores(engine::Simulator& sim, int cores, std::string name)
    : sim_(sim), name_(std::move(name)), cores_(static_cast<std::size_t>(cores)) {
  if (cores < 1) throw std::invalid_argument("'" + name_ + "': a node needs at least one core");
}

void CpuCores::run(Time work, Done done, void* context, std::uint64_t tag) {
  shared_.push_back(Job{work, done, context, tag});
  for (std::size_t i = 0; i < cores_.size(); ++i) {
    if (!cores_[i].busy) {
      start(static_cast<int>(i));
      return;
    }
  }
}

void CpuCores::run_on_core(int core, Time work, Done done, void* context, std::uint64_t tag) {
  Core& c = cores_.at(static_cast<std::size_t>(core));
  c.pinned.push_back(Job{work, done, context, tag});
  if (!c.busy) start(core);
}

void CpuCores::start(int index) {
  Core& c = cores_[static_cast<std::size_t>(index)];
  if (!c.pinned.empty()) {
    c.running = c.pinned.pop_front();
    c.running_kernel = true;
  } else if (!shared_.empty()) {
    c.running = shared_.pop_front();
    c.running_kernel = false;
  } else {
    c.busy = false;
    return;
  }
  c.busy = true;
  c.started = sim_.now();
  sim_.schedule_in<&CpuCores::on_finish>(c.running.work, this, static_cast<std::uint64_t>(index));
}

void CpuCores::on_finish(std::uint64_t index) {
  Core& c = cores_[index];
  const Job job = c.running;
  (c.running_kernel ? busy_kernel_ : busy_application_) += job.work;
  ++jobs_done_;
  c.busy = false;
  start(static_cast<int>(index));
  job.done(job.context, job.tag);
}

Time CpuCores::busy_application() const {
  Time t = busy_application_;
  for (const Core& c : cores_) {
    if (c.busy && !c.running_kernel) t += sim_.now() - c.started;
  }
  return t;
}

Time CpuCores::busy_kernel() const {
  Time t = busy_kernel_;
  for (const Core& c : cores_) {
    if (c.busy && c.running_kernel) t += sim_.now() - c.started;
  }
  return t;
}

}  // namespace podwire::kube
