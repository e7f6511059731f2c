// /links: the names of the links (directions) that /timeseries/links numbers,
// written when the trace opens.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/name_table.hpp"

namespace podwire::builder {
namespace {

class LinksTable final : public TraceTable {
 public:
  explicit LinksTable(const TraceContext& c) {
    std::vector<std::string> names;
    for (const net::Link& l : c.model.network().links()) names.push_back(l.name());
    trace::write_names(c.file, "/links", names);
  }
  void finish(const ClusterRunResult&) override {}
};

}  // namespace

extern const TraceTableEntry links_table{"/links", &open_table<LinksTable>};

}  // namespace podwire::builder
