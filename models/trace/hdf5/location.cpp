// Location: attributes on files, groups and datasets.
#include "models/trace/hdf5/location.hpp"

#include <hdf5.h>

#include <stdexcept>
#include <utility>
#include <vector>

#include "models/trace/hdf5/error.hpp"
#include "models/trace/hdf5/file_state.hpp"
#include "models/trace/hdf5/paths.hpp"
#include "models/trace/hdf5/types.hpp"

namespace podwire::trace::h5 {
namespace {

std::string quoted(std::string_view what, std::string_view name) {
  std::string s(what);
  s.append(" '").append(name).append("'");
  return s;
}

// Replaces any attribute of that name: attribute values in a trace are final only
// when the run is (complete=false, then true).
void write_attribute(const Location& at, std::string_view name, hid_t file_type, hid_t mem_type,
                     hid_t space, const void* data) {
  const std::string n(name);
  const std::string where = at.where();
  const char empty = 0;  // HDF5 wants a buffer even for zero elements
  if (data == nullptr) data = &empty;
  if (detail::check(H5Aexists(at.id(), n.c_str()), quoted("look up attribute", n), where) > 0) {
    detail::check(H5Adelete(at.id(), n.c_str()), quoted("replace attribute", n), where);
  }
  const Handle attr =
      detail::checked(H5Acreate2(at.id(), n.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                      Handle::Kind::kAttribute, quoted("create attribute", n), where);
  detail::check(H5Awrite(attr.get(), mem_type, data), quoted("write attribute", n), where);
}

Handle scalar_space(const std::string& where) {
  return detail::checked(H5Screate(H5S_SCALAR), Handle::Kind::kDataspace, "create dataspace",
                         where);
}

Handle vector_space(std::size_t n, const std::string& where) {
  const hsize_t dims[1] = {n};
  return detail::checked(H5Screate_simple(1, dims, nullptr), Handle::Kind::kDataspace,
                         "create dataspace", where);
}

void write_numbers(const Location& at, std::string_view name, hid_t file_type, hid_t mem_type,
                   std::size_t n, const void* data) {
  const std::string where = at.where();
  const Handle space = vector_space(n, where);
  write_attribute(at, name, file_type, mem_type, space.get(), data);
}

void require_no_nul(std::string_view name, std::string_view value, const std::string& where) {
  if (value.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("hdf5: attribute '" + std::string(name) + "' of " + where +
                                " holds a NUL byte, which HDF5 strings cannot store");
  }
}

}  // namespace

Location::Location(std::shared_ptr<detail::FileState> file, Handle handle, std::string path)
    : file_(std::move(file)), handle_(std::move(handle)), path_(std::move(path)) {}

Location::~Location() {
  // H5F_CLOSE_STRONG closed this object with its file; its identifier is stale.
  if (file_ && !file_->open) handle_.release();
}

Location& Location::operator=(Location&& other) noexcept {
  if (this != &other) {
    if (file_ && !file_->open) handle_.release();
    file_ = std::move(other.file_);
    handle_ = std::move(other.handle_);
    path_ = std::move(other.path_);
  }
  return *this;
}

std::string Location::where() const { return file_ ? file_->where(path_) : "(no file):" + path_; }

std::string Location::where(std::string_view relative) const {
  return file_ ? file_->where(detail::join_path(path_, relative)) : "(no file):" + path_;
}

bool Location::is_open() const { return file_ && file_->open && handle_.valid(); }

void Location::ensure_open() const {
  if (!is_open()) throw std::logic_error("hdf5: " + where() + " belongs to a closed file");
  detail::quiet_hdf5_errors();
}

bool Location::has_attribute(std::string_view name) const {
  ensure_open();
  const std::string n(name);
  return detail::check(H5Aexists(id(), n.c_str()), quoted("look up attribute", n), where()) > 0;
}

void Location::set_attribute(std::string_view name, std::string_view value) {
  ensure_open();
  const std::string w = where();
  require_no_nul(name, value, w);
  const Handle type = detail::make_vlen_string_type(w);
  const Handle space = scalar_space(w);
  const std::string text(value);
  const char* p = text.c_str();
  write_attribute(*this, name, type.get(), type.get(), space.get(), &p);
}

void Location::set_attribute(std::string_view name, bool value) {
  ensure_open();
  const std::string w = where();
  const Handle file_type = detail::make_bool_type(detail::Layout::kFile, w);
  const Handle mem_type = detail::make_bool_type(detail::Layout::kMemory, w);
  const Handle space = scalar_space(w);
  const std::int8_t v = value ? 1 : 0;
  write_attribute(*this, name, file_type.get(), mem_type.get(), space.get(), &v);
}

void Location::set_attribute(std::string_view name, double value) {
  ensure_open();
  const Handle space = scalar_space(where());
  write_attribute(*this, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), &value);
}

void Location::set_int_attribute(std::string_view name, std::int64_t value) {
  ensure_open();
  const Handle space = scalar_space(where());
  write_attribute(*this, name, H5T_STD_I64LE, H5T_NATIVE_INT64, space.get(), &value);
}

void Location::set_uint_attribute(std::string_view name, std::uint64_t value) {
  ensure_open();
  const Handle space = scalar_space(where());
  write_attribute(*this, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, space.get(), &value);
}

void Location::set_attribute(std::string_view name, std::span<const double> values) {
  ensure_open();
  write_numbers(*this, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.size(), values.data());
}

void Location::set_attribute(std::string_view name, std::span<const std::int64_t> values) {
  ensure_open();
  write_numbers(*this, name, H5T_STD_I64LE, H5T_NATIVE_INT64, values.size(), values.data());
}

void Location::set_attribute(std::string_view name, std::span<const std::string> values) {
  ensure_open();
  const std::string w = where();
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& v : values) {
    require_no_nul(name, v, w);
    pointers.push_back(v.c_str());
  }
  const Handle type = detail::make_vlen_string_type(w);
  const Handle space = vector_space(values.size(), w);
  write_attribute(*this, name, type.get(), type.get(), space.get(), pointers.data());
}

}  // namespace podwire::trace::h5
