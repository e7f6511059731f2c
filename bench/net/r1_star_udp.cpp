// Reference workload R1, the macro benchmark other simulators are compared on:
// a star of N hosts on one switch (zero forwarding latency), 10 Gbps links with
// 1 us propagation and 1000-packet drop-tail egress FIFOs; every host sends
// 1500-byte (on the wire) UDP datagrams with exponential gaps to uniformly
// random other hosts at a fraction `load` of its link rate. Sources send during
// [0, T); the run continues 1 ms so everything in flight is delivered.
//
//   r1_star_udp --hosts 64 --load 0.5 --sim-seconds 0.1 --seed 1
//
// Prints one line of key=value pairs (see ../shared/peers/ns3-r1 for the peer).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <stdexcept>
#include <string>

#include "engine/simulator.hpp"
#include "models/net/network.hpp"
#include "models/net/topology.hpp"
#include "models/net/udp_source.hpp"

namespace {

using namespace podwire;

struct Options {
  int hosts = 64;
  double load = 0.5;
  double sim_seconds = 0.1;
  std::uint64_t seed = 1;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--hosts")
      o.hosts = std::stoi(value());
    else if (a == "--load")
      o.load = std::stod(value());
    else if (a == "--sim-seconds")
      o.sim_seconds = std::stod(value());
    else if (a == "--seed")
      o.seed = std::stoull(value());
    else
      throw std::invalid_argument("unknown option " + a +
                                  " (known: --hosts --load --sim-seconds --seed)");
  }
  if (o.hosts < 2) throw std::invalid_argument("--hosts must be at least 2");
  if (!(o.load > 0)) throw std::invalid_argument("--load must be positive");
  if (!(o.sim_seconds > 0)) throw std::invalid_argument("--sim-seconds must be positive");
  return o;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    opt = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "r1_star_udp: %s\n", e.what());
    return 2;
  }
  engine::Simulator sim;
  net::PacketPool pool;
  net::Network network(sim, pool);
  const engine::RandomRoot random(opt.seed);
  const net::LinkConfig link{engine::BitRate::parse("10Gbps"), engine::Time::us(1), 1000, 0, 0};
  const std::uint32_t wire = 1500;

  net::build_star(network, net::StarConfig{static_cast<std::uint32_t>(opt.hosts), link,
                                           engine::Time::zero(), 1});
  std::vector<net::Address> addresses;
  for (int h = 0; h < opt.hosts; ++h)
    addresses.push_back(network.host(static_cast<std::size_t>(h)).address());

  // Offered load on the 1500 B wire size: lambda = load / serialization time.
  const double tx_s = link.rate.serialization(engine::Bytes(wire)).seconds();
  const engine::Time stop = engine::Time::from_seconds(opt.sim_seconds);
  std::deque<net::UdpSource> sources;
  std::deque<net::UdpLatencySink> sinks;
  for (int h = 0; h < opt.hosts; ++h) {
    std::vector<net::Address> others;
    for (int o = 0; o < opt.hosts; ++o) {
      if (o != h) others.push_back(addresses[static_cast<std::size_t>(o)]);
    }
    net::Host& host = network.host(static_cast<std::size_t>(h));
    sinks.emplace_back(host, 9);
    sources.emplace_back(
        host, random,
        net::UdpSourceConfig{wire, 40000, 9, engine::Distribution::exponential(tx_s / opt.load),
                             stop},
        std::move(others));
    sources.back().start();
  }

  const double cpu0 = cpu_seconds();
  const auto wall0 = std::chrono::steady_clock::now();
  sim.run_until(stop + engine::Time::ms(1));
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double cpu = cpu_seconds() - cpu0;

  std::uint64_t sent = 0, dropped = 0;
  for (const auto& s : sources) sent += s.sent();
  for (const auto& l : network.links()) dropped += l.counters().drops;
  engine::LatencyHistogram latency;
  engine::RunningStats mean_us;
  for (const auto& k : sinks) {
    latency.merge(k.latency());
    mean_us.merge(k.latency_us());
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const std::uint64_t received = latency.count();
  std::printf(
      "hosts=%d load=%g sim_seconds=%g seed=%llu packets_sent=%llu packets_received=%llu "
      "dropped=%llu "
      "in_flight=%zu mean_latency_us=%.4f p50_us=%.3f p99_us=%.3f p999_us=%.3f min_latency_us=%.3f "
      "max_latency_us=%.3f wall_s=%.3f cpu_s=%.3f events=%llu events_per_cpu_s=%.0f "
      "packets_per_cpu_s=%.0f packets_per_wall_s=%.0f peak_rss_mb=%.1f\n",
      opt.hosts, opt.load, opt.sim_seconds, static_cast<unsigned long long>(opt.seed),
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received),
      static_cast<unsigned long long>(dropped), pool.in_use(), mean_us.mean(),
      latency.percentile_time(50).to_us(), latency.percentile_time(99).to_us(),
      latency.percentile_time(99.9).to_us(), engine::Time::ps(latency.min()).to_us(),
      engine::Time::ps(latency.max()).to_us(), wall, cpu,
      static_cast<unsigned long long>(sim.events_executed()),
      static_cast<double>(sim.events_executed()) / cpu, static_cast<double>(received) / cpu,
      static_cast<double>(received) / wall, static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
