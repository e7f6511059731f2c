// Simulator time per packet through a node's datapath when every packet opens
// a new connection to a Service, with 100 to 30,000 Services in the proxy's
// table, for each proxy mode. What a mode charges in *simulated* time grows
// with a Service's position under iptables; what it costs to *simulate* must
// not grow with the number of Services.
#include <benchmark/benchmark.h>

#include <deque>
#include <string>

#include "models/net/network.hpp"
#include "models/node/kernel_datapath.hpp"
#include "models/node/pod_directory.hpp"
#include "models/proxy/proxy_factory.hpp"

namespace {

using namespace podwire;

void drop(void*, const net::Packet&) {}

void BM_NewConnectionPacket(benchmark::State& state) {
  const std::string mode(proxy::proxy_mode_names()[static_cast<std::size_t>(state.range(0))]);
  const auto services = static_cast<std::uint32_t>(state.range(1));
  engine::Simulator sim;
  net::PacketPool pool;
  net::Network network(sim, pool);
  net::Host& node = network.add_host("node", net::parse_address("10.0.0.1"));
  network.compute_routes();
  proxy::ServiceTable table;
  node::PodDirectory pods;
  node::DatapathConfig config;
  config.conntrack_max = 1ULL << 30;
  config.networks = {kube::Cidr::parse("10.244.0.0/16"), kube::Cidr::parse("10.96.0.0/12"),
                     kube::Cidr::parse("10.0.0.0/16")};
  node::KernelDatapath dp(node, pods, config);
  proxy::ProxyConfig proxy_config;
  proxy_config.mode = mode;
  const auto service_proxy =
      proxy::make_service_proxy(dp, table, proxy_config, engine::RandomRoot(1).stream("proxy"));
  node::PodNetns client(node, dp.veth(), "client", 1, net::parse_address("10.244.0.2"));
  node::PodNetns server(node, dp.veth(), "server", 2, net::parse_address("10.244.0.3"));
  pods.add(client);
  pods.add(server);
  server.bind_udp(8080, &drop, nullptr);
  for (std::uint32_t i = 0; i < services; ++i) {
    proxy::ServiceFrontend f;
    f.name = "svc-" + std::to_string(i);
    f.port = 80;
    f.protocol = net::Protocol::udp;
    f.position = i;
    for (std::uint32_t e = 0; e < 10; ++e)
      f.backends.push_back(proxy::Backend{server.address(), 8080, node.node(), e});
    table.expose(table.add(std::move(f)), proxy::FrontendKind::cluster_ip,
                 net::parse_address("10.96.0.0") + 1 + i, 80);
  }
  const net::Address last =
      net::parse_address("10.96.0.0") + services;  // the Service at the end of the chain
  std::uint32_t port = 1;
  for (auto _ : state) {
    // A new source port each time: a new flow, so the first-packet path.
    client.send_udp(static_cast<std::uint16_t>(port), last, 80, 64);
    port = port == 65535 ? 1 : port + 1;
    sim.run();
    if (port == 1) {
      state.PauseTiming();
      dp.conntrack().expire(engine::Time::max());
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["simulated_first_packet_ns"] =
      static_cast<double>(dp.counters().work.ps()) / 1e3 / static_cast<double>(state.iterations());
}
BENCHMARK(BM_NewConnectionPacket)
    ->ArgsProduct({{0, 1, 2, 3}, {100, 1000, 10000, 30000}})
    ->ArgNames({"mode", "services"});

}  // namespace
