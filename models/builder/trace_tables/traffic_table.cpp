// /traffic: the names of the traffic entries that /requests' source column
// numbers, written at the end.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/name_table.hpp"

namespace podwire::builder {
namespace {

class TrafficTable final : public TraceTable {
 public:
  explicit TrafficTable(const TraceContext& c) : c_(c) {}
  void finish(const ClusterRunResult&) override {
    trace::write_names(c_.file, "/traffic", c_.model.traffic_names());
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry traffic_table{"/traffic", &open_table<TrafficTable>};

}  // namespace podwire::builder
