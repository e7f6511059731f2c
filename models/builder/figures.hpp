// The figures of a cluster run: per traffic entry, per Service, per node,
// the datapath and DNS counters, and the churn and programming figures. One
// schema that the run fills, the trace summary stores, and the command line
// and Python read.
//
// Each struct names its fields once, in `visit(v)`: `v(key, value)` per
// field, under the key the result dict (python/src/figures_dict.hpp) uses.
// A value is an integer, a bool, a double, a string, an engine::Time (read
// as seconds), a std::optional (empty: no value, e.g. the mean of no
// samples), a struct with its own visit, or a std::vector of those.
// `v.record(key, fields)` groups fields of several places under one key;
// `fields` is called with the visitor of that group. Summaries are reduced
// where they are named (mean_if_any, percentile_s_if_any), because one
// histogram shows as several percentiles.
#pragma once

#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "engine/latency_histogram.hpp"
#include "engine/running_stats.hpp"
#include "engine/time.hpp"
#include "models/app/dns.hpp"
#include "models/app/requests.hpp"
#include "models/churn/endpoint_propagation.hpp"
#include "models/churn/lifecycle.hpp"
#include "models/node/kernel_datapath.hpp"

namespace podwire::builder {

// What a visit hands on for a summary without samples, or an estimate there
// is none of: nothing, rather than a NaN or a 0 that reads like a figure.
inline std::optional<double> mean_if_any(const engine::RunningStats& s) {
  if (s.count() == 0) return std::nullopt;
  return s.mean();
}
inline std::optional<double> percentile_s_if_any(const engine::LatencyHistogram& h, double p) {
  if (h.empty()) return std::nullopt;
  return h.percentile_time(p).seconds();
}
inline std::optional<double> unless_nan(double x) {
  if (std::isnan(x)) return std::nullopt;
  return x;
}

// Requests of one traffic entry that started within one second of the run.
struct TrafficBin {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  double latency_sum_s = 0;  // ok requests
  double latency_max_s = 0;

  template <class V>
  void visit(V& v) const {
    v("ok", ok);
    v("failed", failed);
    v("mean_s", ok == 0 ? std::nullopt : std::optional(latency_sum_s / static_cast<double>(ok)));
    v("max_s", ok == 0 ? std::nullopt : std::optional(latency_max_s));
  }
};

struct TrafficFigures {
  std::string name;
  std::string target;  // the URL (or port-forward) as written
  // Requests that started after the warm-up: sent = ok + failed + unfinished.
  std::uint64_t sent = 0;
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;       // refused, reset, timed out, unresolved or without a local port
  std::uint64_t unfinished = 0;   // still pending when the run ended
  std::uint64_t warmup_sent = 0;  // requests that started during the warm-up, however they ended
  std::uint64_t by_status[app::kRequestStatuses] = {};  // after the warm-up
  // The first request of this entry whose connect() found no local port
  // (addr_unavailable), warm-up included; none: ports never ran out.
  std::optional<engine::Time> first_addr_unavailable;
  engine::LatencyHistogram total;  // measured (started after the warm-up) and ok
  engine::RunningStats total_s, dns_s, connect_s, network_s, at_server_s;
  double offered_per_s = 0;  // open loop
  std::uint64_t retries = 0;
  std::vector<TrafficBin> seconds;  // by the second the request started in, warm-up included;
                                    // unfinished requests are in no bin

  template <class V>
  void visit(V& v) const {
    v("name", name);
    v("target", target);
    v("sent", sent);
    v("ok", ok);
    v("failed", failed);
    v("unfinished", unfinished);
    v("warmup_sent", warmup_sent);
    v("first_addr_unavailable_s", first_addr_unavailable);
    v.record("status",
             [this](auto& s) {  // by_status[0] is `pending`, which no finished request has
               for (std::size_t i = 1; i < std::size(by_status); ++i) {
                 s(app::to_string(static_cast<app::RequestStatus>(i)), by_status[i]);
               }
             });
    v("offered_per_s", offered_per_s);
    v("p50_s", percentile_s_if_any(total, 50));
    v("p90_s", percentile_s_if_any(total, 90));
    v("p99_s", percentile_s_if_any(total, 99));
    v("p999_s", percentile_s_if_any(total, 99.9));
    v("mean_s", mean_if_any(total_s));
    v("dns_s", mean_if_any(dns_s));
    v("connect_s", mean_if_any(connect_s));
    v("network_s", mean_if_any(network_s));
    v("at_server_s", mean_if_any(at_server_s));
    v("retries", retries);
    v("seconds", seconds);
  }
};

struct ServiceFigures {
  std::string name;  // "namespace/name", or the host when it names no Service
  std::uint64_t requests = 0;
  engine::RunningStats
      server_time_s;  // queueing + service at the pod, ok requests after the warm-up
  engine::LatencyHistogram
      latency;  // whole requests to this target as their senders saw them, ok, after the warm-up
  engine::RunningStats queueing_s, service_s;
  int pods = 0;  // serving pods (for the estimate)
  int concurrency = 0;
  double mean_service_s = 0;
  double service_scv = 1;
  // The Jackson / M/M/c estimate (cluster_estimate.hpp); NaN when there is
  // none (closed-loop traffic, or a target no app serves).
  double estimate_arrival_per_s = 0;
  double estimate_utilisation = 0;
  double estimate_server_time_s = 0;
  // Datagrams sent without a reply (udp://) after the warm-up: sent, taken
  // into a receiver's socket, and dropped there (a full receive queue). A
  // oneway datagram counts in `requests` and the server times once its
  // receiver has consumed it.
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t receive_drops = 0;
  // Sent and never taken in: the receive drops, those lost on the way (a
  // full queue, no endpoint, a full conntrack table), and those still on the
  // way when the run ended.
  std::uint64_t datagrams_lost() const {
    return datagrams_sent > datagrams_received ? datagrams_sent - datagrams_received : 0;
  }

  template <class V>
  void visit(V& v) const {
    v("name", name);
    v("requests", requests);
    v("datagrams_sent", datagrams_sent);
    v("datagrams_received", datagrams_received);
    v("receive_drops", receive_drops);
    v("datagrams_lost", datagrams_lost());
    v("pods", pods);
    v("concurrency", concurrency);
    v("mean_service_s", mean_service_s);
    v("service_scv", service_scv);
    v("server_time_s", mean_if_any(server_time_s));
    v("queueing_s", mean_if_any(queueing_s));
    v("service_s", mean_if_any(service_s));
    v("estimate_arrival_per_s", unless_nan(estimate_arrival_per_s));
    v("estimate_utilisation", unless_nan(estimate_utilisation));
    v("estimate_server_time_s", unless_nan(estimate_server_time_s));
    v("p50_s", percentile_s_if_any(latency, 50));
    v("p90_s", percentile_s_if_any(latency, 90));
    v("p99_s", percentile_s_if_any(latency, 99));
  }
};

struct NodeFigures {
  std::string name;
  double application_cpu_s = 0;  // busy core-seconds, whole run: user time
  double kernel_cpu_s = 0;       // softirq + system
  double softirq_cpu_s = 0;
  double system_cpu_s = 0;
  int cores = 0;  // CPUs as Linux counts them: hardware threads with SMT
  // The work itself, at a hardware thread's pace alone (below the busy time
  // by what busy siblings slowed it), and how much of it a second the CPUs
  // deliver when all are busy (node::NodeCpu::capacity).
  double cpu_work_s = 0;
  double capacity = 0;
  // The part of cpu_work_s that does not grow with traffic: the proxy's
  // rule programming (its syncs), at the same pace.
  double background_work_s = 0;
  std::uint64_t conntrack_entries = 0;  // at the end
  std::uint64_t conntrack_drops = 0;

  template <class V>
  void visit(V& v) const {
    v("name", name);
    v("cores", cores);
    v("application_cpu_s", application_cpu_s);
    v("kernel_cpu_s", kernel_cpu_s);
    v("softirq_cpu_s", softirq_cpu_s);
    v("system_cpu_s", system_cpu_s);
    v("cpu_work_s", cpu_work_s);
    v("capacity", capacity);
    v("background_work_s", background_work_s);
    v("conntrack_entries", conntrack_entries);
    v("conntrack_drops", conntrack_drops);
  }
};

// One node's network programming latency (change to rules in place), over
// every endpoint change it programmed.
struct NodeProgramming {
  std::string node;
  std::uint64_t changes = 0;
  double p50_s = 0, p99_s = 0, max_s = 0;
  std::uint64_t syncs = 0, full_syncs = 0;
  double sync_busy_s = 0;  // time spent programming

  template <class V>
  void visit(V& v) const {
    v("node", node);
    v("changes", changes);
    v("p50_s", p50_s);
    v("p99_s", p99_s);
    v("max_s", max_s);
    v("syncs", syncs);
    v("full_syncs", full_syncs);
    v("sync_busy_s", sync_busy_s);
  }
};

// One endpoint change across the nodes that programmed it.
struct ChangeProgramming {
  std::uint64_t id = 0;
  std::string service;
  engine::Time at;  // the pod change that triggered it
  std::uint64_t nodes = 0;
  double p50_s = 0, p99_s = 0, max_s = 0;

  template <class V>
  void visit(V& v) const {
    v("id", id);
    v("service", service);
    v("at_s", at);
    v("nodes", nodes);
    v("p50_s", p50_s);
    v("p99_s", p99_s);
    v("max_s", max_s);
  }
};

struct ChurnFigures {
  bool present = false;
  churn::LifecycleCounters lifecycle;
  churn::PropagationCounters propagation;
  std::vector<churn::ChurnEvent> events;
  // The network programming latency SLI over every (node, change).
  std::uint64_t programmed = 0;
  double programming_p50_s = 0, programming_p90_s = 0, programming_p99_s = 0, programming_max_s = 0;
  std::vector<NodeProgramming> nodes;
  std::vector<ChangeProgramming> changes;
  std::uint64_t udp_entries_cleared = 0;

  // `present` decides whether there is a churn record at all (ClusterRunResult).
  template <class V>
  void visit(V& v) const {
    v("lifecycle", lifecycle);
    v("propagation", propagation);
    v.record("programming", [this](auto& p) {
      p("records", programmed);
      p("p50_s", programming_p50_s);
      p("p90_s", programming_p90_s);
      p("p99_s", programming_p99_s);
      p("max_s", programming_max_s);
      p("udp_entries_cleared", udp_entries_cleared);
    });
    v("nodes", nodes);
    v("events", events);
    v("changes", changes);
  }
};

struct ClusterRunResult {
  std::vector<NodeFigures> nodes;
  std::vector<TrafficFigures> traffic;
  std::vector<ServiceFigures> services;  // every target some request went to, in target order
  node::DatapathCounters datapath;       // summed over nodes
  std::uint64_t conntrack_entries = 0;   // at the end, summed over nodes
  app::CoreDnsCounters dns;
  // Requests (client requests and downstream calls) whose connect() found no
  // local port: after the warm-up, and the first one's start, warm-up included.
  std::uint64_t addr_unavailable = 0;
  std::optional<engine::Time> first_addr_unavailable;
  std::uint64_t unfinished = 0;  // requests of any kind pending at the end, after the warm-up
  std::uint64_t dns_lookups = 0, dns_queries = 0, dns_timeouts = 0;
  std::uint64_t dns_client_cache_hits = 0;  // lookups a pod's resolver answered from its cache
  double node_cpu_application_s = 0, node_cpu_kernel_s = 0;  // summed over nodes
  ChurnFigures churn;
  std::uint64_t events = 0;
  engine::Time simulated;
  engine::Time warmup;
  bool stopped = false;

  template <class V>
  void visit(V& v) const {
    if (churn.present) v("churn", churn);
    v("nodes", nodes);
    v("traffic", traffic);
    v("services", services);
    v.record("datapath", [this](auto& d) {
      datapath.visit(d);
      d("conntrack_entries", conntrack_entries);
    });
    v.record("dns", [this](auto& d) {
      d("lookups", dns_lookups);
      d("queries_sent", dns_queries);
      d("timeouts", dns_timeouts);
      d("client_cache_hits", dns_client_cache_hits);
      dns.visit(d);
    });
    v.record("ports", [this](auto& p) {
      p("addr_unavailable", addr_unavailable);
      p("first_addr_unavailable_s", first_addr_unavailable);
    });
    v("unfinished", unfinished);
    v("cpu_application_s", node_cpu_application_s);
    v("cpu_kernel_s", node_cpu_kernel_s);
    v("events", events);
    v("simulated_s", simulated);
    v("warmup_s", warmup);
    v("complete", !stopped);
  }
};

}  // namespace podwire::builder
