// PodNetns: a pod's network namespace. Its containers share it: one address,
// one TCP stack, one set of UDP ports, and localhost between them. What leaves
// it goes through the pod's veth into the node's kernel datapath.
#pragma once

#include <cstdint>
#include <string>

#include "models/net/endpoint.hpp"
#include "models/net/host.hpp"

namespace podwire::node {

class PodNetns final : public net::Endpoint {
 public:
  // `node` is the node's root namespace; `veth` the datapath input that the
  // host end of the pod's veth pair feeds (every pod of a node shares it).
  PodNetns(net::Host& node, net::PacketSink& veth, std::string name, std::uint32_t id,
           net::Address address)
      : Endpoint(node.simulator(), node.pool(), std::move(name), id, address),
        node_(node),
        veth_(&veth) {}

  net::Host& node() const { return node_; }
  std::uint32_t node_index() const { return node_.node(); }

  // TCP small queues count bytes queued on the device the pod's packets leave
  // by: the node's uplink.
  engine::Time egress_backlog_wait(std::uint64_t limit_bytes) const override {
    return node_.egress_backlog_wait(limit_bytes);
  }

  std::uint64_t packets_out() const { return packets_out_; }

 protected:
  void egress(net::Packet& p) override {
    ++packets_out_;
    veth_->receive(p);
  }

 private:
  net::Host& node_;
  net::PacketSink* veth_;
  std::uint64_t packets_out_ = 0;
};

}  // namespace podwire::node
