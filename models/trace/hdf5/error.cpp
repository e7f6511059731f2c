// Reading HDF5's error stack into exception messages.
#include "models/trace/hdf5/error.hpp"

#include <stdexcept>
#include <string>

namespace podwire::trace::h5::detail {
namespace {

// Keeps the description of the innermost frame: walking downward visits the API
// function first and the layer that actually failed (e.g. the POSIX driver with its
// errno) last.
herr_t keep_innermost(unsigned /*n*/, const H5E_error2_t* error, void* out) {
  if (error->desc != nullptr && error->desc[0] != '\0') {
    *static_cast<std::string*>(out) = error->desc;
  }
  return 0;
}

}  // namespace

void quiet_hdf5_errors() {
  // Every file is closed by its owner; HDF5's own closing at exit would only meet
  // files whose writes failed, and flushing those again crashes it.
  static const bool no_atexit = (H5dont_atexit(), true);
  (void)no_atexit;
  thread_local bool quiet = false;
  if (quiet) return;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  quiet = true;
}

void fail(std::string_view operation, std::string_view where) {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, &keep_innermost, &detail);
  H5Eclear2(H5E_DEFAULT);
  if (detail.empty()) detail = "no message on HDF5's error stack";
  // The POSIX driver's message spells out its call; the system's reason is enough.
  const std::string_view marker = "error message = '";
  if (const auto at = detail.find(marker); at != std::string::npos) {
    const auto begin = at + marker.size();
    const auto end = detail.find('\'', begin);
    if (end != std::string::npos) detail = detail.substr(begin, end - begin);
  }
  std::string message = "hdf5: ";
  message.append(operation).append(" failed for ").append(where).append(": ").append(detail);
  throw std::runtime_error(message);
}

}  // namespace podwire::trace::h5::detail
