#include "models/app/udp_upstream.hpp"

#include <stdexcept>

namespace podwire::app {

namespace {
constexpr std::uint16_t kFirstPort = 50000;
}

UdpUpstream::UdpUpstream(net::Endpoint& endpoint, NameResolver& resolver, RequestTable& table,
                         UdpUpstreamConfig config, Done done, void* context)
    : endpoint_(endpoint),
      resolver_(resolver),
      table_(table),
      config_(std::move(config)),
      done_(done),
      context_(context) {
  std::uint32_t port = kFirstPort;
  while (port <= 65535 && endpoint_.udp_bound(static_cast<std::uint16_t>(port))) ++port;
  if (port > 65535)
    throw std::invalid_argument("'" + endpoint_.name() + "': every UDP port from 50000 is bound");
  local_port_ = static_cast<std::uint16_t>(port);
  endpoint_.bind_udp(local_port_, &UdpUpstream::on_datagram, this);
}

void UdpUpstream::send(std::uint64_t request, std::uint64_t bytes, std::uint64_t cookie) {
  RequestRecord& r = table_.at(request);
  r.request_bytes = bytes;
  r.oneway = !config_.reply;
  const Pending p{request, bytes, cookie};
  if (!resolved_) {
    unresolved_.push_back(p);
    resolve();
    return;
  }
  r.dns_done = r.connected = r.started;
  transmit(p);
}

void UdpUpstream::resolve() {
  if (resolving_) return;
  resolving_ = true;
  ++counters_.resolutions;
  resolver_.resolve(config_.host, &UdpUpstream::on_resolved, this, 0);
}

void UdpUpstream::on_resolved(void* context, std::uint64_t, bool ok, net::Address address) {
  auto* self = static_cast<UdpUpstream*>(context);
  self->resolving_ = false;
  const engine::Time now = self->endpoint_.simulator().now();
  if (ok) {
    self->resolved_ = true;
    self->address_ = address;
  }
  while (!self->unresolved_.empty()) {
    const Pending p = self->unresolved_.pop_front();
    RequestRecord& r = self->table_.at(p.request);
    r.dns_done = r.connected = now;
    if (ok) {
      self->transmit(p);
    } else {
      self->table_.finish(p.request, RequestStatus::dns_failure, now);
      self->done_(self->context_, p.cookie, p.request);
    }
  }
}

void UdpUpstream::transmit(const Pending& p) {
  ++counters_.datagrams;
  if (!config_.reply) {
    // Handed to the kernel: the sender is done with it.
    endpoint_.send_udp(local_port_, address_, config_.port, static_cast<std::uint32_t>(p.bytes),
                       p.request);
    table_.finish(p.request, RequestStatus::ok, endpoint_.simulator().now());
    done_later(p);
    return;
  }
  in_flight_[p.request] = p;
  arm_timeout(p.request);
  endpoint_.send_udp(local_port_, address_, config_.port, static_cast<std::uint32_t>(p.bytes),
                     p.request);
}

void UdpUpstream::arm_timeout(std::uint64_t request) {
  const std::uint64_t attempt = table_.at(request).retries;
  endpoint_.simulator().schedule_in(config_.timeout, &UdpUpstream::on_timeout, this,
                                    request << 8 | attempt);
}

void UdpUpstream::on_timeout(void* context, std::uint64_t arg) {
  auto* self = static_cast<UdpUpstream*>(context);
  const std::uint64_t request = arg >> 8;
  const auto it = self->in_flight_.find(request);
  if (it == self->in_flight_.end()) return;  // answered
  RequestRecord& r = self->table_.at(request);
  if (r.retries != (arg & 0xff)) return;  // a later attempt's timer is set
  ++self->counters_.timeouts;
  const Pending p = it->second;
  if (r.retries < self->config_.retries && r.retries < 255) {
    ++r.retries;
    ++self->counters_.retries;
    r.server = 0;
    r.server_arrived = r.service_started = r.service_done = r.calls_done = r.response_sent =
        engine::Time::zero();
    self->in_flight_.erase(it);
    self->transmit(p);
    return;
  }
  self->in_flight_.erase(it);
  self->table_.finish(request, RequestStatus::timeout, self->endpoint_.simulator().now());
  self->done_(self->context_, p.cookie, request);
}

void UdpUpstream::on_datagram(void* context, const net::Packet& packet) {
  auto* self = static_cast<UdpUpstream*>(context);
  const auto it = self->in_flight_.find(packet.request_id);
  if (it == self->in_flight_.end()) {
    ++self->counters_.late_replies;  // to an attempt given up, or a duplicate
    return;
  }
  const Pending p = it->second;
  self->in_flight_.erase(it);
  ++self->counters_.replies;
  self->table_.at(p.request).response_bytes = packet.payload_bytes;
  self->table_.finish(p.request, RequestStatus::ok, self->endpoint_.simulator().now());
  self->done_(self->context_, p.cookie, p.request);
}

void UdpUpstream::done_later(const Pending& p) {
  const std::uint32_t slot = later_.acquire();
  later_[slot] = p;
  endpoint_.simulator().schedule_in<&UdpUpstream::on_later>(engine::Time::zero(), this, slot);
}

void UdpUpstream::on_later(std::uint64_t slot) {
  const Pending p = later_[static_cast<std::uint32_t>(slot)];
  later_.release(static_cast<std::uint32_t>(slot));
  done_(context_, p.cookie, p.request);
}

}  // namespace podwire::app
