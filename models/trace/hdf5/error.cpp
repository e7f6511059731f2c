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
  std::string message = "hdf5: ";
  message.append(operation).append(" failed for ").append(where).append(": ").append(detail);
  throw std::runtime_error(message);
}

}  // namespace podwire::trace::h5::detail
