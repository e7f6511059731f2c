#include "models/net/topology.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace podwire::net {

namespace {

using engine::BitRate;
using engine::Time;

// Ports a switch can have (Switch numbers them with 16 bits).
constexpr std::uint64_t kMaxPorts = 0xFFFF;

[[noreturn]] void refuse(const std::string& message) { throw std::invalid_argument(message); }

std::string shortest(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

void check_at_least(const std::string& name, std::uint64_t value, std::uint64_t low) {
  if (value < low) {
    refuse(std::string(name)
               .append(" must be >= ")
               .append(std::to_string(low))
               .append(", got ")
               .append(std::to_string(value)));
  }
}

void check_at_most(const std::string& name, std::uint64_t value, std::uint64_t high,
                   std::string_view why) {
  if (value > high) {
    refuse(std::string(name)
               .append(" must be <= ")
               .append(std::to_string(high))
               .append(" (")
               .append(why)
               .append("), got ")
               .append(std::to_string(value)));
  }
}

void check_not_negative(const std::string& name, Time t) {
  if (t < Time::zero()) {
    refuse(std::string(name).append(" must not be negative, got ").append(t.to_string()));
  }
}

// The checks Link's constructor makes, reported under the topology's field name.
void check_link(const std::string& name, const LinkConfig& c, bool check_rate = true) {
  if (check_rate && c.rate.bps() <= 0) {
    refuse(std::string(name).append(".rate must be positive, got ").append(c.rate.to_string()));
  }
  check_not_negative(std::string(name).append(".propagation"), c.propagation);
  check_at_least(std::string(name).append(".queue_packets"), c.queue_packets, 1);
  if (c.queue_bytes < 0) {
    refuse(std::string(name)
               .append(".queue_bytes must not be negative, got ")
               .append(std::to_string(c.queue_bytes)));
  }
  if (c.ecn_threshold_bytes < 0) {
    refuse(std::string(name)
               .append(".ecn_threshold_bytes must not be negative, got ")
               .append(std::to_string(c.ecn_threshold_bytes)));
  }
}

Address ipv4(std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return 10u << 24 | b << 16 | c << 8 | d;
}

// Routes cover the whole Network, and nothing a builder did not cable could be
// reached from its hosts, so a builder starts from an empty Network.
void check_empty(const Network& net, std::string_view topology) {
  if (net.host_count() == 0 && net.switch_count() == 0) return;
  refuse(std::string(topology)
             .append(": the network must be empty, but it holds ")
             .append(std::to_string(net.host_count()))
             .append(net.host_count() == 1 ? " host and " : " hosts and ")
             .append(std::to_string(net.switch_count()))
             .append(net.switch_count() == 1 ? " switch" : " switches"));
}

std::size_t add_switch(Network& net, std::string name, Time latency,
                       std::vector<std::size_t>& role) {
  net.add_switch(std::move(name), latency);
  role.push_back(net.switch_count() - 1);
  return role.back();
}

// Connect appends one port to each switch: the egress of that switch's end.
Cable wire(Network& net, Host& host, std::size_t sw, const LinkConfig& config) {
  Switch& s = net.switch_at(sw);
  net.connect(host, s, config);
  return Cable{host.node(), sw, host.uplink(), &s.port(s.port_count() - 1)};
}

Cable wire(Network& net, std::size_t lower, std::size_t upper, const LinkConfig& config) {
  Switch& lo = net.switch_at(lower);
  Switch& up = net.switch_at(upper);
  net.connect(lo, up, config);
  return Cable{lower, upper, &lo.port(lo.port_count() - 1), &up.port(up.port_count() - 1)};
}

void add_host(Network& net, Topology& topo, std::string name, Address address,
              std::uint32_t rss_queues, std::size_t tor, const LinkConfig& link) {
  Host& h = net.add_host(std::move(name), address, rss_queues);
  topo.hosts.push_back(h.node());
  topo.host_cables.push_back(wire(net, h, tor, link));
}

}  // namespace

Topology build_star(Network& net, const StarConfig& config) {
  check_empty(net, "star");
  check_at_least("star.hosts", config.hosts, 1);
  check_at_most("star.hosts", config.hosts, kMaxPorts, "the switch's port limit");
  check_link("star.link", config.link);
  check_not_negative("star.switch_latency", config.switch_latency);
  check_at_least("star.host_rss_queues", config.host_rss_queues, 1);

  Topology topo;
  topo.hosts.reserve(config.hosts);
  topo.host_cables.reserve(config.hosts);
  const std::size_t sw = add_switch(net, "switch", config.switch_latency, topo.tor_switches);
  for (std::uint32_t i = 0; i < config.hosts; ++i) {
    const std::uint32_t group = i / 254;
    add_host(net, topo, std::string("h").append(std::to_string(i)),
             ipv4(group >> 8, group & 0xFF, i % 254 + 1), config.host_rss_queues, sw, config.link);
  }
  net.compute_routes();
  return topo;
}

BitRate leaf_spine_fabric_rate(const LeafSpineConfig& config) {
  check_at_least("leaf_spine.hosts_per_rack", config.hosts_per_rack, 1);
  check_at_least("leaf_spine.spines", config.spines, 1);
  if (!config.oversubscription) {
    check_link("leaf_spine.fabric_link", config.fabric_link);
    return config.fabric_link.rate;
  }
  check_link("leaf_spine.host_link", config.host_link);
  const double ratio = *config.oversubscription;
  if (!std::isfinite(ratio)) {
    refuse(std::string("leaf_spine.oversubscription must be finite, got ").append(shortest(ratio)));
  }
  if (ratio <= 0) {
    refuse(std::string("leaf_spine.oversubscription must be > 0, got ").append(shortest(ratio)));
  }

  const long double down =
      static_cast<long double>(config.hosts_per_rack) * config.host_link.rate.bps();
  const long double rate = down / (static_cast<long double>(config.spines) * ratio);
  const std::string formula = std::string(" (")
                                  .append(std::to_string(config.hosts_per_rack))
                                  .append(" hosts_per_rack x ")
                                  .append(config.host_link.rate.to_string())
                                  .append(" / (")
                                  .append(std::to_string(config.spines))
                                  .append(" spines x ")
                                  .append(shortest(ratio))
                                  .append("))");
  if (!(rate < static_cast<long double>(std::numeric_limits<std::int64_t>::max()))) {
    refuse(std::string("leaf_spine.oversubscription ")
               .append(shortest(ratio))
               .append(" gives a fabric rate too large for a 64-bit bit/s count")
               .append(formula));
  }
  const long double whole = std::round(rate);
  if (whole < 1 || std::fabs(rate - whole) > 1e-15L * rate) {
    char text[64];
    std::snprintf(text, sizeof text, "%.3Lf", rate);
    refuse(std::string("leaf_spine.oversubscription ")
               .append(shortest(ratio))
               .append(" gives a fabric rate of ")
               .append(text)
               .append(" bit/s")
               .append(formula)
               .append("; it must come to a whole number of bit/s, at least 1"));
  }
  return BitRate(static_cast<std::int64_t>(whole));
}

Topology build_leaf_spine(Network& net, const LeafSpineConfig& config) {
  check_empty(net, "leaf_spine");
  check_at_least("leaf_spine.racks", config.racks, 1);
  check_at_most("leaf_spine.racks", config.racks, kMaxPorts, "a spine has one port per rack");
  check_at_least("leaf_spine.hosts_per_rack", config.hosts_per_rack, 1);
  check_at_most("leaf_spine.hosts_per_rack", config.hosts_per_rack, 254, "the last address octet");
  check_at_least("leaf_spine.spines", config.spines, 1);
  check_at_most("leaf_spine.spines", config.spines, kMaxPorts - config.hosts_per_rack,
                "a leaf has hosts_per_rack + spines ports, at most 65535");
  check_link("leaf_spine.host_link", config.host_link);
  check_link("leaf_spine.fabric_link", config.fabric_link, /*check_rate=*/false);
  LinkConfig fabric = config.fabric_link;
  fabric.rate = leaf_spine_fabric_rate(config);  // checks the rate or the oversubscription
  check_not_negative("leaf_spine.switch_latency", config.switch_latency);
  check_at_least("leaf_spine.host_rss_queues", config.host_rss_queues, 1);

  const std::uint32_t per_rack = config.hosts_per_rack;
  Topology topo;
  const std::size_t hosts = static_cast<std::size_t>(config.racks) * per_rack;
  topo.hosts.reserve(hosts);
  topo.host_cables.reserve(hosts);
  topo.tor_cables.reserve(static_cast<std::size_t>(config.racks) * config.spines);
  for (std::uint32_t s = 0; s < config.spines; ++s) {
    add_switch(net, std::string("spine").append(std::to_string(s)), config.switch_latency,
               topo.core_switches);
  }
  for (std::uint32_t r = 0; r < config.racks; ++r) {
    const std::string rack = std::to_string(r);
    const std::size_t leaf =
        add_switch(net, std::string("leaf").append(rack), config.switch_latency, topo.tor_switches);
    for (std::uint32_t h = 0; h < per_rack; ++h) {
      add_host(net, topo, std::string("r").append(rack).append("h").append(std::to_string(h)),
               ipv4(r >> 8, r & 0xFF, h + 1), config.host_rss_queues, leaf, config.host_link);
    }
    for (std::size_t spine : topo.core_switches) {
      topo.tor_cables.push_back(wire(net, leaf, spine, fabric));
    }
  }
  net.compute_routes();
  return topo;
}

Topology build_fat_tree(Network& net, const FatTreeConfig& config) {
  check_empty(net, "fat_tree");
  if (config.k < 2 || config.k % 2 != 0) {
    refuse(std::string("fat_tree.k must be even and >= 2, got ").append(std::to_string(config.k)));
  }
  check_at_most("fat_tree.k", config.k, 256, "a pod number fills one address octet");
  check_link("fat_tree.host_link", config.host_link);
  check_link("fat_tree.fabric_link", config.fabric_link);
  check_not_negative("fat_tree.switch_latency", config.switch_latency);
  check_at_least("fat_tree.host_rss_queues", config.host_rss_queues, 1);

  const std::uint32_t k = config.k;
  const std::uint32_t m = k / 2;
  Topology topo;
  const std::size_t hosts = static_cast<std::size_t>(k) * m * m;
  topo.hosts.reserve(hosts);
  topo.host_cables.reserve(hosts);
  topo.tor_cables.reserve(static_cast<std::size_t>(k) * m * m);
  topo.core_cables.reserve(static_cast<std::size_t>(k) * m * m);
  for (std::uint32_t c = 0; c < m * m; ++c) {
    add_switch(net, std::string("core").append(std::to_string(c)), config.switch_latency,
               topo.core_switches);
  }
  for (std::uint32_t p = 0; p < k; ++p) {
    const std::string pod = std::string("pod").append(std::to_string(p));
    for (std::uint32_t a = 0; a < m; ++a) {
      const std::size_t agg =
          add_switch(net, std::string(pod).append(".agg").append(std::to_string(a)),
                     config.switch_latency, topo.aggregation_switches);
      for (std::uint32_t j = 0; j < m; ++j) {
        topo.core_cables.push_back(
            wire(net, agg, topo.core_switches[a * m + j], config.fabric_link));
      }
    }
    for (std::uint32_t e = 0; e < m; ++e) {
      const std::string edge_name = std::string(pod).append(".edge").append(std::to_string(e));
      const std::size_t edge = add_switch(net, edge_name, config.switch_latency, topo.tor_switches);
      for (std::uint32_t h = 0; h < m; ++h) {
        add_host(net, topo, std::string(edge_name).append(".h").append(std::to_string(h)),
                 ipv4(p, e, h + 2), config.host_rss_queues, edge, config.host_link);
      }
      for (std::uint32_t a = 0; a < m; ++a) {
        topo.tor_cables.push_back(
            wire(net, edge, topo.aggregation_switches[p * m + a], config.fabric_link));
      }
    }
  }
  net.compute_routes();
  return topo;
}

}  // namespace podwire::net
