// SeqSet: an open-addressing hash set of event sequence numbers, used for lazy
// cancellation. Reuses its table, so cancel/erase do not allocate once warm.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace podwire::engine {

class SeqSet {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // Returns false when seq was already present. seq must not be 0 (the empty mark).
  bool insert(std::uint64_t seq) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = index_of(seq);
    while (slots_[i] != 0) {
      if (slots_[i] == seq) return false;
      i = (i + 1) & mask_;
    }
    slots_[i] = seq;
    ++size_;
    return true;
  }

  bool contains(std::uint64_t seq) const {
    if (size_ == 0) return false;
    for (std::size_t i = index_of(seq); slots_[i] != 0; i = (i + 1) & mask_) {
      if (slots_[i] == seq) return true;
    }
    return false;
  }

  // Backward-shift deletion keeps probe chains intact without tombstones.
  bool erase(std::uint64_t seq) {
    if (size_ == 0) return false;
    std::size_t i = index_of(seq);
    while (slots_[i] != seq) {
      if (slots_[i] == 0) return false;
      i = (i + 1) & mask_;
    }
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & mask_; slots_[j] != 0; j = (j + 1) & mask_) {
      const std::size_t home = index_of(slots_[j]);
      // Move slots_[j] into the hole unless its home lies cyclically in (hole, j].
      const bool home_after_hole =
          hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!home_after_hole) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = 0;
    --size_;
    return true;
  }

  void clear() {
    std::fill(slots_.begin(), slots_.end(), 0);
    size_ = 0;
  }

 private:
  std::size_t index_of(std::uint64_t seq) const {
    return static_cast<std::size_t>((seq * 0x9E3779B97F4A7C15ULL) >> 20) & mask_;
  }

  void grow() {
    std::vector<std::uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (std::uint64_t s : old) {
      if (s != 0) insert(s);
    }
  }

  std::vector<std::uint64_t> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace podwire::engine
