// Host: an end system on the fabric (a node's root network namespace): one NIC
// with an uplink, an address, and an optional kernel datapath that sees every
// arriving packet before the host's own sockets do.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/simulator.hpp"
#include "models/net/endpoint.hpp"
#include "models/net/link.hpp"
#include "models/net/nic.hpp"
#include "models/net/packet_pool.hpp"
#include "models/net/packet_sink.hpp"

namespace podwire::net {

class AddressBook;

// How a NIC moderates its receive interrupts. A packet reaches the kernel
// `delay` after it arrived, with every packet that came in on its RSS queue
// meanwhile: one interrupt and one NAPI poll for the batch, so GRO can merge
// a bulk flow's segments. With a `step`, each queue adapts the wait to what
// its interrupts take in, as Intel's ice driver does (Linux 5.10
// ice_update_itr): a batch of at most 3 packets under 9,000 bytes keeps the
// latency setting (`delay`); 4 to 55 packets lengthen the wait by `step`, up
// to `max`; 56 to 112 keep it; 113 to 256 halve it; more set it from the
// batch's mean packet size and the link's speed. A queue idle for a jiffy
// goes back to the latency setting.
struct RxModeration {
  engine::Time delay;
  engine::Time step;  // zero: `delay` always
  engine::Time max;
};

class Host final : public Endpoint, public PacketSink {
 public:
  Host(engine::Simulator& sim, PacketPool& pool, const AddressBook& addresses, std::string name,
       std::uint32_t node, Address address, std::uint32_t rss_queues = 1);

  void attach_uplink(Link& uplink) { uplink_ = &uplink; }
  Link* uplink() const { return uplink_; }

  // The host's index in the topology (what switches route by).
  std::uint32_t node() const { return node_; }
  Nic& nic() { return nic_; }

  // A node's kernel datapath: when set, every packet that arrives from the NIC
  // goes to it (it forwards to pods, translates Services, or hands the packet
  // back to this host's own transports with deliver()); packets this host
  // routes to itself go to it too. Null: packets go straight to deliver().
  void set_datapath(PacketSink* datapath) { datapath_ = datapath; }
  // The same datapath's output side: packets this host's own sockets send go
  // to it (netfilter's OUTPUT hook) instead of straight to forward().
  void set_output(PacketSink* output) { output_ = output; }

  // Puts a packet on the fabric towards the host that owns its destination
  // (the outer destination when encapsulated). A destination this host owns
  // goes to the datapath (or deliver) without touching the NIC; an unknown one
  // is dropped and counted.
  void forward(Packet& p);
  // Puts a packet on the fabric towards host `node`, whatever its destination
  // address (a pass-through load balancer delivering to a chosen node).
  void forward_to(Packet& p, std::uint32_t node);

  // From the NIC.
  void receive(Packet& p) override;

  // Interrupt moderation (RxModeration). A zero delay: each packet goes to
  // the kernel as it arrives. The Time form keeps the delay fixed.
  void set_rx_moderation(const RxModeration& moderation);
  void set_rx_moderation(engine::Time delay) {
    set_rx_moderation(RxModeration{delay, engine::Time::zero(), engine::Time::zero()});
  }
  // The wait a packet arriving now on `queue` would be given.
  engine::Time rx_wait(std::uint32_t queue);

  engine::Time egress_backlog_wait(std::uint64_t limit_bytes) const override;

  std::uint64_t no_route_drops() const { return no_route_drops_; }

 protected:
  void egress(Packet& p) override {
    if (output_ != nullptr) {
      output_->receive(p);
    } else {
      forward(p);
    }
  }

 private:
  const AddressBook& addresses_;
  std::uint32_t node_;
  Nic nic_;
  Link* uplink_ = nullptr;
  PacketSink* datapath_ = nullptr;
  PacketSink* output_ = nullptr;
  std::uint64_t no_route_drops_ = 0;
  // Interrupt moderation: per RSS queue, the packets waiting for the
  // interrupt that an earlier one armed.
  RxModeration rx_moderation_{};
  std::vector<std::vector<Packet*>> rx_waiting_;
  struct RxQueueState {
    engine::Time itr;  // the adapted wait; zero: the latency setting
    engine::Time last_interrupt;
  };
  std::vector<RxQueueState> rx_state_;
  void adapt(std::uint32_t queue, std::uint64_t packets, std::uint64_t bytes);
  std::vector<Packet*> rx_batch_;
  void take(Packet& p);
  void on_rx_interrupt(std::uint64_t queue);
};

// Which host owns which address; the fabric routes by host index.
class AddressBook {
 public:
  // std::invalid_argument when the address is already taken.
  void add(Address a, std::uint32_t node);
  void remove(Address a) { nodes_.erase(a); }
  // The host index, or kNone.
  std::uint32_t node_of(Address a) const {
    const auto it = nodes_.find(a);
    return it == nodes_.end() ? kNone : it->second;
  }
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;

 private:
  std::unordered_map<Address, std::uint32_t> nodes_;
};

// "10.0.1.7"; and parsing it back (std::invalid_argument on bad text).
std::string format_address(Address a);
Address parse_address(std::string_view text);

}  // namespace podwire::net
