// Reading YAML text into documents for the manifest loader: yaml-cpp's LoadAll,
// guarded against its known endless loop, and resumed after a syntax error so
// the other documents of a file still load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "models/kube/diagnostic.hpp"

namespace podwire::kube {

// Every document of `text`, empty ones included (as null nodes). Each syntax
// error becomes an error Diagnostic at its file:line:column; the documents
// around it are still returned. Text that is not YAML text (not_yaml_text)
// is one error and no documents. Never throws a YAML::Exception.
std::vector<YAML::Node> read_yaml_documents(const std::string& text, const std::string& file,
                                            Diagnostics& diagnostics);

// An error at the first byte of `text` that YAML text cannot hold: a byte
// that is not UTF-8, or a control character other than tab, line feed and
// carriage return (a binary file). Nothing when the text is fine.
std::optional<Diagnostic> not_yaml_text(const std::string& text, const std::string& file);

// A file's text, read whole up to kMaxFileBytes: a larger file, or a device
// that never ends (/dev/zero), is not read on (too_large), and so never takes
// all the memory there is.
inline constexpr std::size_t kMaxFileBytes = std::size_t{256} << 20;
enum class FileRead { ok, cannot_open, cannot_read, too_large };
FileRead read_text_file(const std::string& path, std::string& text);
std::string file_read_message(FileRead r);  // "cannot open this file", ...

// A yaml-cpp exception's message for a diagnostic: "YAML syntax error: ...",
// printable whatever bytes the input had, or the nesting limit it hit.
std::string yaml_error_message(const YAML::Exception& e);

}  // namespace podwire::kube
