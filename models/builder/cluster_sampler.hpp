// ClusterSampler: every sampling interval of a run, each node's CPU busy by
// kind and its conntrack table, and each link direction's utilisation, queue
// and drops over the interval, emitted for whoever listens (the trace's
// time series). One event per interval for the whole cluster.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "models/net/network.hpp"
#include "models/node/node.hpp"

namespace podwire::builder {

// One link direction over one sampling interval (ClusterSampler::link_sampled).
struct LinkSample {
  engine::Time at;
  std::uint32_t link = 0;            // index in the network's links
  double utilisation = 0;            // fraction of the interval spent transmitting
  std::uint64_t queued_packets = 0;  // at the end of the interval
  std::uint64_t drops = 0;           // during the interval
};

// One node over one sampling interval (ClusterSampler::node_sampled).
struct NodeSample {
  engine::Time at;          // end of the interval
  std::uint32_t node = 0;   // index in fabric().nodes
  double kernel_busy = 0;   // fraction of the node's cores, over the interval
  double softirq_busy = 0;  // of which softirq (the rest of kernel_busy is system time)
  double system_busy = 0;
  double application_busy = 0;  // user time
  std::uint64_t conntrack_entries = 0;
  std::uint64_t conntrack_drops = 0;  // new flows dropped by a full table during the interval
};

class ClusterSampler {
 public:
  // Samples every `interval` up to `until`; a zero interval samples nothing.
  ClusterSampler(engine::Simulator& sim, const std::deque<node::Node>& nodes,
                 const net::Network& net, engine::Time interval, engine::Time until)
      : sim_(sim), nodes_(nodes), net_(net), interval_(interval), until_(until) {}

  // Takes the starting counters and schedules the first sample.
  void start();

  engine::Signal<const NodeSample&> node_sampled;
  engine::Signal<const LinkSample&> link_sampled;

 private:
  void on_sample();

  engine::Simulator& sim_;
  const std::deque<node::Node>& nodes_;
  const net::Network& net_;
  engine::Time interval_;
  engine::Time until_;
  std::vector<node::CpuUsage> last_usage_;
  std::vector<std::uint64_t> last_ct_drops_;
  std::vector<std::pair<engine::Time, std::uint64_t>>
      last_link_;  // busy time and drops at the last sample
};

}  // namespace podwire::builder
