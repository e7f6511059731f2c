// Switch: store-and-forward, output-queued. A packet that has fully arrived is
// looked up by destination host, waits the forwarding latency, and joins the
// egress queue of its port; with several equal-cost ports (ECMP) the port is
// chosen by a salted hash of the 5-tuple, so one flow keeps one path.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "engine/simulator.hpp"
#include "models/net/delay_line.hpp"
#include "models/net/link.hpp"
#include "models/net/packet_pool.hpp"
#include "models/net/packet_sink.hpp"

namespace podwire::net {

class Switch final : public PacketSink {
 public:
  // ecmp_salt makes each switch hash flows independently (polarisation otherwise).
  Switch(engine::Simulator& sim, PacketPool& pool, std::string name,
         engine::Time forwarding_latency, std::uint64_t ecmp_salt);

  // Adds an egress port; returns its index.
  std::uint16_t add_port(Link& egress);
  std::size_t port_count() const { return ports_.size(); }
  Link& port(std::size_t i) { return *ports_[i]; }

  // The equal-cost ports towards destination host `dst_node`.
  void set_route(std::uint32_t dst_node, std::vector<std::uint16_t> ports);
  // Valid until the next set_route.
  std::span<const std::uint16_t> route(std::uint32_t dst_node) const;

  void receive(Packet& p) override {
    pool_.trace(p, HopKind::switched, name_);
    forwarding_.push(p);
  }

  const std::string& name() const { return name_; }
  std::uint64_t no_route_drops() const { return no_route_drops_; }

 private:
  // After the forwarding latency: pick the port and enqueue.
  class Forwarder final : public PacketSink {
   public:
    explicit Forwarder(Switch& s) : switch_(s) {}
    void receive(Packet& p) override { switch_.forward(p); }

   private:
    Switch& switch_;
  };

  void forward(Packet& p);

  PacketPool& pool_;
  std::string name_;
  std::uint64_t salt_;
  std::vector<Link*> ports_;
  // The forwarding table, flat: one 8-byte hop per destination host, holding
  // its port or where its ECMP group starts in ecmp_ports_. Groups are shared
  // (a leaf reaches every other rack through the same spines), so the table
  // of a 5,000-node fabric stays in cache where a vector per destination did not.
  struct Hop {
    std::uint32_t first = 0;  // count > 1: the group's first port in ecmp_ports_
    std::uint16_t count = 0;  // 0: no route
    std::uint16_t port = 0;   // count == 1: the port
  };
  std::vector<Hop> hops_;
  std::vector<std::uint16_t> ecmp_ports_;
  std::map<std::vector<std::uint16_t>, std::uint32_t> ecmp_groups_;  // group -> first
  Forwarder forwarder_{*this};
  DelayLine forwarding_;
  std::uint64_t no_route_drops_ = 0;
};

}  // namespace podwire::net
