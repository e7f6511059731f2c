// ProgramProfile: what a program costs in user space, as published
// benchmarks run it — how many threads it runs (how many cores it can use at
// once) and its CPU per request and per connection, beside the kernel's work
// that HostStack charges. Named profiles let a scenario say `program: ab`;
// docs/parameters.md gives each figure's source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/time.hpp"

namespace podwire::app {

// How a program resolves a name when it connects somewhere.
enum class NameLookup : std::uint8_t {
  glibc,    // getaddrinfo(): A and AAAA back to back from one socket per name tried
  go,       // Go's resolver (net.Dial): A and AAAA in parallel, each on a socket of its own
  go_ipv4,  // Go's resolver asked for "ip4": A only, on a socket of its own
  java,     // a JVM's InetAddress: glibc's getaddrinfo() behind a cache of 30 s (failures 10 s)
};
inline constexpr std::size_t kNameLookups = 4;

struct ProgramProfile {
  std::string name;
  // Threads that run requests at once; 0: one per core of its node (nginx's
  // `worker_processes auto`).
  int threads = 1;
  engine::Time per_request;     // user-space CPU for each request sent or served
  engine::Time per_connection;  // user-space CPU for each connection a server accepts
  bool keep_alive = true;       // reuses connections unless told otherwise
  bool event_loop = true;       // waits on epoll (an epoll_wait() per message), not in recv()
  std::string source;           // where the figures come from
  // As a server: it closes a kept-alive connection after this many requests
  // and after this long idle (0: no limit).
  std::uint32_t keepalive_requests = 0;
  engine::Time keepalive_timeout = engine::Time::zero();
  // As a client: resolves its target once at start (getaddrinfo() before the
  // benchmark's loop) rather than at each connection.
  bool resolves_once = false;
  NameLookup lookup = NameLookup::glibc;
};

// Every named profile, in the order docs/parameters.md lists them.
std::span<const ProgramProfile> program_profiles();
// The profile named `name`; null when none is.
const ProgramProfile* find_program(std::string_view name);
std::vector<std::string> program_names();

}  // namespace podwire::app
