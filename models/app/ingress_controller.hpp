// IngressController: an ingress controller pod (ingress-nginx, say) as an L7
// proxy: each request's host and path pick an Ingress rule (exact host, then
// a wildcard, then rules for any host; the longest matching path, Exact
// before Prefix), the rule's backend Service gives a list of endpoints that
// the controller balances over itself, round robin, on its own kept-alive
// connections, bypassing the Service's ClusterIP as ingress-nginx does. Each
// request costs CPU on the controller's node. Unmatched requests are answered
// at once (404) and counted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/app/accepted_connections.hpp"
#include "models/app/requests.hpp"
#include "models/app/upstream_pool.hpp"
#include "models/net/tcp_stack.hpp"
#include "models/node/node_cpu.hpp"

namespace podwire::app {

struct IngressRoute {
  std::string host;  // "" any host; "*.example.com" one label under it
  std::string path;  // "/" matches everything under Prefix
  bool exact = false;
  std::uint32_t backend = 0;  // index into IngressControllerConfig::backends
};

struct IngressBackend {
  std::uint32_t target = 0;  // the Service, in the run's target table
  std::vector<UpstreamPool*>
      endpoints;  // one pool per endpoint, made with IngressController::upstream_done
  std::uint32_t next = 0;
};

struct IngressControllerConfig {
  std::uint16_t port = 80;
  engine::Time cpu_per_request = engine::Time::us(100);
  std::uint64_t upstream_request_bytes = 300;
  std::vector<IngressRoute> routes;
  std::vector<IngressBackend> backends;
  int default_backend = -1;
  std::uint32_t app = 0;
};

struct IngressControllerCounters {
  std::uint64_t requests = 0;
  std::uint64_t routed = 0;
  std::uint64_t not_found = 0;
  std::uint64_t upstream_failures = 0;
};

// The route index for a host and path, or -1. Exposed for tests.
int match_ingress_route(const std::vector<IngressRoute>& routes, const std::string& host,
                        const std::string& path);

class IngressController {
 public:
  IngressController(net::TcpStack& stack, node::NodeCpu* cpu, RequestTable& table,
                    IngressControllerConfig config);
  IngressController(const IngressController&) = delete;
  IngressController& operator=(const IngressController&) = delete;

  IngressControllerConfig& config() { return config_; }
  const IngressControllerCounters& counters() const { return counters_; }
  static void upstream_done(void* controller, std::uint64_t work, std::uint64_t request);

 private:
  struct Work {
    std::uint64_t request = 0;
    AcceptedConnections::Ref from;
    std::uint64_t response_bytes = 0;
  };
  static void on_accept(void* ctx, net::TcpConnection& c);
  static void on_request(void* ctx, AcceptedConnections::Ref from, std::uint64_t tag);
  static void on_cpu(void* ctx, std::uint64_t work);
  void route(std::uint32_t work);
  void respond(std::uint32_t work);

  net::TcpStack& stack_;
  engine::Simulator& sim_;
  node::NodeCpu* cpu_;
  RequestTable& table_;
  IngressControllerConfig config_;
  AcceptedConnections connections_{this, &IngressController::on_request};
  std::vector<Work> work_;
  std::vector<std::uint32_t> free_work_;
  IngressControllerCounters counters_;
};

}  // namespace podwire::app
