// Packet: the compact record that travels through links, switches and hosts.
// Packets live in a PacketPool and move by reference; nothing is copied or
// allocated per hop.
#pragma once

#include <cstdint>

#include "engine/time.hpp"

namespace podwire::net {

using Address = std::uint32_t;  // IPv4, host byte order

enum class Protocol : std::uint8_t { tcp = 6, udp = 17 };

struct FlowKey {
  Address src = 0;
  Address dst = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  Protocol protocol = Protocol::udp;

  bool operator==(const FlowKey&) const = default;
  FlowKey reversed() const { return FlowKey{dst, src, dst_port, src_port, protocol}; }

  // A well-mixed 64-bit hash of the 5-tuple, salted so that every switch (and
  // every NIC) spreads flows independently, as hardware with per-device seeds does.
  std::uint64_t hash(std::uint64_t salt = 0) const {
    std::uint64_t x = (static_cast<std::uint64_t>(src) << 32 | dst) ^ salt;
    x ^= (static_cast<std::uint64_t>(src_port) << 24 | static_cast<std::uint64_t>(dst_port) << 8 |
          static_cast<std::uint64_t>(protocol)) *
         0x9E3779B97F4A7C15ULL;
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  }
};

namespace tcp_flags {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
// Set on the last segment of an application message, as Linux sets PSH on the
// last segment of each write; TcpConnection delivers the message when it arrives.
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
}  // namespace tcp_flags

// Header sizes counted on the wire (bytes).
inline constexpr std::uint32_t kIpv4Header = 20;
inline constexpr std::uint32_t kUdpHeader = 8;
inline constexpr std::uint32_t kTcpHeader = 20;
inline constexpr std::uint32_t kTcpTimestampOption = 12;  // Linux sends timestamps by default
inline constexpr std::uint32_t kEthernetHeader = 14;      // in-encapsulation inner frame
inline constexpr std::uint32_t kVxlanOverhead = 50;  // outer IPv4 + UDP + VXLAN + inner Ethernet

// An outer header when the packet is encapsulated (VXLAN between nodes, say).
struct Encapsulation {
  Address outer_src = 0;
  Address outer_dst = 0;
  std::uint16_t overhead_bytes = 0;  // already included in Packet::wire_bytes
  bool present() const { return overhead_bytes != 0; }
};

// Who sent a TCP data segment: the write() that queued its bytes, the kernel
// later on its own (an ACK that opened the window, a freed local queue: the
// write's system call and copy were its writer's, paid when it wrote), or a
// retransmission (Linux tcp_retransmit_skb sends the queued buffer again: no
// copy at all).
enum class SentBy : std::uint8_t { write, kernel, retransmission };

struct Packet {
  FlowKey flow;
  std::uint32_t wire_bytes = 0;     // everything serialised on a link, headers included
  std::uint32_t payload_bytes = 0;  // transport payload
  std::uint32_t dst_node = 0;  // topology index of the host that takes the packet off the fabric
  std::uint8_t tcp_flags = 0;
  bool ecn_capable = false;
  bool ecn_marked = false;       // congestion experienced, set by a queue above its threshold
  std::uint8_t hops = 0;         // links traversed
  std::uint32_t window = 0;      // TCP receive window advertised, bytes
  std::uint64_t seq = 0;         // TCP: first payload byte (64-bit, never wraps in a run)
  std::uint64_t ack = 0;         // TCP: next byte expected
  engine::Time ts_val;           // TCP timestamp option: sender's clock when sent
  engine::Time ts_ecr;           // TCP timestamp option: echoed ts_val
  std::uint64_t id = 0;          // unique per run
  std::uint64_t flow_id = 0;     // connection or datagram flow, for tracing
  std::uint64_t request_id = 0;  // application request, for tracing
  engine::Time created;          // when the sender built it
  engine::Time enqueued;         // when it entered its current queue
  Encapsulation encap;
  // Direct server return: the Service address and port the client used,
  // carried to the backend's node (Cilium puts them in an IP option) so that
  // it can answer the client directly. dsr_port 0: none.
  Address dsr_address = 0;
  std::uint16_t dsr_port = 0;
  bool traced = false;  // its hops are reported to the pool's tracer
  SentBy sent_by = SentBy::write;
  // The receive queue the NIC's RSS hash put it on (whose interrupt, and so
  // whose softirq, takes it in); set when a host's NIC receives it.
  std::uint16_t rx_queue = 0;
  // The receiving kernel's GRO merges this segment with the next of its flow,
  // queued right behind it: the receiver's TCP takes them as one packet and
  // decides on an ACK at the last (Linux napi_gro_receive, tcp_gro_receive).
  bool gro_held = false;
};

}  // namespace podwire::net
