// Node: one machine of the cluster as its kernel sees it — its root network
// namespace on the fabric (the host), its cores, and its kernel datapath with
// conntrack. Built in one place; the service proxy and the pods plug in from
// above.
#pragma once

#include <string>

#include "engine/simulator.hpp"
#include "models/net/host.hpp"
#include "models/node/kernel_datapath.hpp"
#include "models/node/node_cpu.hpp"
#include "models/node/pod_directory.hpp"

namespace podwire::node {

class Node {
 public:
  // The datapath's packet work runs on the node's `cores`, at `cpu_speed`
  // relative to the reference machine, two hardware threads to a core with `smt`.
  Node(engine::Simulator& sim, net::Host& host, const PodDirectory& pods, int cores,
       DatapathConfig config, double cpu_speed = 1.0, Smt smt = {})
      : host_(host),
        cpu_(sim, cores, host.name(), cpu_speed, smt),
        datapath_(host, pods, std::move(config)) {
    datapath_.set_cpu(&cpu_);
  }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& name() const { return host_.name(); }
  net::Host& host() { return host_; }
  const net::Host& host() const { return host_; }
  NodeCpu& cpu() { return cpu_; }
  const NodeCpu& cpu() const { return cpu_; }
  KernelDatapath& datapath() { return datapath_; }
  const KernelDatapath& datapath() const { return datapath_; }
  Conntrack& conntrack() { return datapath_.conntrack(); }
  const Conntrack& conntrack() const { return datapath_.conntrack(); }

 private:
  net::Host& host_;
  NodeCpu cpu_;
  KernelDatapath datapath_;
};

}  // namespace podwire::node
