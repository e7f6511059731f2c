// Object paths inside a file: joining a relative path to its group, and creating
// the groups above a new object (with this layer's properties, unlike HDF5's
// intermediate-group option). Internal to models/trace/hdf5.
#pragma once

#include <hdf5.h>

#include <string>
#include <string_view>

namespace podwire::trace::h5::detail {

// "/a" + "b/c" -> "/a/b/c"; an absolute path stays as it is; trailing '/' dropped.
// std::invalid_argument for an empty path, "/" or an empty component ("a//b").
std::string join_path(const std::string& base, std::string_view path);

// Creates every missing group above absolute_path (not absolute_path itself); `loc`
// is any object of the file. O(depth) link look-ups.
void create_parent_groups(hid_t loc, const std::string& absolute_path, const std::string& file);

}  // namespace podwire::trace::h5::detail
