// Building HDF5 datatypes for columns and attributes.
#include "models/trace/hdf5/types.hpp"

#include <hdf5.h>

#include <cstdint>

#include "models/trace/hdf5/error.hpp"

namespace podwire::trace::h5::detail {
namespace {

hid_t predefined(ScalarType type, Layout layout) {
  const bool mem = layout == Layout::kMemory;
  switch (type) {
    case ScalarType::kInt8:
      return mem ? H5T_NATIVE_INT8 : H5T_STD_I8LE;
    case ScalarType::kInt16:
      return mem ? H5T_NATIVE_INT16 : H5T_STD_I16LE;
    case ScalarType::kInt32:
      return mem ? H5T_NATIVE_INT32 : H5T_STD_I32LE;
    case ScalarType::kInt64:
      return mem ? H5T_NATIVE_INT64 : H5T_STD_I64LE;
    case ScalarType::kUInt8:
      return mem ? H5T_NATIVE_UINT8 : H5T_STD_U8LE;
    case ScalarType::kUInt16:
      return mem ? H5T_NATIVE_UINT16 : H5T_STD_U16LE;
    case ScalarType::kUInt32:
      return mem ? H5T_NATIVE_UINT32 : H5T_STD_U32LE;
    case ScalarType::kUInt64:
      return mem ? H5T_NATIVE_UINT64 : H5T_STD_U64LE;
    case ScalarType::kFloat32:
      return mem ? H5T_NATIVE_FLOAT : H5T_IEEE_F32LE;
    case ScalarType::kFloat64:
      return mem ? H5T_NATIVE_DOUBLE : H5T_IEEE_F64LE;
    case ScalarType::kBool:
    case ScalarType::kString:
      break;
  }
  return H5I_INVALID_HID;
}

}  // namespace

Handle make_bool_type(Layout layout, const std::string& where) {
  Handle t = checked(H5Tenum_create(layout == Layout::kMemory ? H5T_NATIVE_INT8 : H5T_STD_I8LE),
                     Handle::Kind::kDatatype, "create bool type", where);
  const std::int8_t no = 0;
  const std::int8_t yes = 1;
  check(H5Tenum_insert(t.get(), "FALSE", &no), "create bool type", where);
  check(H5Tenum_insert(t.get(), "TRUE", &yes), "create bool type", where);
  return t;
}

Handle make_vlen_string_type(const std::string& where) {
  Handle t = checked(H5Tcopy(H5T_C_S1), Handle::Kind::kDatatype, "create string type", where);
  check(H5Tset_size(t.get(), H5T_VARIABLE), "create string type", where);
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "create string type", where);
  return t;
}

Handle make_scalar_type(ScalarType type, std::size_t size, Layout layout,
                        const std::string& where) {
  if (type == ScalarType::kBool) return make_bool_type(layout, where);
  if (type == ScalarType::kString) {
    Handle t = checked(H5Tcopy(H5T_C_S1), Handle::Kind::kDatatype, "create string type", where);
    check(H5Tset_size(t.get(), size), "create string type", where);
    // char[N] members need no terminator when full; numpy's "S<N>" is NUL-padded too.
    check(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), "create string type", where);
    check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "create string type", where);
    return t;
  }
  return checked(H5Tcopy(predefined(type, layout)), Handle::Kind::kDatatype, "create type", where);
}

Handle make_row_type(const std::vector<Column>& columns, const std::vector<std::size_t>& offsets,
                     std::size_t row_size, Layout layout, const std::string& where) {
  Handle row =
      checked(H5Tcreate(H5T_COMPOUND, row_size), Handle::Kind::kDatatype, "create row type", where);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const Handle member = make_scalar_type(columns[i].type, columns[i].size, layout, where);
    check(H5Tinsert(row.get(), columns[i].name.c_str(), offsets[i], member.get()),
          "add column '" + columns[i].name + "'", where);
  }
  return row;
}

}  // namespace podwire::trace::h5::detail
