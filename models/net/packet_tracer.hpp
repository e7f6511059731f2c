// PacketTracer: the hops of sampled packets, for a trace writer. The pool
// holds the tracer and decides which packets are followed (every Nth packet
// that enters a node's datapath); components report a followed packet's
// hops. With no tracer a component pays one branch on a flag per packet.
#pragma once

#include <cstdint>
#include <string_view>

#include "models/net/packet.hpp"

namespace podwire::net {

enum class HopKind : std::uint8_t {
  datapath,   // entered a node's kernel (from a pod, the node's sockets or the NIC)
  charged,    // left the node's kernel after its stages' CPU work
  queued,     // entered a link's queue (or started on the wire at once)
  switched,   // reached a switch
  delivered,  // reached the socket layer of a pod or host
  dropped,    // lost here
};
inline const char* to_string(HopKind k) {
  switch (k) {
    case HopKind::datapath:
      return "datapath";
    case HopKind::charged:
      return "charged";
    case HopKind::queued:
      return "queued";
    case HopKind::switched:
      return "switched";
    case HopKind::delivered:
      return "delivered";
    case HopKind::dropped:
      return "dropped";
  }
  return "?";
}

class PacketTracer {
 public:
  virtual ~PacketTracer() = default;
  virtual void hop(const Packet& p, HopKind kind, std::string_view where) = 0;
};

}  // namespace podwire::net
