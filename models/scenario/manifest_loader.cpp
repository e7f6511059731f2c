#include "models/scenario/manifest_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "models/scenario/manifest_parser.hpp"

namespace podwire::scenario {

namespace {

bool has_yaml_extension(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

bool is_kustomization(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization";
}

}  // namespace

// --- ManifestSet ---------------------------------------------------------------------

std::size_t ManifestSet::object_count() const {
  return namespaces.size() + pods.size() + deployments.size() + replica_sets.size() +
         replication_controllers.size() + stateful_sets.size() + daemon_sets.size() + services.size() +
         endpoint_slices.size() + ingresses.size() + network_policies.size();
}

int ManifestSet::unknown_count() const {
  int n = 0;
  for (const auto& [kind, count] : unknown_kinds) n += count;
  return n;
}

void ManifestSet::append(ManifestSet&& o) {
  const auto move_all = [](auto& into, auto& from) {
    into.insert(into.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  move_all(files, o.files);
  move_all(namespaces, o.namespaces);
  move_all(pods, o.pods);
  move_all(deployments, o.deployments);
  move_all(replica_sets, o.replica_sets);
  move_all(replication_controllers, o.replication_controllers);
  move_all(stateful_sets, o.stateful_sets);
  move_all(daemon_sets, o.daemon_sets);
  move_all(services, o.services);
  move_all(endpoint_slices, o.endpoint_slices);
  move_all(ingresses, o.ingresses);
  move_all(network_policies, o.network_policies);
  for (const auto& [kind, count] : o.unknown_kinds) unknown_kinds[kind] += count;
  o = ManifestSet{};
}

std::vector<PodTemplateRef> ManifestSet::pod_templates() const {
  std::vector<PodTemplateRef> out;
  constexpr std::string_view templ = "spec.template.spec";
  for (const auto& w : deployments) {
    out.push_back({"Deployment", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source, templ, w.replicas});
  }
  for (const auto& w : replica_sets) {
    out.push_back({"ReplicaSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source, templ, w.replicas});
  }
  for (const auto& w : replication_controllers) {
    out.push_back({"ReplicationController", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source,
                   templ, w.replicas});
  }
  for (const auto& w : stateful_sets) {
    out.push_back({"StatefulSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source, templ, w.replicas});
  }
  for (const auto& w : daemon_sets) {
    out.push_back({"DaemonSet", &w.meta, &w.template_.metadata.labels, &w.template_.spec, &w.source, templ, -1});
  }
  for (const auto& p : pods) out.push_back({"Pod", &p.meta, &p.meta.labels, &p.spec, &p.source, "spec", 1});
  return out;
}

// --- entry points ----------------------------------------------------------------------

ManifestSet parse_manifest_text(const std::string& text, const std::string& file, Diagnostics& diagnostics) {
  ManifestSet set;
  set.files.push_back(file);
  ManifestParser(file, diagnostics, set).parse_text(text);
  return set;
}

ManifestSet load_manifests(const std::vector<std::string>& paths, Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  ManifestSet set;
  std::set<fs::path> seen;
  const auto load_file = [&](const fs::path& path) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    if (!seen.insert(ec ? path : canonical).second) return;
    const std::string name = path.generic_string();
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad()) {
      diagnostics.add(Diagnostic{Severity::error, name, 0, 0, "", "cannot read this file"});
      return;
    }
    set.append(parse_manifest_text(text.str(), name, diagnostics));
  };
  for (const std::string& p : paths) {
    std::error_code ec;
    const fs::path path(p);
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && has_yaml_extension(it->path())) files.push_back(it->path());
      }
      if (ec) diagnostics.add(Diagnostic{Severity::error, p, 0, 0, "", "cannot list this folder: " + ec.message()});
      std::sort(files.begin(), files.end(),
                [](const fs::path& a, const fs::path& b) { return a.generic_string() < b.generic_string(); });
      if (files.empty() && !ec) {
        diagnostics.add(Diagnostic{Severity::warning, p, 0, 0, "", "this folder has no *.yaml or *.yml files"});
      }
      for (const fs::path& f : files) {
        if (is_kustomization(f)) {
          diagnostics.add(Diagnostic{Severity::notice, f.generic_string(), 0, 0, "",
                                     "kustomization files are not expanded; the folder's manifests are read as they are"});
          continue;
        }
        load_file(f);
      }
    } else if (fs::exists(path, ec)) {
      load_file(path);
    } else {
      diagnostics.add(Diagnostic{Severity::error, p, 0, 0, "", "no such file or folder"});
    }
  }
  return set;
}

}  // namespace podwire::scenario
