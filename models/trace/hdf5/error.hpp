// HDF5 C API failures as std::runtime_error: the operation, the object
// ("file:/path") and the innermost message of HDF5's error stack. Internal to
// models/trace/hdf5 (it includes <hdf5.h>).
#pragma once

#include <hdf5.h>

#include <string_view>

#include "models/trace/hdf5/handle.hpp"

namespace podwire::trace::h5::detail {

static_assert(sizeof(hid_t) == sizeof(std::int64_t), "Handle stores hid_t as std::int64_t");

// Turns off HDF5's printing of its error stack to stderr, on this thread (the
// Debian build is thread-safe, where the setting is per thread); the stack goes
// into exception messages instead. Cheap after the first call on a thread.
void quiet_hdf5_errors();

// Throws std::runtime_error "hdf5: <operation> failed for <where>: <HDF5's
// innermost message>" and clears HDF5's error stack.
[[noreturn]] void fail(std::string_view operation, std::string_view where);

template <class Status>
Status check(Status status, std::string_view operation, std::string_view where) {
  if (status < 0) fail(operation, where);
  return status;
}

inline Handle checked(hid_t id, Handle::Kind kind, std::string_view operation,
                      std::string_view where) {
  if (id < 0) fail(operation, where);
  return Handle(id, kind);
}

}  // namespace podwire::trace::h5::detail
