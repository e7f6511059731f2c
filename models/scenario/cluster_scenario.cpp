#include "models/scenario/cluster_scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "models/app/program.hpp"
#include "models/churn/churn_action.hpp"
#include "models/kube/manifest_checks.hpp"
#include "models/kube/manifest_loader.hpp"
#include "models/kube/yaml_fast_reader.hpp"
#include "models/node/cni.hpp"
#include "models/node/cpu_model.hpp"
#include "models/proxy/proxy_factory.hpp"
#include "models/scenario/cluster_scenario_parse.hpp"
#include "models/scenario/field_reads.hpp"
#include "models/scenario/parameter_table.hpp"
#include "models/scenario/scenario_document.hpp"
#include "models/scenario/scenario_error.hpp"

namespace podwire::scenario {

using engine::Time;

namespace {

using detail::keys;
using detail::parse_apps;
using detail::parse_churn;
using detail::parse_parameters;
using detail::parse_traffic;

void apply_kernel(const YamlField& c, ClusterSpec& s);

void parse_cluster(const YamlField& c, YamlContext& ctx, ClusterScenario& scenario) {
  ClusterSpec& s = scenario.cluster;
  c.expect_mapping(
      keys("cluster", {"nodes", "topology", "dns", "datapath", "host", "proxy", "udp"}));
  const YamlField nodes = c["nodes"];
  if (!nodes.present())
    nodes.error(
        "missing; expected a list of node groups, e.g. [{name: worker, count: 3, cpus: 8}]");
  for (const YamlField& g : items(nodes, ctx)) {
    if (!g.expect_mapping({"name", "count", "cpus", "cpu", "cpu_speed", "smt", "memory", "max_pods",
                           "nic", "labels", "instance_type", "region", "zone"})) {
      continue;
    }
    NodeGroupSpec n;
    n.source = where(g, ctx.file);
    if (auto v = g["name"].string()) {
      n.name = *v;
      // The nodes are NAME-0, NAME-1, ...: Node names, DNS subdomains.
      if (const std::string problem = kube::dns_subdomain_problem(*v + "-0"); !problem.empty())
        g["name"].error("'" + *v + "' cannot name nodes: " + problem);
    }
    if (auto v = g["count"].integer(1, 100000)) n.count = static_cast<int>(*v);
    if (auto v = g["cpus"].integer(1, 4096)) n.cpus = static_cast<int>(*v);
    // What the cores are: a named model, or a speed relative to the reference machine.
    if (const YamlField cpu = g["cpu"]; cpu.present()) {
      if (auto v = cpu.string()) {
        if (const node::CpuModel* m = node::find_cpu_model(*v)) {
          n.cpu_speed = m->speed;
          n.smt = m->smt;
        } else {
          cpu.error("expected " + one_of(node::cpu_model_names()) + ", got '" + *v + "'");
        }
      }
    }
    if (auto v = g["cpu_speed"].number(0.01, 100.0)) n.cpu_speed = *v;
    if (auto v = boolean(g["smt"])) n.smt = *v;
    if (auto v = g["memory"].bytes()) n.memory_bytes = v->count();
    if (auto v = g["max_pods"].integer(1, 10000)) n.max_pods = static_cast<int>(*v);
    if (auto v = g["nic"].bit_rate()) {
      if (v->bps() <= 0)
        g["nic"].error("must be positive, got " + v->to_string());
      else
        n.nic = *v;
    }
    const YamlField labels = g["labels"];
    if (labels.present()) {
      if (!labels.node().IsMap()) {
        labels.error("expected a mapping of label names to values");
      } else {
        for (const auto& kv : labels.node())
          n.labels[kv.first.as<std::string>()] = kv.second.as<std::string>("");
      }
    }
    if (auto v = g["instance_type"].string()) n.instance_type = *v;
    if (auto v = g["region"].string()) n.region = *v;
    // zone: NAME, or [NAME, ...] dealt over the group's nodes in turn.
    if (const YamlField zone = g["zone"]; zone.present()) {
      if (zone.node().IsSequence()) {
        for (const YamlField& z : items(zone, ctx)) {
          if (auto v = z.string(true)) n.zones.push_back(*v);
        }
        if (n.zones.empty()) zone.error("expected a zone name or a list of zone names, got []");
      } else if (auto v = zone.string(true)) {
        n.zones.push_back(*v);
      }
    }
    if (n.instance_type.empty())
      n.instance_type =
          std::to_string(n.cpus) + "cpu-" + std::to_string(n.memory_bytes >> 30) + "gib";
    if (n.zones.empty()) n.zones.push_back(n.region + "-a");
    s.nodes.push_back(std::move(n));
  }
  // Each repeat once, against the first: thousands of copies are thousands of
  // errors, not millions of pairs.
  std::map<std::string, std::size_t> first_group;
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    const auto [it, fresh] = first_group.emplace(s.nodes[i].name, i);
    if (fresh) continue;
    YamlField(nodes.node()[i], nodes.path() + "[" + std::to_string(i) + "].name", ctx)
        .error("node group name '" + s.nodes[i].name + "' is used twice (first by " + nodes.path() +
               "[" + std::to_string(it->second) + "], line " +
               std::to_string(s.nodes[it->second].source.line) + ")");
  }
  // Distinct groups can still name one node (`worker` with count 3 makes
  // worker-1; so does a group named worker-1): once per group, at its name.
  std::map<std::string, std::size_t> node_group;
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    const NodeGroupSpec& g = s.nodes[i];
    if (first_group.at(g.name) != i) continue;  // reported above
    for (int k = 0; k < g.count; ++k) {
      const std::string name = g.count == 1 ? g.name : g.name + "-" + std::to_string(k);
      const auto [it, fresh] = node_group.emplace(name, i);
      if (fresh) continue;
      const NodeGroupSpec& other = s.nodes[it->second];
      YamlField(nodes.node()[i], nodes.path() + "[" + std::to_string(i) + "].name", ctx)
          .error("node name '" + name + "' of this group is also a node of " + nodes.path() + "[" +
                 std::to_string(it->second) + "] (line " + std::to_string(other.source.line) +
                 "); a group of count N names its nodes NAME-0 to NAME-(N-1)");
      break;
    }
  }

  parse_parameters(c["topology"], "cluster.topology", scenario);
  read_parameters(c, "cluster", scenario);
  // What the cluster's address plan must hold, told at the field that sets it.
  if (nodes.present() && nodes.node().IsSequence() && nodes.node().size() == 0)
    nodes.error("a cluster needs at least one node");
  std::uint64_t total = 0;
  for (const NodeGroupSpec& g : s.nodes) total += static_cast<std::uint64_t>(g.count);
  const int mask = s.node_cidr_mask;
  const int prefix = s.pod_cidr.prefix_length();
  const std::uint64_t blocks = mask >= prefix ? std::uint64_t{1} << (mask - prefix) : 0;
  if (total > 0 && blocks < total) {
    const YamlField at = c["node_cidr_mask"].present() ? c["node_cidr_mask"]
                         : c["pod_cidr"].present()     ? c["pod_cidr"]
                                                       : nodes;
    at.error("pod CIDR " + s.pod_cidr.to_string() + " has " + std::to_string(blocks) +
             " blocks of /" + std::to_string(mask) + ", fewer than the " + std::to_string(total) +
             " nodes");
  }
  if (total > 0 && total + 3 > s.node_network.size()) {
    const YamlField at = c["node_network"].present() ? c["node_network"] : nodes;
    at.error("node network " + s.node_network.to_string() + " has room for " +
             std::to_string(s.node_network.size() > 3 ? s.node_network.size() - 3 : 0) +
             " nodes, not " + std::to_string(total));
  }
  parse_parameters(c["dns"], "cluster.dns", scenario);
  parse_parameters(c["datapath"], "cluster.datapath", scenario);
  parse_parameters(c["host"], "cluster.host", scenario);
  parse_parameters(c["udp"], "cluster.udp", scenario);
  const YamlField px = c["proxy"];
  if (px.present() && px.expect_mapping(keys("cluster.proxy", {"sync"}))) {
    read_parameters(px, "cluster.proxy", scenario);
    parse_parameters(px["sync"], "cluster.proxy.sync", scenario);
    // Each filler endpoint is a row of the shared table that is built and
    // walked: their product, not each factor, is what must stay buildable.
    const std::uint64_t filler_endpoints =
        static_cast<std::uint64_t>(s.proxy.filler_services) *
        static_cast<std::uint64_t>(s.proxy.endpoints_per_service);
    if (filler_endpoints > ProxySpec::kMaxFillerEndpoints) {
      (px["endpoints_per_service"].present() ? px["endpoints_per_service"] : px["filler_services"])
          .error("filler_services x endpoints_per_service is " + std::to_string(filler_endpoints) +
                 " endpoints, more than " + std::to_string(ProxySpec::kMaxFillerEndpoints) +
                 " (about " + std::to_string(ProxySpec::kMaxFillerEndpoints / 150'000) +
                 " times the 150,000 pods Kubernetes supports in a cluster)");
    }
    const proxy::KubeProxyVersion v = s.proxy.config.version;
    if (s.proxy.iptables_partial.value_or(false) && !v.partial_restore_available()) {
      px["sync"]["iptables_partial"].error("kube-proxy " + v.to_string() +
                                           " has no partial restores (they came with 1.26)");
    }
    const std::string& mode = s.proxy.config.mode;
    if (mode == "nftables" && !v.has_nftables()) {
      (px["version"].present() ? px["version"] : px["mode"])
          .error("kube-proxy " + v.to_string() + " has no nftables mode (it came with 1.29)");
    }
    if (s.proxy.sync_period && proxy::syncs_periodically(mode) &&
        !v.resyncs_every_sync_period(mode)) {
      px["sync"]["sync_period"].warning(
          "kube-proxy " + v.to_string() + " in " + mode +
          " mode restores in full once an hour whatever syncPeriod says (syncPeriod only paces "
          "its check for a deleted canary chain), so this changes nothing; a release up to "
          "1.16 (iptables) or IPVS mode resyncs every syncPeriod");
    }
  }
  apply_kernel(c, s);
}

// What the nodes' kernel decides of what kube-proxy and Cilium set up.
void apply_kernel(const YamlField& c, ClusterSpec& s) {
  const node::KernelVersion k = s.kernel;
  const YamlField px = c["proxy"];
  const YamlField kernel = c["kernel"];
  proxy::ProxyConfig& config = s.proxy.config;
  if (config.mode == "nftables" && !k.at_least(5, 13)) {
    (kernel.present() ? kernel : px["mode"])
        .error("kube-proxy in nftables mode requires kernel 5.13 or later; the nodes run " +
               k.to_string());
  }
  // kube-proxy sets net.ipv4.vs.conn_reuse_mode to 0 before 5.9 and leaves
  // the kernel's 1 from then on.
  if (!px["ipvs_conn_reuse_mode"].present()) {
    config.ipvs_table.conn_reuse_mode = k.at_least(5, 9) ? 1 : 0;
  }
  if (!px["ebpf_host_routing"].present()) {
    config.ebpf_host_routing = k.at_least(5, 10);
  } else if (config.ebpf_host_routing && config.mode == "ebpf" && !k.at_least(5, 10)) {
    px["ebpf_host_routing"].error(
        "BPF host routing needs kernel 5.10 or later (bpf_redirect_peer, bpf_redirect_neigh); "
        "the nodes run " +
        k.to_string() + ", where Cilium routes through the host stack");
  }
}

// `n` as YAML text that reads back the same: yaml-cpp's emitter writes a
// quoted scalar plain, so `"8080"` would come back an integer.
void emit(YAML::Emitter& out, const YAML::Node& n) {
  // Flow collections stay flow, so positions in the text match the scenario's.
  if ((n.IsMap() || n.IsSequence()) && n.Style() == YAML::EmitterStyle::Flow) out << YAML::Flow;
  if (n.IsMap()) {
    out << YAML::BeginMap;
    for (const auto& kv : n) {
      out << YAML::Key;
      emit(out, kv.first);
      out << YAML::Value;
      emit(out, kv.second);
    }
    out << YAML::EndMap;
  } else if (n.IsSequence()) {
    out << YAML::BeginSeq;
    for (const YAML::Node& e : n) emit(out, e);
    out << YAML::EndSeq;
  } else if (n.IsScalar()) {
    if (n.Tag() != "?") out << YAML::DoubleQuoted;
    out << n.Scalar();
  } else {
    out << YAML::Null;
  }
}

void parse_manifests(const YamlField& m, YamlContext& ctx, const std::string& base_dir,
                     ClusterScenario& s, Diagnostics& diags, const kube::SchemaCheck* schema) {
  int inline_count = 0;
  std::vector<kube::WrittenAt> written_at;
  for (const YamlField& item : items(m, ctx)) {
    if (item.node().IsScalar()) {
      const std::string text = item.node().as<std::string>();
      if (text.empty()) {
        // "" would be the scenario's own folder, the scenario file included.
        item.error("an empty path: give a manifest file or folder");
        continue;
      }
      std::filesystem::path p(text);
      if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
      s.manifest_paths.push_back(p.lexically_normal().string());
      written_at.push_back(kube::WrittenAt{where(item, ctx.file), item.path()});
      continue;
    }
    if (!item.node().IsMap() || !item["inline"].present()) {
      item.error("expected a path to a manifest file or folder, or {inline: <Kubernetes object>}");
      continue;
    }
    if (!item.expect_mapping({"inline"})) continue;
    // An inline object is read where it is, so that its problems are told at
    // their places in the scenario.
    s.objects.append(kube::parse_manifest_node(item["inline"].node(), ctx.file, diags, schema));
    ++inline_count;
  }
  if (!s.manifest_paths.empty()) {
    kube::ObjectSet loaded = load_manifests(s.manifest_paths, diags, written_at, schema);
    loaded.append(std::move(s.objects));
    s.objects = std::move(loaded);
  }
  (void)inline_count;
}

}  // namespace

proxy::SyncConfig ProxySpec::sync_config() const {
  proxy::SyncConfig c = proxy::SyncConfig::defaults(config.mode, config.version,
                                                    sync_period.value_or(engine::Time::s(30)));
  c.costs = sync_costs;
  if (min_sync_period) c.min_sync_period = *min_sync_period;
  c.iptables_partial = iptables_partial.value_or(config.version.partial_restore_default());
  c.burst_syncs = burst_syncs;
  return c;
}

namespace {

// Why `host` can name no machine ("" when it can): an IPv4 address in dotted
// quads, or a DNS name of letters, digits and inner hyphens (RFC 1123), whose
// last label is not all digits, or it would be an address.
std::string host_problem(std::string_view host) {
  const auto all_digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  std::vector<std::string_view> labels;
  for (std::size_t start = 0;;) {
    const auto dot = host.find('.', start);
    labels.push_back(host.substr(start, dot == std::string_view::npos ? host.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels.size() > 1 && labels.back().empty()) labels.pop_back();  // a rooted name: "web."
  if (all_digits(labels.back())) {
    bool quad = labels.size() == 4;
    for (std::string_view l : labels)
      quad = quad && all_digits(l) && l.size() <= 3 && std::stoi(std::string(l)) <= 255;
    return quad ? "" : "the host is neither an IPv4 address nor a DNS name";
  }
  if (host.size() > 253) return "a DNS name is at most 253 characters";
  for (std::string_view l : labels) {
    const bool ok = !l.empty() && l.size() <= 63 && l.front() != '-' && l.back() != '-' &&
                    l.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-") == std::string_view::npos;
    if (!ok) {
      return "'" + std::string(l) + "' in host '" + std::string(host) +
             "' is not a DNS label (1 to 63 letters, digits or inner hyphens)";
    }
  }
  return "";
}

}  // namespace

std::optional<Url> Url::parse(std::string_view text, std::string* error) {
  Url u;
  u.text = std::string(text);
  std::string_view rest = text;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    u.port = 443;
  } else if (rest.starts_with("udp://")) {
    rest.remove_prefix(6);
    u.udp = true;
  } else if (rest.find("://") != std::string_view::npos) {
    if (error)
      *error = "'" + std::string(text) + "': only http://, https:// and udp:// URLs are understood";
    return std::nullopt;
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) u.path = std::string(rest.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    int port = 0;
    const auto digits = authority.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || port < 1 || port > 65535) {
      if (error) *error = "'" + std::string(text) + "': the port must be a number from 1 to 65535";
      return std::nullopt;
    }
    u.port = static_cast<std::uint16_t>(port);
    authority = authority.substr(0, colon);
  } else if (u.udp) {
    if (error) *error = "'" + std::string(text) + "': a udp:// URL needs a port (udp://HOST:PORT)";
    return std::nullopt;
  }
  if (authority.empty()) {
    if (error) *error = "'" + std::string(text) + "': no host name";
    return std::nullopt;
  }
  if (const std::string why = host_problem(authority); !why.empty()) {
    if (error) *error = "'" + std::string(text) + "': " + why;
    return std::nullopt;
  }
  u.host = std::string(authority);
  return u;
}

bool is_cluster_scenario_text(const std::string& text) {
  try {
    const auto documents = kube::read_yaml_fast(text);
    const YAML::Node root =
        documents ? (documents->empty() ? YAML::Node() : (*documents)[0]) : YAML::Load(text);
    return root.IsMap() && root["cluster"].IsDefined();
  } catch (const YAML::Exception&) {
    return false;
  }
}

ClusterScenario parse_cluster_scenario(const std::string& text, const std::string& file,
                                       const std::vector<std::string>& overrides,
                                       const kube::SchemaCheck* schema) {
  ClusterScenario s;
  s.file = file;
  Diagnostics diags;
  YamlContext ctx{file, &diags, {}, schema != nullptr && schema->strict, true};
  const YAML::Node root = load_scenario_document(text, overrides, ctx);

  const YamlField top(root, "", ctx);
  top.expect_mapping({"run", "cluster", "manifests", "apps", "traffic", "churn", "outputs"});
  parse_run_settings(top["run"], s.run);
  const YamlField cluster = top["cluster"];
  if (!cluster.present())
    cluster.error("missing; expected the cluster's nodes and network");
  else
    parse_cluster(cluster, ctx, s);
  const std::string base_dir = std::filesystem::path(file).parent_path().string();
  parse_manifests(top["manifests"], ctx, base_dir.empty() ? "." : base_dir, s, diags, schema);
  if (!diags.has_errors()) check_manifests(s.objects, diags);
  parse_apps(top["apps"], ctx, s);
  parse_traffic(top["traffic"], ctx, s);
  parse_churn(top["churn"], ctx, s);
  const YamlField outputs = top["outputs"];
  if (outputs.present() &&
      outputs.expect_mapping({"trace", "requests", "connections", "packets", "programming_records",
                              "sample_interval", "flush_interval"})) {
    if (auto v = outputs["flush_interval"].time()) {
      if (*v < Time::zero())
        outputs["flush_interval"].error("must not be negative");
      else
        s.flush_interval = *v;
    }
    if (auto v = outputs["sample_interval"].time()) {
      if (*v < Time::zero())
        outputs["sample_interval"].error("must not be negative");
      else
        s.sample_interval = *v;
    }
    if (auto v = outputs["trace"].string()) {
      if (!v->ends_with(".h5"))
        outputs["trace"].error("expected a file name ending in .h5, got '" + *v + "'");
      else
        s.trace_path = *v;
    }
    if (auto v = boolean(outputs["requests"])) s.trace_requests = *v;
    if (auto v = boolean(outputs["connections"])) s.trace_connections = *v;
    if (auto v = boolean(outputs["programming_records"])) s.trace_programming_records = *v;
    const YamlField packets = outputs["packets"];
    if (packets.present() && packets.expect_mapping({"every"})) {
      if (auto v = packets["every"].integer(1, 1'000'000'000, true))
        s.trace_packets_every = static_cast<std::uint64_t>(*v);
    }
  }

  if (diags.has_errors()) throw ScenarioError(std::move(diags));
  s.resolved_text = resolved_text(root);
  s.overridden_paths = ctx.overridden_paths;
  s.diagnostics = std::move(diags);
  return s;
}

ClusterScenario load_cluster_scenario(const std::string& path,
                                      const std::vector<std::string>& overrides,
                                      const kube::SchemaCheck* schema) {
  return parse_cluster_scenario(read_scenario_file(path), path, overrides, schema);
}

}  // namespace podwire::scenario
