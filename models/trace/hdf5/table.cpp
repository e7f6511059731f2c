// TableBase: packing rows into the buffer, and creating the dataset.
#include "models/trace/hdf5/table.hpp"

#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "models/trace/hdf5/table_impl.hpp"

namespace podwire::trace::h5 {

TableBase::TableBase(Location&& dataset, std::unique_ptr<Impl> impl)
    : Location(std::move(dataset)), impl_(std::move(impl)) {}

TableBase::TableBase(TableBase&& other) noexcept = default;

TableBase& TableBase::operator=(TableBase&& other) noexcept {
  if (this != &other) {
    // The old appender flushes while its dataset is still open.
    impl_ = std::move(other.impl_);
    Location::operator=(std::move(other));
  }
  return *this;
}

TableBase::~TableBase() = default;

void TableBase::append_raw(const void* row) {
  if (!impl_) throw std::logic_error("hdf5: append to a moved-from table");
  std::byte* out = impl_->appender.claim_row();
  const auto* in = static_cast<const std::byte*>(row);
  for (const TableBase::Impl::Copy& c : impl_->copies) std::memcpy(out + c.to, in + c.from, c.size);
}

void TableBase::flush() {
  if (!impl_) return;
  impl_->appender.flush();
}

std::uint64_t TableBase::rows() const { return impl_ ? impl_->appender.rows() : 0; }
std::size_t TableBase::buffered_rows() const { return impl_ ? impl_->appender.buffered_rows() : 0; }
std::size_t TableBase::buffer_capacity() const { return impl_ ? impl_->appender.chunk_rows() : 0; }
std::size_t TableBase::row_bytes() const { return impl_ ? impl_->appender.row_bytes() : 0; }

}  // namespace podwire::trace::h5
