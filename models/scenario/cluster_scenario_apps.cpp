// The cluster scenario's `apps` (what each workload's pods do with a request:
// routes, their handlers and calls) and `traffic` (who sends what, how often).
#include <algorithm>
#include <map>

#include "models/app/call_count.hpp"
#include "models/app/program.hpp"
#include "models/scenario/cluster_scenario_parse.hpp"

namespace podwire::scenario::detail {

using engine::Time;

namespace {

// "my-app/web" or "web" (namespace default).
void namespaced(const std::string& text, std::string& ns, std::string& name) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) {
    ns = "default";
    name = text;
  } else {
    ns = text.substr(0, slash);
    name = text.substr(slash + 1);
  }
}

// A CPU cost: a time that is not negative.
std::optional<Time> cpu_cost(const YamlField& f) {
  const auto v = f.time();
  if (v && *v < Time::zero()) {
    f.error("must not be negative, got " + v->to_string());
    return std::nullopt;
  }
  return v;
}

// The most a UDP datagram carries over IPv4: 65535 less the IP and UDP headers.
constexpr std::int64_t kMaxDatagram = 65507;

// A message's size: at least one byte (TCP sends no empty message).
std::optional<engine::Bytes> message_size(const YamlField& f) {
  const auto v = f.bytes();
  if (v && v->count() < 1) {
    f.error("must be at least 1B, got " + v->to_string());
    return std::nullopt;
  }
  return v;
}

std::optional<Url> url(const YamlField& f) {
  const auto text = f.string(true);
  if (!text) return std::nullopt;
  std::string error;
  auto u = Url::parse(*text, &error);
  if (!u) f.error(error);
  return u;
}

// A call's count: N, or {distribution: poisson|geometric, mean: M} or
// {distribution: uniform, min: A, max: B}.
std::optional<app::CallCount> call_count(const YamlField& f) {
  if (!f.present()) return std::nullopt;
  if (!f.node().IsMap()) {
    if (auto v = f.integer(0, 1000)) return app::CallCount::constant(static_cast<int>(*v));
    return std::nullopt;
  }
  const auto kind = f["distribution"].string(true);
  if (!kind) return std::nullopt;
  if (*kind == "poisson" || *kind == "geometric") {
    if (!f.expect_mapping({"distribution", "mean"})) return std::nullopt;
    const auto mean = f["mean"].number(0, 100, true);
    if (!mean) return std::nullopt;
    return app::CallCount{
        *kind == "poisson" ? app::CallCount::Kind::poisson : app::CallCount::Kind::geometric, *mean,
        0};
  }
  if (*kind == "uniform") {
    if (!f.expect_mapping({"distribution", "min", "max"})) return std::nullopt;
    const auto lo = f["min"].integer(0, 1000, true);
    const auto hi = f["max"].integer(0, 1000, true);
    if (!lo || !hi) return std::nullopt;
    if (*hi < *lo) {
      f["max"].error("must be at least min (" + std::to_string(*lo) + "), got " +
                     std::to_string(*hi));
      return std::nullopt;
    }
    return app::CallCount{app::CallCount::Kind::uniform, static_cast<double>(*lo),
                          static_cast<double>(*hi)};
  }
  f["distribution"].error("expected poisson, geometric or uniform, got '" + *kind + "'");
  return std::nullopt;
}

// protocol: http (HTTP/1.1, the default) or grpc (HTTP/2), and for grpc
// lb: pick_first or round_robin. A gRPC channel keeps its connections and
// has no retries or timeouts of ours: those fields are errors beside it.
// A udp:// URL sends datagrams: no connections (keep_alive, pool_size,
// pipeline are errors), and with `reply: true` a request/response exchange
// whose timeout and retries default to the glibc resolver's (resolv.conf(5):
// timeout 5 s, attempts 2); without it nothing waits, so timeout and retries
// are errors.
template <class Spec>
void parse_protocol(const YamlField& f, Spec& s) {
  if (auto v = f["protocol"].string()) {
    if (s.target.udp)
      f["protocol"].error("a udp:// URL sends datagrams; protocol is for http:// URLs");
    else if (*v == "grpc")
      s.grpc = true;
    else if (*v != "http")
      f["protocol"].error("expected http or grpc, got '" + *v + "'");
  }
  if (auto v = f["lb"].string()) {
    if (!s.grpc)
      f["lb"].error("a load-balancing policy is a gRPC channel's: say protocol: grpc");
    else if (*v == "round_robin")
      s.round_robin = true;
    else if (*v != "pick_first")
      f["lb"].error("expected pick_first or round_robin, got '" + *v + "'");
  }
  if (auto v = f["pool_size"].integer(1, 1'000'000)) s.pool_size = static_cast<int>(*v);
  if (auto v = f["pipeline"].integer(1, 10'000)) s.pipeline = static_cast<int>(*v);
  if (auto v = boolean(f["reply"])) s.reply = *v;
  if (s.target.udp) {
    for (const char* key : {"keep_alive", "pool_size", "pipeline"}) {
      if (f[key].present())
        f[key].error("a UDP socket has no connections: " + std::string(key) +
                     " is for http:// URLs");
    }
    if (!s.reply) {
      for (const char* key : {"retries", "timeout"}) {
        if (f[key].present())
          f[key].error(
              "nothing waits for a datagram sent without a reply; say reply: true for a "
              "request/response exchange");
      }
    } else {
      if (!f["timeout"].present()) s.timeout = Time::s(5);
      if (!f["retries"].present()) s.retries = 1;
      if (f["timeout"].present() && s.timeout <= Time::zero())
        f["timeout"].error(
            "a UDP exchange needs a positive timeout (nothing else ends a lost one)");
    }
    if (s.request_bytes.count() > kMaxDatagram)
      f["request_size"].error("a UDP datagram holds at most 65507B over IPv4, got " +
                              s.request_bytes.to_string());
    return;
  }
  if (f["reply"].present())
    f["reply"].error("reply is for udp:// URLs (an HTTP request is always answered)");
  if (s.pipeline > 1 && !s.keep_alive)
    f["pipeline"].error("pipelining sends on kept-alive connections; drop keep_alive: false");
  if (!s.grpc) return;
  for (const char* key : {"keep_alive", "retries", "timeout", "pool_size", "pipeline"}) {
    if (f[key].present())
      f[key].error(
          std::string("not modelled for a gRPC channel (one kept connection per "
                      "address, no retries or deadlines)"));
  }
}

// keep_alive: true, false, or {max_requests: N, idle_timeout: T} (kept
// alive within those limits).
void read_keep_alive(const YamlField& f, bool& keep_alive, KeepAliveLimits& limits) {
  if (!f.present()) return;
  if (!f.node().IsMap()) {
    if (auto v = boolean(f)) keep_alive = *v;
    return;
  }
  if (!f.expect_mapping({"max_requests", "idle_timeout"})) return;
  keep_alive = true;
  if (auto v = f["max_requests"].integer(1, 1'000'000'000))
    limits.max_requests = static_cast<int>(*v);
  if (auto v = f["idle_timeout"].time()) {
    if (*v <= Time::zero())
      f["idle_timeout"].error("must be positive");
    else
      limits.idle_timeout = *v;
  }
}

void parse_calls(const YamlField& calls, YamlContext& ctx, std::vector<CallGroupSpec>& out) {
  for (const YamlField& g : items(calls, ctx)) {
    if (!g.expect_mapping({"sequential", "parallel"})) continue;
    const bool parallel = g["parallel"].present();
    if (parallel == g["sequential"].present()) {
      g.error("expected exactly one of sequential: [...] or parallel: [...]");
      continue;
    }
    CallGroupSpec group;
    group.parallel = parallel;
    for (const YamlField& call : items(parallel ? g["parallel"] : g["sequential"], ctx)) {
      if (!call.expect_mapping({"url", "route", "protocol", "lb", "request_size", "response_size",
                                "count", "probability", "max_depth", "keep_alive", "pool_size",
                                "pipeline", "reply", "retries", "timeout"})) {
        continue;
      }
      CallSpec cs;
      cs.source = where(call, ctx.file);
      if (auto u = url(call["url"])) cs.target = *u;
      if (auto v = call["route"].string()) cs.route = *v;
      if (auto v = message_size(call["request_size"])) cs.request_bytes = *v;
      if (auto v = message_size(call["response_size"])) cs.response_bytes = *v;
      if (auto v = call_count(call["count"])) cs.count = *v;
      if (auto v = call["probability"].number(0, 1)) cs.probability = *v;
      if (auto v = call["max_depth"].integer(1, 1000)) cs.max_depth = static_cast<int>(*v);
      read_keep_alive(call["keep_alive"], cs.keep_alive, cs.keep_alive_limits);
      if (auto v = call["retries"].integer(0, 100)) cs.retries = static_cast<int>(*v);
      if (auto v = call["timeout"].time()) {
        if (*v < Time::zero())
          call["timeout"].error("must not be negative");
        else
          cs.timeout = *v;
      }
      parse_protocol(call, cs);
      group.calls.push_back(std::move(cs));
    }
    out.push_back(std::move(group));
  }
}

// routes: {NAME: {service_time, cpu_per_request, response_size, calls}, ...};
// what a route does not say is the app's, but its calls are its own.
void parse_routes(const YamlField& routes, YamlContext& ctx, AppSpec& app) {
  if (!routes.present()) return;
  if (!routes.node().IsMap()) {
    routes.error("expected a mapping from route (\"GET /path\" or an RPC name) to its handler");
    return;
  }
  for (const auto& kv : routes.node()) {
    const std::string name = kv.first.as<std::string>("");
    const YamlField r(kv.second, routes.path() + "." + name, ctx);
    RouteSpec route;
    route.name = name;
    route.source = where(r, ctx.file);
    route.service_time = app.service_time;
    route.cpu_per_request = app.cpu_per_request;
    route.response_bytes = app.response_bytes;
    if (name.empty()) YamlField(kv.first, routes.path(), ctx).error("a route needs a name");
    if (r.present() &&
        !r.expect_mapping({"service_time", "cpu_per_request", "response_size", "calls"})) {
      continue;
    }
    if (r.present()) {
      if (auto v = r["service_time"].time_distribution()) route.service_time = *v;
      if (auto v = cpu_cost(r["cpu_per_request"])) route.cpu_per_request = *v;
      if (auto v = message_size(r["response_size"])) route.response_bytes = *v;
      parse_calls(r["calls"], ctx, route.calls);
    }
    app.routes.push_back(std::move(route));
  }
}

// mix: {ROUTE: weight, ...} or route: ROUTE.
void parse_mix(const YamlField& t, TrafficSpec& ts) {
  const YamlField route = t["route"];
  const YamlField mix = t["mix"];
  if (route.present() && mix.present()) {
    mix.error("a traffic entry has either route: (one) or mix: (weights over routes), not both");
    return;
  }
  if (auto v = route.string()) ts.mix.emplace_back(*v, 1.0);
  if (!mix.present()) return;
  if (!mix.node().IsMap() || mix.node().size() == 0) {
    mix.error("expected a mapping from route to its weight, e.g. {\"GET /\": 9, \"POST /\": 1}");
    return;
  }
  for (const auto& kv : mix.node()) {
    const std::string name = kv.first.as<std::string>("");
    if (auto w = mix[name].number(0, 1e12)) {
      if (*w <= 0)
        mix[name].error("a weight must be positive");
      else
        ts.mix.emplace_back(name, *w);
    }
  }
}

// A program named by its profile; null when absent or unknown (reported).
const app::ProgramProfile* program(const YamlField& f) {
  if (!f.present()) return nullptr;
  const auto v = f.string();
  if (!v) return nullptr;
  if (const app::ProgramProfile* p = app::find_program(*v)) return p;
  std::vector<std::string_view> names;
  for (const app::ProgramProfile& p : app::program_profiles()) names.push_back(p.name);
  f.error("expected " + one_of(names) + ", got '" + *v + "'");
  return nullptr;
}

}  // namespace

void parse_apps(const YamlField& apps, YamlContext& ctx, ClusterScenario& s) {
  if (!apps.present()) return;
  if (!apps.node().IsMap()) {
    apps.error("expected a mapping from workload (namespace/name) to its behaviour");
    return;
  }
  std::map<std::pair<std::string, std::string>, std::pair<std::string, int>> workloads;
  for (const auto& kv : apps.node()) {
    const std::string key = kv.first.as<std::string>("");
    const YamlField a(kv.second, (apps.path().empty() ? "" : apps.path() + ".") + key, ctx);
    if (!a.expect_mapping({"role", "port", "concurrency", "service_time", "program",
                           "cpu_per_request", "cpu_per_connection", "threads", "response_size",
                           "calls", "routes", "keepalive_requests", "keepalive_timeout",
                           "resolver"})) {
      continue;
    }
    AppSpec app;
    app.source = where(a, ctx.file);
    namespaced(key, app.namespace_, app.workload);
    // `web` and `default/web` name one workload (a key written twice is
    // reported by the document's check).
    const auto [first, fresh] = workloads.emplace(std::make_pair(app.namespace_, app.workload),
                                                  std::make_pair(key, kv.first.Mark().line + 1));
    if (!fresh) {
      if (first->second.first != key) {
        YamlField(kv.first, a.path(), ctx)
            .error("names workload " + app.namespace_ + "/" + app.workload + " again (first as '" +
                   first->second.first + "' at line " + std::to_string(first->second.second) + ")");
      }
      continue;
    }
    if (auto v = a["role"].string()) {
      if (*v == "server")
        app.role = AppSpec::Role::server;
      else if (*v == "ingress")
        app.role = AppSpec::Role::ingress;
      else
        a["role"].error("expected server or ingress, got '" + *v + "'");
    }
    if (auto v = a["port"].integer(1, 65535)) app.port = static_cast<int>(*v);
    if (auto v = a["concurrency"].integer(1, 1'000'000)) app.concurrency = static_cast<int>(*v);
    if (auto v = a["service_time"].time_distribution()) app.service_time = *v;
    if (const app::ProgramProfile* p = program(a["program"])) {
      app.program = p->name;
      app.cpu_per_request = p->per_request;
      app.cpu_per_connection = p->per_connection;
      app.threads = p->threads;
    }
    if (auto v = cpu_cost(a["cpu_per_request"])) app.cpu_per_request = *v;
    if (auto v = cpu_cost(a["cpu_per_connection"])) app.cpu_per_connection = *v;
    if (auto v = a["threads"].integer(0, 100'000)) app.threads = static_cast<int>(*v);
    if (auto v = a["resolver"].string()) {
      if (*v == "glibc")
        app.resolver = app::NameLookup::glibc;
      else if (*v == "go")
        app.resolver = app::NameLookup::go;
      else if (*v == "java")
        app.resolver = app::NameLookup::java;
      else
        a["resolver"].error("expected glibc, go or java, got '" + *v + "'");
    }
    if (auto v = a["keepalive_requests"].integer(0, 1'000'000'000))
      app.keepalive_requests = static_cast<std::uint32_t>(*v);
    if (auto v = a["keepalive_timeout"].time()) {
      if (*v < Time::zero())
        a["keepalive_timeout"].error("must not be negative");
      else
        app.keepalive_timeout = *v;
    }
    if (auto v = message_size(a["response_size"])) app.response_bytes = *v;
    parse_calls(a["calls"], ctx, app.calls);
    parse_routes(a["routes"], ctx, app);
    s.apps.push_back(std::move(app));
  }
}

void parse_traffic(const YamlField& traffic, YamlContext& ctx, ClusterScenario& s) {
  int index = 0;
  for (const YamlField& t : items(traffic, ctx)) {
    ++index;
    if (!t.expect_mapping({"name",   "from",       "url",      "port_forward", "route",
                           "mix",    "protocol",   "lb",       "pool_size",    "pipeline",
                           "reply",  "rate",       "arrivals", "users",        "think_time",
                           "client", "keep_alive", "retries",  "timeout",      "request_size",
                           "start",  "stop"})) {
      continue;
    }
    TrafficSpec ts;
    ts.source = where(t, ctx.file);
    ts.name = t["name"].string().value_or("traffic-" + std::to_string(index));
    const std::string from = t["from"].string().value_or("outside");
    const YamlField pf = t["port_forward"];
    if (pf.present()) {
      ts.from = TrafficSpec::From::port_forward;
      if (pf.expect_mapping({"target", "port"})) {
        if (auto v = pf["target"].string(true)) {
          // "my-app/pod/web-0", "my-app/svc/web" or "svc/web" (namespace default)
          std::string rest = *v;
          std::size_t slashes = static_cast<std::size_t>(std::count(rest.begin(), rest.end(), '/'));
          if (slashes == 2) {
            ts.from_namespace = rest.substr(0, rest.find('/'));
            rest = rest.substr(rest.find('/') + 1);
          }
          const auto slash = rest.find('/');
          const std::string kind = slash == std::string::npos ? "" : rest.substr(0, slash);
          if (kind != "pod" && kind != "svc" && kind != "service") {
            pf["target"].error("expected [namespace/]pod/NAME or [namespace/]svc/NAME, got '" + *v +
                               "'");
          } else {
            ts.forward_kind = kind == "pod" ? "pod" : "svc";
            ts.forward_name = rest.substr(slash + 1);
          }
        }
        if (auto v = pf["port"].integer(1, 65535, true))
          ts.forward_port = static_cast<std::uint16_t>(*v);
      }
      if (t["url"].present())
        t["url"].error("a port-forward has no url: requests go to localhost through kubectl");
    } else {
      if (auto u = url(t["url"])) ts.target = *u;
      if (from == "outside") {
        ts.from = TrafficSpec::From::outside;
      } else {
        ts.from = TrafficSpec::From::pod;
        namespaced(from, ts.from_namespace, ts.from_workload);
      }
    }
    const bool open = t["rate"].present();
    const bool closed = t["users"].present();
    if (open == closed) {
      t.error("expected either rate: (open loop) or users: (closed loop)");
    } else if (open) {
      ts.open_loop = true;
      if (auto v = t["rate"].rate(true)) {
        if (v->per_second() <= 0)
          t["rate"].error("must be positive");
        else
          ts.rate_per_s = v->per_second();
      }
      const std::string arrivals = t["arrivals"].string().value_or("poisson");
      if (arrivals == "poisson")
        ts.interarrival = engine::Distribution::exponential(1.0 / ts.rate_per_s);
      else if (arrivals == "constant")
        ts.interarrival = engine::Distribution::constant(1.0 / ts.rate_per_s);
      else
        t["arrivals"].error("expected poisson or constant, got '" + arrivals + "'");
    } else {
      ts.open_loop = false;
      if (auto v = t["users"].integer(1, 10'000'000, true)) ts.users = static_cast<int>(*v);
      if (auto v = t["think_time"].time_distribution()) ts.think_time = *v;
    }
    // client: PROGRAM, or {program: PROGRAM, threads: N, cpu_per_request: T}
    if (const YamlField c = t["client"]; c.present()) {
      const bool mapping = c.node().IsMap();
      if (mapping && !c.expect_mapping({"program", "threads", "cpu_per_request"})) {
        // reported
      } else if (const app::ProgramProfile* p = program(mapping ? c["program"] : c)) {
        ts.program = p->name;
        ts.cpu_per_request = p->per_request;
        ts.threads = p->threads;
        ts.keep_alive = p->keep_alive;
      }
      if (mapping) {
        if (auto v = cpu_cost(c["cpu_per_request"])) ts.cpu_per_request = *v;
        if (auto v = c["threads"].integer(0, 100'000)) ts.threads = static_cast<int>(*v);
      }
    }
    read_keep_alive(t["keep_alive"], ts.keep_alive, ts.keep_alive_limits);
    if (auto v = t["retries"].integer(0, 100)) ts.retries = static_cast<int>(*v);
    if (auto v = t["timeout"].time()) {
      if (*v < Time::zero())
        t["timeout"].error("must not be negative");
      else
        ts.timeout = *v;
    }
    if (auto v = message_size(t["request_size"])) ts.request_bytes = *v;
    parse_mix(t, ts);
    parse_protocol(t, ts);
    read_window(t, ts.start, ts.stop);
    s.traffic.push_back(std::move(ts));
  }
}

}  // namespace podwire::scenario::detail
