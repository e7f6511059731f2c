#include "models/app/http_server.hpp"

#include <stdexcept>

namespace podwire::app {

using engine::Time;

HttpServer::HttpServer(net::TcpStack& stack, node::NodeCpu* cpu, RequestTable& table,
                       HttpServerConfig config, engine::RandomStream random)
    : stack_(stack),
      sim_(stack.endpoint().simulator()),
      cpu_(cpu),
      program_(cpu, config.threads, config.host),
      table_(table),
      config_(std::move(config)),
      random_(random) {
  if (config_.concurrency < 1)
    throw std::invalid_argument("a server needs at least one worker slot");
  program_.set_event_loop(config_.event_loop);
  if (config_.udp) {
    stack_.endpoint().bind_udp(config_.port, &HttpServer::on_datagram, this);
    return;
  }
  connections_.set_keep_alive(sim_, config_.keepalive_requests, config_.keepalive_timeout);
  connections_.set_in_order(!config_.multiplexed);
  net::TcpCallbacks cb;
  cb.context = this;
  cb.on_accept = &HttpServer::on_accept;
  stack_.listen(config_.port, cb);
}

void HttpServer::on_accept(void* ctx, net::TcpConnection& tcp) {
  auto* self = static_cast<HttpServer*>(ctx);
  ++self->counters_.accepted;
  self->connections_.accept(tcp);
  // accept() on one of the program's threads; the connection's first request
  // queues behind it when every thread is busy.
  if (self->cpu_ != nullptr) {
    const Time accept = self->program_.accept_cost();
    self->program_.run<&HttpServer::on_accepted>(accept + self->config_.cpu_per_connection, accept,
                                                 self, 0);
  }
}

void HttpServer::on_request(void* ctx, AcceptedConnections::Ref from, std::uint64_t tag) {
  HttpServer& s = *static_cast<HttpServer*>(ctx);
  if (s.killed_) return;
  ++s.counters_.requests;
  RequestRecord& r = s.table_.at(tag);
  r.server_arrived = s.sim_.now();
  r.server = s.stack_.endpoint().id();
  const std::uint32_t w = s.new_work(tag, from);
  if (s.busy_ < s.config_.concurrency) {
    s.start(w);
  } else {
    s.queue_.push_back(w);
  }
}

void HttpServer::on_datagram(void* ctx, const net::Packet& p) {
  HttpServer& s = *static_cast<HttpServer*>(ctx);
  if (s.killed_ || s.shut_down_) return;
  // A record let go already (a sender that gave up long ago) is a scratch one:
  // the datagram is served, and answered nowhere.
  const bool held = s.table_.holds(p.request_id);
  RequestRecord& r = s.table_.at(p.request_id);
  const bool oneway = held && r.oneway;
  const bool waiting = s.busy_ >= s.config_.concurrency;
  const std::uint64_t charge = std::uint64_t{p.payload_bytes} + s.config_.datagram_overhead;
  if (waiting && s.receive_queued_ + charge > s.config_.receive_buffer) {
    ++s.counters_.receive_drops;
    if (oneway) s.table_.datagram.emit(r, RequestTable::Datagram::dropped);
    return;
  }
  ++s.counters_.requests;
  r.server_arrived = s.sim_.now();
  r.server = s.stack_.endpoint().id();
  if (oneway) s.table_.datagram.emit(r, RequestTable::Datagram::received);
  const std::uint32_t w = s.new_work(p.request_id, AcceptedConnections::Ref{});
  Work& work = s.work_[w];
  work.udp = true;
  work.reply = held && !r.oneway && r.status == RequestStatus::pending;
  work.peer = p.flow.src;
  work.peer_port = p.flow.src_port;
  if (waiting) {
    work.queued_bytes = charge;
    s.receive_queued_ += charge;
    s.queue_.push_back(w);
  } else {
    s.start(w);
  }
}

std::uint32_t HttpServer::new_work(std::uint64_t request, AcceptedConnections::Ref from) {
  std::uint32_t w;
  if (!free_work_.empty()) {
    w = free_work_.back();
    free_work_.pop_back();
  } else {
    w = static_cast<std::uint32_t>(work_.size());
    work_.emplace_back();
  }
  const RequestRecord& r = table_.at(request);
  const std::uint32_t handler =
      r.route < config_.handler_of_route.size() ? config_.handler_of_route[r.route] : 0;
  Work& work = work_[w];
  work = Work{};
  work.request = request;
  work.from = from;
  work.handler = handler;
  work.depth = r.depth;
  work.in_use = true;
  return w;
}

void HttpServer::start(std::uint32_t w) {
  ++busy_;
  receive_queued_ -= work_[w].queued_bytes;  // recvmsg() took it from the socket
  work_[w].queued_bytes = 0;
  table_.at(work_[w].request).service_started = sim_.now();
  // Reading the request, then the program's own work, on one of its threads.
  const Time read = cpu_ != nullptr ? program_.read_cost(table_.at(work_[w].request).request_bytes)
                                    : Time::zero();
  const Time work =
      cpu_ != nullptr ? read + config_.handlers[work_[w].handler].cpu_per_request : Time::zero();
  if (work > Time::zero()) {
    program_.run(work, read, &HttpServer::on_cpu_done, this, w);
  } else {
    on_cpu_done(this, w);
  }
}

void HttpServer::on_cpu_done(void* ctx, std::uint64_t w) {
  auto* self = static_cast<HttpServer*>(ctx);
  const RouteHandler& h = self->config_.handlers[self->work_[w].handler];
  const Time service = Time::drawn(h.service_time.sample(self->random_));
  self->sim_.schedule_in<&HttpServer::on_service_done>(service, self, w);
}

void HttpServer::on_service_done(std::uint64_t w) {
  --busy_;
  if (killed_) {
    work_[w].in_use = false;
    free_work_.push_back(static_cast<std::uint32_t>(w));
    return;
  }
  table_.at(work_[w].request).service_done = sim_.now();
  if (!queue_.empty()) start(queue_.pop_front());
  next_calls(static_cast<std::uint32_t>(w));
}

int HttpServer::times(const Work& work, const Call& call) {
  // Deeper than its limit it is not made; then its probability, then its count.
  if (call.max_depth > 0 && work.depth + 1 > call.max_depth) return 0;
  if (call.probability < 1 && !(call_random_.uniform01() < call.probability)) return 0;
  return call.count.drawn() ? call.count.sample(call_random_) : static_cast<int>(call.count.a);
}

void HttpServer::next_calls(std::uint32_t w) {
  const std::vector<CallGroup>& groups = config_.handlers[work_[w].handler].calls;
  while (work_[w].group < groups.size()) {
    const CallGroup& g = groups[work_[w].group];
    if (g.parallel) {
      if (work_[w].call == 0) {
        work_[w].call = 1;  // started
        for (const Call& call : g.calls) {
          const int n = times(work_[w], call);
          for (int k = 0; k < n; ++k) send_call(w, call);
        }
        if (work_[w].outstanding > 0) return;
      }
    } else {
      // The work.call-th call of the group, made `left` more times.
      while (work_[w].call < g.calls.size()) {
        const Call& call = g.calls[work_[w].call];
        if (work_[w].left < 0) work_[w].left = times(work_[w], call);
        if (work_[w].left > 0) {
          --work_[w].left;
          send_call(w, call);
          return;
        }
        ++work_[w].call;
        work_[w].left = -1;
      }
    }
    Work& again = work_[w];
    ++again.group;
    again.call = 0;
    again.left = -1;
  }
  respond(w);
}

void HttpServer::send_call(std::uint32_t w, const Call& call) {
  const std::uint64_t parent = work_[w].request;
  RequestRecord& r = table_.create();
  r.parent = parent;
  r.source = config_.app;
  r.client = stack_.endpoint().id();
  r.target = call.target;
  r.route = call.route;
  r.depth = static_cast<std::uint16_t>(work_[w].depth + 1);
  r.started = sim_.now();
  const std::uint64_t id = r.id;
  ++work_[w].outstanding;
  call.upstream->send(id, call.request_bytes, w);
}

void HttpServer::on_call_done(void* ctx, std::uint64_t w, std::uint64_t) {
  auto* self = static_cast<HttpServer*>(ctx);
  Work& work = self->work_[w];
  if (--work.outstanding > 0) return;
  if (self->killed_) {
    work.in_use = false;
    self->free_work_.push_back(static_cast<std::uint32_t>(w));
    return;
  }
  const CallGroup& g = self->config_.handlers[work.handler].calls[work.group];
  if (g.parallel) {
    ++work.group;
    work.call = 0;
  }
  self->next_calls(static_cast<std::uint32_t>(w));
}

void HttpServer::respond(std::uint32_t w) {
  Work& work = work_[w];
  RequestRecord& r = table_.at(work.request);
  r.calls_done = sim_.now();
  r.response_sent = sim_.now();
  const std::uint64_t bytes = config_.handlers[work.handler].response_bytes;
  if (work.udp) {
    if (work.reply) {
      stack_.endpoint().send_udp(config_.port, work.peer, work.peer_port,
                                 static_cast<std::uint32_t>(bytes), work.request);
      ++counters_.served;
    } else {
      ++counters_.consumed;
      if (table_.holds(work.request) && r.oneway)
        table_.datagram.emit(r, RequestTable::Datagram::consumed);
    }
  } else if (connections_.send(work.from, bytes, work.request)) {
    ++counters_.served;
  } else {
    ++counters_.dropped;
  }
  work.in_use = false;
  free_work_.push_back(w);
  if (shut_down_) check_drained();
}

void HttpServer::shutdown(Drained drained, void* context) {
  if (shut_down_) return;
  shut_down_ = true;
  drained_ = drained;
  drained_context_ = context;
  if (config_.udp) {
    stack_.endpoint().unbind_udp(config_.port);  // the socket closes: datagrams are unreachable
    check_drained();
    return;
  }
  stack_.stop_listening(config_.port);
  connections_.drain();
  check_drained();
}

void HttpServer::check_drained() {
  if (in_progress() > 0 || drained_ == nullptr) return;
  const Drained d = drained_;
  drained_ = nullptr;
  d(drained_context_);
}

void HttpServer::kill() {
  killed_ = true;
  if (config_.udp)
    stack_.endpoint().unbind_udp(config_.port);
  else
    stack_.stop_listening(config_.port);
  drained_ = nullptr;
  receive_queued_ = 0;
  // Queued work never starts; work on a core or in a call ends unanswered.
  while (!queue_.empty()) {
    const std::uint32_t w = queue_.pop_front();
    work_[w].in_use = false;
    free_work_.push_back(w);
  }
}

}  // namespace podwire::app
