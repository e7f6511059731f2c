// /dns: a row per lookup a pod's resolver made (ClusterModel::dns_looked_up),
// and /dns_names, the names its name column numbers. Created empty when the
// scenario's outputs.requests is false.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"
#include "models/trace/name_table.hpp"

namespace podwire::builder {
namespace {

struct Row {
  std::int64_t started_ps;
  std::uint32_t client;  // endpoint id
  std::uint32_t name;    // id in /dns_names
  std::uint32_t queries;
  std::uint32_t timeouts;
  bool ok;
  std::uint32_t address;
  std::int64_t duration_ps;
};

class DnsTable final : public TraceTable {
 public:
  explicit DnsTable(const TraceContext& c)
      : model_(c.model),
        file_(c.file),
        table_(c.file.create_table("/dns",
                                   trace::h5::Schema<Row>()
                                       .column("started_ps", &Row::started_ps)
                                       .column("client", &Row::client)
                                       .column("name", &Row::name)
                                       .column("queries", &Row::queries)
                                       .column("timeouts", &Row::timeouts)
                                       .column("ok", &Row::ok)
                                       .column("address", &Row::address)
                                       .column("duration_ps", &Row::duration_ps),
                                   trace::kStreamStorage)) {
    if (model_.scenario().trace_requests) model_.dns_looked_up.connect(&DnsTable::on_lookup, this);
  }
  ~DnsTable() override { model_.dns_looked_up.disconnect(this); }

  void finish(const ClusterRunResult&) override {
    names_.write(file_, "/dns_names");
    table_.flush();
  }

 private:
  static void on_lookup(void* self, const app::DnsLookupRecord& d) {
    auto& t = *static_cast<DnsTable*>(self);
    t.table_.append(Row{d.started.ps(), d.client, t.names_.id(d.name), d.queries, d.timeouts, d.ok,
                        d.address, (d.finished - d.started).ps()});
  }

  ClusterModel& model_;
  trace::h5::File& file_;
  trace::h5::Table<Row> table_;
  trace::NameTable names_;
};

}  // namespace

extern const TraceTableEntry dns_table{"/dns", &open_table<DnsTable>};

}  // namespace podwire::builder
