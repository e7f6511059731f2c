// Appender: chunk-aligned buffered writes to extendible datasets.
#include "models/trace/hdf5/appender.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <utility>

#include "models/trace/hdf5/error.hpp"

namespace podwire::trace::h5::detail {

Appender::Appender(FileState& file, hid_t dataset, Handle mem_type, std::size_t row_bytes,
                   std::size_t chunk_rows, std::size_t width, std::string where)
    : file_(&file),
      dataset_(dataset),
      mem_type_(std::move(mem_type)),
      row_bytes_(row_bytes),
      chunk_rows_(chunk_rows),
      width_(width),
      where_(std::move(where)),
      buffer_(std::make_unique<std::byte[]>(row_bytes * chunk_rows)),
      limit_(chunk_rows) {
  file_->appenders.push_back(this);
}

Appender::~Appender() {
  if (attached_ && file_->open) {
    try {
      flush();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "podwire: rows lost while closing a trace dataset: %s\n", e.what());
    }
  }
  file_->remove(this);
}

void Appender::append_rows(const std::byte* rows, std::size_t n) {
  while (n > 0) {
    if (buffered_ == limit_) flush();
    const std::size_t take = std::min(n, limit_ - buffered_);
    std::memcpy(buffer_.get() + buffered_ * row_bytes_, rows, take * row_bytes_);
    buffered_ += take;
    rows += take * row_bytes_;
    n -= take;
  }
}

void Appender::flush() {
  if (!attached_) throw std::logic_error("hdf5: " + where_ + " belongs to a closed file");
  if (file_->failed) buffered_ = 0;  // lost with the write that failed
  if (buffered_ == 0) return;
  try {
    write_buffer();
  } catch (const std::runtime_error& e) {
    file_->fail_write(e);
  }
}

void Appender::write_buffer() {
  quiet_hdf5_errors();
  const int rank = width_ == 0 ? 1 : 2;
  const hsize_t dims[2] = {written_ + buffered_, width_};
  check(H5Dset_extent(dataset_, dims), "extend dataset", where_);
  const Handle file_space =
      checked(H5Dget_space(dataset_), Handle::Kind::kDataspace, "get dataspace", where_);
  const hsize_t start[2] = {written_, 0};
  const hsize_t count[2] = {buffered_, width_};
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
        "select rows", where_);
  const Handle mem_space = checked(H5Screate_simple(rank, count, nullptr), Handle::Kind::kDataspace,
                                   "create dataspace", where_);
  check(H5Dwrite(dataset_, mem_type_.get(), mem_space.get(), file_space.get(), H5P_DEFAULT,
                 buffer_.get()),
        "write rows", where_);
  written_ += buffered_;
  buffered_ = 0;
  limit_ = chunk_rows_ - static_cast<std::size_t>(written_ % chunk_rows_);
}

void Appender::write_tail(int slot) {
  if (!attached_) throw std::logic_error("hdf5: " + where_ + " belongs to a closed file");
  if (file_->failed) return;
  try {
    write_tail_rows(slot);
  } catch (const std::runtime_error& e) {
    file_->fail_write(e);
  }
}

void Appender::write_tail_rows(int slot) {
  quiet_hdf5_errors();
  const int rank = width_ == 0 ? 1 : 2;
  Handle& tail = tails_[slot];
  if (!tail) {
    const ssize_t length = H5Iget_name(dataset_, nullptr, 0);
    if (length <= 0)
      throw std::runtime_error("hdf5: " + where_ + ": cannot get the dataset's name");
    std::string name(static_cast<std::size_t>(length), '\0');
    H5Iget_name(dataset_, name.data(), name.size() + 1);
    const std::string path = "/checkpoint/" + std::to_string(slot) + name;
    const Handle type =
        checked(H5Dget_type(dataset_), Handle::Kind::kDatatype, "get dataset type", where_);
    const Handle dcpl = checked(H5Dget_create_plist(dataset_), Handle::Kind::kPropertyList,
                                "get dataset storage", where_);
    const hsize_t dims[2] = {0, width_};
    const hsize_t max[2] = {H5S_UNLIMITED, width_};
    const Handle space = checked(H5Screate_simple(rank, dims, max), Handle::Kind::kDataspace,
                                 "create dataspace", where_);
    const Handle lcpl = checked(H5Pcreate(H5P_LINK_CREATE), Handle::Kind::kPropertyList,
                                "create property list", where_);
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), "set intermediate groups", where_);
    tail = checked(H5Dcreate2(file_->file.get(), path.c_str(), type.get(), space.get(), lcpl.get(),
                              dcpl.get(), H5P_DEFAULT),
                   Handle::Kind::kDataset, "create checkpoint tail", where_);
    const Handle scalar =
        checked(H5Screate(H5S_SCALAR), Handle::Kind::kDataspace, "create dataspace", where_);
    const Handle attr = checked(
        H5Acreate2(tail.get(), "after", H5T_STD_U64LE, scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
        Handle::Kind::kAttribute, "create attribute after", where_);
  }
  const hsize_t dims[2] = {buffered_, width_};
  check(H5Dset_extent(tail.get(), dims), "extend checkpoint tail", where_);
  if (buffered_ > 0) {
    const Handle mem_space = checked(H5Screate_simple(rank, dims, nullptr),
                                     Handle::Kind::kDataspace, "create dataspace", where_);
    check(
        H5Dwrite(tail.get(), mem_type_.get(), mem_space.get(), H5S_ALL, H5P_DEFAULT, buffer_.get()),
        "write checkpoint tail", where_);
  }
  const Handle attr = checked(H5Aopen(tail.get(), "after", H5P_DEFAULT), Handle::Kind::kAttribute,
                              "open attribute after", where_);
  const std::uint64_t after = written_;
  check(H5Awrite(attr.get(), H5T_NATIVE_UINT64, &after), "write attribute after", where_);
}

void Appender::detach() {
  tails_[0].reset();
  tails_[1].reset();
  attached_ = false;
  buffered_ = 0;
  limit_ = 0;  // the next claim_row() calls flush(), which throws
}

}  // namespace podwire::trace::h5::detail
