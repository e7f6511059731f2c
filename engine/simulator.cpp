#include "engine/simulator.hpp"

#include <stdexcept>

namespace podwire::engine {

EventId Simulator::schedule_at(Time when, EventFn fn, void* context, std::uint64_t arg) {
  if (when < now_) [[unlikely]] {
    throw std::invalid_argument("cannot schedule an event at " + when.to_string() +
                                ", before the current time " + now_.to_string());
  }
  if (fn == nullptr) [[unlikely]] {
    throw std::invalid_argument("cannot schedule an event without a function");
  }
  const std::uint64_t seq = next_seq_++;
  queue_.push(Event{when, seq, fn, context, arg});
  return EventId{when, seq};
}

EventId Simulator::schedule_in(Time delay, EventFn fn, void* context, std::uint64_t arg) {
  if (delay < Time::zero()) [[unlikely]] {
    throw std::invalid_argument("cannot schedule an event with negative delay " +
                                delay.to_string());
  }
  // Saturates: a delay beyond the end of simulated time (a heavy-tailed
  // draw) is an event at Time::max(), after any run's end.
  return schedule_at(now_ + delay, fn, context, arg);
}

bool Simulator::cancel(EventId id) {
  if (!id.valid()) return false;
  // Events run in (time, seq) order, so this says exactly whether it has run.
  const bool already_ran = id.time < now_ || (id.time == now_ && id.seq <= current_seq_);
  if (already_ran || id.seq >= next_seq_) return false;
  if (!cancelled_.insert(id.seq)) return false;
  cancelled_order_.push(CancelledKey{id.time.ps(), id.seq});
  return true;
}

void Simulator::drop_next_cancelled() {
  cancelled_.erase(cancelled_order_.top().seq);
  cancelled_order_.pop();
}

bool Simulator::pop_until(Time limit, Event& ev) {
  while (!queue_.empty()) {
    if (queue_.top().time > limit) return false;
    ev = queue_.pop();
    if (!is_next_cancelled(ev)) return true;
    drop_next_cancelled();
  }
  return false;
}

void Simulator::run() {
  stop_requested_ = false;
  Event ev;
  while (!stop_requested_ && pop_until(Time::max(), ev)) dispatch(ev);
}

void Simulator::run_until(Time limit) {
  if (limit < now_) {
    throw std::invalid_argument("cannot run until " + limit.to_string() +
                                ", before the current time " + now_.to_string());
  }
  stop_requested_ = false;
  Event ev;
  while (!stop_requested_ && pop_until(limit, ev)) dispatch(ev);
  if (!stop_requested_) now_ = limit;
}

bool Simulator::step() {
  Event ev;
  if (!pop_until(Time::max(), ev)) return false;
  dispatch(ev);
  return true;
}

Time Simulator::next_event_time() {
  while (!queue_.empty()) {
    const Event& top = queue_.top();
    if (!is_next_cancelled(top)) return top.time;
    drop_next_cancelled();
    queue_.pop();
  }
  return Time::max();
}

}  // namespace podwire::engine
