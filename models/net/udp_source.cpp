#include "models/net/udp_source.hpp"

#include <stdexcept>

namespace podwire::net {

UdpSource::UdpSource(Endpoint& host, const engine::RandomRoot& random, UdpSourceConfig config,
                     std::vector<Address> destinations)
    : host_(host),
      config_(std::move(config)),
      destinations_(std::move(destinations)),
      gaps_(random.stream(std::string(host.name()).append("/udp-gaps"))),
      choose_(random.stream(std::string(host.name()).append("/udp-destinations"))) {
  if (config_.wire_bytes < kUdpHeader + kIpv4Header) {
    throw std::invalid_argument(
        std::string("UDP source on '")
            .append(host.name())
            .append("': wire_bytes must hold the 28 bytes of UDP and IPv4 headers"));
  }
  if (destinations_.empty()) {
    throw std::invalid_argument(
        std::string("UDP source on '").append(host.name()).append("': no destinations"));
  }
}

void UdpSource::start() {
  const engine::Time first = engine::Time::drawn(config_.gap.sample(gaps_));
  if (host_.simulator().now() + first < config_.stop_at) {
    host_.simulator().schedule_in<&UdpSource::send_next>(first, this);
  }
}

void UdpSource::send_next() {
  const Address dst = destinations_.size() == 1
                          ? destinations_[0]
                          : destinations_[choose_.uniform_int(destinations_.size())];
  host_.send_udp(config_.src_port, dst, config_.dst_port,
                 config_.wire_bytes - kUdpHeader - kIpv4Header);
  ++sent_;
  const engine::Time gap = engine::Time::drawn(config_.gap.sample(gaps_));
  if (host_.simulator().now() + gap < config_.stop_at) {
    host_.simulator().schedule_in<&UdpSource::send_next>(gap, this);
  }
}

UdpLatencySink::UdpLatencySink(Endpoint& host, std::uint16_t port) : host_(host) {
  host_.bind_udp(port, &UdpLatencySink::on_datagram, this);
}

void UdpLatencySink::on_datagram(void* context, const Packet& p) {
  auto* self = static_cast<UdpLatencySink*>(context);
  const engine::Time latency = self->host_.simulator().now() - p.created;
  self->latency_.record(latency);
  self->latency_us_.add(latency.to_us());
}

}  // namespace podwire::net
