// EndpointPropagation: how a change to a Service's endpoints reaches every
// node's proxy. The EndpointSlice controller picks the change up after its
// queue delay (changes arriving meanwhile ride along) and rewrites the slices
// that hold changed endpoints (at most 100 endpoints per slice; an endpoint
// keeps its slice, new ones fill the first slice with room); the API server
// sends each rewritten slice down every node's watch, each node after its own
// delay and in the order written (a watch is a stream). What a node's proxy
// then does with it (batching, rule programming) is the proxy's business.
//
// Each pod change that moved an endpoint is a change with an id and a trigger
// time: the start of the network programming latency Kubernetes measures
// (from the pod change to the rules in place on a node).
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "engine/distribution.hpp"
#include "engine/random_stream.hpp"
#include "engine/simulator.hpp"
#include "models/kube/cluster.hpp"
#include "models/proxy/service_table.hpp"

namespace podwire::churn {

struct PropagationConfig {
  // Pod change to the slices written: the controller's work queue and the
  // API server write.
  engine::Distribution slice_delay = engine::Distribution::constant(0.02);
  // A written slice to one node's proxy: the watch fan-out.
  engine::Distribution watch_delay = engine::Distribution::lognormal_from_mean_stddev(0.1, 0.05);
  int max_endpoints_per_slice = 100;  // the EndpointSlice controller's default
};

struct EndpointChange {
  std::uint64_t id = 0;  // 1, 2, ...
  int service = -1;
  engine::Time at;  // the pod change that triggered it
};

struct PropagationCounters {
  std::uint64_t changes = 0;
  std::uint64_t slice_syncs = 0;   // controller syncs of one Service
  std::uint64_t slice_writes = 0;  // EndpointSlice objects rewritten
  std::uint64_t watch_events = 0;  // slices delivered to nodes (writes x nodes)

  // Names each counter once (models/builder/figures.hpp says how).
  template <class V>
  void visit(V& v) const {
    v("changes", changes);
    v("slice_syncs", slice_syncs);
    v("slice_writes", slice_writes);
    v("watch_events", watch_events);
  }
};

using BackendList = std::shared_ptr<const std::vector<proxy::Backend>>;

class EndpointPropagation {
 public:
  // How the cluster's pods and nodes appear to the proxies: the topology host
  // index of each cluster node, and endpoint ids (pod_id_base + pod index).
  struct Mapping {
    std::vector<std::uint32_t> node_hosts;
    std::uint32_t pod_id_base = 0;
  };
  // Delivery of one Service port's new endpoint list to one node (`node` is
  // the cluster's node index), once per change it carries.
  using Deliver = void (*)(void* context, std::uint32_t node, std::uint32_t frontend,
                           const BackendList& backends, const EndpointChange& change);

  EndpointPropagation(engine::Simulator& sim, const kube::Cluster& cluster,
                      PropagationConfig config, engine::RandomStream random, Mapping mapping,
                      Deliver deliver, void* context);
  EndpointPropagation(const EndpointPropagation&) = delete;
  EndpointPropagation& operator=(const EndpointPropagation&) = delete;

  // The proxy frontend programmed for a Service's port (by index in
  // ServiceState::ports).
  void add_frontend(int service, std::size_t port_index, std::uint32_t frontend);
  // Nodes whose proxies no longer listen (failed nodes).
  void set_node_listening(int node, bool listening) {
    listening_.at(static_cast<std::size_t>(node)) = listening;
  }

  // A Service's endpoints changed at `at` (connect Lifecycle::endpoints_changed).
  void changed(int service, engine::Time at);

  // The endpoints of a Service port as a proxy gets them.
  BackendList backends_of(int service, std::size_t port_index) const;

  const std::vector<EndpointChange>& changes() const { return changes_; }
  const PropagationCounters& counters() const { return counters_; }

 private:
  struct ServiceSlices {
    std::vector<std::uint64_t> pending;  // change ids waiting for the controller
    bool queued = false;
    std::unordered_map<net::Address, std::uint32_t> slice_of;  // endpoint -> slice
    std::unordered_map<net::Address, std::uint8_t>
        state_of;           // endpoint -> ready/serving/terminating bits
    std::vector<int> fill;  // endpoints per slice
  };
  struct Batch {
    int service = -1;
    std::vector<std::pair<std::uint32_t, BackendList>> frontends;
    std::vector<std::uint64_t> changes;
    std::uint32_t undelivered = 0;
  };

  void on_slice_sync(std::uint64_t service);
  void on_delivery(std::uint64_t arg);
  // Slices rewritten to bring `s` from its last state to the current one.
  std::uint32_t rewrite_slices(ServiceSlices& s, int service);

  engine::Simulator& sim_;
  const kube::Cluster& cluster_;
  PropagationConfig config_;
  engine::RandomStream random_;
  Mapping mapping_;
  Deliver deliver_;
  void* context_;
  std::vector<std::vector<std::pair<std::size_t, std::uint32_t>>>
      frontends_;                            // by service: (port index, frontend)
  std::vector<ServiceSlices> slices_;        // by service
  std::vector<engine::Time> last_delivery_;  // by node: watches are FIFO
  std::vector<bool> listening_;
  std::vector<EndpointChange> changes_;
  std::vector<Batch> batches_;
  PropagationCounters counters_;
};

}  // namespace podwire::churn
