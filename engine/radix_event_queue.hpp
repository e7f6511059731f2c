// RadixEventQueue: a monotone radix heap of events, the simulator's default queue.
// Keys never go below the last popped time (a simulator never schedules into the
// past), which lets events live in 65 buckets by the highest bit in which their
// time differs from that last key. push is O(1); pop is amortised O(log T) where
// T is the span of pending times, in practice a few sequential moves per event.
// Equal times pop in push order (FIFO), which is the simulator's tie-break.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"

namespace podwire::engine {

class RadixEventQueue {
 public:
  static constexpr const char* kName = "radix";

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // Precondition: ev.time >= the time of the last popped event. A time below
  // the last key looked at by top() (a simulator that peeked past its run limit
  // and is now given an earlier event) re-bases the queue in O(n).
  void push(const Event& ev) {
    const std::uint64_t k = key(ev);
    if (k < last_) [[unlikely]]
      rebase(k);
    buckets_[bucket_of(k)].push_back(ev);
    ++size_;
  }

  // Precondition: !empty().
  const Event& top() {
    if (head_ == buckets_[0].size()) refill();
    return buckets_[0][head_];
  }

  // Precondition: !empty().
  Event pop() {
    if (head_ == buckets_[0].size()) refill();
    --size_;
    return buckets_[0][head_++];
  }

  void clear() {
    for (auto& b : buckets_) b.clear();
    head_ = 0;
    size_ = 0;
    last_ = 0;
  }

 private:
  static std::uint64_t key(const Event& ev) { return static_cast<std::uint64_t>(ev.time.ps()); }
  std::size_t bucket_of(std::uint64_t k) const {
    return static_cast<std::size_t>(std::bit_width(k ^ last_));
  }

  // Bucket 0 is exhausted: find the lowest non-empty bucket, make its minimum the
  // new last key and spread it over the (now empty) lower buckets. Every event of
  // that bucket moves strictly down, in its original order, so FIFO among equal
  // times survives.
  void refill() {
    buckets_[0].clear();
    head_ = 0;
    std::size_t i = 1;
    while (buckets_[i].empty()) ++i;
    std::vector<Event>& from = buckets_[i];
    std::uint64_t lowest = key(from.front());
    for (const Event& ev : from) lowest = std::min(lowest, key(ev));
    last_ = lowest;
    for (const Event& ev : from) buckets_[bucket_of(key(ev))].push_back(ev);
    from.clear();
  }

  // Re-files every pending event relative to a lower last key. Bucket by bucket,
  // each in order, so equal times keep their FIFO order.
  void rebase(std::uint64_t new_last) {
    scratch_.clear();
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      const std::size_t start = b == 0 ? head_ : 0;
      scratch_.insert(scratch_.end(), buckets_[b].begin() + static_cast<std::ptrdiff_t>(start),
                      buckets_[b].end());
      buckets_[b].clear();
    }
    head_ = 0;
    last_ = new_last;
    for (const Event& ev : scratch_) buckets_[bucket_of(key(ev))].push_back(ev);
  }

  std::array<std::vector<Event>, 65> buckets_;
  std::vector<Event> scratch_;
  std::size_t head_ = 0;  // events of bucket 0 already popped
  std::size_t size_ = 0;
  std::uint64_t last_ = 0;
};

}  // namespace podwire::engine
