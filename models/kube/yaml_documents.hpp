// Reading YAML text into documents for the manifest loader: yaml-cpp's LoadAll,
// guarded against its known endless loop, and resumed after a syntax error so
// the other documents of a file still load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "models/kube/diagnostic.hpp"

namespace podwire::kube {

// Every document of `text`, empty ones included (as null nodes). Each syntax
// error becomes an error Diagnostic at its file:line:column; the documents
// around it are still returned. Never throws a YAML::Exception.
std::vector<YAML::Node> read_yaml_documents(const std::string& text, const std::string& file,
                                            Diagnostics& diagnostics);

// A yaml-cpp exception's message for a diagnostic: "YAML syntax error: ...",
// printable whatever bytes the input had, or the nesting limit it hit.
std::string yaml_error_message(const YAML::Exception& e);

}  // namespace podwire::kube
