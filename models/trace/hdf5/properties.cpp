// Property lists for files' objects: chunking, filters, no timestamps.
#include "models/trace/hdf5/properties.hpp"

#include <hdf5.h>

#include <algorithm>
#include <stdexcept>

#include "models/trace/hdf5/error.hpp"

namespace podwire::trace::h5::detail {

std::size_t chunk_rows_for(const StorageOptions& options, std::size_t row_bytes) {
  if (options.chunk_bytes == 0) throw std::invalid_argument("hdf5: chunk_bytes must be > 0");
  return std::max<std::size_t>(1, options.chunk_bytes / std::max<std::size_t>(1, row_bytes));
}

Handle make_dataset_create_properties(const StorageOptions& options, std::size_t chunk_rows,
                                      std::size_t width, const std::string& where) {
  if (options.deflate_level < 0 || options.deflate_level > 9) {
    throw std::invalid_argument("hdf5: deflate level " + std::to_string(options.deflate_level) +
                                " for " + where + " is not in 0..9");
  }
  Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), Handle::Kind::kPropertyList,
                        "create property list", where);
  const hsize_t chunk[2] = {chunk_rows, width};
  check(H5Pset_chunk(dcpl.get(), width == 0 ? 1 : 2, chunk), "set chunk size", where);
  if (options.deflate_level > 0) {
    if (options.shuffle) check(H5Pset_shuffle(dcpl.get()), "set shuffle filter", where);
    check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.deflate_level)),
          "set deflate filter", where);
  }
  check(H5Pset_obj_track_times(dcpl.get(), false), "turn off timestamps", where);
  return dcpl;
}

Handle make_dataset_access_properties(const std::string& where) {
  Handle dapl = checked(H5Pcreate(H5P_DATASET_ACCESS), Handle::Kind::kPropertyList,
                        "create property list", where);
  // Whole chunks are written once and never read back, so a cache would only hold a
  // second copy of each; without one HDF5 compresses the chunk inside H5Dwrite.
  check(H5Pset_chunk_cache(dapl.get(), 0, 0, 1.0), "set chunk cache", where);
  return dapl;
}

Handle make_group_create_properties(const std::string& where) {
  Handle gcpl = checked(H5Pcreate(H5P_GROUP_CREATE), Handle::Kind::kPropertyList,
                        "create property list", where);
  check(H5Pset_obj_track_times(gcpl.get(), false), "turn off timestamps", where);
  return gcpl;
}

Handle make_link_create_properties(const std::string& where) {
  Handle lcpl = checked(H5Pcreate(H5P_LINK_CREATE), Handle::Kind::kPropertyList,
                        "create property list", where);
  check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), "set link name encoding", where);
  return lcpl;
}

}  // namespace podwire::trace::h5::detail
