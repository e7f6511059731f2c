// HDF5 datatypes for this layer's columns and attributes: little-endian on disk,
// native in memory (the same bytes on x86-64, where HDF5 then converts nothing).
// Internal to models/trace/hdf5.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "models/trace/hdf5/handle.hpp"
#include "models/trace/hdf5/schema.hpp"

namespace podwire::trace::h5::detail {

enum class Layout : bool { kMemory, kFile };

// size is only read for kString (the fixed length).
Handle make_scalar_type(ScalarType type, std::size_t size, Layout layout, const std::string& where);
// int8 enum {FALSE = 0, TRUE = 1}: what h5py itself writes for numpy bool.
Handle make_bool_type(Layout layout, const std::string& where);
Handle make_vlen_string_type(const std::string& where);
// A compound of the columns at offsets[i], row_size bytes in all.
Handle make_row_type(const std::vector<Column>& columns, const std::vector<std::size_t>& offsets,
                     std::size_t row_size, Layout layout, const std::string& where);

}  // namespace podwire::trace::h5::detail
