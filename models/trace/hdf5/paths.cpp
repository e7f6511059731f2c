// Object paths and the groups above new objects.
#include "models/trace/hdf5/paths.hpp"

#include <stdexcept>

#include "models/trace/hdf5/error.hpp"
#include "models/trace/hdf5/properties.hpp"

namespace podwire::trace::h5::detail {

std::string join_path(const std::string& base, std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty() || path == "/") {
    throw std::invalid_argument("hdf5: empty object path under " + base);
  }
  std::string out;
  if (path.front() == '/') {
    out = path;
  } else {
    out = base == "/" ? "/" : base + "/";
    out.append(path);
  }
  if (out.find("//") != std::string::npos) {
    throw std::invalid_argument("hdf5: object path '" + out + "' has an empty component");
  }
  return out;
}

void create_parent_groups(hid_t loc, const std::string& absolute_path, const std::string& file) {
  std::size_t slash = absolute_path.find('/', 1);
  while (slash != std::string::npos) {
    const std::string prefix = absolute_path.substr(0, slash);
    const std::string where = file + ":" + prefix;
    if (check(H5Lexists(loc, prefix.c_str(), H5P_DEFAULT), "look up group", where) == 0) {
      const Handle gcpl = make_group_create_properties(where);
      const Handle lcpl = make_link_create_properties(where);
      checked(H5Gcreate2(loc, prefix.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT),
              Handle::Kind::kGroup, "create group", where);
    }
    slash = absolute_path.find('/', slash + 1);
  }
}

}  // namespace podwire::trace::h5::detail
