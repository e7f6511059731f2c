#include "engine/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>

namespace podwire::engine {

namespace {

// Rank (1-based) of the nearest-rank percentile. p/100 * n is computed in
// double; a result a few ulps above an integer k is really k (p99.9 of 1000 is
// 999.0000000000001 in double), and ceil would otherwise skip to k + 1.
std::uint64_t nearest_rank(double p, std::uint64_t n) {
  const double x = p / 100.0 * static_cast<double>(n);
  const double nearest = std::round(x);
  const double snapped = std::fabs(x - nearest) <= 1e-12 * x ? nearest : std::ceil(x);
  if (snapped <= 1.0) return 1;
  if (snapped >= static_cast<double>(n)) return n;
  return static_cast<std::uint64_t>(snapped);
}

// The nearest-rank percentile of the buckets first, first + 1, ... holding
// `counts`: the midpoint of the bucket the rank falls in, narrowed to the
// observed extremes, so that one repeated value is reported exactly.
template <class Count>
std::int64_t percentile_of(double p, std::uint64_t count, std::int64_t min, std::int64_t max,
                           std::size_t first, std::span<const Count> counts) {
  if (!(p >= 0.0 && p <= 100.0)) {
    throw std::invalid_argument("percentile must be in [0, 100], got " + std::to_string(p));
  }
  if (count == 0) return 0;
  if (p == 0.0) return min;
  if (p == 100.0) return max;
  const std::uint64_t rank = nearest_rank(p, count);
  std::uint64_t seen = 0;
  std::size_t k = 0;
  for (; k + 1 < counts.size(); ++k) {
    seen += counts[k];
    if (seen >= rank) break;
  }
  const std::int64_t lo = std::max(LatencyHistogram::bucket_lower(first + k), min);
  const std::int64_t hi = std::min(LatencyHistogram::bucket_upper(first + k), max);
  return lo + (hi - lo) / 2;
}

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  const std::size_t last = bucket_index(other.max_);
  for (std::size_t i = bucket_index(other.min_); i <= last; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = std::numeric_limits<std::int64_t>::max();
  max_ = 0;
}

double LatencyHistogram::mean() const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

std::int64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return percentile_of<std::uint64_t>(p, 0, 0, 0, 0, {});
  const std::size_t first = bucket_index(min_);
  return percentile_of(
      p, count_, min_, max_, first,
      std::span<const std::uint64_t>(counts_.data() + first, bucket_index(max_) - first + 1));
}

std::int64_t LatencyHistogram::bucket_lower(std::size_t index) {
  const std::size_t block = index >> kSubBucketBits;
  if (block <= 1) return static_cast<std::int64_t>(index);
  const std::size_t shift = block - 1;
  const std::uint64_t sub = index - (shift << kSubBucketBits);
  return static_cast<std::int64_t>(sub << shift);
}

std::int64_t LatencyHistogram::bucket_upper(std::size_t index) {
  const std::size_t block = index >> kSubBucketBits;
  if (block <= 1) return static_cast<std::int64_t>(index);
  const std::size_t shift = block - 1;
  // Adding width - 1 rather than width keeps the top bucket's bound at INT64_MAX.
  return bucket_lower(index) + static_cast<std::int64_t>((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::throw_negative(std::int64_t value) {
  throw std::invalid_argument("LatencyHistogram records non-negative values, got " +
                              std::to_string(value));
}

void CompactLatencyHistogram::record(std::int64_t value) {
  if (value < 0) [[unlikely]] {
    throw std::invalid_argument("CompactLatencyHistogram records non-negative values, got " +
                                std::to_string(value));
  }
  const std::size_t i = LatencyHistogram::bucket_index(value);
  if (counts_.empty()) {
    first_ = i;
    counts_.assign(1, 0);
  } else if (i < first_) {
    counts_.insert(counts_.begin(), first_ - i, 0);
    first_ = i;
  } else if (i >= first_ + counts_.size()) {
    counts_.resize(i - first_ + 1, 0);
  }
  ++counts_[i - first_];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

std::int64_t CompactLatencyHistogram::percentile(double p) const {
  return percentile_of(p, count_, min_, max_, first_, std::span<const std::uint32_t>(counts_));
}

}  // namespace podwire::engine
