#include "models/kube/manifest_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "models/kube/manifest_parser.hpp"
#include "models/kube/yaml_documents.hpp"

namespace podwire::kube {

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

// --- ObjectSet ---------------------------------------------------------------------

// --- entry points ----------------------------------------------------------------------

ObjectSet parse_manifest_text(const std::string& text, const std::string& file,
                              Diagnostics& diagnostics, const SchemaCheck* schema) {
  ObjectSet set;
  set.files.push_back(file);
  ManifestParser(file, diagnostics, set, schema).parse_text(text);
  return set;
}

ObjectSet parse_manifest_node(const YAML::Node& object, const std::string& file,
                              Diagnostics& diagnostics, const SchemaCheck* schema) {
  ObjectSet set;
  set.files.push_back(file);
  ManifestParser(file, diagnostics, set, schema).parse_node(object);
  return set;
}

ObjectSet load_manifests(const std::vector<std::string>& paths, Diagnostics& diagnostics,
                         std::span<const WrittenAt> written_at, const SchemaCheck* schema) {
  namespace fs = std::filesystem;
  ObjectSet set;
  std::set<fs::path> seen;
  // `problem` reports a file that cannot be read: where its path was written, or the file.
  const auto load_file = [&](const fs::path& path, const auto& problem) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    if (!seen.insert(ec ? path : canonical).second) return;
    const std::string name = path.generic_string();
    std::string text;
    const FileRead read = read_text_file(name, text);
    if (read == FileRead::too_large) {
      problem(file_read_message(read));
      return;
    }
    if (read != FileRead::ok) {
      problem("cannot read this file");
      return;
    }
    set.append(parse_manifest_text(text, name, diagnostics, schema));
  };
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::string& p = paths[i];
    // A problem with the path itself: where it was written, when that is known.
    const auto problem = [&](Severity severity, const std::string& message) {
      if (i < written_at.size()) {
        const WrittenAt& w = written_at[i];
        diagnostics.add(Diagnostic{severity, w.at.file, w.at.line, w.at.column, w.field,
                                   "'" + p + "': " + message});
      } else {
        diagnostics.add(Diagnostic{severity, p, 0, 0, "", message});
      }
    };
    std::error_code ec;
    const fs::path path(p);
    if (fs::is_directory(path, ec)) {
      // A folder of manifests is a project's, not a file system's: `/` (or
      // `//`, `/..`) would be walked for minutes.
      const fs::path canonical = fs::weakly_canonical(fs::absolute(path, ec), ec);
      if (!ec && canonical == canonical.root_path()) {
        problem(Severity::error,
                "this is the root of the file system; name the folder that holds the manifests");
        continue;
      }
      std::vector<fs::path> files;
      std::size_t entries = 0;
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec),
          end;
      for (; !ec && it != end && entries <= kMaxFolderEntries; it.increment(ec), ++entries) {
        if (it->is_regular_file(ec) && has_yaml_extension(it->path())) files.push_back(it->path());
      }
      if (ec) problem(Severity::error, "cannot list this folder: " + ec.message());
      if (entries > kMaxFolderEntries) {
        problem(Severity::error, "this folder holds more than " +
                                     std::to_string(kMaxFolderEntries) +
                                     " files and folders, more than any set of manifests; name "
                                     "the folder that holds the manifests");
        continue;
      }
      std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
        return a.generic_string() < b.generic_string();
      });
      if (files.empty() && !ec) {
        problem(Severity::warning, "this folder has no *.yaml or *.yml files");
      }
      for (const fs::path& f : files) {
        if (is_kustomization(f)) {
          diagnostics.add(Diagnostic{
              Severity::notice, f.generic_string(), 0, 0, "",
              "kustomization files are not expanded; the folder's manifests are read as they are"});
          continue;
        }
        load_file(f, [&](const std::string& message) {
          diagnostics.add(Diagnostic{Severity::error, f.generic_string(), 0, 0, "", message});
        });
      }
    } else if (fs::exists(path, ec)) {
      load_file(path, [&](const std::string& message) { problem(Severity::error, message); });
    } else {
      problem(Severity::error, "no such file or folder");
    }
  }
  return set;
}

}  // namespace podwire::kube
