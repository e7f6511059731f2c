// Location: an object of an HDF5 file that attributes attach to — the file's root
// group, a group or a dataset. Base of File, Group, Table and Array.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "models/trace/hdf5/handle.hpp"

namespace podwire::trace::h5 {

namespace detail {
struct FileState;
}

// Attribute types on disk, as h5py returns them: strings are variable-length UTF-8
// (str; fixed-length ones would come back as numpy bytes); integers int64 / uint64;
// double; bool an int8 enum {FALSE, TRUE} (numpy.bool_); arrays 1-D (numpy arrays,
// strings as an object array of str). Setting an attribute that exists replaces it,
// e.g. complete=false at the start of a run and true at its end. Each set is O(size)
// plus a few metadata operations. HDF5 failures are std::runtime_error naming the
// attribute and where(); a closed file is std::logic_error.
class Location {
 public:
  Location(Location&& other) noexcept = default;
  Location& operator=(Location&& other) noexcept;
  ~Location();

  // Path inside the file: "/" for the root, "/timeseries/nodes", ...
  const std::string& path() const { return path_; }
  // "<file path>:<path>", as error messages name the object.
  std::string where() const;
  // The same for the object at `relative` (relative to this one, or absolute).
  std::string where(std::string_view relative) const;
  // False once the file is closed (or for a moved-from object).
  bool is_open() const;
  // The HDF5 identifier (hid_t), for this layer's own helpers.
  std::int64_t id() const { return handle_.get(); }

  bool has_attribute(std::string_view name) const;

  // value must be UTF-8 without NUL bytes (std::invalid_argument otherwise).
  void set_attribute(std::string_view name, std::string_view value);
  void set_attribute(std::string_view name, const char* value) {
    set_attribute(name, std::string_view(value));
  }
  void set_attribute(std::string_view name, bool value);
  void set_attribute(std::string_view name, double value);
  // Signed integers are stored as int64, unsigned ones as uint64.
  template <std::integral T>
  requires(!std::same_as<T, bool>) void set_attribute(std::string_view name, T value) {
    if constexpr (std::is_signed_v<T>) {
      set_int_attribute(name, value);
    } else {
      set_uint_attribute(name, value);
    }
  }
  void set_attribute(std::string_view name, std::span<const double> values);
  void set_attribute(std::string_view name, std::span<const std::int64_t> values);
  void set_attribute(std::string_view name, std::span<const std::string> values);

 protected:
  Location() = default;
  Location(std::shared_ptr<detail::FileState> file, Handle handle, std::string path);

  // std::logic_error when the file is closed.
  void ensure_open() const;

  std::shared_ptr<detail::FileState> file_;
  Handle handle_;
  std::string path_;

 private:
  friend class Group;
  void set_int_attribute(std::string_view name, std::int64_t value);
  void set_uint_attribute(std::string_view name, std::uint64_t value);
};

}  // namespace podwire::trace::h5
