// ClusterTrace: the HDF5 file a cluster run streams into, and its /meta: the
// run's identity and resolved scenario when it opens, how the run ended when
// it closes. The tables are not its business: each is a TraceTable of
// models/builder/trace_tables/ that writes into file(). Layout: docs/trace-format.md.
#pragma once

#include <cstdint>
#include <string>

#include "engine/time.hpp"
#include "models/trace/hdf5/file.hpp"
#include "models/trace/hdf5/group.hpp"
#include "models/trace/run_identity.hpp"

namespace podwire::trace {

class ClusterTrace {
 public:
  // The file is created under a temporary name and renamed when finished or
  // destroyed, with complete = false unless finish() says otherwise.
  // std::runtime_error naming the path when it cannot be created.
  ClusterTrace(const std::string& path, const RunIdentity& identity, engine::Time warmup);
  ClusterTrace(const ClusterTrace&) = delete;
  ClusterTrace& operator=(const ClusterTrace&) = delete;

  // Where the tables go; open until finish().
  h5::File& file() { return file_; }

  // Every table's buffered rows and HDF5's structure written to the file,
  // with /meta simulated_ps and events saying how far they reach: a run
  // killed later leaves a file readable as it was here. Call it between
  // events, when every table is written up to `simulated`.
  void checkpoint(std::uint64_t events, engine::Time simulated);

  // /meta's end of run (wall clock, simulated time, events, complete), then
  // the file closed and renamed. Tables still open are flushed first.
  void finish(std::uint64_t events, engine::Time simulated, bool complete);
  // The run cannot go on (out of memory): the file is left as its last
  // checkpoint wrote it (h5::File::abandon); returns what is kept.
  std::string abandon() { return file_.abandon(); }

 private:
  h5::File file_;
  h5::Group meta_;
};

}  // namespace podwire::trace
