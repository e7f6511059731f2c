// FlatHashMap: an open-addressing hash map (linear probing, backward-shift
// deletion, no tombstones) for the per-packet lookups of the datapath, where a
// node-based std::unordered_map costs a cache miss per node it walks. Keys and
// values sit in one array, so a lookup usually touches one cache line.
// Iteration order is not offered: nothing may depend on where keys land.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace podwire::engine {

template <class K, class V, class Hash = std::hash<K>>
class FlatHashMap {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The value for `key`, or null. O(1) expected. The pointer holds until the
  // next insert or erase.
  V* find(const K& key) {
    if (size_ == 0) return nullptr;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == key) return &s.value;
    }
  }
  const V* find(const K& key) const { return const_cast<FlatHashMap*>(this)->find(key); }
  bool contains(const K& key) const { return find(key) != nullptr; }

  // Inserts key -> value unless key is present; returns whether it did, as
  // std::unordered_map::emplace does. Amortised O(1).
  bool emplace(const K& key, const V& value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = home(key);
    while (slots_[i].used) {
      if (slots_[i].key == key) return false;
      i = (i + 1) & mask_;
    }
    slots_[i] = Slot{key, value, true};
    ++size_;
    return true;
  }

  // The value for `key`, inserted as V{} when absent.
  V& operator[](const K& key) {
    if (V* v = find(key)) return *v;
    emplace(key, V{});
    return *find(key);
  }

  // Removes key; returns how many were removed (0 or 1). O(1) expected.
  std::size_t erase(const K& key) {
    if (size_ == 0) return 0;
    std::size_t i = home(key);
    while (true) {
      if (!slots_[i].used) return 0;
      if (slots_[i].key == key) break;
      i = (i + 1) & mask_;
    }
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j].key);
      // Move slot j into the hole unless its home lies cyclically in (hole, j].
      const bool stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
      if (!stays) {
        slots_[hole] = std::move(slots_[j]);
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return 1;
  }

 private:
  struct Slot {
    K key{};
    V value{};
    bool used = false;
  };

  std::size_t home(const K& key) const {
    // Fibonacci hashing spreads a weak hash over the table's bits.
    return static_cast<std::size_t>(
        (static_cast<std::uint64_t>(Hash{}(key)) * 0x9E3779B97F4A7C15ULL) >> shift_);
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    const std::size_t n = old.empty() ? 16 : old.size() * 2;
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
    size_ = 0;
    for (Slot& s : old) {
      if (s.used) emplace(s.key, s.value);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace podwire::engine
