// Programs on their threads: ProgramCpu's thread limit, and the named
// profiles' rates against the benchmarks they come from, simulated with every
// default of the host stack.
#include "models/app/program.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "models/app/program_cpu.hpp"
#include "models/node/cpu_model.hpp"
#include "tests/support/datapath_rig.hpp"

namespace podwire::app {
namespace {

using engine::Time;
using test_support::Cluster;

struct Finished {
  engine::Simulator* sim;
  std::vector<Time> at;
  void done(std::uint64_t) { at.push_back(sim->now()); }
};

TEST(ProgramCpu, AProgramUsesAtMostItsThreadsOfItsNodesCores) {
  engine::Simulator sim;
  node::NodeCpu cpu(sim, 8, "node");
  ProgramCpu ab(&cpu, 1);
  Finished f{&sim, {}};
  for (int i = 0; i < 4; ++i) ab.run<&Finished::done>(Time::us(10), &f, 0);
  sim.run();
  // One thread: the four jobs run one after another although 8 cores are free.
  ASSERT_EQ(f.at.size(), 4u);
  EXPECT_EQ(f.at.back(), Time::us(40));
  EXPECT_EQ(ab.jobs_waited(), 3u);
}

TEST(ProgramCpu, ThreadsZeroIsOnePerCoreAndNoCpuCostsNothing) {
  engine::Simulator sim;
  node::NodeCpu cpu(sim, 4, "node");
  ProgramCpu nginx(&cpu, 0);
  EXPECT_EQ(nginx.threads(), 4);
  Finished f{&sim, {}};
  for (int i = 0; i < 4; ++i) nginx.run<&Finished::done>(Time::us(10), &f, 0);
  sim.run();
  EXPECT_EQ(f.at.back(), Time::us(10));
  ProgramCpu outside(nullptr, 1);
  outside.run<&Finished::done>(Time::us(10), &f, 0);
  EXPECT_EQ(f.at.size(), 5u);  // at once, inside the call
}

TEST(ProgramCpu, ReadingWakesOnlyAProgramThatSlept) {
  engine::Simulator sim;
  node::NodeCpu cpu(sim, 1, "node");
  const node::HostStackCosts host;
  ProgramCpu loop(&cpu, 1, &host);
  loop.set_event_loop(true);
  EXPECT_EQ(loop.read_cost(0), host.wakeup + 2 * host.syscall);  // epoll_wait() and recv()
  Finished f{&sim, {}};
  loop.run<&Finished::done>(Time::us(1), &f, 0);
  EXPECT_EQ(loop.read_cost(0), 2 * host.syscall);  // busy: no wake-up
  EXPECT_EQ(loop.accept_cost(), host.accept);
}

// recv(), accept() and the wake-up are the thread's time in the kernel: the
// node counts them as system time, the program's own work as user time.
TEST(ProgramCpu, ReadingAndAcceptingAreSystemTimeTheProgramsWorkUserTime) {
  engine::Simulator sim;
  node::NodeCpu cpu(sim, 2, "node");
  const node::HostStackCosts host;
  ProgramCpu server(&cpu, 1, &host);
  Finished f{&sim, {}};
  const Time read = server.read_cost(1000);  // a wake-up, recv() and the copy
  server.run<&Finished::done>(read + Time::us(3), read, &f, 0);
  sim.run();
  const node::CpuUsage u = cpu.usage();
  EXPECT_EQ(u.system, read);
  EXPECT_EQ(u.softirq(), Time::zero());
  EXPECT_EQ(u.application, Time::us(3));
  EXPECT_EQ(f.at.back(), read + Time::us(3));
}

// ---------------------------------------------------------------------------
// nginx as the NGINX 2017 benchmark ran it: one worker process on a 2x Xeon
// E5-2699 v3 server (72 hardware threads; the NIC's interrupts on all of
// them), wrk on a like client over dual 40 GbE, 50 connections, a 0-byte
// file. Published per worker core: 145,551 requests/s with keep-alive,
// 34,344 connections/s with a connection per request
// (host-stack-costs.md 2 and 3).

const net::LinkConfig k40G{engine::BitRate::parse("40Gbps"), Time::ns(5), 1000, 0, 0};
constexpr std::uint64_t kRequestBytes = 100;   // "GET / HTTP/1.1", Host, and wrk's few headers
constexpr std::uint64_t kResponseBytes = 240;  // nginx's status line and headers, no body

struct NginxBench {
  Cluster c{2, "native", "iptables", proxy::IpvsScheduler::rr, k40G, node::HostStackCosts{}, 72};
  std::deque<node::NodeCpu> cpus;
  const node::HostStackCosts host{};
  const ProgramProfile& nginx = *find_program("nginx");
  const ProgramProfile& wrk = *find_program("wrk");
  std::unique_ptr<ProgramCpu> worker;
  std::unique_ptr<ProgramCpu> client;
  net::TcpStack* client_stack;
  net::TcpStack* server_stack;
  bool keep_alive;
  std::uint64_t served = 0;
  struct Pending {
    NginxBench* b;
    net::TcpConnection* conn;
  };
  std::deque<Pending> pending;

  explicit NginxBench(bool keep) : keep_alive(keep) {
    const double speed = node::find_cpu_model("xeon-e5-2699-v3")->speed;
    for (int i = 0; i < 2; ++i) {
      cpus.emplace_back(c.sim, 72, "node-" + std::to_string(i), speed);
      c.datapaths[static_cast<std::size_t>(i)].set_cpu(&cpus.back());
    }
    worker = std::make_unique<ProgramCpu>(&cpus[1], 1, &host);  // worker_processes 1
    worker->set_event_loop(nginx.event_loop);
    client = std::make_unique<ProgramCpu>(&cpus[0], 36, &host);  // wrk with a thread per core
    client->set_event_loop(wrk.event_loop);
    client_stack = &c.stack(*c.nodes[0]);
    server_stack = &c.stack(*c.nodes[1]);
    net::TcpCallbacks cb;
    cb.context = this;
    cb.on_accept = [](void* ctx, net::TcpConnection&) {
      auto* b = static_cast<NginxBench*>(ctx);
      b->worker->run<&NginxBench::nothing>(b->worker->accept_cost(), b, 0);
    };
    cb.on_message = [](void* ctx, net::TcpConnection& conn, std::uint64_t, std::uint64_t bytes) {
      auto* b = static_cast<NginxBench*>(ctx);
      b->pending.push_back(Pending{b, &conn});
      b->worker->run<&NginxBench::respond>(b->worker->read_cost(bytes) + b->nginx.per_request, b,
                                           0);
    };
    server_stack->listen(80, cb);
  }
  void nothing(std::uint64_t) {}
  void respond(std::uint64_t) {
    const Pending p = pending.front();
    pending.pop_front();
    ++served;
    p.conn->send_message(kResponseBytes, 1);
    if (!keep_alive) p.conn->close();  // Connection: close, nginx closes after the answer
  }
};

// One of wrk's connections: a request, its answer, the next request.
struct WrkConnection {
  NginxBench* b;
  net::TcpConnection* conn = nullptr;
  void open() {
    net::TcpCallbacks cb;
    cb.context = this;
    cb.on_established = [](void* ctx, net::TcpConnection& c) {
      auto* w = static_cast<WrkConnection*>(ctx);
      w->conn = &c;
      w->b->client->run<&WrkConnection::request>(w->b->wrk.per_request, w, 0);
    };
    cb.on_message = [](void* ctx, net::TcpConnection& c, std::uint64_t, std::uint64_t bytes) {
      auto* w = static_cast<WrkConnection*>(ctx);
      w->conn = &c;
      w->b->client->run<&WrkConnection::answered>(w->b->client->read_cost(bytes), w, 0);
    };
    cb.on_peer_closed = [](void*, net::TcpConnection& c) { c.close(); };
    b->client_stack->connect(b->c.nodes[1]->address(), 80, cb);
  }
  void request(std::uint64_t) { conn->send_message(kRequestBytes, 1); }
  void answered(std::uint64_t) {
    if (b->keep_alive) {
      b->client->run<&WrkConnection::request>(b->wrk.per_request, this, 0);
    } else {
      open();  // the server closes; a new connection for the next request
    }
  }
};

double nginx_rate(bool keep_alive) {
  NginxBench b(keep_alive);
  std::deque<WrkConnection> wrk;
  for (int i = 0; i < 50; ++i) wrk.push_back(WrkConnection{&b});
  for (WrkConnection& w : wrk) w.open();
  b.c.sim.run_until(Time::ms(5));
  const std::uint64_t before = b.served;
  b.c.sim.run_until(Time::ms(25));
  return static_cast<double>(b.served - before) / 0.020;
}

void expect_within(double simulated, double published, double tolerance, const char* what) {
  std::printf("%-40s published %9.0f  simulated %9.0f  (%+.1f%%)\n", what, published, simulated,
              (simulated / published - 1) * 100);
  EXPECT_NEAR(simulated / published, 1.0, tolerance) << what;
}

TEST(NginxProfile, OneWorkerServesTheNginx2017KeepAliveRateWithin15Percent) {
  expect_within(nginx_rate(true), 145'551, 0.15, "nginx 1 worker, keep-alive, req/s");
}

TEST(NginxProfile, OneWorkerAcceptsTheNginx2017ConnectionRateWithin15Percent) {
  expect_within(nginx_rate(false), 34'344, 0.15, "nginx 1 worker, new connections, conn/s");
}

}  // namespace
}  // namespace podwire::app
