// Test rig for node datapaths: n nodes on one switch with an outside host,
// pods placed on them, ClusterIP Services, and small recorders of datagrams
// and connections.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "models/net/network.hpp"
#include "models/net/tcp_stack.hpp"
#include "models/node/kernel_datapath.hpp"
#include "models/node/pod_directory.hpp"
#include "models/proxy/proxy_factory.hpp"

namespace podwire::test_support {

using engine::BitRate;
using engine::Time;
using net::Address;
using net::parse_address;
using node::DatapathConfig;
using node::KernelDatapath;
using proxy::Backend;
using proxy::FrontendKind;
using proxy::IpvsScheduler;
using proxy::ServiceFrontend;
using proxy::ServiceTable;

inline const net::LinkConfig kLink{BitRate::parse("10Gbps"), Time::us(1), 1000, 0, 0};

struct Cluster {
  engine::Simulator sim;
  net::PacketPool pool;
  net::Network net{sim, pool};
  net::Switch* sw = nullptr;
  std::vector<net::Host*> nodes;
  net::Host* outside = nullptr;
  ServiceTable services;
  node::PodDirectory directory;
  DatapathConfig config;
  proxy::ProxyConfig proxy_config;
  std::deque<KernelDatapath> datapaths;
  std::vector<std::unique_ptr<proxy::ServiceProxy>> proxies;  // by node
  std::vector<std::unique_ptr<proxy::ServiceProxy>> retired;
  std::deque<node::PodNetns> pods;
  std::deque<net::TcpStack> stacks;
  std::uint32_t next_id = 100;

  // `host`: the host stack's costs; none by default, so that the datapath
  // tests see the stages alone (the calibration tests give the defaults).
  explicit Cluster(int n, std::string cni = "vxlan", std::string mode = "iptables",
                   IpvsScheduler scheduler = IpvsScheduler::rr, const net::LinkConfig& link = kLink,
                   const node::HostStackCosts& host = node::HostStackCosts::none(),
                   std::uint32_t rss_queues = 1) {
    config.cni = std::move(cni);
    config.host = host;
    proxy_config.mode = std::move(mode);
    proxy_config.ipvs_scheduler = scheduler;
    config.networks = {kube::Cidr::parse("10.244.0.0/16"), kube::Cidr::parse("10.96.0.0/12"),
                       kube::Cidr::parse("10.0.0.0/16")};
    sw = &net.add_switch("tor");
    for (int i = 0; i < n; ++i) {
      // One receive queue per core when the test gives the nodes CPUs, as
      // a multi-queue NIC has by default.
      net::Host& h = net.add_host("node-" + std::to_string(i),
                                  parse_address("10.0.0.1") + static_cast<Address>(i), rss_queues);
      net.connect(h, *sw, link,
                  net::RxModeration{host.nic_latency, host.rx_itr_step, host.rx_itr_max});
      nodes.push_back(&h);
    }
    outside = &net.add_host("outside", parse_address("192.168.1.10"));
    net.connect(*outside, *sw, link);
    net.compute_routes();
    for (int i = 0; i < n; ++i) datapaths.emplace_back(*nodes[i], directory, config);
    rebuild_proxies();
  }

  // Every node's service proxy made afresh from proxy_config (after a test changed it).
  void rebuild_proxies() {
    proxies.clear();
    for (std::size_t i = 0; i < datapaths.size(); ++i) {
      proxies.push_back(proxy::make_service_proxy(
          datapaths[i], services, proxy_config,
          engine::RandomRoot(7).stream("proxy/node-" + std::to_string(i))));
    }
  }
  proxy::ServiceProxy& proxy(int node) { return *proxies[static_cast<std::size_t>(node)]; }
  // The node's proxy replaced by one of another mode (the old one is kept
  // alive for whoever still holds it, unplugged).
  proxy::ServiceProxy& proxy_in_mode(int node, const std::string& mode) {
    proxy::ProxyConfig c = proxy_config;
    c.mode = mode;
    auto& slot = proxies[static_cast<std::size_t>(node)];
    retired.push_back(std::move(slot));
    slot = proxy::make_service_proxy(
        datapaths[static_cast<std::size_t>(node)], services, c,
        engine::RandomRoot(7).stream("proxy/node-" + std::to_string(node)));
    return *slot;
  }

  // Pod j on node i gets 10.244.i.(j+2).
  node::PodNetns& add_pod(int node, const std::string& name) {
    int on_node = 0;
    for (auto& p : pods) on_node += static_cast<int>(p.node_index()) == node ? 1 : 0;
    const Address a = parse_address("10.244.0.2") + (static_cast<Address>(node) << 8) +
                      static_cast<Address>(on_node);
    pods.emplace_back(*nodes[node], datapaths[node].veth(), name, next_id++, a);
    directory.add(pods.back());
    if (datapaths[node].cni().routes_pod_addresses()) net.add_address(a, nodes[node]->node());
    return pods.back();
  }
  net::TcpStack& stack(net::Endpoint& e) { return stacks.emplace_back(e); }

  std::uint64_t nic_rx(int node) {
    std::uint64_t n = 0;
    for (std::uint32_t q = 0; q < nodes[node]->nic().queue_count(); ++q)
      n += nodes[node]->nic().rx_packets(q);
    return n;
  }
  std::uint64_t fabric_packets() {
    std::uint64_t n = 0;
    for (auto& l : net.links()) n += l.counters().packets;
    return n;
  }

  // A ClusterIP Service at vip:port -> target on the given pods.
  std::uint32_t add_service(const std::string& name, Address vip, std::uint16_t port,
                            std::uint16_t target, const std::vector<node::PodNetns*>& backends,
                            net::Protocol proto = net::Protocol::tcp) {
    ServiceFrontend f;
    f.name = name;
    f.protocol = proto;
    f.port = port;
    for (auto* p : backends) {
      f.backends.push_back(Backend{p->address(), target, p->node_index(), p->id()});
    }
    const std::uint32_t i = services.add(std::move(f));
    services.expose(i, FrontendKind::cluster_ip, vip, port);
    return i;
  }
};

struct Datagrams {
  explicit Datagrams(engine::Simulator* s) : sim(s) {}
  engine::Simulator* sim;
  std::vector<Time> at;
  std::vector<net::FlowKey> flows;
  static void on(void* c, const net::Packet& p) {
    auto* d = static_cast<Datagrams*>(c);
    d->at.push_back(d->sim->now());
    d->flows.push_back(p.flow);
  }
};

// Counts connections and who the server saw as the peer.
struct Peer {
  explicit Peer(engine::Simulator* s) : sim(s) {}
  engine::Simulator* sim;
  int established = 0, refused = 0, accepted = 0;
  Time established_at = Time::max();
  std::vector<net::FlowKey> flows;  // as each end sees it, local -> remote
  net::TcpCallbacks callbacks() {
    net::TcpCallbacks cb;
    cb.context = this;
    cb.on_established = [](void* c, net::TcpConnection& conn) {
      auto* p = static_cast<Peer*>(c);
      ++p->established;
      p->established_at = p->sim->now();
      p->flows.push_back(conn.flow());
    };
    cb.on_accept = [](void* c, net::TcpConnection&) { ++static_cast<Peer*>(c)->accepted; };
    cb.on_refused = [](void* c, net::TcpConnection&) { ++static_cast<Peer*>(c)->refused; };
    return cb;
  }
};

// A NodePort Service with one endpoint on node 2, reached from outside.
struct NodePortCluster : Cluster {
  node::PodNetns* backend;
  std::uint32_t frontend;
  Peer server{&sim};
  NodePortCluster(bool local, std::string proxy) : Cluster(3, "vxlan", proxy) {
    backend = &add_pod(2, "web");
    frontend = add_service("ns/web:80", parse_address("10.96.0.50"), 80, 8080, {backend});
    services.expose_node_port(frontend, 30080);
    services.frontend(frontend).external_local = local;
    stack(*backend).listen(8080, server.callbacks());
  }
};

}  // namespace podwire::test_support
