// Topology builders: wire a star, a leaf-spine or a k-ary fat-tree onto a
// Network with deterministic names and addresses, compute its routes, and
// return where everything went so callers can address hosts and watch tiers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/time.hpp"
#include "engine/units.hpp"
#include "models/net/link.hpp"
#include "models/net/network.hpp"

namespace podwire::net {

// A full-duplex cable as a builder wired it. `up` carries traffic from the lower
// tier to the upper one (host->ToR, leaf->spine, edge->aggregation,
// aggregation->core), `down` the reverse. Links live as long as the Network.
struct Cable {
  std::size_t lower = 0;  // host index for a host cable, otherwise a switch index
  std::size_t upper = 0;  // switch index
  Link* up = nullptr;
  Link* down = nullptr;
};

// Where a builder put things: indices for Network::host() / Network::switch_at()
// and cables by tier. Every list is in the order documented by its builder.
struct Topology {
  std::vector<std::size_t> hosts;
  // Switches by role. ToR: the star's switch, the leaves, the fat-tree edge.
  // Core: the spines, the fat-tree core. Aggregation: fat-tree only.
  std::vector<std::size_t> tor_switches;
  std::vector<std::size_t> aggregation_switches;
  std::vector<std::size_t> core_switches;
  std::vector<Cable> host_cables;  // host <-> ToR, one per host, in host order
  std::vector<Cable> tor_cables;   // leaf <-> spine; edge <-> aggregation
  std::vector<Cable> core_cables;  // fat-tree: aggregation <-> core
};

// Addresses. Every builder uses 10.0.0.0/8 and never a last octet of 0 or 255:
//   star        host i:                    10.<g / 256>.<g % 256>.<i % 254 + 1>, g = i / 254
//   leaf-spine  host h of rack r:          10.<r / 256>.<r % 256>.<h + 1>
//   fat-tree    host h of edge e in pod p: 10.<p>.<e>.<h + 2>  (Al-Fares et al. 2008)
// Names: star "h<i>", "switch"; leaf-spine "r<r>h<h>", "leaf<r>", "spine<s>";
// fat-tree "pod<p>.edge<e>.h<h>", "pod<p>.edge<e>", "pod<p>.agg<a>", "core<c>".
// Switches hash ECMP with a salt derived from their Network index, so a given
// configuration always gives the same paths.

struct StarConfig {
  std::uint32_t hosts = 2;  // 1 .. 65535 (the switch's port limit)
  LinkConfig link{};
  engine::Time switch_latency = engine::Time::zero();
  std::uint32_t host_rss_queues = 1;
};

struct LeafSpineConfig {
  std::uint32_t racks = 2;           // leaves; 1 .. 65535
  std::uint32_t hosts_per_rack = 2;  // 1 .. 254
  std::uint32_t spines = 2;          // every leaf is cabled once to every spine
  LinkConfig host_link{};            // host <-> leaf
  LinkConfig fabric_link{};          // leaf <-> spine
  // Uplink oversubscription (hosts_per_rack x host rate) / (spines x fabric rate),
  // e.g. 3.0 for 3:1. When set, fabric_link.rate is ignored and replaced by
  // hosts_per_rack x host_link.rate / (spines x oversubscription). The quotient is
  // computed in long double and rounded to the nearest bit/s; it is accepted only
  // if that rounding moves it by at most 1e-15 of its value (what the binary form
  // of a decimal ratio such as 1.2 costs), so the ratio built is the one asked
  // for. A quotient that is not a whole bit/s, is 0 or exceeds int64 is refused.
  std::optional<double> oversubscription{};
  engine::Time switch_latency = engine::Time::zero();
  std::uint32_t host_rss_queues = 1;
};

struct FatTreeConfig {
  std::uint32_t k = 4;       // ports per switch; even, 2 .. 256
  LinkConfig host_link{};    // host <-> edge
  LinkConfig fabric_link{};  // edge <-> aggregation and aggregation <-> core
  engine::Time switch_latency = engine::Time::zero();
  std::uint32_t host_rss_queues = 1;
};

// Each builder makes the whole fabric of an empty Network. It validates the
// Network and its whole configuration before adding anything: bad input is
// std::invalid_argument naming the field and the value ("fat_tree.k must be even
// and >= 2, got 5", "leaf_spine.fabric_link.rate must be positive, got 0bps").
// It then adds hosts, switches and cables and calls net.compute_routes(). To add
// more (a gateway host cabled to a spine, say), add and connect it afterwards
// and call compute_routes() again. Building is O(hosts + cables); routing costs
// O(hosts x (hosts + switches + cables)) time and O(hosts x switches) memory
// (see Network::compute_routes).

// `hosts` hosts on one switch. Order: hosts by i; tor_switches = {the switch}.
Topology build_star(Network& net, const StarConfig& config);

// Two tiers. Order: hosts rack-major (rack r, host h is hosts[r * hosts_per_rack + h]);
// tor_switches by rack; core_switches by spine; tor_cables leaf-major
// (leaf r to spine s is tor_cables[r * spines + s]).
Topology build_leaf_spine(Network& net, const LeafSpineConfig& config);

// The fabric rate build_leaf_spine uses for `config` (fabric_link.rate when no
// oversubscription is set), after the same checks of the fields it reads.
engine::BitRate leaf_spine_fabric_rate(const LeafSpineConfig& config);

// k pods of k/2 edge and k/2 aggregation switches, every edge cabled to every
// aggregation switch of its pod; (k/2)^2 core switches, core c cabled to
// aggregation switch c / (k/2) of every pod; k/2 hosts per edge switch, k^3/4 in
// all. Order, with m = k/2: hosts[(p * m + e) * m + h]; tor_switches[p * m + e];
// aggregation_switches[p * m + a]; core_switches[c]; tor_cables
// [(p * m + e) * m + a]; core_cables[(p * m + a) * m + j] (to core a * m + j).
Topology build_fat_tree(Network& net, const FatTreeConfig& config);

}  // namespace podwire::net
