// The manifest loader: reads ordinary Kubernetes YAML (files or folders,
// multi-document, `kind: List`) into the plain objects of models/kube. Kinds
// podwire does not model are counted and noticed, never rejected; every real
// problem becomes a Diagnostic with file:line:column and the field's path.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "models/kube/object_set.hpp"
#include "models/scenario/diagnostic.hpp"

namespace podwire::scenario {

// The loaded objects (models/kube/object_set.hpp); the names are kept here
// because they read naturally in loader code.
using ManifestSet = kube::ObjectSet;
using PodTemplateRef = kube::PodTemplateRef;

// Parses one YAML text (any number of documents). Empty documents are
// skipped; an object with errors is reported and left out of the result.
// Never throws.
ManifestSet parse_manifest_text(const std::string& text, const std::string& file, Diagnostics& diagnostics);

// Loads files and folders. A folder contributes every *.yaml / *.yml file
// below it, recursively, in sorted path order (kustomization files excepted:
// they are noticed, not expanded); a file given twice is read once. A path
// that cannot be read is an error. Never throws.
ManifestSet load_manifests(const std::vector<std::string>& paths, Diagnostics& diagnostics);

}  // namespace podwire::scenario
