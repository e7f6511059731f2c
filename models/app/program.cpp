#include "models/app/program.hpp"

#include <array>

namespace podwire::app {

using engine::Time;

namespace {

// User-space work only: system calls, copies, wake-ups, connect/accept/close
// and every packet are the kernel's (node::HostStackCosts), charged apart.
const std::array<ProgramProfile, 6> kPrograms{{
    {"netperf", 1, Time::ns(200), Time::zero(), true, false,
     "netperf/netserver, one process per test: TCP_RR's user work per transaction is a loop around "
     "send() and recv() (host-stack-costs.md 7.2, an estimate); TCP_CRR opens a connection per "
     "transaction; resolves the remote host once, at start (netlib's resolve_host)",
     0, Time::zero(), true},
    {"wrk", 2, Time::ns(1500), Time::zero(), true, true,
     "wrk defaults: 2 threads, 10 connections, HTTP/1.1 keep-alive always (wrk.c parse_args); CPU "
     "per request "
     "assumed as nginx's without the file work (host-stack-costs.md 7.2); resolves its host once "
     "(getaddrinfo in main)",
     0, Time::zero(), true},
    {"ab", 1, Time::ns(1000), Time::zero(), false, true,
     "ApacheBench: one thread, one request at a time, no keep-alive unless -k (httpd ab docs); "
     "user work per "
     "request an estimate (host-stack-costs.md 7.2); resolves its host once "
     "(apr_sockaddr_info_get before the loop)",
     0, Time::zero(), true},
    {"fortio", 4, Time::ns(1500), Time::zero(), true, true,
     "fortio defaults: 4 connections, one goroutine each, keep-alive (fortio README); CPU per "
     "request as wrk's; resolves at each new connection (fhttp FastClient.connect), A only "
     "(-resolve-ip-type ip4), with Go's resolver (a socket per question, net/dnsclient_unix.go)",
     0, Time::zero(), false, NameLookup::go_ipv4},
    {"nginx", 0, Time::ns(2500), Time::zero(), true, true,
     "nginx, worker_processes auto, keep-alive: 145,551 req/s per worker core at 0 KB on Xeon "
     "E5-2699 v3 "
     "(NGINX 2017 benchmark) is 6.9 us per request, of which about 2.5 us user space once the "
     "kernel's share is "
     "taken out and scaled to the reference machine (host-stack-costs.md 7.2)",
     1000, Time::s(75)},
    {"envoy", 2, Time::us(180), Time::zero(), true, true,
     "Envoy as an Istio sidecar with mTLS and telemetry, 2 worker threads: 0.20 vCPU per 1,000 "
     "req/s of 1 KB "
     "(Istio 1.24 performance docs), less the kernel's share of about 20 us",
     0, Time::s(3600)},
}};

}  // namespace

std::span<const ProgramProfile> program_profiles() { return kPrograms; }

const ProgramProfile* find_program(std::string_view name) {
  for (const ProgramProfile& p : kPrograms) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> program_names() {
  std::vector<std::string> out;
  for (const ProgramProfile& p : kPrograms) out.push_back(p.name);
  return out;
}

}  // namespace podwire::app
