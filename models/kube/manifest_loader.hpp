// The manifest loader: reads ordinary Kubernetes YAML (files or folders,
// multi-document, `kind: List`) into the plain objects of objects.hpp. Kinds
// podwire does not model are counted and noticed, never rejected; every real
// problem becomes a Diagnostic with file:line:column and the field's path.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/kube/diagnostic.hpp"
#include "models/kube/kube_schema.hpp"
#include "models/kube/object_set.hpp"

namespace podwire::kube {

// Parses one YAML text (any number of documents). Empty documents are
// skipped; an object with errors is reported and left out of the result.
// Never throws.
// `schema`, when given, checks each object against the Kubernetes API
// schema (kube_schema.hpp).
ObjectSet parse_manifest_text(const std::string& text, const std::string& file,
                              Diagnostics& diagnostics, const SchemaCheck* schema = nullptr);
// One object already read, as part of a larger document (a scenario's inline
// manifest): its problems are told at its own marks in `file`.
ObjectSet parse_manifest_node(const YAML::Node& object, const std::string& file,
                              Diagnostics& diagnostics, const SchemaCheck* schema = nullptr);

// Loads files and folders. A folder contributes every *.yaml / *.yml file
// below it, recursively, in sorted path order (kustomization files excepted:
// they are noticed, not expanded); a file given twice is read once. A path
// that cannot be read is an error, and so is a folder that is the file
// system's root or holds more than kMaxFolderEntries files and folders (it is
// then not read). Never throws.
// `written_at[i]`, when given, is where paths[i] was written (a scenario's
// manifests list): problems with the path itself are reported there.
struct WrittenAt {
  SourceLocation at;
  std::string field;  // e.g. "manifests[0]"
};
inline constexpr std::size_t kMaxFolderEntries = 20'000;
ObjectSet load_manifests(const std::vector<std::string>& paths, Diagnostics& diagnostics,
                         std::span<const WrittenAt> written_at = {},
                         const SchemaCheck* schema = nullptr);

}  // namespace podwire::kube
