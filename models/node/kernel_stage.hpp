// KernelStage: one step of a node kernel's path for a packet, behind one
// small interface, as netfilter's hooks are ordered functions on an skb.
// KernelDatapath runs its stages in order on every packet that enters the
// node's kernel (from a pod's veth, a node socket or the NIC):
//
//   conntrack    the connection's entry: found (and its NAT applied), or a new flow
//   service      a new flow's Service translation (the ServiceHook: DNAT)
//   masquerade   a new flow's SNAT to the node's address
//   policy       a new flow's NetworkPolicy verdicts, egress then ingress
//   confirm      the new flow's conntrack entry inserted and its NAT applied
//   routing      local delivery, or the CNI towards another node, and the
//                packet handed to the node's cores with the CPU it cost
//
// Each stage adds its CPU to the pass's `work` and says what it did through
// KernelDatapath::stage_charged (explain). A stage that drops or rejects the
// packet, or hands it on, returns `stolen` (netfilter's NF_STOLEN): no later
// stage sees it. More stages are inserted by name
// (KernelDatapath::insert_stage_before).
#pragma once

#include <string_view>

#include "engine/time.hpp"
#include "models/net/packet.hpp"
#include "models/node/service_hook.hpp"

namespace podwire::node {

class KernelDatapath;

// What the stages decide about a connection's first packet.
struct NewFlow {
  net::FlowKey original;    // as it arrived
  net::FlowKey translated;  // after the Service translation and masquerade
  ServiceVerdict service;   // the service hook's verdict
  bool masquerade = false;  // SNAT to the node's address
};

// One packet's pass through the node's kernel: where it came from and the
// CPU charged so far.
struct PacketPass {
  PacketPass(net::Packet& p, Origin from, engine::Time w) : packet(p), origin(from), work(w) {}
  net::Packet& packet;
  Origin origin;
  engine::Time work;
  // Set by the conntrack stage when the packet has no entry (a connection's
  // first packet): then the stages marked new_flows_only run.
  NewFlow* new_flow = nullptr;
  // Set by the conntrack stage when the packet belongs to a known connection.
  const CtEntry* entry = nullptr;
};

class KernelStage {
 public:
  enum class Verdict : bool { accept, stolen };

  // new_flows_only: the stage runs for a connection's first packet only (as
  // netfilter's nat table is consulted for NEW connections only).
  KernelStage(std::string_view name, bool new_flows_only)
      : name_(name), new_flows_only_(new_flows_only) {}
  virtual ~KernelStage() = default;
  KernelStage(const KernelStage&) = delete;
  KernelStage& operator=(const KernelStage&) = delete;

  virtual Verdict run(PacketPass& pass) = 0;

  std::string_view name() const { return name_; }
  bool new_flows_only() const { return new_flows_only_; }

 private:
  std::string_view name_;
  bool new_flows_only_;
};

}  // namespace podwire::node
