// ClusterTrace: streams a cluster run into one HDF5 file: /meta (run identity
// and the resolved scenario), /requests (one row per request, client requests
// and the downstream calls they caused, written as they finish), the name
// tables the ids in /requests refer to (/targets, /traffic, /endpoints), and
// /summary (per-traffic and per-Service figures) and /timeseries/nodes. It listens to the run's
// RequestTable; the models know nothing of it. Layout: docs/trace-format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/app/requests.hpp"
#include "engine/simulator.hpp"
#include "models/net/packet_tracer.hpp"
#include "models/net/tcp_connection.hpp"
#include "models/trace/queueing_trace.hpp"

namespace podwire::trace {

struct TrafficSummaryRow {
  std::string name;
  std::uint64_t sent = 0, ok = 0, failed = 0;
  double mean_s = 0, p50_s = 0, p90_s = 0, p99_s = 0;
  double dns_s = 0, connect_s = 0, network_s = 0, at_server_s = 0;  // means of the parts
  std::uint64_t refused = 0, reset = 0, timeout = 0, dns_failure = 0;  // the failed, by status
};

struct ServiceSummaryRow {
  std::string name;
  std::uint64_t requests = 0;
  double server_time_s = 0, queueing_s = 0, service_s = 0;  // simulated means
  double estimate_server_time_s = 0;  // Jackson / M/M/c estimate; NaN when none
  double estimate_utilisation = 0;    // NaN when none
  double p50_s = 0, p90_s = 0, p99_s = 0;  // whole requests to it, as their senders saw them
};

// Churn (docs/trace-format.md, /churn and /programming).
struct ChurnEventRow {
  engine::Time at;
  std::string kind;  // churn::to_string(ChurnEventKind)
  std::string pod;   // "namespace/name", "" for node and workload events
  std::string node;
  std::string owner;  // "Kind namespace/name"
};

struct ProgrammingNodeRow {
  std::string node;
  std::uint64_t changes = 0;
  double p50_s = 0, p99_s = 0, max_s = 0;
  std::uint64_t syncs = 0, full_syncs = 0;
  double sync_busy_s = 0;
};

struct ProgrammingChangeRow {
  std::uint64_t id = 0;
  std::string service;
  engine::Time at;
  std::uint64_t nodes = 0;
  double p50_s = 0, p99_s = 0, max_s = 0;
};

struct ProgrammingRecordRow {
  std::uint32_t node = 0;    // index in /programming/nodes
  std::uint64_t change = 0;  // id in /programming/changes
  double latency_s = 0;      // the change's trigger to the rules in place on that node
};

class ClusterTrace {
 public:
  // The file is created under a temporary name and renamed when finished or
  // destroyed, with complete = false unless finish() says otherwise.
  // std::runtime_error naming the path when it cannot be created.
  ClusterTrace(const std::string& path, const RunIdentity& identity, engine::Time warmup);
  ~ClusterTrace();
  ClusterTrace(const ClusterTrace&) = delete;
  ClusterTrace& operator=(const ClusterTrace&) = delete;

  void attach(app::RequestTable& requests);
  // The endpoint id (in /endpoints) of the node an endpoint runs on, for the
  // client_node and server_node columns of /requests.
  void set_node_of(std::function<std::uint32_t(std::uint32_t)> node_of);

  // A row of /timeseries/nodes: one node over the interval ending at `at`,
  // each busy figure a fraction of its cores (kernel = softirq + system;
  // application is user time).
  void append_node_sample(engine::Time at, std::uint32_t node, double kernel_busy, double softirq_busy,
                          double system_busy, double application_busy,
                          std::uint64_t conntrack_entries, std::uint64_t conntrack_drops);

  // /churn/events, /programming/nodes and /programming/changes (once, before finish).
  // `figures` become attributes of /churn/events (name, value), such as the
  // lifecycle and propagation counters and the programming percentiles.
  void write_churn(const std::vector<ChurnEventRow>& events, const std::vector<ProgrammingNodeRow>& nodes,
                   const std::vector<ProgrammingChangeRow>& changes,
                   const std::vector<std::pair<std::string, double>>& figures = {});
  // The tracer to give the packet pool for /packets (created on first call):
  // a row per hop of each sampled packet.
  net::PacketTracer* packet_tracer(const engine::Simulator& sim);
  // A row of /connections: a TCP connection of endpoint `local`, at its end.
  void append_connection(std::uint32_t local, const net::TcpConnection& c, engine::Time ended);
  // A row of /dns: one lookup a pod's resolver made.
  void append_dns_lookup(engine::Time started, std::uint32_t client, std::string_view name, std::uint32_t queries,
                         std::uint32_t timeouts, bool ok, std::uint32_t address, engine::Time duration);
  // A row of /timeseries/links: one link (direction) over the interval ending
  // at `at`: the fraction of it spent transmitting, the packets queued at its
  // end, the drops during it.
  void append_link_sample(engine::Time at, std::uint32_t link, double utilisation, std::uint64_t queued_packets,
                          std::uint64_t drops);
  // /links: the names of the links /timeseries/links numbers.
  void write_links(const std::vector<std::string>& names);
  // /programming/records: every (node, change) programmed.
  void write_programming_records(const std::vector<ProgrammingRecordRow>& rows);
  // Writes the name tables and the summary, sets complete, closes the file.
  void finish(const std::vector<std::string>& targets, const std::vector<std::string>& traffic,
              const std::vector<std::pair<std::uint32_t, std::string>>& endpoints,
              const std::vector<TrafficSummaryRow>& traffic_summary,
              const std::vector<ServiceSummaryRow>& service_summary, std::uint64_t events, engine::Time simulated,
              bool complete);

  std::uint64_t requests_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace podwire::trace
