// /timeseries/links: a row per link (direction) per sampling interval
// (ClusterSampler::link_sampled); the link ids are those of /links.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

// Over the interval ending at at_ps: the fraction of it spent transmitting,
// the packets queued at its end, the drops during it.
struct Row {
  std::int64_t at_ps;
  std::uint32_t link;
  double utilisation;
  std::uint64_t queued_packets;
  std::uint64_t drops;
};

class LinkSamplesTable final : public TraceTable {
 public:
  explicit LinkSamplesTable(const TraceContext& c)
      : model_(c.model),
        table_(c.file.create_table("/timeseries/links",
                                   trace::h5::Schema<Row>()
                                       .column("at_ps", &Row::at_ps)
                                       .column("link", &Row::link)
                                       .column("utilisation", &Row::utilisation)
                                       .column("queued_packets", &Row::queued_packets)
                                       .column("drops", &Row::drops),
                                   trace::kStreamStorage)) {
    model_.sampler().link_sampled.connect(&LinkSamplesTable::on_sample, this);
  }
  ~LinkSamplesTable() override { model_.sampler().link_sampled.disconnect(this); }

  void finish(const ClusterRunResult&) override { table_.flush(); }

 private:
  static void on_sample(void* self, const LinkSample& l) {
    static_cast<LinkSamplesTable*>(self)->table_.append(
        Row{l.at.ps(), l.link, l.utilisation, l.queued_packets, l.drops});
  }

  ClusterModel& model_;
  trace::h5::Table<Row> table_;
};

}  // namespace

extern const TraceTableEntry link_samples_table{"/timeseries/links", &open_table<LinkSamplesTable>};

}  // namespace podwire::builder
