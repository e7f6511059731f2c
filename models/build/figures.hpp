// The figures of a cluster run: per traffic entry, per Service, per node,
// the datapath and DNS counters, and the churn and programming figures. One
// schema that the run fills, the trace summary stores, and the command line
// and Python read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/latency_histogram.hpp"
#include "engine/running_stats.hpp"
#include "engine/time.hpp"
#include "models/app/dns.hpp"
#include "models/churn/endpoint_propagation.hpp"
#include "models/churn/lifecycle.hpp"
#include "models/node/kernel_datapath.hpp"

namespace podwire::build {

// Requests of one traffic entry that started within one second of the run.
struct TrafficBin {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  double latency_sum_s = 0;  // ok requests
  double latency_max_s = 0;
};

struct TrafficFigures {
  std::string name;
  std::string target;  // the URL (or port-forward) as written
  std::uint64_t sent = 0;
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;  // refused, reset, timed out or unresolved
  std::uint64_t by_status[6] = {};
  engine::LatencyHistogram total;  // measured (started after the warm-up) and ok
  engine::RunningStats total_s, dns_s, connect_s, network_s, at_server_s;
  double offered_per_s = 0;  // open loop
  std::uint64_t retries = 0;
  std::vector<TrafficBin> seconds;  // by the second the request started in, warm-up included
};

struct ServiceFigures {
  std::string name;  // "namespace/name", or the host when it names no Service
  std::uint64_t requests = 0;
  engine::RunningStats server_time_s;  // queueing + service at the pod, ok requests after the warm-up
  engine::LatencyHistogram latency;    // whole requests to this target as their senders saw them, ok, after the warm-up
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
};

struct NodeFigures {
  std::string name;
  double application_cpu_s = 0;  // busy core-seconds, whole run
  double kernel_cpu_s = 0;
  int cores = 0;
  std::uint64_t conntrack_entries = 0;  // at the end
  std::uint64_t conntrack_drops = 0;
};

// One node's network programming latency (change to rules in place), over
// every endpoint change it programmed.
struct NodeProgramming {
  std::string node;
  std::uint64_t changes = 0;
  double p50_s = 0, p99_s = 0, max_s = 0;
  std::uint64_t syncs = 0, full_syncs = 0;
  double sync_busy_s = 0;  // time spent programming
};

// One endpoint change across the nodes that programmed it.
struct ChangeProgramming {
  std::uint64_t id = 0;
  std::string service;
  engine::Time at;  // the pod change that triggered it
  std::uint64_t nodes = 0;
  double p50_s = 0, p99_s = 0, max_s = 0;
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
};

struct ClusterRunResult {
  std::vector<NodeFigures> nodes;
  std::vector<TrafficFigures> traffic;
  std::vector<ServiceFigures> services;  // every target some request went to, in target order
  node::DatapathCounters datapath;      // summed over nodes
  std::uint64_t conntrack_entries = 0;   // at the end, summed over nodes
  app::CoreDnsCounters dns;
  std::uint64_t dns_lookups = 0, dns_queries = 0, dns_timeouts = 0;
  double node_cpu_application_s = 0, node_cpu_kernel_s = 0;  // summed over nodes
  ChurnFigures churn;
  std::uint64_t events = 0;
  engine::Time simulated;
  engine::Time warmup;
  bool stopped = false;
};

}  // namespace podwire::build
