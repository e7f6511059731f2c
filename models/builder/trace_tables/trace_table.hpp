// TraceTable: one table of a cluster run's trace (with the name table its ids
// refer to, if any): its row, its columns, and how it meets the model, by a
// signal it connects to while the run goes or by rows written once at the
// end. trace_tables() is the list the trace hook-up opens, one line per
// table in trace_table.cpp; each table lives in its own <name>_table.cpp.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "models/builder/cluster_model.hpp"
#include "models/trace/hdf5/file.hpp"

namespace podwire::builder {

// What a table sees: the model it listens to and the file it writes into.
struct TraceContext {
  ClusterModel& model;
  trace::h5::File& file;
};

class TraceTable {
 public:
  virtual ~TraceTable() = default;  // disconnects whatever it connected to
  // The run is over and the file still open: rows written once go in now.
  virtual void finish(const ClusterRunResult& run) = 0;
};

struct TraceTableEntry {
  std::string_view path;  // its dataset: "/requests"
  // Creates its dataset (or not yet, when it writes at finish) and connects it
  // to the model; null when the scenario leaves it out altogether.
  std::unique_ptr<TraceTable> (*open)(const TraceContext& context);
};

// An entry's open for a table constructed from the context.
template <class Table>
std::unique_ptr<TraceTable> open_table(const TraceContext& context) {
  return std::make_unique<Table>(context);
}

// Every table, in the order they are opened and finished.
std::span<const TraceTableEntry* const> trace_tables();

}  // namespace podwire::builder
