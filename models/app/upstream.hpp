// Upstream: where a client (a traffic source, or a server calling a
// downstream Service) sends its requests to one target: an HTTP/1.1
// connection pool (upstream_pool.hpp) or an HTTP/2 channel that multiplexes
// them (multiplexed_channel.hpp).
#pragma once

#include <cstdint>

namespace podwire::app {

class Upstream {
 public:
  // Called once per request when it finished, whatever its status (read it
  // in the request table).
  using Done = void (*)(void* context, std::uint64_t cookie, std::uint64_t request);
  virtual ~Upstream() = default;
  // Sends the request (its record exists, `started` set).
  virtual void send(std::uint64_t request, std::uint64_t request_bytes, std::uint64_t cookie) = 0;
};

}  // namespace podwire::app
