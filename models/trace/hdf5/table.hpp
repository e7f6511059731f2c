// Table: an appendable, chunked, compressed 1-D dataset of a compound type — one
// row per event (request, connection, packet) — that pandas reads as a DataFrame:
// pd.DataFrame(h5py.File(p)["/requests"][:]) has one column per registered field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "models/trace/hdf5/location.hpp"
#include "models/trace/hdf5/schema.hpp"

namespace podwire::trace::h5 {

class Group;

// Columns are packed on disk in registration order (no padding bytes, so the file
// does not depend on uninitialised memory). Rows wait in a buffer of one chunk
// (StorageOptions::chunk_bytes) and are written a whole chunk at a time, so memory
// stays bounded however long the run. Buffered rows are written by flush(), by the
// destructor (also during stack unwinding) and by File::flush/close. Appending after
// the file is closed is std::logic_error.
class TableBase : public Location {
 public:
  TableBase(TableBase&& other) noexcept;
  TableBase& operator=(TableBase&& other) noexcept;
  ~TableBase();

  // Appends one row whose columns sit at the offsets the columns were described
  // with. Amortised O(columns) memcpy; every chunk_rows() rows one chunk is
  // shuffled, deflated and written. HDF5 failures are std::runtime_error.
  void append_raw(const void* row);

  // Writes buffered rows into the dataset. O(buffered rows).
  void flush();

  // Rows appended so far, written or buffered.
  std::uint64_t rows() const;
  // Rows waiting in the buffer; never more than buffer_capacity().
  std::size_t buffered_rows() const;
  // The buffer's size in rows: one chunk.
  std::size_t buffer_capacity() const;
  std::size_t chunk_rows() const { return buffer_capacity(); }
  // Bytes of one packed row: the uncompressed size on disk.
  std::size_t row_bytes() const;

  struct Impl;  // internal: table_impl.hpp

 protected:
  TableBase(Location&& dataset, std::unique_ptr<Impl> impl);

 private:
  friend class Group;
  std::unique_ptr<Impl> impl_;
};

template <class Row>
class Table : public TableBase {
 public:
  // See append_raw.
  void append(const Row& row) { append_raw(&row); }

 private:
  friend class Group;
  explicit Table(TableBase&& base) : TableBase(std::move(base)) {}
};

}  // namespace podwire::trace::h5
