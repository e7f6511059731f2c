#include "models/app/program_cpu.hpp"

#include <algorithm>

namespace podwire::app {

ProgramCpu::ProgramCpu(node::NodeCpu* cpu, int threads, const node::HostStackCosts* host)
    : cpu_(cpu),
      host_(host),
      threads_(threads > 0 ? threads : (cpu != nullptr ? cpu->cores() : 1)) {}

void ProgramCpu::run(engine::Time work, engine::Time system, Done done, void* context,
                     std::uint64_t tag) {
  if (cpu_ == nullptr || work <= engine::Time::zero()) {
    done(context, tag);
    return;
  }
  const Job job{work, std::min(system, work), done, context, tag};
  if (busy_ < threads_) {
    start(job);
  } else {
    ++waited_;
    waiting_.push_back(job);
  }
}

void ProgramCpu::start(const Job& job) {
  ++busy_;
  const std::uint32_t slot = running_.acquire();
  running_[slot] = job;
  cpu_->run(job.work, job.system, &ProgramCpu::on_done, this, slot);
}

void ProgramCpu::on_done(void* self, std::uint64_t slot) {
  auto* p = static_cast<ProgramCpu*>(self);
  const Job finished = p->running_[static_cast<std::uint32_t>(slot)];
  p->running_.release(static_cast<std::uint32_t>(slot));
  --p->busy_;
  // The thread takes the next waiting job before the callback runs, so work
  // the callback submits queues behind it.
  if (!p->waiting_.empty()) p->start(p->waiting_.pop_front());
  finished.done(finished.context, finished.tag);
}

}  // namespace podwire::app
