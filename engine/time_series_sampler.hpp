// TimeSeriesSampler: reads a fixed set of probes (queue lengths, utilisation,
// table sizes) every `interval` of simulated time, storing the rows as columns or
// handing each row to a sink so memory need not grow with run length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/simulator.hpp"
#include "engine/time.hpp"

namespace podwire::engine {

class TimeSeriesSampler {
 public:
  using ReadFn = double (*)(const void* context);
  using SinkFn = void (*)(void* context, Time t, const double* values, std::size_t n);

  // interval > 0, else std::invalid_argument. The simulator must outlive the
  // sampler; the sampler cancels its pending event when destroyed.
  TimeSeriesSampler(Simulator& sim, Time interval);
  ~TimeSeriesSampler();
  // The simulator holds a pointer to the sampler in its pending event.
  TimeSeriesSampler(const TimeSeriesSampler&) = delete;
  TimeSeriesSampler& operator=(const TimeSeriesSampler&) = delete;

  // Adds a column read by read(context) at each sample; returns its index.
  // std::logic_error while running or once rows are stored (the columns would
  // have different lengths); std::invalid_argument for a null read.
  std::size_t add_probe(std::string name, ReadFn read, const void* context);

  // Member form: add_probe<&Queue::length>("q0", &queue) with Method
  // double (T::*)() const.
  template <auto Method, class T>
  std::size_t add_probe(std::string name, const T* object) {
    return add_probe(std::move(name), &read_thunk<Method, T>, object);
  }

  // Samples at first_sample_at, first_sample_at + interval, ... (exact integer
  // multiples, no drift) until stop(). Keeps exactly one event pending. Each
  // sample is scheduled one interval ahead, so at equal times it sees the state
  // before events scheduled after it (the simulator's FIFO tie-break).
  // std::logic_error when already running; std::invalid_argument when
  // first_sample_at is before sim.now().
  void start(Time first_sample_at);

  // Cancels the pending sample; stored rows stay. No-op when not running.
  void stop();
  bool running() const { return pending_.valid(); }

  // Each row goes to sink(context, t, values, probe_count()) instead of being
  // stored; rows already stored stay. A null sink turns storage back on. The
  // values pointer is valid only during the call.
  void set_sink(SinkFn sink, void* context);

  // Drops stored rows (probes stay), e.g. after a warm-up.
  void clear();

  Time interval() const { return interval_; }
  std::size_t probe_count() const { return probes_.size(); }
  const std::string& name(std::size_t probe) const { return probes_.at(probe).name; }

  // Stored rows: a time column and one value column per probe, all the same
  // length.
  std::size_t size() const { return times_.size(); }
  const std::vector<Time>& times() const { return times_; }
  const std::vector<double>& values(std::size_t probe) const { return probes_.at(probe).values; }

  // Rows produced since construction, stored or sent to the sink.
  std::uint64_t rows_produced() const { return rows_produced_; }

 private:
  struct Probe {
    std::string name;
    ReadFn read;
    const void* context;
    std::vector<double> values;
  };

  template <auto Method, class T>
  static double read_thunk(const void* context) {
    return (static_cast<const T*>(context)->*Method)();
  }

  void on_sample();

  Simulator& sim_;
  Time interval_;
  std::vector<Probe> probes_;
  std::vector<Time> times_;
  std::vector<double> row_;  // reused for the sink so sampling does not allocate
  SinkFn sink_ = nullptr;
  void* sink_context_ = nullptr;
  EventId pending_;
  std::uint64_t rows_produced_ = 0;
};

}  // namespace podwire::engine
