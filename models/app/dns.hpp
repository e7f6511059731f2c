// DNS as real UDP packets: the stub resolver a pod's glibc runs under the
// resolv.conf kubelet writes (search path, ndots, A and AAAA in parallel from
// one socket, 5 s timeout, 2 attempts), or Go's (a socket per question), and
// the CoreDNS server that answers
// from the cluster's state and forwards other names upstream. A packet only
// carries sizes and ids, so the question and the answer travel through a
// run-wide DnsWire keyed by the query id in Packet::request_id: the payload's
// contents, without strings in packets.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/random_stream.hpp"
#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "models/app/name_resolver.hpp"
#include "models/kube/cluster.hpp"
#include "models/kube/resolver_config.hpp"
#include "models/net/endpoint.hpp"
#include "models/node/node_cpu.hpp"

namespace podwire::app {

struct DnsQuery {
  std::string name;
  bool aaaa = false;
  bool answered = false;
  kube::DnsAnswer answer;
};

class DnsWire {
 public:
  std::uint64_t post(std::string name, bool aaaa);
  DnsQuery* find(std::uint64_t id) {
    const auto it = queries_.find(id);
    return it == queries_.end() ? nullptr : &it->second;
  }
  void erase(std::uint64_t id) { queries_.erase(id); }
  std::size_t in_flight() const { return queries_.size(); }
  // Wire sizes (UDP payload): header 12, the name in labels, type and class.
  static std::uint32_t query_bytes(const std::string& name) {
    return 12 + static_cast<std::uint32_t>(name.size()) + 2 + 4;
  }
  static std::uint32_t answer_bytes(const DnsQuery& q);

 private:
  std::unordered_map<std::uint64_t, DnsQuery> queries_;
  std::uint64_t next_ = 0;
};

struct CoreDnsConfig {
  engine::Time cpu_per_query =
      engine::Time::us(59);  // 2 vCPUs pegged at 33,669 QPS (coredns/deployment)
  engine::Time upstream_latency = engine::Time::ms(10);  // the resolver CoreDNS forwards to
  engine::Time cache_cap = engine::Time::s(30);  // `cache 30` in Kubernetes' default Corefile
};

struct CoreDnsCounters {
  std::uint64_t queries = 0;
  std::uint64_t answered_a = 0;
  std::uint64_t nxdomain = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t cache_hits = 0;

  // Names each counter once (models/builder/figures.hpp says how); the queries
  // CoreDNS received are `coredns_queries`, beside the stub resolvers' own.
  template <class V>
  void visit(V& v) const {
    v("coredns_queries", queries);
    v("answered_a", answered_a);
    v("nxdomain", nxdomain);
    v("forwarded", forwarded);
    v("cache_hits", cache_hits);
  }
};

class CoreDns {
 public:
  // Binds UDP 53 in the pod's namespace. `cpu` may be null (no CPU charged).
  CoreDns(net::Endpoint& pod, node::NodeCpu* cpu, const kube::Cluster& cluster, DnsWire& wire,
          CoreDnsConfig config = {});
  CoreDns(const CoreDns&) = delete;
  CoreDns& operator=(const CoreDns&) = delete;
  const CoreDnsCounters& counters() const { return counters_; }

 private:
  struct Job {
    net::Address client = 0;
    std::uint16_t port = 0;
    std::uint64_t query = 0;
  };
  static void on_datagram(void* ctx, const net::Packet& p);
  static void on_cpu(void* ctx, std::uint64_t job);
  void answer(std::uint64_t job);
  void on_upstream(std::uint64_t job);
  void reply(std::uint64_t job);
  std::uint64_t new_job(const Job& j);

  net::Endpoint& pod_;
  node::NodeCpu* cpu_;
  const kube::Cluster& cluster_;
  DnsWire& wire_;
  CoreDnsConfig config_;
  std::vector<Job> jobs_;
  std::vector<std::uint64_t> free_jobs_;
  std::unordered_map<std::string, engine::Time> cache_;  // external names answered upstream, until
  CoreDnsCounters counters_;
};

struct StubResolverConfig {
  kube::ResolverConfig resolv;
  // 0: the resolver outside the cluster, asked directly (a pod whose
  // resolv.conf is its node's): each name tried costs `outside_latency`,
  // carries no packets in the cluster, and names under `cluster_domain` do
  // not exist there.
  net::Address nameserver = 0;
  engine::Time outside_latency = engine::Time::ms(10);
  std::string cluster_domain = "cluster.local";
  bool cache = false;  // glibc has none
  // With `cache`: how long an answer is kept, and a failed lookup (zero:
  // an answer for its TTL, a failure not at all). A JVM keeps answers 30 s
  // and failures 10 s whatever the TTL (networkaddress.cache.ttl and
  // .negative.ttl, sun.net.InetAddressCachePolicy).
  engine::Time cache_for = engine::Time::zero();
  engine::Time failures_for = engine::Time::zero();
  // Also an AAAA question beside each A (getaddrinfo() with AF_UNSPEC); off
  // for a client that asks for IPv4 only (Go's LookupIP with "ip4").
  bool aaaa = true;
  // Each name tried gets a socket of its own (glibc closes it after the
  // res_send of one name), whose source port Linux's UDP autobind draws at
  // random from net.ipv4.ip_local_port_range, skipping ports in use. With
  // `socket_per_query` (Go's resolver) each question, and each attempt at it,
  // gets its own, closed when its answer comes.
  bool socket_per_query = false;
  std::uint16_t port_first = 32768;
  std::uint16_t port_last = 60999;
};

struct StubResolverCounters {
  std::uint64_t lookups = 0;
  std::uint64_t queries_sent = 0;  // packets, A and AAAA counted apart, retries included
  std::uint64_t timeouts = 0;
  std::uint64_t failures = 0;
  std::uint64_t cache_hits = 0;
};

// One getaddrinfo() call as the pod's resolver made it (DnsStubResolver::looked_up).
struct DnsLookupRecord {
  std::uint32_t client = 0;   // the pod's endpoint id
  std::string_view name;      // as asked
  std::uint32_t queries = 0;  // packets sent (A and AAAA apart, retries included)
  std::uint32_t timeouts = 0;
  bool ok = false;
  net::Address address = 0;
  engine::Time started, finished;
};

class DnsStubResolver final : public NameResolver {
 public:
  // std::invalid_argument when the port range is empty.
  DnsStubResolver(net::Endpoint& pod, DnsWire& wire, StubResolverConfig config,
                  engine::RandomStream random);
  DnsStubResolver(const DnsStubResolver&) = delete;
  DnsStubResolver& operator=(const DnsStubResolver&) = delete;

  void resolve(std::string_view name, Done done, void* context, std::uint64_t cookie) override;
  std::span<const net::Address> answer() const override { return answer_; }
  const StubResolverCounters& counters() const { return counters_; }

  // Every lookup that went to the network (not literals or cache hits), when it ends.
  engine::Signal<const DnsLookupRecord&> looked_up;

 private:
  struct Waiter {
    Done done;
    void* context;
    std::uint64_t cookie;
  };
  struct Lookup {
    std::string name;
    std::vector<std::string> candidates;
    std::size_t candidate = 0;
    int attempt = 0;
    std::uint64_t a_query = 0, aaaa_query = 0;
    bool a_done = false, aaaa_done = false;
    kube::DnsAnswer a_answer;
    std::vector<Waiter> waiters;
    engine::EventId timer;
    bool timer_armed = false;
    bool in_use = false;
    engine::Time started;
    std::uint32_t queries = 0;
    std::uint32_t timeouts = 0;
    // The sockets of the name being tried (one port for both questions, but
    // with socket_per_query); 0 when none is open.
    std::uint16_t a_port = 0, aaaa_port = 0;
  };
  struct Immediate {
    Waiter w;
    bool ok;
    net::Address address;
  };

  void send_candidate(std::uint32_t lookup);
  void send_aaaa(std::uint32_t lookup);
  // The AAAA question waits for the A answer (resolv.conf single-request).
  bool sequential() const { return config_.aaaa && config_.resolv.single_request; }
  static void on_datagram(void* ctx, const net::Packet& p);
  void on_timeout(std::uint64_t lookup);
  void on_outside_answer(std::uint64_t lookup);
  void finish(std::uint32_t lookup, bool ok, net::Address address);
  void answer_later(const Waiter& w, bool ok, net::Address a);
  void on_immediate(std::uint64_t slot);
  std::uint16_t open_socket();
  void close_socket(std::uint16_t& port);
  void close_sockets(Lookup& l);

  net::Endpoint& pod_;
  DnsWire& wire_;
  StubResolverConfig config_;
  std::deque<Lookup> lookups_;
  std::vector<std::uint32_t> free_lookups_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_query_;  // query id -> lookup
  struct Cached {
    net::Address address;  // 0: the lookup failed
    engine::Time until;
  };
  std::unordered_map<std::string, Cached> cache_;
  std::vector<Immediate> immediate_;
  std::vector<std::uint64_t> free_immediate_;
  engine::RandomStream random_;
  std::vector<net::Address> answer_;  // the A records of the lookup being answered
  StubResolverCounters counters_;
};

}  // namespace podwire::app
