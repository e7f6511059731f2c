#include "models/app/dns.hpp"

#include <algorithm>
#include <stdexcept>

namespace podwire::app {

using engine::Time;
using kube::DnsAnswer;

namespace {
// What the resolver outside the cluster answers for a name: a stable address
// in 203.0.113.0/24 (TEST-NET-3) derived from the name.
net::Address upstream_address(const std::string& name) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return (203u << 24 | 0u << 16 | 113u << 8) | static_cast<net::Address>(1 + h % 254);
}
}  // namespace

std::uint64_t DnsWire::post(std::string name, bool aaaa) {
  const std::uint64_t id = ++next_;
  DnsQuery& q = queries_[id];
  q.name = std::move(name);
  q.aaaa = aaaa;
  return id;
}

std::uint32_t DnsWire::answer_bytes(const DnsQuery& q) {
  std::uint32_t n = query_bytes(q.name);
  n += 16 * static_cast<std::uint32_t>(
                q.answer.addresses.size());  // name pointer, type, class, TTL, length, address
  if (!q.answer.cname.empty()) n += 12 + static_cast<std::uint32_t>(q.answer.cname.size()) + 2;
  return n;
}

// --- CoreDNS --------------------------------------------------------------------

CoreDns::CoreDns(net::Endpoint& pod, node::NodeCpu* cpu, const kube::Cluster& cluster,
                 DnsWire& wire, CoreDnsConfig config)
    : pod_(pod), cpu_(cpu), cluster_(cluster), wire_(wire), config_(config) {
  pod_.bind_udp(53, &CoreDns::on_datagram, this);
}

std::uint64_t CoreDns::new_job(const Job& j) {
  if (!free_jobs_.empty()) {
    const std::uint64_t i = free_jobs_.back();
    free_jobs_.pop_back();
    jobs_[i] = j;
    return i;
  }
  jobs_.push_back(j);
  return jobs_.size() - 1;
}

void CoreDns::on_datagram(void* ctx, const net::Packet& p) {
  auto* self = static_cast<CoreDns*>(ctx);
  ++self->counters_.queries;
  const std::uint64_t job = self->new_job(Job{p.flow.src, p.flow.src_port, p.request_id});
  if (self->cpu_ != nullptr && self->config_.cpu_per_query > Time::zero()) {
    self->cpu_->run(self->config_.cpu_per_query, &CoreDns::on_cpu, self, job);
  } else {
    self->answer(job);
  }
}

void CoreDns::on_cpu(void* ctx, std::uint64_t job) { static_cast<CoreDns*>(ctx)->answer(job); }

void CoreDns::answer(std::uint64_t job) {
  DnsQuery* q = wire_.find(jobs_[job].query);
  if (q == nullptr) {  // the client gave up on it
    free_jobs_.push_back(job);
    return;
  }
  DnsAnswer a = cluster_.lookup(q->name);
  if (a.kind == DnsAnswer::Kind::a && q->aaaa)
    a.addresses.clear();  // an IPv4 cluster: NOERROR, no records
  if (a.kind == DnsAnswer::Kind::nxdomain) ++counters_.nxdomain;
  if (a.kind == DnsAnswer::Kind::a) ++counters_.answered_a;
  q->answer = a;
  if (a.kind == DnsAnswer::Kind::external || a.kind == DnsAnswer::Kind::cname) {
    const std::string& target = a.kind == DnsAnswer::Kind::cname ? a.cname : q->name;
    const auto hit = cache_.find(target);
    if (hit != cache_.end() && hit->second > pod_.simulator().now()) {
      ++counters_.cache_hits;
      on_upstream(job);
    } else {
      ++counters_.forwarded;
      pod_.simulator().schedule_in<&CoreDns::on_upstream>(config_.upstream_latency, this, job);
    }
    return;
  }
  reply(job);
}

void CoreDns::on_upstream(std::uint64_t job) {
  DnsQuery* q = wire_.find(jobs_[job].query);
  if (q == nullptr) {
    free_jobs_.push_back(job);
    return;
  }
  const std::string target = q->answer.kind == DnsAnswer::Kind::cname ? q->answer.cname : q->name;
  const Time ttl = std::min(config_.cache_cap, Time::s(300));
  cache_[target] = pod_.simulator().now() + ttl;
  const DnsAnswer::Kind kind = q->answer.kind;
  q->answer.kind = DnsAnswer::Kind::a;
  q->answer.addresses.clear();
  if (!q->aaaa) q->answer.addresses.push_back(upstream_address(target));
  if (kind == DnsAnswer::Kind::external) q->answer.cname.clear();
  q->answer.ttl_s = static_cast<std::uint32_t>(ttl.ps() / Time::s(1).ps());
  reply(job);
}

void CoreDns::reply(std::uint64_t job) {
  const Job j = jobs_[job];
  free_jobs_.push_back(job);
  DnsQuery* q = wire_.find(j.query);
  if (q == nullptr) return;
  q->answered = true;
  pod_.send_udp(53, j.client, j.port, DnsWire::answer_bytes(*q), j.query);
}

// --- the stub resolver ----------------------------------------------------------

DnsStubResolver::DnsStubResolver(net::Endpoint& pod, DnsWire& wire, StubResolverConfig config,
                                 engine::RandomStream random)
    : pod_(pod), wire_(wire), config_(std::move(config)), random_(random) {
  if (config_.port_first == 0 || config_.port_last < config_.port_first) {
    throw std::invalid_argument("DNS resolver of " + pod_.name() +
                                ": the source port range must be non-empty and start above 0");
  }
}

// udp_lib_get_port for a socket without a port: a random place in the range,
// then onwards to the first port no socket of the pod holds. The range has
// more ports than a pod has lookups in flight.
std::uint16_t DnsStubResolver::open_socket() {
  const std::uint32_t first = config_.port_first;
  const std::uint32_t ports = config_.port_last - first + 1;
  std::uint32_t offset = static_cast<std::uint32_t>(random_.uniform_int(ports));
  for (std::uint32_t tries = ports; tries > 0; --tries) {
    const auto port = static_cast<std::uint16_t>(first + offset);
    if (!pod_.udp_bound(port)) {
      pod_.bind_udp(port, &DnsStubResolver::on_datagram, this);
      return port;
    }
    offset = offset + 1 == ports ? 0 : offset + 1;
  }
  throw std::runtime_error("DNS resolver of " + pod_.name() + ": every source port is in use");
}

void DnsStubResolver::close_socket(std::uint16_t& port) {
  if (port == 0) return;
  pod_.unbind_udp(port);
  port = 0;
}

void DnsStubResolver::close_sockets(Lookup& l) {
  if (l.aaaa_port == l.a_port) l.aaaa_port = 0;  // one socket for both
  close_socket(l.a_port);
  close_socket(l.aaaa_port);
}

void DnsStubResolver::resolve(std::string_view name, Done done, void* context,
                              std::uint64_t cookie) {
  ++counters_.lookups;
  const Waiter w{done, context, cookie};
  if (const auto a = address_literal(name)) {
    answer_later(w, true, *a);
    return;
  }
  std::string key(name);
  if (config_.cache) {
    const auto it = cache_.find(key);
    if (it != cache_.end() && it->second.until > pod_.simulator().now()) {
      ++counters_.cache_hits;
      answer_later(w, it->second.address != 0, it->second.address);
      return;
    }
  }
  std::uint32_t index;
  if (!free_lookups_.empty()) {
    index = free_lookups_.back();
    free_lookups_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(lookups_.size());
    lookups_.emplace_back();
  }
  Lookup& l = lookups_[index];
  l = Lookup{};
  l.in_use = true;
  l.started = pod_.simulator().now();
  l.name = key;
  l.candidates = config_.resolv.candidates(key);
  l.waiters.push_back(w);
  // Every getaddrinfo() call queries on its own, even for a name already in flight.
  send_candidate(index);
}

void DnsStubResolver::send_candidate(std::uint32_t index) {
  Lookup& l = lookups_[index];
  l.a_done = l.aaaa_done = false;
  l.a_answer = DnsAnswer{};
  for (std::uint64_t id : {l.a_query, l.aaaa_query}) {
    if (id != 0) {
      wire_.erase(id);
      by_query_.erase(id);
    }
  }
  const std::string& fqdn = l.candidates[l.candidate];
  const bool both_now = config_.aaaa && !sequential();
  const std::uint32_t questions = config_.aaaa ? 2 : 1;
  if (config_.nameserver == 0) {
    // A (and AAAA) to the resolver outside the cluster: one round trip, two
    // when the AAAA question waits for the A answer.
    l.a_query = l.aaaa_query = 0;
    counters_.queries_sent += questions;
    l.queries += questions;
    l.timer = pod_.simulator().schedule_in<&DnsStubResolver::on_outside_answer>(
        config_.outside_latency * (sequential() ? 2 : 1), this, index);
    l.timer_armed = true;
    return;
  }
  l.a_query = wire_.post(fqdn, false);
  by_query_[l.a_query] = index;
  l.aaaa_query = 0;
  if (both_now) {
    l.aaaa_query = wire_.post(fqdn, true);
    by_query_[l.aaaa_query] = index;
  }
  if (config_.socket_per_query) {
    // Go's exchange(): a socket dialled for one question and one attempt.
    close_sockets(l);
    l.a_port = open_socket();
    if (both_now) l.aaaa_port = open_socket();
  } else if (l.attempt == 0) {
    // A and AAAA from one socket, back to back, as glibc sends them; a
    // retry of the same name goes out of the same socket.
    close_sockets(l);
    l.a_port = l.aaaa_port = open_socket();
  }
  const std::uint32_t bytes = DnsWire::query_bytes(fqdn);
  pod_.send_udp(l.a_port, config_.nameserver, 53, bytes, l.a_query);
  if (both_now) pod_.send_udp(l.aaaa_port, config_.nameserver, 53, bytes, l.aaaa_query);
  counters_.queries_sent += both_now ? 2 : 1;
  l.queries += both_now ? 2 : 1;
  if (l.timer_armed) pod_.simulator().cancel(l.timer);
  l.timer = pod_.simulator().schedule_in<&DnsStubResolver::on_timeout>(
      Time::s(config_.resolv.timeout_s), this, index);
  l.timer_armed = true;
}

// single-request: the AAAA question, once the A question is answered. glibc
// sends it from the same socket (single-request-reopen: from a new one, which
// its later retries keep) within the same timeout; Go's tryOneName gives it a
// socket and a timeout of its own.
void DnsStubResolver::send_aaaa(std::uint32_t index) {
  Lookup& l = lookups_[index];
  const std::string& fqdn = l.candidates[l.candidate];
  l.aaaa_query = wire_.post(fqdn, true);
  by_query_[l.aaaa_query] = index;
  if (config_.socket_per_query) {
    l.aaaa_port = open_socket();
    if (l.timer_armed) pod_.simulator().cancel(l.timer);
    l.timer = pod_.simulator().schedule_in<&DnsStubResolver::on_timeout>(
        Time::s(config_.resolv.timeout_s), this, index);
    l.timer_armed = true;
  } else if (config_.resolv.reopen) {
    close_sockets(l);
    l.a_port = l.aaaa_port = open_socket();
  }
  pod_.send_udp(l.aaaa_port, config_.nameserver, 53, DnsWire::query_bytes(fqdn), l.aaaa_query);
  ++counters_.queries_sent;
  ++l.queries;
}

void DnsStubResolver::on_datagram(void* ctx, const net::Packet& p) {
  auto* self = static_cast<DnsStubResolver*>(ctx);
  const auto it = self->by_query_.find(p.request_id);
  if (it == self->by_query_.end()) return;  // a late answer to a retried or finished query
  const std::uint32_t index = it->second;
  Lookup& l = self->lookups_[index];
  const DnsQuery* q = self->wire_.find(p.request_id);
  if (q == nullptr) return;
  if (p.request_id == l.a_query) {
    l.a_done = true;
    l.a_answer = q->answer;
    if (self->config_.socket_per_query) self->close_socket(l.a_port);
    if (self->sequential() && l.aaaa_query == 0) {
      self->send_aaaa(index);
      return;
    }
  } else if (p.request_id == l.aaaa_query) {
    l.aaaa_done = true;
    if (self->config_.socket_per_query) self->close_socket(l.aaaa_port);
  }
  if (!(l.a_done && (l.aaaa_done || !self->config_.aaaa))) return;
  if (l.a_answer.kind == DnsAnswer::Kind::a && !l.a_answer.addresses.empty()) {
    self->finish(index, true, l.a_answer.addresses.front());
    return;
  }
  // NXDOMAIN (or no address): the next name of the search list.
  if (++l.candidate < l.candidates.size()) {
    l.attempt = 0;
    self->send_candidate(index);
  } else {
    self->finish(index, false, 0);
  }
}

void DnsStubResolver::on_outside_answer(std::uint64_t index) {
  Lookup& l = lookups_[index];
  l.timer_armed = false;
  const std::string& fqdn = l.candidates[l.candidate];
  const std::string& domain = config_.cluster_domain;
  if (fqdn == domain || fqdn.ends_with("." + domain)) {
    // NXDOMAIN: the world does not know the cluster's names.
    if (++l.candidate < l.candidates.size()) {
      send_candidate(static_cast<std::uint32_t>(index));
    } else {
      finish(static_cast<std::uint32_t>(index), false, 0);
    }
    return;
  }
  l.a_answer = DnsAnswer{};
  l.a_answer.kind = DnsAnswer::Kind::a;
  l.a_answer.addresses.push_back(upstream_address(fqdn));
  l.a_answer.ttl_s = 300;
  finish(static_cast<std::uint32_t>(index), true, l.a_answer.addresses.front());
}

void DnsStubResolver::on_timeout(std::uint64_t index) {
  Lookup& l = lookups_[index];
  l.timer_armed = false;
  ++counters_.timeouts;
  ++l.timeouts;
  if (++l.attempt < config_.resolv.attempts) {
    send_candidate(static_cast<std::uint32_t>(index));
  } else {
    finish(static_cast<std::uint32_t>(index), false, 0);  // res_search gives up on a timeout
  }
}

void DnsStubResolver::finish(std::uint32_t index, bool ok, net::Address address) {
  Lookup& l = lookups_[index];
  if (l.timer_armed) pod_.simulator().cancel(l.timer);
  l.timer_armed = false;
  close_sockets(l);
  for (std::uint64_t id : {l.a_query, l.aaaa_query}) {
    if (id == 0) continue;
    wire_.erase(id);
    by_query_.erase(id);
  }
  if (!ok) ++counters_.failures;
  if (config_.cache) {
    const Time now = pod_.simulator().now();
    if (ok) {
      const Time kept =
          config_.cache_for > Time::zero() ? config_.cache_for : Time::s(l.a_answer.ttl_s);
      cache_[l.name] = Cached{address, now + kept};
    } else if (config_.failures_for > Time::zero()) {
      cache_[l.name] = Cached{0, now + config_.failures_for};
    }
  }
  if (looked_up.connected()) {
    looked_up.emit(DnsLookupRecord{pod_.id(), l.name, l.queries, l.timeouts, ok, address, l.started,
                                   pod_.simulator().now()});
  }
  const std::vector<Waiter> waiters = std::move(l.waiters);
  if (ok) answer_ = l.a_answer.addresses;
  l.in_use = false;
  free_lookups_.push_back(index);
  for (const Waiter& w : waiters) w.done(w.context, w.cookie, ok, address);
  answer_.clear();
}

void DnsStubResolver::answer_later(const Waiter& w, bool ok, net::Address a) {
  std::uint64_t slot;
  if (!free_immediate_.empty()) {
    slot = free_immediate_.back();
    free_immediate_.pop_back();
    immediate_[slot] = Immediate{w, ok, a};
  } else {
    slot = immediate_.size();
    immediate_.push_back(Immediate{w, ok, a});
  }
  pod_.simulator().schedule_in<&DnsStubResolver::on_immediate>(Time::zero(), this, slot);
}

void DnsStubResolver::on_immediate(std::uint64_t slot) {
  const Immediate im = immediate_[slot];
  free_immediate_.push_back(slot);
  im.w.done(im.w.context, im.w.cookie, im.ok, im.address);
}

}  // namespace podwire::app
