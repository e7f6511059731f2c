// File: creating under a temporary name, closing everything, renaming atomically.
#include "models/trace/hdf5/file.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "models/trace/hdf5/appender.hpp"
#include "models/trace/hdf5/error.hpp"
#include "models/trace/hdf5/file_state.hpp"

namespace podwire::trace::h5 {
namespace {

Handle file_access_properties(const std::string& where) {
  Handle fapl = detail::checked(H5Pcreate(H5P_FILE_ACCESS), Handle::Kind::kPropertyList,
                                "create property list", where);
  // STRONG: closing the file closes every object still open in it, so close() really
  // writes the file out before the rename, whatever the caller still holds.
  detail::check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "set close degree", where);
  // The 1.8 format: attributes larger than 64 KiB (e.g. the scenario text) go to
  // dense storage, and any HDF5 since 1.8 (h5py, pandas, MATLAB) reads the file.
  detail::check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18),
                "set format version", where);
  return fapl;
}

std::string errno_text(int error) { return std::strerror(error); }

// Data that reached the page cache survives a crash of the process but not of the
// machine; fsync before the rename makes the final name mean "complete" for both.
void sync_to_disk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("hdf5: cannot sync " + path + " to disk: " + errno_text(error));
  }
  ::close(fd);
}

const std::string& no_path() {
  static const std::string empty;
  return empty;
}

}  // namespace

void detail::FileState::stop_writing() {
  if (failed) return;
  failed = true;
  void* vfd = nullptr;
  if (H5Fget_vfd_handle(file.get(), H5P_DEFAULT, &vfd) >= 0 && vfd != nullptr) {
    const int fd = *static_cast<int*>(vfd);
    const int read_only = ::open(temp_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (read_only >= 0) {
      ::dup2(read_only, fd);
      ::close(read_only);
    }
  }
}

std::string detail::FileState::kept() const {
  if (checkpoints == 0) {
    return "nothing of the trace is kept (" + temp_path + " is removed when it closes)";
  }
  return "the trace is kept as " + temp_path + ", readable as its last checkpoint left it " +
         "(podwire summary " + temp_path + ")";
}

void detail::FileState::fail_write(const std::exception& error) {
  const std::string reason = error.what();
  stop_writing();
  throw std::runtime_error(reason + "; " + kept());
}

std::string File::abandon() {
  ensure_open();
  file_->stop_writing();
  return file_->kept();
}

File File::create(const std::string& path) {
  detail::quiet_hdf5_errors();
  if (path.empty()) throw std::invalid_argument("hdf5: cannot create a file with an empty path");
  auto state = std::make_shared<detail::FileState>();
  state->path = path;
  state->temp_path = path + ".tmp-" + std::to_string(::getpid());
  state->writable = true;
  const std::string where = path + " (written as " + state->temp_path + ")";
  const Handle fcpl = detail::checked(H5Pcreate(H5P_FILE_CREATE), Handle::Kind::kPropertyList,
                                      "create property list", where);
  detail::check(H5Pset_obj_track_times(fcpl.get(), false), "turn off timestamps", where);
  const Handle fapl = file_access_properties(where);
  // HDF5 writes a file's structure (dataset extents, chunk indexes, the superblock)
  // only when flushed, never by evicting it from its cache in between: a process
  // killed after a flush leaves the file as that flush wrote it, and rows written
  // since go to new places in it. The cache then holds all of the file's structure,
  // some bytes per chunk.
  H5AC_cache_config_t cache{};
  cache.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  detail::check(H5Pget_mdc_config(fapl.get(), &cache), "get cache settings", where);
  cache.evictions_enabled = false;
  cache.incr_mode = H5C_incr__off;
  cache.flash_incr_mode = H5C_flash_incr__off;
  cache.decr_mode = H5C_decr__off;
  detail::check(H5Pset_mdc_config(fapl.get(), &cache), "set cache settings", where);
  state->file =
      detail::checked(H5Fcreate(state->temp_path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                      Handle::Kind::kFile, "create file", where);
  state->open = true;
  Handle root = detail::checked(H5Gopen2(state->file.get(), "/", H5P_DEFAULT), Handle::Kind::kGroup,
                                "open root group", state->where("/"));
  return File(std::move(state), std::move(root), "/");
}

File File::open_read(const std::string& path) {
  detail::quiet_hdf5_errors();
  auto state = std::make_shared<detail::FileState>();
  state->path = path;
  state->temp_path = path;
  const Handle fapl = file_access_properties(path);
  state->file = detail::checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()),
                                Handle::Kind::kFile, "open file", path);
  state->open = true;
  Handle root = detail::checked(H5Gopen2(state->file.get(), "/", H5P_DEFAULT), Handle::Kind::kGroup,
                                "open root group", state->where("/"));
  return File(std::move(state), std::move(root), "/");
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    close_quietly();
    Group::operator=(std::move(other));
  }
  return *this;
}

File::~File() { close_quietly(); }

void File::close_quietly() noexcept {
  try {
    close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "podwire: %s\n", e.what());
  }
}

void File::flush() {
  ensure_open();
  for (detail::Appender* a : std::vector(file_->appenders)) a->flush();
  detail::check(H5Fflush(file_->file.get(), H5F_SCOPE_GLOBAL), "flush file", file_->temp_path);
}

void File::checkpoint() {
  ensure_open();
  detail::FileState& s = *file_;
  if (s.failed) return;
  const int slot = s.checkpoints % 2;
  for (detail::Appender* a : std::vector(s.appenders)) a->write_tail(slot);
  Group checkpoint = H5Lexists(s.file.get(), "/checkpoint", H5P_DEFAULT) > 0
                         ? open_group("/checkpoint")
                         : create_group("/checkpoint");
  try {
    checkpoint.set_attribute("slot", std::int64_t{slot});
    detail::check(H5Fflush(s.file.get(), H5F_SCOPE_GLOBAL), "flush file", s.temp_path);
  } catch (const std::runtime_error& e) {
    s.fail_write(e);
  }
  ++s.checkpoints;
}

void File::close() {
  if (!file_ || !file_->open) return;
  detail::quiet_hdf5_errors();
  detail::FileState& s = *file_;
  if (s.failed) {
    // The caller had the error; the file stays as its last checkpoint left it.
    for (detail::Appender* a : std::vector(s.appenders)) a->detach();
    s.appenders.clear();
    handle_.reset();
    s.open = false;
    H5Fclose(s.file.release());  // fails: writes go nowhere now
    H5Eclear2(H5E_DEFAULT);
    if (s.checkpoints == 0) std::remove(s.temp_path.c_str());
    return;
  }
  std::exception_ptr first_error;
  // A copy: appenders only leave the list in their destructors, but stay safe.
  for (detail::Appender* a : std::vector(s.appenders)) {
    try {
      a->flush();
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
    a->detach();
  }
  s.appenders.clear();
  // The rows are all in their datasets now: the checkpoints' tails are stale.
  if (s.checkpoints > 0 && !first_error &&
      H5Lexists(s.file.get(), "/checkpoint", H5P_DEFAULT) > 0) {
    try {
      detail::check(H5Ldelete(s.file.get(), "/checkpoint", H5P_DEFAULT), "remove /checkpoint",
                    s.temp_path);
    } catch (...) {
      first_error = std::current_exception();
    }
  }
  handle_.reset();  // the root group
  s.open = false;
  const std::string where = s.writable ? s.path + " (written as " + s.temp_path + ")" : s.path;
  s.file.close(where);
  if (s.writable) {
    sync_to_disk(s.temp_path);
    if (std::rename(s.temp_path.c_str(), s.path.c_str()) != 0) {
      throw std::runtime_error("hdf5: cannot rename " + s.temp_path + " to " + s.path + ": " +
                               errno_text(errno));
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

const std::string& File::file_path() const { return file_ ? file_->path : no_path(); }

const std::string& File::temp_path() const { return file_ ? file_->temp_path : no_path(); }

}  // namespace podwire::trace::h5
