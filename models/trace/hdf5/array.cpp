// ArrayBase: buffered appends of numeric rows.
#include "models/trace/hdf5/array.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "models/trace/hdf5/array_impl.hpp"

namespace podwire::trace::h5 {

ArrayBase::ArrayBase(Location&& dataset, std::size_t width, std::unique_ptr<Impl> impl)
    : Location(std::move(dataset)), width_(width), impl_(std::move(impl)) {}

ArrayBase::ArrayBase(ArrayBase&& other) noexcept = default;

ArrayBase& ArrayBase::operator=(ArrayBase&& other) noexcept {
  if (this != &other) {
    // The old appender flushes while its dataset is still open.
    impl_ = std::move(other.impl_);
    width_ = other.width_;
    Location::operator=(std::move(other));
  }
  return *this;
}

ArrayBase::~ArrayBase() = default;

std::size_t ArrayBase::rows_in(std::size_t n, Call call) const {
  if (call == Call::kValue && width_ != 0) {
    throw std::logic_error("hdf5: " + where() + " is 2-D; append whole rows with append_row");
  }
  if (call == Call::kRow && width_ == 0) {
    throw std::logic_error("hdf5: " + where() + " is 1-D; append values with append");
  }
  if (width_ == 0) return n;
  if (n % width_ != 0 || (call == Call::kRow && n != width_)) {
    throw std::invalid_argument("hdf5: " + std::to_string(n) + " values for " + where() +
                                ", whose rows have " + std::to_string(width_));
  }
  return n / width_;
}

void ArrayBase::append_rows_raw(const void* data, std::size_t rows) {
  if (!impl_) throw std::logic_error("hdf5: append to a moved-from array");
  impl_->appender.append_rows(static_cast<const std::byte*>(data), rows);
}

void ArrayBase::flush() {
  if (impl_) impl_->appender.flush();
}

std::uint64_t ArrayBase::rows() const { return impl_ ? impl_->appender.rows() : 0; }
std::size_t ArrayBase::buffered_rows() const { return impl_ ? impl_->appender.buffered_rows() : 0; }
std::size_t ArrayBase::buffer_capacity() const { return impl_ ? impl_->appender.chunk_rows() : 0; }

}  // namespace podwire::trace::h5
