// HeapEventQueue: a 4-ary min-heap of events ordered by (time, seq). The
// reference queue: O(log n) push and pop, no assumption about key order. Kept
// for the conformance tests and the benchmark against the radix queue.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "engine/event.hpp"

namespace podwire::engine {

class HeapEventQueue {
 public:
  static constexpr const char* kName = "4-ary heap";

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }

  void push(const Event& ev) {
    std::size_t i = heap_.size();
    heap_.push_back(ev);
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!(ev < heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = ev;
  }

  const Event& top() const { return heap_.front(); }

  Event pop() {
    Event out = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return out;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = std::min(first + kArity, n);
      for (std::size_t c = first + 1; c < end; ++c) {
        if (heap_[c] < heap_[best]) best = c;
      }
      if (!(heap_[best] < last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
    return out;
  }

  void clear() { heap_.clear(); }

 private:
  static constexpr std::size_t kArity = 4;
  std::vector<Event> heap_;
};

}  // namespace podwire::engine
