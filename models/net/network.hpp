// Network: owns the hosts, switches and links of a fabric and computes every
// switch's forwarding table from the topology graph (Boost.Graph): for each
// destination host, all next hops on a shortest path, so ECMP sees every
// equal-cost choice.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "engine/simulator.hpp"
#include "models/net/host.hpp"
#include "models/net/link.hpp"
#include "models/net/packet_pool.hpp"
#include "models/net/switch.hpp"

namespace podwire::net {

class Network {
 public:
  Network(engine::Simulator& sim, PacketPool& pool) : sim_(sim), pool_(pool) {}
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // std::invalid_argument when the address is in use.
  Host& add_host(std::string name, Address address, std::uint32_t rss_queues = 1);
  Switch& add_switch(std::string name, engine::Time forwarding_latency = engine::Time::zero());

  // A full-duplex cable: a Link each way, each the egress port of its sender.
  // A host has one uplink (std::invalid_argument for a second).
  // `nic_delay`: the host NIC's receive delay (DMA, interrupt moderation and
  // delivery before the kernel sees the packet): Host::set_rx_moderation.
  void connect(Host& host, Switch& sw, const LinkConfig& config,
               engine::Time nic_delay = engine::Time::zero()) {
    connect(host, sw, config, RxModeration{nic_delay, engine::Time::zero(), engine::Time::zero()});
  }
  void connect(Host& host, Switch& sw, const LinkConfig& config, const RxModeration& moderation);
  void connect(Switch& a, Switch& b, const LinkConfig& config);

  // Fills every switch's forwarding table. std::invalid_argument naming a host
  // that some host cannot reach. O(hosts x (hosts + switches + links)).
  void compute_routes();

  // Routes another address to a host: a pod address under native routing, a
  // load balancer's virtual address. std::invalid_argument when in use.
  void add_address(Address a, std::size_t host) {
    addresses_.add(a, static_cast<std::uint32_t>(host));
  }
  void remove_address(Address a) { addresses_.remove(a); }

  engine::Simulator& simulator() { return sim_; }
  PacketPool& pool() { return pool_; }
  const AddressBook& addresses() const { return addresses_; }
  std::size_t host_count() const { return hosts_.size(); }
  std::size_t switch_count() const { return switches_.size(); }
  Host& host(std::size_t i) { return hosts_[i]; }
  const Host& host(std::size_t i) const { return hosts_[i]; }
  Switch& switch_at(std::size_t i) { return switches_[i]; }
  std::deque<Link>& links() { return links_; }
  const std::deque<Link>& links() const { return links_; }

 private:
  // A switch port and what is at its far end.
  struct Port {
    std::uint16_t index;
    bool far_is_host;
    std::size_t far;  // host or switch index
  };

  engine::Simulator& sim_;
  PacketPool& pool_;
  AddressBook addresses_;
  std::deque<Host> hosts_;  // deques: stable addresses as the fabric grows
  std::deque<Switch> switches_;
  std::deque<Link> links_;
  std::vector<std::vector<Port>> switch_ports_;  // by switch
};

}  // namespace podwire::net
