#include "models/churn/endpoint_propagation.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace podwire::churn {

using engine::Time;

namespace {

std::uint8_t state_bits(const kube::EndpointState& e) {
  return static_cast<std::uint8_t>((e.ready ? 1 : 0) | (e.serving ? 2 : 0) |
                                   (e.terminating ? 4 : 0));
}

}  // namespace

EndpointPropagation::EndpointPropagation(engine::Simulator& sim, const kube::Cluster& cluster,
                                         PropagationConfig config, engine::RandomStream random,
                                         Mapping mapping, Deliver deliver, void* context)
    : sim_(sim),
      cluster_(cluster),
      config_(std::move(config)),
      random_(random),
      mapping_(std::move(mapping)),
      deliver_(deliver),
      context_(context) {
  if (config_.max_endpoints_per_slice < 1)
    throw std::invalid_argument("max_endpoints_per_slice must be at least 1");
  if (mapping_.node_hosts.size() != cluster_.nodes().size()) {
    throw std::invalid_argument("the mapping must name a host for every cluster node");
  }
  frontends_.resize(cluster_.services().size());
  slices_.resize(cluster_.services().size());
  last_delivery_.assign(cluster_.nodes().size(), Time::zero());
  listening_.assign(cluster_.nodes().size(), true);
  // The slices as they stand at time zero.
  for (std::size_t i = 0; i < slices_.size(); ++i) rewrite_slices(slices_[i], static_cast<int>(i));
}

void EndpointPropagation::add_frontend(int service, std::size_t port_index,
                                       std::uint32_t frontend) {
  frontends_.at(static_cast<std::size_t>(service)).emplace_back(port_index, frontend);
}

BackendList EndpointPropagation::backends_of(int service, std::size_t port_index) const {
  auto list = std::make_shared<std::vector<proxy::Backend>>();
  const kube::ServicePortState& ps =
      cluster_.services()[static_cast<std::size_t>(service)].ports[port_index];
  list->reserve(ps.endpoints.size());
  for (const kube::EndpointState& e : ps.endpoints) {
    const std::uint32_t node = e.node >= 0 ? mapping_.node_hosts[static_cast<std::size_t>(e.node)]
                                           : std::numeric_limits<std::uint32_t>::max();
    const std::uint32_t id =
        e.pod >= 0 ? mapping_.pod_id_base + static_cast<std::uint32_t>(e.pod) : 0;
    list->push_back(proxy::Backend{e.ip, e.port, node, id, e.ready, e.serving, e.terminating});
  }
  return list;
}

void EndpointPropagation::changed(int service, Time at) {
  ServiceSlices& s = slices_.at(static_cast<std::size_t>(service));
  changes_.push_back(EndpointChange{changes_.size() + 1, service, at});
  ++counters_.changes;
  s.pending.push_back(changes_.back().id);
  if (s.queued) return;  // rides along with the sync already queued
  s.queued = true;
  const Time delay = Time::drawn(config_.slice_delay.sample(random_));
  sim_.schedule_in<&EndpointPropagation::on_slice_sync>(delay, this,
                                                        static_cast<std::uint64_t>(service));
}

std::uint32_t EndpointPropagation::rewrite_slices(ServiceSlices& s, int service) {
  // Endpoints by address (one slice holds an address with all its ports).
  std::unordered_map<net::Address, std::uint8_t> now;
  for (const kube::ServicePortState& ps :
       cluster_.services()[static_cast<std::size_t>(service)].ports) {
    for (const kube::EndpointState& e : ps.endpoints) now.emplace(e.ip, state_bits(e));
  }
  std::vector<bool> touched(s.fill.size(), false);
  for (auto it = s.slice_of.begin(); it != s.slice_of.end();) {
    const auto found = now.find(it->first);
    if (found == now.end()) {
      touched[it->second] = true;
      --s.fill[it->second];
      s.state_of.erase(it->first);
      it = s.slice_of.erase(it);
      continue;
    }
    if (s.state_of[it->first] != found->second) {
      touched[it->second] = true;
      s.state_of[it->first] = found->second;
    }
    ++it;
  }
  for (const auto& [address, bits] : now) {
    if (s.slice_of.contains(address)) continue;
    std::uint32_t slice = 0;
    while (slice < s.fill.size() && s.fill[slice] >= config_.max_endpoints_per_slice) ++slice;
    if (slice == s.fill.size()) {
      s.fill.push_back(0);
      touched.push_back(false);
    }
    ++s.fill[slice];
    touched[slice] = true;
    s.slice_of.emplace(address, slice);
    s.state_of.emplace(address, bits);
  }
  return static_cast<std::uint32_t>(std::count(touched.begin(), touched.end(), true));
}

void EndpointPropagation::on_slice_sync(std::uint64_t service_index) {
  const int service = static_cast<int>(service_index);
  ServiceSlices& s = slices_[service_index];
  s.queued = false;
  ++counters_.slice_syncs;
  const std::uint32_t writes = rewrite_slices(s, service);
  counters_.slice_writes += writes;
  Batch b;
  b.service = service;
  b.changes.swap(s.pending);
  for (const auto& [port_index, frontend] : frontends_[service_index]) {
    b.frontends.emplace_back(frontend, backends_of(service, port_index));
  }
  if (b.frontends.empty() || writes == 0)
    return;  // no proxy programs this Service, or nothing it sees changed
  const std::uint64_t batch = batches_.size();
  const Time now = sim_.now();
  for (std::size_t node = 0; node < last_delivery_.size(); ++node) {
    if (!listening_[node]) continue;
    const Time delay = Time::drawn(config_.watch_delay.sample(random_));
    const Time at = std::max(now + delay, last_delivery_[node]);
    last_delivery_[node] = at;
    ++b.undelivered;
    counters_.watch_events += writes;
    sim_.schedule_at<&EndpointPropagation::on_delivery>(at, this, batch << 20 | node);
  }
  batches_.push_back(std::move(b));
}

void EndpointPropagation::on_delivery(std::uint64_t arg) {
  const auto node = static_cast<std::uint32_t>(arg & ((1u << 20) - 1));
  Batch& b = batches_[arg >> 20];
  if (listening_[node]) {
    for (const auto& [frontend, list] : b.frontends) {
      for (std::uint64_t id : b.changes) deliver_(context_, node, frontend, list, changes_[id - 1]);
    }
  }
  if (--b.undelivered == 0) {
    b.frontends.clear();  // the lists live on in the proxies that programmed them
    b.frontends.shrink_to_fit();
  }
}

}  // namespace podwire::churn
