// Host: an end system on the fabric: one NIC with an uplink, an address, and a
// demultiplexer that hands arriving packets to UDP sockets or to a TCP stack.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/simulator.hpp"
#include "models/net/link.hpp"
#include "models/net/nic.hpp"
#include "models/net/packet_pool.hpp"
#include "models/net/packet_sink.hpp"

namespace podwire::net {

class AddressBook;

class Host final : public PacketSink {
 public:
  // Called with each datagram that arrives on a bound UDP port; the host
  // releases the packet when the handler returns.
  using DatagramHandler = void (*)(void* context, const Packet& datagram);

  Host(engine::Simulator& sim, PacketPool& pool, const AddressBook& addresses, std::string name,
       std::uint32_t node, Address address, std::uint32_t rss_queues = 1);

  void attach_uplink(Link& uplink) { uplink_ = &uplink; }
  Link* uplink() const { return uplink_; }

  const std::string& name() const { return name_; }
  std::uint32_t node() const { return node_; }
  Address address() const { return address_; }
  Nic& nic() { return nic_; }
  engine::Simulator& simulator() { return sim_; }
  PacketPool& pool() { return pool_; }

  // Sends a packet whose flow.dst is set: resolves the destination host and
  // puts the packet on the uplink (or, for its own address, delivers it locally
  // without touching the NIC). Unknown destinations are dropped and counted.
  void send(Packet& p);

  // A UDP datagram of payload_bytes from src_port to (dst, dst_port);
  // wire size adds UDP and IPv4 headers. Returns the packet id.
  std::uint64_t send_udp(std::uint16_t src_port, Address dst, std::uint16_t dst_port,
                         std::uint32_t payload_bytes, std::uint64_t request_id = 0);

  // std::invalid_argument when the port is already bound.
  void bind_udp(std::uint16_t port, DatagramHandler handler, void* context);
  void unbind_udp(std::uint16_t port) { udp_.erase(port); }

  // The TCP stack that gets every arriving TCP segment.
  void set_tcp_stack(PacketSink* stack) { tcp_ = stack; }

  void receive(Packet& p) override;

  std::uint64_t no_route_drops() const { return no_route_drops_; }
  std::uint64_t udp_unreachable() const { return udp_unreachable_; }

 private:
  // Hands a packet to its transport; the NIC has already seen it, or it is local.
  void deliver(Packet& p);

  struct UdpSocket {
    DatagramHandler handler;
    void* context;
  };

  engine::Simulator& sim_;
  PacketPool& pool_;
  const AddressBook& addresses_;
  std::string name_;
  std::uint32_t node_;
  Address address_;
  Nic nic_;
  Link* uplink_ = nullptr;
  PacketSink* tcp_ = nullptr;
  std::unordered_map<std::uint16_t, UdpSocket> udp_;
  std::uint64_t no_route_drops_ = 0;
  std::uint64_t udp_unreachable_ = 0;
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
