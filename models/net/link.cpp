#include "models/net/link.hpp"

#include <stdexcept>

namespace podwire::net {

using engine::Time;

Link::Link(engine::Simulator& sim, PacketPool& pool, LinkConfig config, std::string name)
    : sim_(sim),
      pool_(pool),
      config_(config),
      name_(std::move(name)),
      wire_(sim, config.propagation) {
  auto refuse = [this](const std::string& what) {
    throw std::invalid_argument("link '" + name_ + "': " + what);
  };
  if (config_.rate.bps() <= 0) refuse("rate must be positive, got " + config_.rate.to_string());
  if (config_.propagation < Time::zero()) {
    refuse("propagation delay must not be negative, got " + config_.propagation.to_string());
  }
  if (config_.queue_packets == 0) refuse("queue_packets must be at least 1");
  if (config_.queue_bytes < 0) refuse("queue_bytes must not be negative");
  if (config_.ecn_threshold_bytes < 0) refuse("ecn_threshold_bytes must not be negative");
}

void Link::receive(Packet& p) {
  pool_.trace(p, HopKind::queued, name_);
  const Time now = sim_.now();
  if (now >= busy_until_ && queue_.empty()) {
    start_transmission(p);
    return;
  }
  const bool over_packets = queue_.size() >= config_.queue_packets;
  const bool over_bytes =
      config_.queue_bytes > 0 && queued_bytes_ + p.wire_bytes > config_.queue_bytes;
  if (over_packets || over_bytes) {
    ++counters_.drops;
    counters_.dropped_bytes += p.wire_bytes;
    dropped.emit(p);
    pool_.trace(p, HopKind::dropped, name_);
    pool_.release(p);
    return;
  }
  if (config_.ecn_threshold_bytes > 0 && p.ecn_capable &&
      queued_bytes_ >= config_.ecn_threshold_bytes) {
    p.ecn_marked = true;
    ++counters_.ecn_marks;
  }
  p.enqueued = now;
  queue_.push_back(&p);
  queued_bytes_ += p.wire_bytes;
  queue_length.emit(now, queue_.size());
  if (!head_scheduled_) {
    head_scheduled_ = true;
    sim_.schedule_at<&Link::on_transmit_done>(busy_until_, this);
  }
}

void Link::start_transmission(Packet& p) {
  const Time tx = config_.rate.serialization(engine::Bytes(p.wire_bytes));
  busy_until_ = sim_.now() + tx;
  ++counters_.packets;
  counters_.bytes += p.wire_bytes;
  counters_.busy += tx;
  ++p.hops;
  // The last bit leaves at busy_until_; the wire delivers it one propagation later.
  wire_.push_at(p, busy_until_);
}

// The port became free: the head of the queue starts.
void Link::on_transmit_done() {
  head_scheduled_ = false;
  Packet& p = *queue_.pop_front();
  queued_bytes_ -= p.wire_bytes;
  queue_length.emit(sim_.now(), queue_.size());
  start_transmission(p);
  if (!queue_.empty()) {
    head_scheduled_ = true;
    sim_.schedule_at<&Link::on_transmit_done>(busy_until_, this);
  }
}

double Link::utilisation() const {
  const Time now = sim_.now();
  if (now <= Time::zero()) return 0.0;
  return std::min(1.0, counters_.busy / now);
}

}  // namespace podwire::net
