// Endpoint: one network namespace as its sockets see it: an address, the UDP
// ports bound in it, the TCP stack that takes its segments, and a way out. A
// node's root namespace (Host) is one; each pod's namespace is another, and its
// containers share it, as they share one namespace in Linux.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/simulator.hpp"
#include "models/net/packet_pool.hpp"
#include "models/net/packet_sink.hpp"

namespace podwire::net {

inline constexpr Address kLoopbackAddress = 0x7F000001;  // 127.0.0.1
inline constexpr bool is_loopback(Address a) { return (a >> 24) == 127; }

class Endpoint {
 public:
  // Called with each datagram that arrives on a bound UDP port; the endpoint
  // releases the packet when the handler returns.
  using DatagramHandler = void (*)(void* context, const Packet& datagram);

  Endpoint(engine::Simulator& sim, PacketPool& pool, std::string name, std::uint32_t id,
           Address address)
      : sim_(sim), pool_(pool), name_(std::move(name)), id_(id), address_(address) {}
  virtual ~Endpoint() = default;
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  const std::string& name() const { return name_; }
  // Unique among the run's endpoints; connection ids are built from it.
  std::uint32_t id() const { return id_; }
  Address address() const { return address_; }
  engine::Simulator& simulator() { return sim_; }
  PacketPool& pool() { return pool_; }

  // Sends a packet whose flow.dst is set (flow.src defaults to this address).
  // A packet to this endpoint's own address or to 127.0.0.0/8 loops back inside
  // the namespace: it never reaches a NIC or the node's datapath.
  void send(Packet& p);

  // A UDP datagram of payload_bytes from src_port to (dst, dst_port); wire
  // size adds UDP and IPv4 headers. Returns the packet id.
  std::uint64_t send_udp(std::uint16_t src_port, Address dst, std::uint16_t dst_port,
                         std::uint32_t payload_bytes, std::uint64_t request_id = 0);

  // std::invalid_argument naming the endpoint when the port is already bound.
  void bind_udp(std::uint16_t port, DatagramHandler handler, void* context);
  void unbind_udp(std::uint16_t port) { udp_.erase(port); }
  bool udp_bound(std::uint16_t port) const { return udp_.contains(port); }

  // The TCP stack that gets every arriving TCP segment (TcpStack registers itself).
  void set_tcp_stack(PacketSink* stack) { tcp_ = stack; }
  PacketSink* tcp_stack() const { return tcp_; }

  // Hands an arriving packet to its transport: the TCP stack, or the UDP
  // socket bound to its port (counted as unreachable when none). Takes the packet.
  void deliver(Packet& p);

  // How long a sender should wait before queueing more on this endpoint's way
  // out (TCP small queues); zero when it may send now.
  virtual engine::Time egress_backlog_wait(std::uint64_t limit_bytes) const {
    (void)limit_bytes;
    return engine::Time::zero();
  }

  std::uint64_t udp_unreachable() const { return udp_unreachable_; }

 protected:
  // Takes a packet that leaves the namespace.
  virtual void egress(Packet& p) = 0;

 private:
  struct UdpSocket {
    DatagramHandler handler;
    void* context;
  };

  engine::Simulator& sim_;
  PacketPool& pool_;
  std::string name_;
  std::uint32_t id_;
  Address address_;
  PacketSink* tcp_ = nullptr;
  std::unordered_map<std::uint16_t, UdpSocket> udp_;
  std::uint64_t udp_unreachable_ = 0;
};

}  // namespace podwire::net
