// Simulator: the discrete-event loop. Holds simulated time, the event queue and
// counters; no globals, so several simulators can live in one process.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <type_traits>
#include <vector>

#include "engine/event.hpp"
#include "engine/radix_event_queue.hpp"
#include "engine/seq_set.hpp"
#include "engine/time.hpp"

namespace podwire::engine {

// Names one scheduled event so it can be cancelled. Default-constructed ids name
// nothing; cancelling them is a no-op.
struct EventId {
  Time time;
  std::uint64_t seq = 0;
  bool valid() const { return seq != 0; }
};

class Simulator {
 public:
  Simulator() = default;
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Time now() const { return now_; }

  // Schedules fn(context, arg) at an absolute time not before now(); at equal
  // times events run in the order they were scheduled. std::invalid_argument for
  // a time in the past. O(1) amortised.
  EventId schedule_at(Time when, EventFn fn, void* context, std::uint64_t arg = 0);

  // Schedules after a delay >= 0 (std::invalid_argument for a negative delay,
  // std::overflow_error when now() + delay overflows).
  EventId schedule_in(Time delay, EventFn fn, void* context, std::uint64_t arg = 0);

  // Member-function forms: schedule_in<&Link::on_departure>(delay, this). Method
  // is void (T::*)() or void (T::*)(std::uint64_t); the call costs what a plain
  // function pointer call costs.
  template <auto Method, class T>
  EventId schedule_at(Time when, T* object, std::uint64_t arg = 0) {
    return schedule_at(when, &thunk<Method, T>, object, arg);
  }
  template <auto Method, class T>
  EventId schedule_in(Time delay, T* object, std::uint64_t arg = 0) {
    return schedule_in(delay, &thunk<Method, T>, object, arg);
  }

  // Cancels a pending event: it will not run. Returns false (and does nothing)
  // when the event already ran, was already cancelled or id is invalid. Lazy:
  // the record stays queued and is skipped when it comes up. O(1).
  bool cancel(EventId id);

  // Runs events until the queue is empty or stop() is called.
  void run();

  // Runs every event with time <= limit, then sets now() to limit (unless
  // stop() was called, which leaves now() at the last event's time).
  // std::invalid_argument when limit is before now().
  void run_until(Time limit);

  // Runs the next event, if any. Returns false when there was none.
  bool step();

  // Makes run()/run_until() return after the event that is running now.
  void stop() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }

  // Time of the next pending event, or Time::max() when none is pending.
  Time next_event_time();

  std::uint64_t events_executed() const { return executed_; }
  std::uint64_t events_scheduled() const { return next_seq_ - 1; }
  std::size_t pending() const { return queue_.size() - cancelled_.size(); }

 private:
  template <auto Method, class T>
  static void thunk(void* context, std::uint64_t arg) {
    T* object = static_cast<T*>(context);
    if constexpr (std::is_invocable_v<decltype(Method), T*, std::uint64_t>) {
      (object->*Method)(arg);
    } else {
      (object->*Method)();
    }
  }

  // Pops the next live event with time <= limit into ev; false when there is none.
  bool pop_until(Time limit, Event& ev);
  void dispatch(const Event& ev) {
    now_ = ev.time;
    current_seq_ = ev.seq;
    ++executed_;
    ev.fn(ev.context, ev.arg);
  }

  // Whether a popped event is the next cancelled one. The queue pops in (time,
  // seq) order and every cancelled event is still in it, so the earliest
  // cancelled id is never before the popped event: one comparison with a heap
  // top that stays in cache, where a hash lookup per event missed the cache
  // once thousands of cancelled timers were pending.
  bool is_next_cancelled(const Event& ev) const {
    if (cancelled_order_.empty()) return false;
    const CancelledKey& c = cancelled_order_.top();
    return c.time == ev.time.ps() && c.seq == ev.seq;
  }
  void drop_next_cancelled();

  struct CancelledKey {
    std::int64_t time;
    std::uint64_t seq;
    friend auto operator<=>(const CancelledKey&, const CancelledKey&) = default;
  };

  RadixEventQueue queue_;
  SeqSet cancelled_;  // seqs of the pending cancelled events: refuses a second cancel
  std::priority_queue<CancelledKey, std::vector<CancelledKey>, std::greater<>> cancelled_order_;
  Time now_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t current_seq_ = 0;  // seq of the event running or last run
  std::uint64_t executed_ = 0;
  bool stop_requested_ = false;
};

}  // namespace podwire::engine
