#include "models/node/host_stack.hpp"

#include <cmath>

namespace podwire::node {

using engine::Time;
using net::Packet;
namespace flags = net::tcp_flags;

namespace {

bool is_tcp(const Packet& p) { return p.flow.protocol == net::Protocol::tcp; }
bool has(const Packet& p, std::uint8_t f) { return (p.tcp_flags & f) != 0; }

}  // namespace

HostStackCosts HostStackCosts::none() {
  HostStackCosts c;
  c.nic_latency = c.rx_itr_step = c.rx_itr_max = c.rx_driver = c.rx_gro_segment = c.rx_transport =
      Time::zero();
  c.tx_transport = c.tx_tso_segment = c.tx_driver = c.ip_forward = Time::zero();
  c.xdp_driver = c.xdp_tx = Time::zero();
  c.rx_copy_ns_per_byte = c.tx_copy_ns_per_byte = 0.0;
  c.syscall = c.wakeup = c.connect = c.syn_receive = c.child_socket = c.accept = c.close =
      Time::zero();
  return c;
}

bool HostStack::bulk(const Packet& p) {
  return is_tcp(p) && p.payload_bytes > 0 &&
         !has(p, flags::psh | flags::syn | flags::fin | flags::rst);
}

Time HostStack::copy(double ns_per_byte, std::uint64_t bytes) {
  if (bytes == 0 || ns_per_byte <= 0.0) return Time::zero();
  return Time::ps(std::llround(ns_per_byte * 1000.0 * static_cast<double>(bytes)));
}

StackCharge HostStack::send(const Packet& p) const {
  const HostStackCosts& c = costs_;
  const Time copied = copy(c.tx_copy_ns_per_byte, p.payload_bytes);
  if (!is_tcp(p)) return StackCharge{c.syscall + c.tx_transport + copied, Time::zero()};
  if (p.payload_bytes > 0 && p.sent_by != net::SentBy::write && !has(p, flags::syn | flags::fin)) {
    // tcp_write_xmit from tcp_ack (or a timer): the bytes were copied, and
    // the send() made, when the writer wrote; a retransmission copies nothing.
    const Time output = bulk(p) ? c.tx_tso_segment : c.tx_transport;
    const Time write = p.sent_by == net::SentBy::retransmission ? Time::zero()
                       : bulk(p)                                ? copied
                                                                : c.syscall + copied;
    return StackCharge{Time::zero(), output, write};
  }
  if (bulk(p)) return StackCharge{c.tx_tso_segment + copied, Time::zero()};
  if (has(p, flags::syn) && !has(p, flags::ack))
    return StackCharge{c.connect + c.tx_transport, Time::zero()};
  if (has(p, flags::fin)) return StackCharge{c.close + c.tx_transport + copied, Time::zero()};
  if (p.payload_bytes > 0) return StackCharge{c.syscall + c.tx_transport + copied, Time::zero()};
  // A bare ACK, a SYN-ACK or a reset: the kernel sends it from the receive
  // softirq that asked for it.
  return StackCharge{Time::zero(), c.tx_transport};
}

Time HostStack::transmit(const Packet& p) const {
  return bulk(p) ? Time::zero() : costs_.tx_driver;
}

Time HostStack::receive_from_nic(const Packet& p) const {
  return bulk(p) ? costs_.rx_gro_segment : costs_.rx_driver;
}

StackCharge HostStack::deliver(const Packet& p, SegmentRole role) const {
  const HostStackCosts& c = costs_;
  if (!is_tcp(p)) return StackCharge{Time::zero(), c.rx_transport};
  if (bulk(p)) return StackCharge{};  // TCP input runs once for GRO's merged packet
  switch (role) {
    case SegmentRole::syn:
      return StackCharge{Time::zero(), c.rx_transport + c.syn_receive};
    case SegmentRole::handshake_ack:
      return StackCharge{Time::zero(), c.rx_transport + c.child_socket};
    case SegmentRole::fin:
      return StackCharge{Time::zero(), c.rx_transport};  // its reader sees the end: read()
    case SegmentRole::data:
      break;
  }
  // A SYN-ACK returns the client's connect(); data waits for its reader.
  if (has(p, flags::syn) && p.payload_bytes == 0) return StackCharge{c.wakeup, c.rx_transport};
  return StackCharge{Time::zero(), c.rx_transport};
}

Time HostStack::read(const HostStackCosts& c, std::uint64_t bytes, bool woken) {
  return (woken ? c.wakeup : Time::zero()) + c.syscall + copy(c.rx_copy_ns_per_byte, bytes);
}

std::string HostStack::describe_send(const Packet& p) {
  if (!is_tcp(p)) return "sendmsg(): UDP and IP output, copy from user space";
  if (p.payload_bytes > 0 && p.sent_by == net::SentBy::retransmission &&
      !has(p, flags::syn | flags::fin))
    return "TCP output of a retransmission";
  if (p.payload_bytes > 0 && p.sent_by == net::SentBy::kernel && !has(p, flags::syn | flags::fin))
    return "TCP output of data an ACK let out (its copy was the writer's, when it wrote)";
  if (bulk(p)) return "a further segment TSO cuts from the write, copy from user space";
  if (has(p, flags::syn) && !has(p, flags::ack))
    return "connect(): socket, port choice, route, SYN built";
  if (has(p, flags::fin)) return "close(): FIN built, socket state, timers";
  if (p.payload_bytes > 0) return "send(): TCP and IP output, copy from user space";
  return "TCP output of a segment the kernel sends itself";
}

std::string HostStack::describe_deliver(const Packet& p, SegmentRole role) {
  if (!is_tcp(p)) return "UDP input, socket enqueue";
  if (bulk(p)) return "merged by GRO";
  switch (role) {
    case SegmentRole::syn:
      return "TCP input: listener found, request socket, SYN-ACK built";
    case SegmentRole::handshake_ack:
      return "TCP input: the handshake's ACK makes the child socket";
    case SegmentRole::fin:
      return "TCP input: FIN";
    case SegmentRole::data:
      break;
  }
  if (p.payload_bytes > 0) return "TCP input, socket enqueue";
  if (has(p, flags::syn)) return "TCP input: SYN-ACK; connect() returns";
  return "TCP input of an ACK";
}

}  // namespace podwire::node
