// Handle: closing each kind of HDF5 identifier with its own function.
#include "models/trace/hdf5/handle.hpp"

#include <hdf5.h>

#include "models/trace/hdf5/error.hpp"

namespace podwire::trace::h5 {
namespace {

herr_t close_id(hid_t id, Handle::Kind kind) {
  switch (kind) {
    case Handle::Kind::kFile:
      return H5Fclose(id);
    case Handle::Kind::kGroup:
      return H5Gclose(id);
    case Handle::Kind::kDataset:
      return H5Dclose(id);
    case Handle::Kind::kDataspace:
      return H5Sclose(id);
    case Handle::Kind::kDatatype:
      return H5Tclose(id);
    case Handle::Kind::kPropertyList:
      return H5Pclose(id);
    case Handle::Kind::kAttribute:
      return H5Aclose(id);
    case Handle::Kind::kObject:
      return H5Oclose(id);
  }
  return -1;
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    kind_ = other.kind_;
    id_ = other.release();
  }
  return *this;
}

void Handle::close(std::string_view where) {
  if (!valid()) return;
  detail::quiet_hdf5_errors();
  const herr_t status = close_id(release(), kind_);
  detail::check(status, "close", where);
}

void Handle::reset() noexcept {
  if (!valid()) return;
  detail::quiet_hdf5_errors();
  close_id(release(), kind_);
  H5Eclear2(H5E_DEFAULT);
}

}  // namespace podwire::trace::h5
