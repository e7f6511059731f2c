// SlotPool: objects in numbered slots that are reused once released, for models
// that hand a slot's address or index to callbacks and timers. Slots never move
// and are never destroyed before the pool; the most recently released is reused first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace podwire::engine {

template <class T>
class SlotPool {
 public:
  SlotPool() = default;
  SlotPool(const SlotPool&) = delete;  // slots' addresses are handed out
  SlotPool& operator=(const SlotPool&) = delete;

  // The slot released last (LIFO), or else a new default-constructed slot at
  // index size(). A reused object is handed back as it was left: nothing is
  // reset, so what it keeps across uses (a generation, a buffer's capacity)
  // survives. O(1) amortised; no allocation once the pool has reached its
  // working size.
  std::uint32_t acquire() {
    if (free_.empty()) {
      slots_.emplace_back();
      return static_cast<std::uint32_t>(slots_.size() - 1);
    }
    const std::uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }

  // Makes slot i the next one acquire() returns. Precondition: i is in use
  // (acquired, not released since). O(1) amortised.
  void release(std::uint32_t i) { free_.push_back(i); }

  // Any slot below size(), in use or free. O(1); references stay valid for
  // the pool's lifetime.
  T& operator[](std::uint32_t i) { return slots_[i]; }
  const T& operator[](std::uint32_t i) const { return slots_[i]; }

  std::size_t size() const { return slots_.size(); }  // slots ever created
  std::size_t free_count() const { return free_.size(); }
  std::size_t in_use() const { return slots_.size() - free_.size(); }

  // Every slot, in use or free, in index order.
  auto begin() { return slots_.begin(); }
  auto end() { return slots_.end(); }
  auto begin() const { return slots_.begin(); }
  auto end() const { return slots_.end(); }

 private:
  std::deque<T> slots_;  // a deque so that growing never moves a slot
  std::vector<std::uint32_t> free_;
};

}  // namespace podwire::engine
