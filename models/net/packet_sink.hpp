// PacketSink: the one hop interface. Every stage a packet passes (link, switch,
// NIC, host, and later veth, conntrack, service NAT, encapsulation) receives it
// through receive(); a route is just which sink each stage hands it to next.
#pragma once

#include "models/net/packet.hpp"

namespace podwire::net {

class PacketSink {
 public:
  virtual ~PacketSink() = default;
  // Takes ownership of the packet: forward it, queue it, or release it to its pool.
  virtual void receive(Packet& packet) = 0;
};

}  // namespace podwire::net
