// HostStack: the work a node's kernel does for its sockets around the
// datapath stages — the NIC driver on each side, TCP/UDP input and output,
// copies to and from user space, the system calls and wake-ups that carry a
// message between a socket and its program, and a connection's set-up and
// teardown. KernelDatapath asks it what a packet costs where it enters and
// where it leaves a node, and charges that on the core Linux runs it on.
//
// The costs are CPU time on the reference machine (docs/parameters.md names
// it: the Cilium 2021 benchmark's Ryzen 9 3950X, Linux 5.10); a node's cores
// run them at their own speed. They exclude the stages KernelDatapath
// charges itself (veth, conntrack, routing, NAT, the service hook).
#pragma once

#include <cstdint>
#include <string>

#include "engine/time.hpp"
#include "models/net/packet.hpp"

namespace podwire::node {

struct HostStackCosts {
  // Not CPU: DMA, interrupt moderation and interrupt delivery between the
  // wire and the receive softirq, paid by every packet a NIC takes in. The
  // fabric adds it to the last hop into the node (net::Network::connect).
  engine::Time nic_latency = engine::Time::ns(5000);
  // The pace of each of a physical core's two hardware threads while both
  // are busy, relative to one alone (node groups with `smt`): Linux's
  // Documentation/networking/scaling.rst, "for interrupt handling, HT has
  // shown no benefit": two siblings do what one core does.
  double smt_share = 0.5;
  // How the NIC lengthens that wait under a bulk flow (net::RxModeration, as
  // Intel's ice driver adapts its interrupt throttle): by rx_itr_step per
  // interrupt that took in 4 to 55 packets, up to rx_itr_max. Zero step: fixed.
  engine::Time rx_itr_step = engine::Time::us(2);       // ICE_ITR_ADAPTIVE_MIN_INC
  engine::Time rx_itr_max = engine::Time::us(126);      // ICE_ITR_ADAPTIVE_MAX_USECS
  engine::Time rx_driver = engine::Time::ns(750);       // IRQ, NAPI poll, skb, GRO, IP receive
  engine::Time rx_gro_segment = engine::Time::ns(200);  // a bulk segment GRO merges into the next
  engine::Time rx_transport = engine::Time::ns(900);  // TCP/UDP input, socket enqueue, ACK decision
  engine::Time tx_transport =
      engine::Time::ns(400);  // TCP/UDP output and IP output of one write or ACK
  engine::Time tx_tso_segment =
      engine::Time::ns(100);  // each further wire segment TSO cuts from a write
  engine::Time tx_driver = engine::Time::ns(300);  // qdisc, driver transmit, completion
  // A packet the host namespace routes between two devices (a pod's, or one
  // from the NIC for a pod): IP receive and forward with the PREROUTING,
  // FORWARD and POSTROUTING hooks, beyond the conntrack and routing stages.
  // eBPF host routing skips it (KernelPath::forwards).
  engine::Time ip_forward = engine::Time::ns(700);
  // A frame an XDP program takes in the driver (no socket buffer, GRO or IP
  // receive), and one it sends back out of the same NIC (XDP_TX).
  engine::Time xdp_driver = engine::Time::ns(150);
  engine::Time xdp_tx = engine::Time::ns(70);
  double rx_copy_ns_per_byte = 0.10;               // copy to user space (recvmsg)
  double tx_copy_ns_per_byte = 0.05;               // copy from user space (sendmsg)
  engine::Time syscall = engine::Time::ns(200);    // entry and exit of one send, recv or epoll_wait
  engine::Time wakeup = engine::Time::ns(1400);    // waking the blocked reader and switching to it
  engine::Time connect = engine::Time::us(18);     // socket(), port choice, route, SYN built
  engine::Time syn_receive = engine::Time::us(2);  // listener lookup, request socket, SYN-ACK built
  engine::Time child_socket =
      engine::Time::us(2);  // the listener's child socket, on the handshake's ACK
  engine::Time accept =
      engine::Time::us(4);  // accept(), the new fd and its epoll registration (the acceptor's)
  engine::Time close = engine::Time::us(11);  // close(): FIN, socket and file teardown, TIME_WAIT

  // Every cost zero: only the datapath stages are charged (unit tests of them).
  static HostStackCosts none();
};

// What one packet costs a node's kernel at one end, split by where Linux runs
// it: in the socket owner's process context (system time, on the sending or
// reading thread's core) or in softirq. `writer` is work off the packet's
// path: the send() and copy a data segment the kernel sends on its own (on an
// ACK that opened the window) cost its writer when it wrote, in the writer's
// thread; total() leaves it out.
struct StackCharge {
  engine::Time system;
  engine::Time softirq;
  engine::Time writer = engine::Time::zero();
  engine::Time total() const { return system + softirq; }
};

// How a TCP segment relates to its connection's life at this end.
enum class SegmentRole : std::uint8_t {
  data,           // carries payload or a bare ACK
  syn,            // a connection's first SYN
  handshake_ack,  // the ACK that completes a handshake at the listening side
  fin,
};

class HostStack {
 public:
  explicit HostStack(const HostStackCosts& costs) : costs_(costs) {}

  // A packet a local socket sends (the node's own or a pod's): the system
  // call and TCP/UDP output, and connect() or close() for a SYN or FIN. A
  // data segment the kernel sends later (net::SentBy::kernel) runs its TCP
  // output in the softirq that let it out, its write's part falling to the
  // writer; a retransmission is TCP output alone.
  StackCharge send(const net::Packet& p) const;
  // The NIC driver's part of a packet leaving by the NIC.
  engine::Time transmit(const net::Packet& p) const;
  // The NIC driver's part of a packet arriving from the NIC.
  engine::Time receive_from_nic(const net::Packet& p) const;
  // A packet delivered to a local socket: TCP/UDP input (softirq); a SYN's
  // request socket, a handshake's child socket, a FIN's wake-up. Reading a
  // message and accepting a connection are the program's: read(), accept().
  StackCharge deliver(const net::Packet& p, SegmentRole role) const;
  // What the reading thread spends on one message of `bytes`: recv() and the
  // copy to user space, and its wake-up when it was asleep (an event loop with
  // work waiting does not sleep between messages).
  engine::Time read(std::uint64_t bytes, bool woken) const { return read(costs_, bytes, woken); }
  static engine::Time read(const HostStackCosts& costs, std::uint64_t bytes, bool woken);
  // What the accepting thread spends on one connection: accept(), and its
  // wake-up when it was asleep.
  static engine::Time accept(const HostStackCosts& costs, bool woken) {
    return (woken ? costs.wakeup : engine::Time::zero()) + costs.accept;
  }

  // What explain prints for the charges above.
  static std::string describe_send(const net::Packet& p);
  static std::string describe_deliver(const net::Packet& p, SegmentRole role);

  const HostStackCosts& costs() const { return costs_; }

  // A TCP data segment that is not the last of its write (no PSH): TSO cut
  // it from a larger one, and GRO merges it into the next, so the stages
  // between (netfilter, routing, the veth) run once for the merged packet.
  static bool bulk(const net::Packet& p);
  // GRO merges at most this much of a flow into one packet (Linux gro_max_size).
  static constexpr std::uint32_t kGroMaxBytes = 65536;

 private:
  static engine::Time copy(double ns_per_byte, std::uint64_t bytes);

  HostStackCosts costs_;
};

}  // namespace podwire::node
