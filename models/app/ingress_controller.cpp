#include "models/app/ingress_controller.hpp"

namespace podwire::app {

using engine::Time;

namespace {

bool host_matches(const std::string& rule, const std::string& host) {
  if (rule.starts_with("*.")) {
    const auto dot = host.find('.');
    return dot != std::string::npos && host.substr(dot) == rule.substr(1);
  }
  return rule == host;
}

// Prefix matching is element-wise: /foo matches /foo, /foo/ and /foo/bar, not /foobar.
bool prefix_matches(const std::string& prefix, const std::string& path) {
  std::string p = prefix;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p == "/") return true;
  if (!path.starts_with(p)) return false;
  return path.size() == p.size() || path[p.size()] == '/';
}

}  // namespace

int match_ingress_route(const std::vector<IngressRoute>& routes, const std::string& host,
                        const std::string& path) {
  // The most specific host that has rules: exact, then wildcard, then any.
  for (int pass = 0; pass < 3; ++pass) {
    int best = -1;
    std::size_t best_length = 0;
    bool best_exact = false;
    for (std::size_t i = 0; i < routes.size(); ++i) {
      const IngressRoute& r = routes[i];
      const bool in_pass = pass == 0
                               ? (!r.host.empty() && !r.host.starts_with("*.") && r.host == host)
                           : pass == 1 ? (r.host.starts_with("*.") && host_matches(r.host, host))
                                       : r.host.empty();
      if (!in_pass) continue;
      const bool ok = r.exact ? r.path == path : prefix_matches(r.path, path);
      if (!ok) continue;
      const std::size_t length = r.path.size();
      if (best < 0 || length > best_length || (length == best_length && r.exact && !best_exact)) {
        best = static_cast<int>(i);
        best_length = length;
        best_exact = r.exact;
      }
    }
    if (best >= 0) return best;
  }
  return -1;
}

IngressController::IngressController(net::TcpStack& stack, node::NodeCpu* cpu, RequestTable& table,
                                     IngressControllerConfig config)
    : stack_(stack),
      sim_(stack.endpoint().simulator()),
      cpu_(cpu),
      table_(table),
      config_(std::move(config)) {
  net::TcpCallbacks cb;
  cb.context = this;
  cb.on_accept = &IngressController::on_accept;
  stack_.listen(config_.port, cb);
}

void IngressController::on_accept(void* ctx, net::TcpConnection& tcp) {
  static_cast<IngressController*>(ctx)->connections_.accept(tcp);
}

void IngressController::on_request(void* ctx, AcceptedConnections::Ref from, std::uint64_t tag) {
  IngressController& self = *static_cast<IngressController*>(ctx);
  ++self.counters_.requests;
  RequestRecord& r = self.table_.at(tag);
  r.server_arrived = self.sim_.now();
  r.service_started = self.sim_.now();
  r.server = self.stack_.endpoint().id();
  std::uint32_t w;
  if (!self.free_work_.empty()) {
    w = self.free_work_.back();
    self.free_work_.pop_back();
  } else {
    w = static_cast<std::uint32_t>(self.work_.size());
    self.work_.emplace_back();
  }
  self.work_[w] = Work{tag, from, 100};
  if (self.cpu_ != nullptr && self.config_.cpu_per_request > Time::zero()) {
    self.cpu_->run(self.config_.cpu_per_request, &IngressController::on_cpu, &self, w);
  } else {
    on_cpu(&self, w);
  }
}

void IngressController::on_cpu(void* ctx, std::uint64_t w) {
  static_cast<IngressController*>(ctx)->route(static_cast<std::uint32_t>(w));
}

void IngressController::route(std::uint32_t w) {
  const std::uint64_t id = work_[w].request;
  RequestRecord& r = table_.at(id);
  r.service_done = sim_.now();
  const RequestTable::Url& url = table_.url(r.url);
  const int route = match_ingress_route(config_.routes, url.host, url.path);
  const int backend =
      route >= 0 ? static_cast<int>(config_.routes[static_cast<std::size_t>(route)].backend)
                 : config_.default_backend;
  if (backend < 0 || config_.backends[static_cast<std::size_t>(backend)].endpoints.empty()) {
    ++counters_.not_found;
    respond(w);
    return;
  }
  ++counters_.routed;
  IngressBackend& b = config_.backends[static_cast<std::size_t>(backend)];
  UpstreamPool* pool = b.endpoints[b.next++ % b.endpoints.size()];
  RequestRecord& child = table_.create();
  child.parent = id;
  child.source = config_.app;
  child.client = stack_.endpoint().id();
  child.target = b.target;
  child.url = table_.at(id).url;
  child.started = sim_.now();
  pool->send(child.id, config_.upstream_request_bytes, w);
}

void IngressController::upstream_done(void* ctx, std::uint64_t w, std::uint64_t request) {
  auto* self = static_cast<IngressController*>(ctx);
  const RequestRecord& child = self->table_.at(request);
  if (child.status == RequestStatus::ok) {
    self->work_[w].response_bytes = child.response_bytes;
  } else {
    ++self->counters_.upstream_failures;  // a 502 to the client
  }
  self->respond(static_cast<std::uint32_t>(w));
}

void IngressController::respond(std::uint32_t w) {
  const Work work = work_[w];
  free_work_.push_back(w);
  RequestRecord& r = table_.at(work.request);
  r.calls_done = sim_.now();
  r.response_sent = sim_.now();
  connections_.send(work.from, work.response_bytes, work.request);
}

}  // namespace podwire::app
