// Array<T>: an appendable, chunked, compressed dataset of numbers — 1-D (one value
// per sample) or 2-D (rows x width, e.g. one column per node) — for time series that
// numpy and pandas read as plain arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

#include "models/trace/hdf5/location.hpp"
#include "models/trace/hdf5/schema.hpp"

namespace podwire::trace::h5 {

class Group;

// Buffering and flushing as for TableBase: at most one chunk of rows in memory,
// written whole chunks at a time; appending after the file is closed is
// std::logic_error. A "row" is one value (1-D) or `width` values (2-D).
class ArrayBase : public Location {
 public:
  ArrayBase(ArrayBase&& other) noexcept;
  ArrayBase& operator=(ArrayBase&& other) noexcept;
  ~ArrayBase();

  // 0 for a 1-D array, else the length of each row.
  std::size_t width() const { return width_; }
  std::uint64_t rows() const;
  std::size_t buffered_rows() const;
  std::size_t buffer_capacity() const;
  std::size_t chunk_rows() const { return buffer_capacity(); }
  // Writes buffered rows into the dataset. O(buffered rows).
  void flush();

  struct Impl;  // internal: array_impl.hpp

 protected:
  ArrayBase(Location&& dataset, std::size_t width, std::unique_ptr<Impl> impl);
  // Appends `rows` rows of element bytes; O(rows x width) memcpy.
  void append_rows_raw(const void* data, std::size_t rows);
  enum class Call : std::uint8_t { kValue, kRow, kValues };
  // Rows in n values passed to `call`: std::logic_error for append(value) on a 2-D
  // array or append_row on a 1-D one, std::invalid_argument for a partial row.
  std::size_t rows_in(std::size_t n, Call call) const;

 private:
  friend class Group;
  std::size_t width_ = 0;
  std::unique_ptr<Impl> impl_;
};

// T: an arithmetic type (double and std::int64_t for time series; bool is stored as
// the FALSE/TRUE enum as in tables).
template <class T>
class Array : public ArrayBase {
  static_assert(std::is_arithmetic_v<T>, "arrays hold numbers");

 public:
  // 1-D only (std::logic_error otherwise): appends one value. Amortised O(1).
  void append(T value) { append_rows_raw(&value, rows_in(1, Call::kValue)); }
  // 1-D: appends every value; 2-D: appends values.size() / width rows, row-major
  // (std::invalid_argument unless a whole number of rows).
  void append(std::span<const T> values) {
    append_rows_raw(values.data(), rows_in(values.size(), Call::kValues));
  }
  // 2-D only: one row of exactly width() values.
  void append_row(std::span<const T> row) {
    append_rows_raw(row.data(), rows_in(row.size(), Call::kRow));
  }

 private:
  friend class Group;
  explicit Array(ArrayBase&& base) : ArrayBase(std::move(base)) {}
};

}  // namespace podwire::trace::h5
