// /targets: the names of the targets (Service or URL) that /requests' target
// column numbers, written at the end.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/name_table.hpp"

namespace podwire::builder {
namespace {

class TargetsTable final : public TraceTable {
 public:
  explicit TargetsTable(const TraceContext& c) : c_(c) {}
  void finish(const ClusterRunResult&) override {
    trace::write_names(c_.file, "/targets", c_.model.target_names());
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry targets_table{"/targets", &open_table<TargetsTable>};

}  // namespace podwire::builder
