// FileState: what all objects of one open file share, so that closing the File can
// flush every writer still open and objects that outlive it never touch identifiers
// HDF5 has already closed. Internal to models/trace/hdf5.
#pragma once

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "models/trace/hdf5/handle.hpp"

namespace podwire::trace::h5::detail {

class Appender;

struct FileState {
  Handle file;
  std::string path;       // the name the file has once closed
  std::string temp_path;  // where it is written until then; == path when read
  bool writable = false;
  bool open = false;
  int checkpoints = 0;
  // A write failed (a full disk, a file size limit): nothing more is written, so
  // that the file stays as its last checkpoint left it.
  bool failed = false;  // File::checkpoint calls so far; the next writes slot checkpoints % 2
  // Writers with buffered rows, flushed by File::flush/close. Each registers in its
  // constructor and leaves in its destructor.
  std::vector<Appender*> appenders;

  std::string where(std::string_view object_path) const {
    std::string w = path;
    w.append(":").append(object_path);
    return w;
  }
  void remove(Appender* a) { std::erase(appenders, a); }
  // Called with the exception of a failed write: marks the file failed, makes
  // every later write of HDF5 to it fail (its descriptor is replaced by a read-only
  // one, since closing the file would otherwise write structure that no longer
  // matches the rows on disk) and throws std::runtime_error with the reason and
  // what is kept. Defined in file.cpp.
  [[noreturn]] void fail_write(const std::exception& error);
  // The first half of fail_write: the file failed, its descriptor read-only.
  void stop_writing();
  // What is kept of the file once stopped, as the end of a sentence.
  std::string kept() const;
};

}  // namespace podwire::trace::h5::detail
