// DelayLine: hands packets to a sink a fixed time after they enter, in order,
// with one pending event however many packets are in it (propagation on a wire,
// a switch's forwarding latency). Entry times must not decrease.
#pragma once

#include "engine/ring_queue.hpp"
#include "engine/simulator.hpp"
#include "models/net/packet_sink.hpp"

namespace podwire::net {

class DelayLine {
 public:
  DelayLine(engine::Simulator& sim, engine::Time delay) : sim_(sim), delay_(delay) {}
  DelayLine(const DelayLine&) = delete;
  DelayLine& operator=(const DelayLine&) = delete;

  void connect(PacketSink* to) { to_ = to; }
  engine::Time delay() const { return delay_; }
  std::size_t in_flight() const { return line_.size(); }

  // The packet leaves (is handed to the sink) at now + delay; a zero delay
  // hands it over at once, without an event.
  void push(Packet& p) { push_at(p, sim_.now()); }

  // The packet enters at `entry` (>= now, and >= every earlier entry) and
  // leaves at entry + delay: a link puts a packet on the wire when its last bit
  // has been serialised.
  void push_at(Packet& p, engine::Time entry) {
    const engine::Time exit = entry + delay_;
    if (exit == sim_.now() && line_.empty()) {
      to_->receive(p);
      return;
    }
    line_.push_back(Entry{exit, &p});
    if (line_.size() == 1) sim_.schedule_at<&DelayLine::on_exit>(exit, this);
  }

 private:
  struct Entry {
    engine::Time exit;
    Packet* packet = nullptr;
  };

  void on_exit() {
    // Every packet due now leaves in this one event.
    const engine::Time now = sim_.now();
    while (!line_.empty() && line_.front().exit <= now) to_->receive(*line_.pop_front().packet);
    if (!line_.empty()) sim_.schedule_at<&DelayLine::on_exit>(line_.front().exit, this);
  }

  engine::Simulator& sim_;
  engine::Time delay_;
  PacketSink* to_ = nullptr;
  engine::RingQueue<Entry> line_;
};

}  // namespace podwire::net
