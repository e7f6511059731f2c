#include "engine/time_series_sampler.hpp"

#include <stdexcept>

namespace podwire::engine {

TimeSeriesSampler::TimeSeriesSampler(Simulator& sim, Time interval)
    : sim_(sim), interval_(interval) {
  if (interval <= Time::zero()) {
    throw std::invalid_argument("sampling interval must be positive, got " + interval.to_string());
  }
}

TimeSeriesSampler::~TimeSeriesSampler() { stop(); }

std::size_t TimeSeriesSampler::add_probe(std::string name, ReadFn read, const void* context) {
  if (read == nullptr) {
    throw std::invalid_argument("probe '" + name + "' has no read function");
  }
  if (running() || !times_.empty()) {
    throw std::logic_error("cannot add probe '" + name +
                           "' while sampling or with stored rows; stop() and clear() first");
  }
  probes_.push_back(Probe{std::move(name), read, context, {}});
  row_.resize(probes_.size());
  return probes_.size() - 1;
}

void TimeSeriesSampler::start(Time first_sample_at) {
  if (running()) throw std::logic_error("TimeSeriesSampler::start while already running");
  pending_ = sim_.schedule_at<&TimeSeriesSampler::on_sample>(first_sample_at, this);
}

void TimeSeriesSampler::stop() {
  sim_.cancel(pending_);
  pending_ = EventId{};
}

void TimeSeriesSampler::set_sink(SinkFn sink, void* context) {
  sink_ = sink;
  sink_context_ = context;
}

void TimeSeriesSampler::clear() {
  times_.clear();
  for (Probe& p : probes_) p.values.clear();
}

void TimeSeriesSampler::on_sample() {
  const Time t = sim_.now();
  for (std::size_t i = 0; i < probes_.size(); ++i) row_[i] = probes_[i].read(probes_[i].context);

  // Schedule the next sample before handing the row out, so a sink that calls
  // stop() cancels it. Past the end of representable time there is none.
  pending_ = t <= Time::max() - interval_
                 ? sim_.schedule_at<&TimeSeriesSampler::on_sample>(t + interval_, this)
                 : EventId{};
  ++rows_produced_;
  if (sink_ != nullptr) {
    sink_(sink_context_, t, row_.data(), row_.size());
    return;
  }
  times_.push_back(t);
  for (std::size_t i = 0; i < probes_.size(); ++i) probes_[i].values.push_back(row_[i]);
}

}  // namespace podwire::engine
