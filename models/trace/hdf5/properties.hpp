// The HDF5 property lists this layer creates objects with: no timestamps anywhere (a
// trace must be bit-identical across runs), chunking and filters from
// StorageOptions. Internal to models/trace/hdf5.
#pragma once

#include <cstddef>
#include <string>

#include "models/trace/hdf5/handle.hpp"
#include "models/trace/hdf5/storage_options.hpp"

namespace podwire::trace::h5::detail {

// Rows per chunk for rows of row_bytes; std::invalid_argument for chunk_bytes == 0.
std::size_t chunk_rows_for(const StorageOptions& options, std::size_t row_bytes);

// Chunks of chunk_rows rows (x width for a 2-D dataset; width 0 means 1-D), shuffle +
// deflate per options. std::invalid_argument for a deflate level outside 0..9.
Handle make_dataset_create_properties(const StorageOptions& options, std::size_t chunk_rows,
                                      std::size_t width, const std::string& where);
// No chunk cache: the Appender's buffer already holds the one chunk being filled.
Handle make_dataset_access_properties(const std::string& where);
Handle make_group_create_properties(const std::string& where);
// UTF-8 link names. Intermediate groups are created by the caller (HDF5's own
// would carry timestamps).
Handle make_link_create_properties(const std::string& where);

}  // namespace podwire::trace::h5::detail
