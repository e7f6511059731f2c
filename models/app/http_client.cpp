#include "models/app/http_client.hpp"

#include <algorithm>
#include <stdexcept>

namespace podwire::app {

using engine::Time;

namespace {
constexpr std::uint64_t kOpenLoop = ~std::uint64_t{0};
}

HttpClient::HttpClient(RequestTable& table, std::uint32_t endpoint_id, HttpClientConfig config,
                       engine::Simulator& sim, engine::RandomStream random)
    : table_(table),
      endpoint_id_(endpoint_id),
      config_(std::move(config)),
      sim_(sim),
      random_(random) {}

void HttpClient::start() {
  if (pool_ == nullptr) throw std::logic_error("HttpClient::start before attach");
  const Time first = std::max(config_.start, sim_.now()) - sim_.now();
  if (config_.open_loop) {
    const Time gap = Time::drawn(config_.interarrival.sample(random_));
    if (sim_.now() + first + gap < config_.stop)
      sim_.schedule_in<&HttpClient::on_arrival>(first + gap, this);
  } else {
    for (int u = 0; u < config_.users; ++u) {
      sim_.schedule_in<&HttpClient::on_user>(first, this, static_cast<std::uint64_t>(u));
    }
  }
}

void HttpClient::on_arrival() {
  send(kOpenLoop);
  const Time gap = Time::drawn(config_.interarrival.sample(random_));
  if (sim_.now() + gap < config_.stop) sim_.schedule_in<&HttpClient::on_arrival>(gap, this);
}

void HttpClient::on_user(std::uint64_t user) {
  if (sim_.now() >= config_.stop) return;
  send(user);
}

void HttpClient::send(std::uint64_t cookie) {
  RequestRecord& r = table_.create();
  r.source = config_.source;
  r.target = config_.target;
  r.url = config_.url;
  r.route = route();
  r.client = endpoint_id_;
  r.started = sim_.now();
  ++counters_.sent;
  if (program_ == nullptr || config_.cpu_per_request == Time::zero()) {
    pool_->send(r.id, config_.request_bytes, cookie);
    return;
  }
  const std::uint32_t slot = building_.acquire();
  building_[slot] = Building{r.id, cookie};
  program_->run<&HttpClient::on_built>(config_.cpu_per_request, this, slot);
}

std::uint32_t HttpClient::route() {
  if (config_.mix.empty()) return 0;
  if (config_.mix.size() == 1) return config_.mix[0].first;
  const double x = mix_random_.uniform01() * config_.mix.back().second;
  for (const auto& [route, upto] : config_.mix) {
    if (x < upto) return route;
  }
  return config_.mix.back().first;
}

void HttpClient::on_built(std::uint64_t slot) {
  const Building b = building_[static_cast<std::uint32_t>(slot)];
  building_.release(static_cast<std::uint32_t>(slot));
  pool_->send(b.request, config_.request_bytes, b.cookie);
}

void HttpClient::done(void* ctx, std::uint64_t cookie, std::uint64_t request) {
  auto* self = static_cast<HttpClient*>(ctx);
  ++self->counters_.finished;
  const RequestRecord& r = self->table_.at(request);
  if (r.status == RequestStatus::ok) {
    ++self->counters_.ok;
    // Reading the answer takes the program's CPU; the request is finished
    // already, but a busy thread delays what comes next.
    if (self->program_ != nullptr && !r.oneway) {
      const Time read = self->program_->read_cost(r.response_bytes);
      self->program_->run<&HttpClient::on_read>(read, read, self, 0);
    }
  }
  if (cookie == kOpenLoop) return;
  const Time think = Time::drawn(self->config_.think_time.sample(self->random_));
  self->sim_.schedule_in<&HttpClient::on_user>(think, self, cookie);
}

}  // namespace podwire::app
