// Reading attributes, tables and arrays back.
#include "models/trace/hdf5/reader.hpp"

#include <hdf5.h>

#include <stdexcept>

#include "models/trace/hdf5/error.hpp"
#include "models/trace/hdf5/types.hpp"

namespace podwire::trace::h5 {
namespace {

struct OpenAttribute {
  Handle attr;
  Handle type;
  Handle space;
  std::size_t count = 0;
  std::string what;   // "attribute 'x'"
  std::string where;  // "file:/path"
};

OpenAttribute open_attribute(const Location& at, std::string_view name, H5T_class_t expected,
                             const char* kind) {
  detail::quiet_hdf5_errors();
  OpenAttribute a;
  a.what = "attribute '" + std::string(name) + "'";
  a.where = at.where();
  const std::string n(name);
  a.attr = detail::checked(H5Aopen(at.id(), n.c_str(), H5P_DEFAULT), Handle::Kind::kAttribute,
                           "open " + a.what, a.where);
  a.type = detail::checked(H5Aget_type(a.attr.get()), Handle::Kind::kDatatype, "read " + a.what,
                           a.where);
  a.space = detail::checked(H5Aget_space(a.attr.get()), Handle::Kind::kDataspace, "read " + a.what,
                            a.where);
  a.count = static_cast<std::size_t>(
      detail::check(H5Sget_simple_extent_npoints(a.space.get()), "read " + a.what, a.where));
  if (H5Tget_class(a.type.get()) != expected) {
    throw std::runtime_error("hdf5: " + a.what + " of " + a.where + " is not " + kind);
  }
  return a;
}

template <class T>
T read_scalar(const Location& at, std::string_view name, H5T_class_t expected, const char* kind,
              hid_t mem_type) {
  const OpenAttribute a = open_attribute(at, name, expected, kind);
  if (a.count != 1) throw std::runtime_error("hdf5: " + a.what + " of " + a.where + " is an array");
  T value{};
  detail::check(H5Aread(a.attr.get(), mem_type, &value), "read " + a.what, a.where);
  return value;
}

template <class T>
std::vector<T> read_vector(const Location& at, std::string_view name, H5T_class_t expected,
                           const char* kind, hid_t mem_type) {
  const OpenAttribute a = open_attribute(at, name, expected, kind);
  std::vector<T> values(a.count);
  T empty{};  // HDF5 wants a buffer even for zero elements
  detail::check(H5Aread(a.attr.get(), mem_type, values.empty() ? &empty : values.data()),
                "read " + a.what, a.where);
  return values;
}

Handle open_dataset(const Group& parent, std::string_view path, std::string& where) {
  detail::quiet_hdf5_errors();
  const std::string p(path);
  where = parent.where(p);
  return detail::checked(H5Dopen2(parent.id(), p.c_str(), H5P_DEFAULT), Handle::Kind::kDataset,
                         "open dataset", where);
}

}  // namespace

std::vector<std::string> read_strings_attribute(const Location& at, std::string_view name) {
  const OpenAttribute a = open_attribute(at, name, H5T_STRING, "a string");
  std::vector<std::string> out;
  out.reserve(a.count);
  if (H5Tis_variable_str(a.type.get()) > 0) {
    const Handle mem = detail::make_vlen_string_type(a.where);
    std::vector<char*> pointers(a.count, nullptr);
    char* none = nullptr;
    detail::check(H5Aread(a.attr.get(), mem.get(), pointers.empty() ? &none : pointers.data()),
                  "read " + a.what, a.where);
    for (char* p : pointers) out.emplace_back(p != nullptr ? p : "");
    H5Dvlen_reclaim(mem.get(), a.space.get(), H5P_DEFAULT, pointers.data());
  } else {
    const std::size_t size = H5Tget_size(a.type.get());
    const Handle mem =
        detail::checked(H5Tcopy(a.type.get()), Handle::Kind::kDatatype, "read " + a.what, a.where);
    std::vector<char> bytes(a.count * size + 1);
    detail::check(H5Aread(a.attr.get(), mem.get(), bytes.data()), "read " + a.what, a.where);
    for (std::size_t i = 0; i < a.count; ++i) {
      std::string s(bytes.data() + i * size, size);
      s.resize(s.find('\0') == std::string::npos ? size : s.find('\0'));
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string read_string_attribute(const Location& at, std::string_view name) {
  std::vector<std::string> all = read_strings_attribute(at, name);
  if (all.size() != 1) {
    throw std::runtime_error("hdf5: attribute '" + std::string(name) + "' of " + at.where() +
                             " is an array");
  }
  return std::move(all.front());
}

std::int64_t read_int_attribute(const Location& at, std::string_view name) {
  return read_scalar<std::int64_t>(at, name, H5T_INTEGER, "an integer", H5T_NATIVE_INT64);
}

std::uint64_t read_uint_attribute(const Location& at, std::string_view name) {
  return read_scalar<std::uint64_t>(at, name, H5T_INTEGER, "an integer", H5T_NATIVE_UINT64);
}

double read_double_attribute(const Location& at, std::string_view name) {
  return read_scalar<double>(at, name, H5T_FLOAT, "a floating-point number", H5T_NATIVE_DOUBLE);
}

bool read_bool_attribute(const Location& at, std::string_view name) {
  const Handle mem = detail::make_bool_type(detail::Layout::kMemory, at.where());
  return read_scalar<std::int8_t>(at, name, H5T_ENUM, "a bool", mem.get()) != 0;
}

std::vector<double> read_doubles_attribute(const Location& at, std::string_view name) {
  return read_vector<double>(at, name, H5T_FLOAT, "floating-point numbers", H5T_NATIVE_DOUBLE);
}

std::vector<std::int64_t> read_ints_attribute(const Location& at, std::string_view name) {
  return read_vector<std::int64_t>(at, name, H5T_INTEGER, "integers", H5T_NATIVE_INT64);
}

std::vector<std::uint64_t> dataset_shape(const Group& parent, std::string_view path) {
  std::string where;
  const Handle dataset = open_dataset(parent, path, where);
  const Handle space =
      detail::checked(H5Dget_space(dataset.get()), Handle::Kind::kDataspace, "read shape", where);
  const int rank = detail::check(H5Sget_simple_extent_ndims(space.get()), "read shape", where);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  detail::check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "read shape", where);
  return std::vector<std::uint64_t>(dims.begin(), dims.end());
}

void read_rows_into(const Group& parent, std::string_view path, const std::vector<Column>& columns,
                    std::size_t row_size, void* rows, std::size_t n) {
  std::string where;
  const Handle dataset = open_dataset(parent, path, where);
  std::vector<std::size_t> offsets;
  for (const Column& c : columns) offsets.push_back(c.offset);
  const Handle mem =
      detail::make_row_type(columns, offsets, row_size, detail::Layout::kMemory, where);
  if (n == 0) return;
  detail::check(H5Dread(dataset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), "read rows",
                where);
}

void read_array_into(const Group& parent, std::string_view path, ScalarType type,
                     std::size_t element_size, void* values, std::size_t n) {
  std::string where;
  const Handle dataset = open_dataset(parent, path, where);
  const Handle mem = detail::make_scalar_type(type, element_size, detail::Layout::kMemory, where);
  if (n == 0) return;
  detail::check(H5Dread(dataset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values),
                "read array", where);
}

}  // namespace podwire::trace::h5
