// What the manifest loader's tests share: the repository's scenarios/manifests
// folder, loading (or parsing) with the cross-object checks, diagnostics as
// text with that folder left out, and objects by name.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/kube/manifest_checks.hpp"
#include "models/kube/manifest_loader.hpp"

namespace podwire::kube::manifest_test {

namespace fs = std::filesystem;

// The repository root: $PODWIRE_SOURCE_DIR, else found from this file's
// location, else from the working directory upwards (a build folder).
inline std::string source_dir() {
  const auto has_manifests = [](const fs::path& p) {
    std::error_code ec;
    return fs::exists(p / "scenarios" / "manifests" / "README.md", ec);
  };
  if (const char* env = std::getenv("PODWIRE_SOURCE_DIR"); env != nullptr && has_manifests(env))
    return env;
  const fs::path from_file = fs::path(__FILE__).parent_path() / ".." / ".." / "..";
  if (has_manifests(from_file))
    return fs::weakly_canonical(fs::absolute(from_file)).generic_string();
  for (fs::path p = fs::current_path();; p = p.parent_path()) {
    if (has_manifests(p)) return p.generic_string();
    if (p == p.root_path()) break;
  }
  return "";
}

inline const std::string& manifests_root() {
  static const std::string root = source_dir() + "/scenarios/manifests";
  return root;
}

// A diagnostic as text, with the manifests folder left out of file names.
inline std::string text_of(const Diagnostic& d) {
  std::string s = d.to_string();
  const std::string prefix = manifests_root() + "/";
  for (std::size_t at; (at = s.find(prefix)) != std::string::npos;) s.erase(at, prefix.size());
  return s;
}

inline std::vector<std::string> diagnostics_of(const Diagnostics& d, Severity severity) {
  std::vector<std::string> out;
  for (const Diagnostic& x : d.sorted()) {
    if (x.severity == severity) out.push_back(text_of(x));
  }
  return out;
}

struct Loaded {
  ObjectSet set;
  Diagnostics diagnostics;
  std::vector<std::string> errors() const { return diagnostics_of(diagnostics, Severity::error); }
  std::vector<std::string> warnings() const {
    return diagnostics_of(diagnostics, Severity::warning);
  }
  std::vector<std::string> notices() const { return diagnostics_of(diagnostics, Severity::notice); }
};

// Loads paths relative to scenarios/manifests, then runs the cross-object checks.
inline Loaded load(const std::vector<std::string>& relative_paths) {
  EXPECT_FALSE(source_dir().empty()) << "set PODWIRE_SOURCE_DIR to the repository root";
  std::vector<std::string> paths;
  for (const std::string& p : relative_paths) paths.push_back(manifests_root() + "/" + p);
  Loaded l;
  l.set = load_manifests(paths, l.diagnostics);
  check_manifests(l.set, l.diagnostics);
  return l;
}

inline Loaded parse(const std::string& text) {
  Loaded l;
  l.set = parse_manifest_text(text, "test.yaml", l.diagnostics);
  check_manifests(l.set, l.diagnostics);
  return l;
}

template <class T>
const T& named(const std::vector<T>& objects, const std::string& name) {
  const auto it =
      std::find_if(objects.begin(), objects.end(), [&](const T& o) { return o.meta.name == name; });
  if (it == objects.end()) throw std::runtime_error("no object named " + name);
  return *it;
}

inline int count_type(const ObjectSet& s, ServiceType type) {
  return static_cast<int>(std::count_if(s.services.begin(), s.services.end(),
                                        [&](const Service& x) { return x.type == type; }));
}

}  // namespace podwire::kube::manifest_test
