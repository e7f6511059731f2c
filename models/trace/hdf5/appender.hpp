// Appender: the bounded row buffer in front of an extendible chunked dataset, shared
// by Table and Array. Internal to models/trace/hdf5.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "models/trace/hdf5/file_state.hpp"
#include "models/trace/hdf5/handle.hpp"

namespace podwire::trace::h5::detail {

// Rows are buffered in memory (one chunk at most) and written one whole chunk per
// H5Dwrite, aligned to chunk boundaries, so HDF5 compresses each chunk once and never
// reads one back; after an explicit flush() the buffer only fills up to the next
// chunk boundary to get back into step.
class Appender {
 public:
  // dataset: an open dataset of rank 1 (width == 0) or 2 (rows x width) with an
  // unlimited first axis and chunks of chunk_rows rows; mem_type: the type of one
  // element as laid out in the buffer; row_bytes: bytes of one buffered row.
  Appender(FileState& file, hid_t dataset, Handle mem_type, std::size_t row_bytes,
           std::size_t chunk_rows, std::size_t width, std::string where);
  // Flushes (errors go to stderr: nothing can be thrown here) and unregisters.
  ~Appender();
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

  // Room for one more row in the buffer, writing the buffer first when full. O(1),
  // plus one chunk write every chunk_rows rows.
  std::byte* claim_row() {
    if (buffered_ == limit_) flush();
    return buffer_.get() + (buffered_++) * row_bytes_;
  }
  // Copies n rows, flushing whenever the buffer fills.
  void append_rows(const std::byte* rows, std::size_t n);

  // Writes buffered rows to the dataset (not necessarily to disk: see File::flush).
  // std::logic_error once the file is closed.
  void flush();
  // The file is closing: writing is over. Buffered rows must have been flushed.
  void detach();

  // Copies the buffered rows, not yet in the dataset, to its tail in checkpoint slot
  // `slot` (0 or 1): the dataset of the same type and storage at
  // /checkpoint/<slot><dataset path>, with attribute `after` = the rows already in the
  // dataset. The dataset itself only ever gets whole chunks written between
  // checkpoints, so what a checkpoint wrote is never rewritten until the next one;
  // the slot not named by the last checkpoint is the one rewritten. O(buffered rows).
  void write_tail(int slot);

  std::uint64_t rows() const { return written_ + buffered_; }
  std::size_t buffered_rows() const { return buffered_; }
  std::size_t chunk_rows() const { return chunk_rows_; }
  std::size_t row_bytes() const { return row_bytes_; }
  const std::string& where() const { return where_; }

 private:
  void write_buffer();
  void write_tail_rows(int slot);

  FileState* file_;
  hid_t dataset_;  // owned by the Location that owns this Appender
  Handle mem_type_;
  std::size_t row_bytes_;
  std::size_t chunk_rows_;
  std::size_t width_;  // 0 for a 1-D dataset
  std::string where_;
  std::unique_ptr<std::byte[]> buffer_;
  std::size_t buffered_ = 0;
  std::size_t limit_;  // rows to buffer before the next write; 0 once detached
  std::uint64_t written_ = 0;
  bool attached_ = true;
  Handle tails_[2];  // created by the first write_tail to each slot
};

}  // namespace podwire::trace::h5::detail
