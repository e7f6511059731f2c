// File: one HDF5 file — a trace being written under a temporary name and renamed to
// its final name when closed, or an existing file opened for reading (tests, tools).
#pragma once

#include <string>

#include "models/trace/hdf5/group.hpp"

namespace podwire::trace::h5 {

// A File is its root group "/": attributes set on it are the file's attributes (h5py:
// f.attrs). Closing flushes every table and array of the file still open, closes all
// their HDF5 objects (those outliving the File then refuse writes with
// std::logic_error), fsyncs and renames the temporary file to its final name. A crash
// before close() leaves only the temporary file; the final name is either absent (or
// the previous file) or complete. Not thread-safe: one thread uses a File and its
// objects at a time (the HDF5 library serialises calls between files).
class File : public Group {
 public:
  // Creates `path + ".tmp-<pid>"` (replacing a leftover of that name). A missing
  // folder or no permission is std::runtime_error naming path.
  static File create(const std::string& path);
  // Opens an existing file read-only. std::runtime_error naming path.
  static File open_read(const std::string& path);

  File(File&& other) noexcept = default;
  File& operator=(File&& other) noexcept;
  // Closes as close() does; failures go to stderr, since nothing may be thrown here
  // (this also runs during stack unwinding).
  ~File();

  // Writes every buffered row and HDF5's metadata to the temporary file. O(buffered
  // rows); call it seldom (it writes partial chunks).
  void flush();

  // Makes the temporary file readable as it is now, should the process be killed
  // before close() (SIGKILL, the OOM killer): every table's rows not yet in whole
  // chunks go to its tail in checkpoint slot `checkpoints % 2` (Appender::write_tail),
  // the group /checkpoint gets attribute `slot` naming it, and HDF5 writes the
  // file's structure. Between two checkpoints HDF5 writes only new chunks at new
  // places (its cache keeps the structure until a flush), so a reader of a killed
  // run's file finds each table's rows in the dataset followed by the current slot's
  // tail (rows [after, after + tail rows)). A kill during the checkpoint itself (a
  // few milliseconds) can leave the file unreadable. close() removes /checkpoint.
  // O(buffered rows + the file's changed structure).
  void checkpoint();

  // See the class comment. No-op when already closed. On failure the file is closed
  // anyway and std::runtime_error names what failed; a write error of one table still
  // renames the file (everything else written is intact), a failed HDF5 close does
  // not (the file may be unreadable).
  void close();

  // Stops writing, as a failed write does: the file stays as its last checkpoint
  // left it, under its temporary name (removed at close when there was none), and
  // close() writes nothing more. Returns what is kept, as the end of a sentence
  // ("the trace is kept as run.h5.tmp-42, readable as ...").
  std::string abandon();

  // The final path, as given to create/open_read.
  const std::string& file_path() const;
  // Where the data is until close(): the temporary path while writing, else file_path().
  const std::string& temp_path() const;

 private:
  using Group::Group;
  void close_quietly() noexcept;
};

}  // namespace podwire::trace::h5
