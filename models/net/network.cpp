#include "models/net/network.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/visitors.hpp>
#include <limits>
#include <stdexcept>

namespace podwire::net {

namespace {

std::size_t index_in(const std::deque<Switch>& all, const Switch& sw) {
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (&all[i] == &sw) return i;
  }
  throw std::invalid_argument("switch '" + sw.name() + "' does not belong to this network");
}

}  // namespace

Host& Network::add_host(std::string name, Address address, std::uint32_t rss_queues) {
  const auto node = static_cast<std::uint32_t>(hosts_.size());
  addresses_.add(address, node);
  return hosts_.emplace_back(sim_, pool_, addresses_, std::move(name), node, address, rss_queues);
}

Switch& Network::add_switch(std::string name, engine::Time forwarding_latency) {
  const std::uint64_t salt = 0x9E3779B97F4A7C15ULL * (switches_.size() + 1);
  switch_ports_.emplace_back();
  return switches_.emplace_back(sim_, pool_, std::move(name), forwarding_latency, salt);
}

void Network::connect(Host& host, Switch& sw, const LinkConfig& config,
                      const RxModeration& moderation) {
  if (host.uplink() != nullptr) {
    throw std::invalid_argument("host '" + host.name() + "' already has an uplink");
  }
  const std::size_t s = index_in(switches_, sw);
  Link& up = links_.emplace_back(sim_, pool_, config, host.name() + "->" + sw.name());
  Link& down = links_.emplace_back(sim_, pool_, config, sw.name() + "->" + host.name());
  host.set_rx_moderation(moderation);
  up.connect(&sw);
  down.connect(&host);
  host.attach_uplink(up);
  switch_ports_[s].push_back(Port{sw.add_port(down), true, host.node()});
}

void Network::connect(Switch& a, Switch& b, const LinkConfig& config) {
  const std::size_t ia = index_in(switches_, a);
  const std::size_t ib = index_in(switches_, b);
  if (ia == ib)
    throw std::invalid_argument("switch '" + a.name() + "' cannot be connected to itself");
  Link& ab = links_.emplace_back(sim_, pool_, config, a.name() + "->" + b.name());
  Link& ba = links_.emplace_back(sim_, pool_, config, b.name() + "->" + a.name());
  ab.connect(&b);
  ba.connect(&a);
  switch_ports_[ia].push_back(Port{a.add_port(ab), false, ib});
  switch_ports_[ib].push_back(Port{b.add_port(ba), false, ia});
}

void Network::compute_routes() {
  // Vertices: hosts 0..H-1, then switches. Parallel cables are parallel edges.
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  const std::size_t hosts = hosts_.size();
  Graph g(hosts + switches_.size());
  for (std::size_t s = 0; s < switches_.size(); ++s) {
    for (const Port& p : switch_ports_[s]) {
      // Switch-to-switch cables appear in both switches' lists; add them once.
      if (p.far_is_host)
        boost::add_edge(hosts + s, p.far, g);
      else if (p.far > s)
        boost::add_edge(hosts + s, hosts + p.far, g);
    }
  }
  for (std::size_t h = 0; h < hosts; ++h) {
    if (hosts_[h].uplink() == nullptr && hosts > 1) {
      throw std::invalid_argument("host '" + hosts_[h].name() + "' is not connected to any switch");
    }
  }

  constexpr std::size_t kUnreached = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> dist(boost::num_vertices(g));
  for (std::size_t d = 0; d < hosts; ++d) {
    std::fill(dist.begin(), dist.end(), kUnreached);
    dist[d] = 0;
    boost::breadth_first_search(g, d,
                                boost::visitor(boost::make_bfs_visitor(
                                    boost::record_distances(dist.data(), boost::on_tree_edge()))));
    for (std::size_t h = 0; h < hosts; ++h) {
      if (dist[h] == kUnreached) {
        throw std::invalid_argument("host '" + hosts_[d].name() +
                                    "' cannot be reached from host '" + hosts_[h].name() + "'");
      }
    }
    for (std::size_t s = 0; s < switches_.size(); ++s) {
      const std::size_t here = dist[hosts + s];
      std::vector<std::uint16_t> next;
      if (here != kUnreached) {
        for (const Port& p : switch_ports_[s]) {
          const std::size_t far = p.far_is_host ? p.far : hosts + p.far;
          // Hosts do not forward: a host port leads only to that host.
          const bool usable = p.far_is_host ? p.far == d : dist[far] + 1 == here;
          if (usable) next.push_back(p.index);
        }
      }
      switches_[s].set_route(static_cast<std::uint32_t>(d), std::move(next));
    }
  }
}

}  // namespace podwire::net
