// LatencyHistogram: an HDR-style log-linear histogram of non-negative int64 values
// (latencies in picoseconds, or any non-negative count). Fixed memory covering the
// whole int64 range, O(1) record, mergeable across runs.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "engine/time.hpp"

namespace podwire::engine {

// Layout: values below 2 * kSubBuckets (256) have a bucket each and are exact.
// Above that, each power of two [2^e, 2^(e+1)) is split into kSubBuckets equal
// buckets, so a bucket is at most 1/128 of its lower bound wide. Percentiles
// report the midpoint of the bucket (narrowed to the observed min and max), which
// is within 1/256 (0.39%) of any value in the bucket. 7,296 buckets, 57 KiB.
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr std::int64_t kSubBuckets = std::int64_t{1} << kSubBucketBits;
  static constexpr std::size_t kBucketCount =
      static_cast<std::size_t>((64 - kSubBucketBits) * kSubBuckets);

  // Allocates the bucket array once; nothing allocates afterwards.
  LatencyHistogram();

  // O(1), no allocation. std::invalid_argument for a negative value.
  void record(std::int64_t value) { record_n(value, 1); }
  void record(Time latency) { record_n(latency.ps(), 1); }

  // Records value `count` times; O(1). count == 0 is a no-op.
  void record_n(std::int64_t value, std::uint64_t count) {
    if (value < 0) [[unlikely]]
      throw_negative(value);
    if (count == 0) return;
    counts_[bucket_index(value)] += count;
    count_ += count;
    sum_ += static_cast<Uint128>(value) * count;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }

  // Adds another histogram's counts, as if its values had been recorded here.
  // O(kBucketCount).
  void merge(const LatencyHistogram& other);

  // Empties the histogram without freeing memory. O(kBucketCount).
  void reset();

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }

  // Exact smallest and largest recorded values; 0 when empty.
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const { return max_; }

  // Mean from the exact sum (kept in 128 bits, so it cannot overflow), divided
  // in double precision: within two ulps of the true mean. NaN when empty.
  double mean() const;

  // The value at percentile p in [0, 100] by the nearest-rank rule: the smallest
  // recorded value v such that at least p% of the values are <= v, i.e. the
  // value of rank ceil(p/100 * count()) in sorted order (rank 1 for p = 0). A
  // product p/100 * count() within rounding error of an integer counts as that
  // integer, so p99.9 of 1000 values is rank 999. p = 0 gives min() and
  // p = 100 gives max() exactly; otherwise the answer is within 0.39% of the
  // true rank value (exact below 256). 0 when empty; std::invalid_argument for
  // p outside [0, 100]. O(kBucketCount) worst case, scanning from min to max.
  std::int64_t percentile(double p) const;
  Time percentile_time(double p) const { return Time::ps(percentile(p)); }

  // Calls f(lower, upper, count) for each non-empty bucket in increasing order;
  // the bucket holds the integers lower..upper, both inclusive (an exclusive
  // upper bound of the last bucket would not fit in int64).
  template <class F>
  void for_each_bucket(F&& f) const {
    if (count_ == 0) return;
    const std::size_t last = bucket_index(max_);
    for (std::size_t i = bucket_index(min_); i <= last; ++i) {
      if (counts_[i] != 0) f(bucket_lower(i), bucket_upper(i), counts_[i]);
    }
  }

  // Bucket geometry, exposed for export and tests. value must be >= 0 and
  // index < kBucketCount.
  static std::size_t bucket_index(std::int64_t value) {
    const auto v = static_cast<std::uint64_t>(value);
    const int top_bit = 63 - std::countl_zero(v | 1);
    const int shift = top_bit > kSubBucketBits ? top_bit - kSubBucketBits : 0;
    return (static_cast<std::size_t>(shift) << kSubBucketBits) + (v >> shift);
  }
  static std::int64_t bucket_lower(std::size_t index);
  static std::int64_t bucket_upper(std::size_t index);

  bool operator==(const LatencyHistogram&) const = default;

 private:
  __extension__ using Uint128 = unsigned __int128;

  [[noreturn]] static void throw_negative(std::int64_t value);

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  Uint128 sum_ = 0;
  std::int64_t min_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_ = 0;
};

// CompactLatencyHistogram: the same buckets and percentiles as
// LatencyHistogram, holding counts only from its smallest to its largest
// bucket recorded, 4 bytes each: values that span a few powers of two take a
// few hundred buckets, not 7,296. For the many small histograms of one run
// (a node's, a change's) where a full one each would not fit. Recording
// below the smallest or above the largest value yet grows the window.
class CompactLatencyHistogram {
 public:
  void record(std::int64_t value);
  void record(Time latency) { record(latency.ps()); }

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const { return max_; }
  // As LatencyHistogram::percentile: nearest rank, within 0.39%.
  std::int64_t percentile(double p) const;
  Time percentile_time(double p) const { return Time::ps(percentile(p)); }
  // Bytes its counts take.
  std::size_t bytes() const { return counts_.capacity() * sizeof(std::uint32_t); }

 private:
  std::vector<std::uint32_t> counts_;  // buckets first_ .. first_ + size - 1
  std::size_t first_ = 0;
  std::uint64_t count_ = 0;
  std::int64_t min_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_ = 0;
};

}  // namespace podwire::engine
