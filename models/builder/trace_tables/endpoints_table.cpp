// /endpoints: the names ("namespace/pod", or a host's) of the endpoint ids in
// /requests, /dns and /connections: every host and every pod up at the end.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/name_table.hpp"

namespace podwire::builder {
namespace {

class EndpointsTable final : public TraceTable {
 public:
  explicit EndpointsTable(const TraceContext& c) : c_(c) {}
  void finish(const ClusterRunResult&) override {
    trace::write_names(c_.file, "/endpoints", c_.model.endpoint_names());
  }

 private:
  TraceContext c_;
};

}  // namespace

extern const TraceTableEntry endpoints_table{"/endpoints", &open_table<EndpointsTable>};

}  // namespace podwire::builder
