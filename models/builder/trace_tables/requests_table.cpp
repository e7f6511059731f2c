// /requests: a row per request, client requests and the downstream calls they
// caused, written as each finishes (RequestTable::finished). Created empty when
// the scenario's outputs.requests is false.
#include "models/builder/trace_tables/trace_table.hpp"
#include "models/trace/columns.hpp"

namespace podwire::builder {
namespace {

// Times in picoseconds: `started_ps` since the start of the run, the parts as durations.
struct Row {
  std::uint64_t id;
  std::uint64_t parent;
  std::uint32_t source;
  std::uint32_t target;
  std::uint32_t client;
  std::uint32_t server;
  std::uint32_t client_node;  // endpoint id of the node the client runs on
  std::uint32_t server_node;
  app::RequestStatus status;
  bool reused_connection;
  std::uint8_t retries;
  bool warmup;
  std::uint64_t request_bytes;
  std::uint64_t response_bytes;
  std::int64_t started_ps;
  std::int64_t total_ps;
  std::int64_t dns_ps;
  std::int64_t connect_ps;
  std::int64_t queueing_ps;
  std::int64_t service_ps;
  std::int64_t calls_ps;
  std::int64_t network_ps;
};

trace::h5::Schema<Row> schema() {
  return trace::h5::Schema<Row>()
      .column("id", &Row::id)
      .column("parent", &Row::parent)
      .column("source", &Row::source)
      .column("target", &Row::target)
      .column("client", &Row::client)
      .column("server", &Row::server)
      .column("client_node", &Row::client_node)
      .column("server_node", &Row::server_node)
      .column("status", &Row::status,
              trace::enum_names(app::RequestStatus::unfinished,
                                [](app::RequestStatus st) { return app::to_string(st); }))
      .column("reused_connection", &Row::reused_connection)
      .column("retries", &Row::retries)
      .column("warmup", &Row::warmup)
      .column("request_bytes", &Row::request_bytes)
      .column("response_bytes", &Row::response_bytes)
      .column("started_ps", &Row::started_ps)
      .column("total_ps", &Row::total_ps)
      .column("dns_ps", &Row::dns_ps)
      .column("connect_ps", &Row::connect_ps)
      .column("queueing_ps", &Row::queueing_ps)
      .column("service_ps", &Row::service_ps)
      .column("calls_ps", &Row::calls_ps)
      .column("network_ps", &Row::network_ps);
}

class RequestsTable final : public TraceTable {
 public:
  explicit RequestsTable(const TraceContext& c)
      : model_(c.model),
        warmup_(c.model.scenario().run.warmup),
        table_(c.file.create_table("/requests", schema(), trace::kStreamStorage)) {
    if (model_.scenario().trace_requests)
      model_.requests().finished.connect(&RequestsTable::on_request, this);
  }
  ~RequestsTable() override { model_.requests().finished.disconnect(this); }

  void finish(const ClusterRunResult&) override { table_.flush(); }

 private:
  // The endpoint id of the node endpoint `id` runs on: a host is its own node;
  // 0 for a pod not (or no longer) placed.
  std::uint32_t node_of(std::uint32_t id) const {
    if (id < ClusterModel::kPodIdBase) return id;
    const std::size_t pod = id - ClusterModel::kPodIdBase;
    const auto& pods = model_.cluster().pods();
    if (pod >= pods.size() || pods[pod].node < 0) return 0;
    return static_cast<std::uint32_t>(
        model_.fabric().nodes[static_cast<std::size_t>(pods[pod].node)].host->node());
  }

  static void on_request(void* self, const app::RequestRecord& r) {
    auto& t = *static_cast<RequestsTable*>(self);
    const bool ok = r.status == app::RequestStatus::ok;
    Row row{};
    row.id = r.id;
    row.parent = r.parent;
    row.source = r.source;
    row.target = r.target;
    row.client = r.client;
    row.server = r.server;
    row.client_node = t.node_of(r.client);
    row.server_node = r.server != 0 ? t.node_of(r.server) : 0;
    row.status = r.status;
    row.reused_connection = r.reused_connection;
    row.retries = r.retries;
    row.warmup = r.started < t.warmup_;
    row.request_bytes = r.request_bytes;
    row.response_bytes = r.response_bytes;
    row.started_ps = r.started.ps();
    row.total_ps = r.total().ps();
    row.dns_ps = r.dns().ps();
    row.connect_ps = r.connect().ps();
    row.queueing_ps = ok ? r.queueing().ps() : 0;
    row.service_ps = ok ? r.service().ps() : 0;
    row.calls_ps = ok ? r.calls().ps() : 0;
    row.network_ps = ok ? r.network().ps() : 0;
    t.table_.append(row);
  }

  ClusterModel& model_;
  engine::Time warmup_;
  trace::h5::Table<Row> table_;
};

}  // namespace

extern const TraceTableEntry requests_table{"/requests", &open_table<RequestsTable>};

}  // namespace podwire::builder
