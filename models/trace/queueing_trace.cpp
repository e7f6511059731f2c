#include "models/trace/queueing_trace.hpp"

#include "models/trace/hdf5/file.hpp"
#include "models/trace/hdf5/table.hpp"
#include "models/trace/wall_clock.hpp"

namespace podwire::trace {

namespace {

// A row of /requests. Times in picoseconds since the start of the run.
struct RequestRow {
  std::uint64_t id;
  std::int64_t arrival_ps;
  std::int64_t start_ps;  // service began
  std::int64_t end_ps;
  bool warmup;  // arrived before the warm-up ended (not in the summary)
};

// Deflate level 1: the rows compress about as well as at level 4 (times change
// slowly and the shuffle filter does most of the work) at a fraction of the CPU.
const h5::StorageOptions kRequestStorage{128 * 1024, 1, true};

}  // namespace

struct QueueingTrace::Impl {
  h5::File file;
  h5::Group meta;
  h5::Table<RequestRow> requests;

  explicit Impl(const std::string& path)
      : file(h5::File::create(path)),
        meta(file.create_group("/meta")),
        requests(file.create_table("/requests",
                                   h5::Schema<RequestRow>()
                                       .column("id", &RequestRow::id)
                                       .column("arrival_ps", &RequestRow::arrival_ps)
                                       .column("start_ps", &RequestRow::start_ps)
                                       .column("end_ps", &RequestRow::end_ps)
                                       .column("warmup", &RequestRow::warmup),
                                   kRequestStorage)) {}

  static void on_job(void* context, const queueing::JobRecord& job) {
    auto* self = static_cast<Impl*>(context);
    self->requests.append(
        RequestRow{job.id, job.arrived.ps(), job.started.ps(), job.finished.ps(), !job.measured});
  }
};

QueueingTrace::QueueingTrace(const std::string& path, const RunIdentity& id)
    : impl_(std::make_unique<Impl>(path)) {
  h5::Group& m = impl_->meta;
  m.set_attribute("podwire_version", id.podwire_version);
  m.set_attribute("schema_version", std::int64_t{kTraceSchemaVersion});
  m.set_attribute("seed", id.seed);
  m.set_attribute("scenario_file", id.scenario_file);
  m.set_attribute("scenario_text", id.scenario_text);
  m.set_attribute("model", "queueing");
  m.set_attribute("start_wall_clock", wall_clock_now());
  m.set_attribute("complete", false);
}

QueueingTrace::~QueueingTrace() = default;  // the file's destructor closes and renames it

void QueueingTrace::attach(queueing::ServerFarm& farm) {
  farm.job_done.connect(&Impl::on_job, impl_.get());
}

std::uint64_t QueueingTrace::requests_written() const { return impl_->requests.rows(); }

void QueueingTrace::finish(const SummaryFigures& summary, std::uint64_t events,
                           engine::Time simulated, bool complete) {
  h5::Group s = impl_->file.create_group("/summary");
  for (const auto& [name, value] : summary.numbers) s.set_attribute(name, value);
  for (const auto& [name, value] : summary.texts) s.set_attribute(name, value);
  h5::Group& m = impl_->meta;
  m.set_attribute("end_wall_clock", wall_clock_now());
  m.set_attribute("simulated_ps", simulated.ps());
  m.set_attribute("events", events);
  m.set_attribute("complete", complete);
  impl_->requests.flush();
  impl_->file.close();
}

}  // namespace podwire::trace
