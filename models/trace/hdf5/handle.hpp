// Handle: move-only owner of one HDF5 identifier, closed by the function that matches
// its kind. Identifiers travel as std::int64_t (HDF5 1.10's hid_t) so that no public
// header of this layer includes <hdf5.h>.
#pragma once

#include <cstdint>
#include <string_view>

namespace podwire::trace::h5 {

class Handle {
 public:
  // kObject is anything opened with H5Oopen (a group or a dataset).
  enum class Kind : std::uint8_t {
    kFile,
    kGroup,
    kDataset,
    kDataspace,
    kDatatype,
    kPropertyList,
    kAttribute,
    kObject,
  };

  Handle() = default;
  // Takes ownership of id; a negative id makes an empty handle.
  Handle(std::int64_t id, Kind kind) noexcept : id_(id), kind_(kind) {}
  ~Handle() { reset(); }

  Handle(Handle&& other) noexcept : id_(other.release()), kind_(other.kind_) {}
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  std::int64_t get() const { return id_; }
  Kind kind() const { return kind_; }
  bool valid() const { return id_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Closes now. Closing a file is where HDF5 writes its last metadata, so a failure
  // is std::runtime_error naming `where`. No-op when empty.
  void close(std::string_view where);

  // Closes now and ignores failure (destructors, unwinding).
  void reset() noexcept;

  // Gives up ownership without closing: for identifiers HDF5 has already closed
  // (every object of a file closed with H5F_CLOSE_STRONG).
  std::int64_t release() noexcept {
    const std::int64_t id = id_;
    id_ = -1;
    return id;
  }

 private:
  std::int64_t id_ = -1;
  Kind kind_ = Kind::kObject;
};

}  // namespace podwire::trace::h5
