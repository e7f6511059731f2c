// Loading, validating and running scenarios from Python. The GIL is released
// while a run goes; SIGINT, SIGTERM, SIGQUIT and SIGHUP (a closed terminal) during a
// run stop it cleanly at the next slice of simulated time instead of killing
// the interpreter, and while a cluster is built they stop it before it runs.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <limits>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>

#include "models/builder/cluster_listing.hpp"
#include "models/builder/cluster_model.hpp"
#include "models/builder/explain.hpp"
#include "models/builder/queueing_run.hpp"
#include "models/builder/trace_hookup.hpp"
#include "models/kube/kube_schema.hpp"
#include "models/scenario/scenario_document.hpp"
#include "python/src/figures_dict.hpp"

namespace py = pybind11;

namespace podwire::python {

namespace {

using scenario::Diagnostic;
using scenario::Severity;

// A signal handler can only reach a global; it is set only while a run is in progress.
std::atomic<bool> g_stop_requested{false};
extern "C" void request_stop(int) { g_stop_requested.store(true); }

// Runs may overlap (threads): the first installs the handlers, the last puts
// back what was there before; the stop flag is cleared only when no run is in
// progress, so a stop request reaches every overlapping run.
std::mutex g_signal_mutex;
int g_runs = 0;
void (*g_old_int)(int) = nullptr;
void (*g_old_term)(int) = nullptr;
void (*g_old_quit)(int) = nullptr;
void (*g_old_hup)(int) = nullptr;

// A run started with nohup ignores SIGHUP, and must go on ignoring it.
bool sighup_ignored() {
  struct sigaction current {};
  return sigaction(SIGHUP, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

class SignalGuard {
 public:
  SignalGuard() {
    const std::lock_guard<std::mutex> lock(g_signal_mutex);
    if (g_runs++ == 0) {
      g_stop_requested.store(false);
      g_old_int = std::signal(SIGINT, request_stop);
      g_old_term = std::signal(SIGTERM, request_stop);
      g_old_quit = std::signal(SIGQUIT, request_stop);
      g_old_hup = sighup_ignored() ? SIG_IGN : std::signal(SIGHUP, request_stop);
    }
  }
  ~SignalGuard() {
    const std::lock_guard<std::mutex> lock(g_signal_mutex);
    if (--g_runs == 0) {
      std::signal(SIGINT, g_old_int);
      std::signal(SIGTERM, g_old_term);
      std::signal(SIGQUIT, g_old_quit);
      std::signal(SIGHUP, g_old_hup);
    }
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
};

py::dict diagnostic_dict(const Diagnostic& d) {
  py::dict out;
  out["severity"] = d.severity == Severity::error     ? "error"
                    : d.severity == Severity::warning ? "warning"
                                                      : "notice";
  out["file"] = d.file;
  out["line"] = d.line;
  out["column"] = d.column;
  out["path"] = d.path;
  out["message"] = d.message;
  out["text"] = d.to_string();
  return out;
}

py::list diagnostics_list(const scenario::Diagnostics& diags) {
  py::list out;
  for (const Diagnostic& d : diags.sorted()) out.append(diagnostic_dict(d));
  return out;
}

py::dict stats_dict(const queueing::ServerFarmStats& s) {
  py::dict out;
  out["arrivals"] = s.arrivals;
  out["completions"] = s.completions;
  out["mean_wait_s"] = s.wait_s.mean();
  out["mean_sojourn_s"] = s.sojourn_s.mean();
  // Figures of the requests measured are NaN when none was, as the means are.
  const double none = std::numeric_limits<double>::quiet_NaN();
  out["p_wait"] = s.wait.count() == 0
                      ? none
                      : static_cast<double>(s.waited) / static_cast<double>(s.wait.count());
  for (auto [name, p] :
       {std::pair{"p50_s", 50.0}, {"p90_s", 90.0}, {"p99_s", 99.0}, {"p999_s", 99.9}}) {
    out[name] = s.sojourn.empty() ? none : s.sojourn.percentile_time(p).seconds();
  }
  out["mean_in_system"] = s.mean_in_system;
  out["utilisation"] = s.mean_busy;
  out["window_s"] = s.window_s;
  return out;
}

py::object optional_float(const std::optional<double>& v) {
  return v ? py::object(py::float_(*v)) : py::none();
}

// The figures' own keys (models/builder/figures.hpp), after the kind of run.
py::dict cluster_result_dict(const builder::ClusterRunResult& r) {
  FiguresDict out;
  out("model", "cluster");
  r.visit(out);
  return out.take();
}

py::dict estimate_dict(const builder::RunEstimate& e) {
  py::dict out;
  out["requests"] = e.requests;
  out["service_requests"] = e.service_requests;
  out["events"] = e.events;
  out["waiting"] = e.waiting;
  out["time_wait"] = e.time_wait;
  out["endpoint_changes"] = e.endpoint_changes;
  out["programming_samples"] = e.programming_samples;
  out["waiting_bytes"] = e.waiting_bytes;
  out["time_wait_bytes"] = e.time_wait_bytes;
  out["programming_bytes"] = e.programming_bytes;
  out["memory_bytes"] = e.memory_bytes();
  out["waiting_each_bytes"] = e.waiting_each_bytes;
  out["time_wait_each_bytes"] = e.time_wait_each_bytes;
  out["programming_each_bytes"] = e.programming_each_bytes;
  out["kind"] = e.queueing ? "queueing" : "cluster";
  return out;
}

}  // namespace

void register_scenario(py::module_& m) {
  // ScenarioError(message, diagnostics): a ValueError whose args carry every
  // problem as a dict (severity, file, line, column, path, message, text).
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<py::object> error_type;
  error_type.call_once_and_store_result([&m] {
    return py::exception<scenario::ScenarioError>(m, "ScenarioError", PyExc_ValueError);
  });
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const scenario::ScenarioError& e) {
      const py::tuple args = py::make_tuple(e.what(), diagnostics_list(e.diagnostics()));
      PyErr_SetObject(error_type.get_stored().ptr(), args.ptr());
    }
  });

  // RunTooLarge(message, estimate): a RuntimeError raised before a cluster run
  // whose estimate (run_estimate.hpp, as a dict) does not fit the memory given.
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<py::object> too_large_type;
  too_large_type.call_once_and_store_result([&m] {
    py::object t = py::reinterpret_steal<py::object>(
        PyErr_NewException("podwire._core.RunTooLarge", PyExc_RuntimeError, nullptr));
    m.attr("RunTooLarge") = t;
    return t;
  });

  py::class_<scenario::QueueingScenario>(m, "QueueingScenario")
      .def_readonly("file", &scenario::QueueingScenario::file)
      .def_readonly("resolved_text", &scenario::QueueingScenario::resolved_text)
      .def_readonly("name", &scenario::QueueingScenario::name)
      .def_property_readonly("seed", [](const scenario::QueueingScenario& s) { return s.run.seed; })
      .def_property_readonly(
          "duration_s",
          [](const scenario::QueueingScenario& s) { return s.run.duration.seconds(); })
      .def_property_readonly(
          "warmup_s", [](const scenario::QueueingScenario& s) { return s.run.warmup.seconds(); })
      .def_property_readonly("servers",
                             [](const scenario::QueueingScenario& s) { return s.farm.servers; })
      .def_readonly("arrival_rate", &scenario::QueueingScenario::arrival_rate)
      .def_readonly("service", &scenario::QueueingScenario::service_text)
      .def_property_readonly("diagnostics", [](const scenario::QueueingScenario& s) {
        return diagnostics_list(s.diagnostics);
      });

  py::class_<scenario::ClusterScenario>(m, "ClusterScenario")
      .def_readonly("file", &scenario::ClusterScenario::file)
      .def_readonly("resolved_text", &scenario::ClusterScenario::resolved_text)
      .def_property_readonly("kind", [](const scenario::ClusterScenario&) { return "cluster"; })
      .def_property_readonly("seed", [](const scenario::ClusterScenario& s) { return s.run.seed; })
      .def_property_readonly(
          "duration_s", [](const scenario::ClusterScenario& s) { return s.run.duration.seconds(); })
      .def_property_readonly(
          "warmup_s", [](const scenario::ClusterScenario& s) { return s.run.warmup.seconds(); })
      .def_property_readonly("nodes",
                             [](const scenario::ClusterScenario& s) {
                               int n = 0;
                               for (const auto& g : s.cluster.nodes) n += g.count;
                               return n;
                             })
      .def_property_readonly(
          "objects", [](const scenario::ClusterScenario& s) { return s.objects.object_count(); })
      .def_readonly("trace_path", &scenario::ClusterScenario::trace_path)
      .def_readonly("trace_requests", &scenario::ClusterScenario::trace_requests)
      .def_property_readonly("diagnostics", [](const scenario::ClusterScenario& s) {
        return diagnostics_list(s.diagnostics);
      });

  py::class_<engine::RunProgress>(
      m, "RunProgress",
      "How far a run has got; pass one to run_scenario and read it from another thread.")
      .def(py::init<>())
      .def_property_readonly(
          "simulated_s", [](const engine::RunProgress& p) { return p.simulated_ps.load() * 1e-12; })
      .def_property_readonly(
          "duration_s", [](const engine::RunProgress& p) { return p.duration_ps.load() * 1e-12; })
      .def_property_readonly("events",
                             [](const engine::RunProgress& p) { return p.events.load(); });

  // Either kind of scenario: a `cluster:` section makes a cluster scenario.
  py::class_<kube::KubeSchema>(
      m, "KubeSchema",
      "The Kubernetes API schema of one release, read from kubernetes-validate's "
      "_definitions.json; load_scenario checks manifests against it.")
      .def_property_readonly("release", &kube::KubeSchema::release)
      .def_property_readonly("kinds", &kube::KubeSchema::kinds);
  m.def(
      "load_kube_schema",
      [](const std::string& file, const std::string& release) {
        std::string error;
        std::optional<kube::KubeSchema> s;
        {
          py::gil_scoped_release release_gil;
          s = kube::KubeSchema::load(file, release, &error);
        }
        if (!s) throw py::value_error(error);
        return std::move(*s);
      },
      py::arg("file"), py::arg("release"),
      "Read a release's _definitions.json (ValueError when it cannot be read or is no schema).");

  m.def(
      "load_scenario",
      [](const std::string& path, const std::vector<std::string>& overrides,
         const kube::KubeSchema* schema, bool strict) -> py::object {
        if (scenario::is_cluster_scenario_text(scenario::read_scenario_file(path))) {
          const kube::SchemaCheck check{schema, strict};
          return py::cast(scenario::load_cluster_scenario(path, overrides, &check));
        }
        return py::cast(scenario::load_queueing_scenario(path, overrides, strict));
      },
      py::arg("path"), py::arg("overrides") = std::vector<std::string>{},
      py::arg("schema") = nullptr, py::arg("strict") = false,
      "Load and check a scenario file; raises ScenarioError(message, diagnostics) listing every "
      "problem. With a KubeSchema, manifests are checked against it: unknown fields and wrong "
      "types are warnings, or errors when strict. When strict, a field the scenario format "
      "does not have is an error too.");
  m.def(
      "parse_scenario",
      [](const std::string& text, const std::string& file,
         const std::vector<std::string>& overrides) -> py::object {
        if (scenario::is_cluster_scenario_text(text)) {
          return py::cast(scenario::parse_cluster_scenario(text, file, overrides));
        }
        return py::cast(scenario::parse_queueing_scenario(text, file, overrides));
      },
      py::arg("text"), py::arg("file") = "<string>",
      py::arg("overrides") = std::vector<std::string>{});

  m.def(
      "build_scenario",
      [](const scenario::ClusterScenario& s) {
        py::gil_scoped_release release;
        builder::ClusterModel model(s);
        return model.notices();
      },
      py::arg("scenario"),
      "Build a cluster scenario's model without running it: ScenarioError for every problem found "
      "while "
      "building (unschedulable pods, unknown workloads, calls to missing Services); returns the "
      "warnings.");

  m.def(
      "list_cluster",
      [](const scenario::ClusterScenario& s) {
        builder::ClusterListing l;
        {
          py::gil_scoped_release release;
          l = builder::list_cluster(s);
        }
        py::list nodes;
        for (const builder::ListedNode& n : l.nodes) {
          py::dict d;
          d["name"] = n.name;
          d["ready"] = n.ready;
          d["roles"] = n.roles;
          d["internal_ip"] = n.internal_ip;
          d["pod_cidr"] = n.pod_cidr;
          d["instance_type"] = n.instance_type;
          d["zone"] = n.zone;
          d["cpu_millicores"] = n.cpu_millicores;
          d["memory_bytes"] = n.memory_bytes;
          d["max_pods"] = n.max_pods;
          d["pods"] = n.pods;
          nodes.append(d);
        }
        py::list pods;
        for (const builder::ListedPod& p : l.pods) {
          py::dict d;
          d["namespace"] = p.namespace_;
          d["name"] = p.name;
          d["phase"] = p.phase;
          d["node"] = p.node.empty() ? py::object(py::none()) : py::str(p.node);
          d["ip"] = p.ip.empty() ? py::object(py::none()) : py::str(p.ip);
          d["host_network"] = p.host_network;
          d["containers"] = p.containers;
          d["ready_containers"] = p.ready_containers;
          d["restarts"] = p.restarts;
          d["owner_kind"] = p.owner_kind;
          d["owner"] = p.owner;
          pods.append(d);
        }
        py::list services;
        for (const builder::ListedService& sv : l.services) {
          py::dict d;
          d["namespace"] = sv.namespace_;
          d["name"] = sv.name;
          d["type"] = sv.type;
          d["cluster_ip"] = sv.cluster_ip.empty() ? py::object(py::none()) : py::str(sv.cluster_ip);
          d["external_ips"] = sv.external_ips;
          d["external_name"] =
              sv.external_name.empty() ? py::object(py::none()) : py::str(sv.external_name);
          d["selector"] = sv.has_selector ? py::object(py::str(sv.selector)) : py::none();
          py::list ports;
          for (const builder::ListedServicePort& sp : sv.ports) {
            py::dict pd;
            pd["name"] = sp.name;
            pd["protocol"] = sp.protocol;
            pd["port"] = sp.port;
            pd["target_port"] = sp.target_port;
            pd["node_port"] = sp.node_port == 0 ? py::object(py::none()) : py::int_(sp.node_port);
            ports.append(pd);
          }
          d["ports"] = ports;
          py::list endpoints;
          for (const builder::ListedEndpoint& e : sv.endpoints) {
            py::dict ed;
            ed["ip"] = e.ip;
            ed["port"] = e.port;
            ed["port_name"] = e.port_name;
            ed["protocol"] = e.protocol;
            ed["pod"] = e.pod.empty() ? py::object(py::none()) : py::str(e.pod);
            ed["node"] = e.node.empty() ? py::object(py::none()) : py::str(e.node);
            ed["ready"] = e.ready;
            endpoints.append(ed);
          }
          d["endpoints"] = endpoints;
          services.append(d);
        }
        py::dict out;
        out["nodes"] = nodes;
        out["pods"] = pods;
        out["services"] = services;
        out["problems"] = l.problems;
        return out;
      },
      py::arg("scenario"),
      "What a cluster scenario's control plane holds at time 0, before any traffic: nodes, pods "
      "(Pending when unschedulable), Services with their allocated addresses and ports, and their "
      "endpoints, as plain dicts; `problems` lists what building found.");

  m.def(
      "explain",
      [](const scenario::ClusterScenario& s, const std::string& from, const std::string& to) {
        builder::ExplainResult r;
        {
          py::gil_scoped_release release;
          r = builder::explain(s, from, to);
        }
        py::dict out;
        out["from"] = r.from;
        out["to"] = r.to;
        out["outside"] = r.outside;
        out["udp"] = r.udp;
        out["dns"] = r.dns;
        out["endpoints"] = r.endpoints;
        py::list steps;
        for (const auto& st : r.first_packet) {
          py::dict d;
          d["where"] = st.where;
          d["what"] = st.what;
          d["cost_s"] = st.cost.seconds();
          steps.append(d);
        }
        out["first_packet"] = steps;
        out["notes"] = r.notes;
        if (r.measured) {
          py::dict q;
          q["status"] = r.status;
          q["served_by"] = r.served_by;
          q["dns_s"] = r.dns_time.seconds();
          q["connect_s"] = r.connect_time.seconds();
          q["network_s"] = r.network_time.seconds();
          q["at_server_s"] = r.at_server_time.seconds();
          q["total_s"] = r.total_time.seconds();
          if (r.udp) {
            q["datagram"] = r.datagram;
            q["to_server_s"] = r.to_server_time.seconds();
          }
          out["measured"] = q;
        } else {
          out["measured"] = py::none();
        }
        out["text"] = builder::format_explain(r);
        return out;
      },
      py::arg("scenario"), py::arg("from_pod"), py::arg("to"),
      "The path a request from a pod (or from_pod='outside': the machine outside the cluster) to "
      "NAME[:PORT] (or one datagram to udp://NAME:PORT) takes, hop by hop, with each hop's "
      "simulated cost, and one such request simulated in the idle cluster.");

  m.def(
      "run_scenario",
      [](const scenario::ClusterScenario& s, const std::string& trace_path,
         engine::RunProgress* progress, double memory_available) {
        builder::ClusterRunResult r;
        std::vector<std::string> notices;
        bool stopped_while_building = false;
        builder::RunEstimate estimate;
        bool too_large = false;
        const auto start = std::chrono::steady_clock::now();
        {
          py::gil_scoped_release release;
          SignalGuard guard;
          try {
            builder::ClusterModel model(s);
            notices = model.notices();
            estimate = model.estimate_run();
            too_large = memory_available > 0 && estimate.memory_bytes() > memory_available;
            stopped_while_building = g_stop_requested.load();
            if (!stopped_while_building && !too_large) {
              r = builder::run_cluster(model, trace_path, &g_stop_requested, progress);
            }
          } catch (const std::bad_alloc&) {  // the run's own is a runtime_error saying when
            throw std::runtime_error(
                "out of memory (std::bad_alloc) while building the cluster; nothing was "
                "simulated and no trace begun");
          }
        }
        // Nothing ran and no trace was opened: as Ctrl-C anywhere else in Python.
        if (stopped_while_building) {
          PyErr_SetNone(PyExc_KeyboardInterrupt);
          throw py::error_already_set();
        }
        // Refused before it ran: nothing simulated, no trace begun.
        if (too_large) {
          const py::tuple args = py::make_tuple(
              "the run's estimated memory exceeds what is available", estimate_dict(estimate));
          PyErr_SetObject(too_large_type.get_stored().ptr(), args.ptr());
          throw py::error_already_set();
        }
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        py::dict out = cluster_result_dict(r);
        out["wall_s"] = wall;
        out["notices"] = notices;
        return out;
      },
      py::arg("scenario"), py::arg("trace_path") = std::string(), py::arg("progress") = nullptr,
      py::arg("memory_available") = 0.0,
      "Build and run a cluster scenario (ScenarioError for problems found while building; "
      "KeyboardInterrupt for a stop signal while building; RunTooLarge(message, estimate) "
      "before running when memory_available (bytes, 0: unchecked) is less than the run's "
      "estimated memory); returns a dict.");
  m.def(
      "estimate_run",
      [](const scenario::ClusterScenario& s) {
        builder::RunEstimate e;
        {
          py::gil_scoped_release release;
          builder::ClusterModel model(s);
          e = model.estimate_run();
        }
        return estimate_dict(e);
      },
      py::arg("scenario"),
      "Build a cluster scenario and estimate what its run takes (events, memory it adds), "
      "without running it.");
  m.def(
      "estimate_run",
      [](const scenario::QueueingScenario& s) {
        return estimate_dict(builder::estimate_queueing_run(s));
      },
      py::arg("scenario"),
      "Estimate what a queueing scenario's run takes (events, the memory its queue grows to), "
      "without running it.");

  m.def(
      "run_scenario",
      // A queueing run holds a few figures per server and its queue: only
      // a queue that grows without bound can be too much.
      [](const scenario::QueueingScenario& s, const std::string& trace_path,
         engine::RunProgress* progress, double memory_available) {
        builder::QueueingResult r;
        const auto start = std::chrono::steady_clock::now();
        if (const builder::RunEstimate estimate = builder::estimate_queueing_run(s);
            memory_available > 0 && estimate.memory_bytes() > memory_available) {
          const py::tuple args = py::make_tuple(
              "the run's estimated memory exceeds what is available", estimate_dict(estimate));
          PyErr_SetObject(too_large_type.get_stored().ptr(), args.ptr());
          throw py::error_already_set();
        }
        {
          py::gil_scoped_release release;
          SignalGuard guard;
          try {
            r = builder::run_queueing_scenario(s, &g_stop_requested, trace_path, progress);
          } catch (const std::bad_alloc&) {
            throw std::runtime_error("out of memory (std::bad_alloc) during the run");
          }
        }
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        py::dict out;
        out["simulated"] = stats_dict(r.stats);
        py::dict theory;
        theory["model"] = r.theory.model;
        theory["utilisation"] = r.theory.utilisation;
        theory["p_wait"] = optional_float(r.theory.p_wait);
        theory["mean_wait_s"] = optional_float(r.theory.mean_wait_s);
        theory["mean_sojourn_s"] = optional_float(r.theory.mean_sojourn_s);
        theory["mean_in_system"] = optional_float(r.theory.mean_in_system);
        theory["p50_s"] = optional_float(r.theory.p50_s);
        theory["p90_s"] = optional_float(r.theory.p90_s);
        theory["p99_s"] = optional_float(r.theory.p99_s);
        out["theory"] = theory;
        out["events"] = r.events;
        out["simulated_s"] = r.simulated.seconds();
        out["wall_s"] = wall;
        out["complete"] = !r.stopped;
        return out;
      },
      py::arg("scenario"), py::arg("trace_path") = std::string(), py::arg("progress") = nullptr,
      py::arg("memory_available") = 0.0,
      "Run a scenario to its end (or until SIGINT/SIGTERM/SIGHUP), streaming it to trace_path when "
      "given "
      "(HDF5, closed with complete=false if the run stops early); returns a dict of results.");
}

}  // namespace podwire::python
