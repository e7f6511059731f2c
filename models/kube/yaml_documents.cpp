#include "models/kube/yaml_documents.hpp"

#include <yaml-cpp/depthguard.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "models/kube/yaml_fast_reader.hpp"
#include "models/kube/yaml_node_builder.hpp"

namespace podwire::kube {

namespace {

// YAML::LoadAll, minus a yaml-cpp 0.7 bug: a ',' at the top level of a
// document (e.g. a stray line ", x") makes LoadAll add null documents forever
// until memory runs out (jbeder/yaml-cpp#1040, fixed upstream in #1319). Two
// null documents at one position are that loop, reported as the syntax error
// it is. One pass: the documents are built from the same events.
std::vector<YAML::Node> load_all(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  std::vector<YAML::Node> documents;
  bool after_null = false;  // the last document was an empty one, at last_null_pos
  int last_null_pos = 0;
  while (true) {
    YamlNodeBuilder builder;
    if (!parser.HandleNextDocument(builder)) break;
    documents.push_back(builder.root());
    if (!builder.only_null()) {
      after_null = false;
      continue;
    }
    const YAML::Mark& at = builder.null_mark();
    if (after_null && last_null_pos == at.pos) {
      const char c =
          at.pos >= 0 && static_cast<std::size_t>(at.pos) < text.size() ? text[at.pos] : '?';
      throw YAML::ParserException(at,
                                  std::string("unexpected '") + c + "' outside a flow collection");
    }
    after_null = true;
    last_null_pos = at.pos;
  }
  return documents;
}

}  // namespace

std::string yaml_error_message(const YAML::Exception& e) {
  // yaml-cpp's depth guard says only "bad file".
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr)
    return "nested too deeply for the YAML reader (more than 2000 levels)";
  // Binary input puts raw bytes into yaml-cpp's messages; keep them printable.
  std::string message = "YAML syntax error: ";
  for (unsigned char c : e.msg) {
    if (c >= 0x20 && c < 0x7f) {
      message += static_cast<char>(c);
    } else {
      const char* hex = "0123456789abcdef";
      message += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    }
  }
  return message;
}

namespace {

Diagnostic syntax_error(const std::string& file, const YAML::Exception& e) {
  Diagnostic d{Severity::error, file, 0, 0, "", yaml_error_message(e)};
  if (!e.mark.is_null()) {
    d.line = e.mark.line + 1;
    d.column = e.mark.column + 1;
  }
  return d;
}

}  // namespace

std::optional<Diagnostic> not_yaml_text(const std::string& text, const std::string& file) {
  std::size_t bad = text.size();
  is_utf8(text, &bad);  // leaves bad alone when it is
  for (std::size_t i = 0; i < bad; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      bad = i;
      break;
    }
  }
  if (bad == text.size()) return std::nullopt;
  Diagnostic d{Severity::error, file, 1, 1, "", ""};
  for (std::size_t i = 0; i < bad; ++i) {
    if (text[i] == '\n') {
      ++d.line;
      d.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) {
      ++d.column;  // columns count characters
    }
  }
  static constexpr char hex[] = "0123456789abcdef";
  const auto c = static_cast<unsigned char>(text[bad]);
  const std::string byte = std::string("0x") + hex[c >> 4] + hex[c & 15];
  d.message = c < 0x80 ? "control character " + byte +
                             " is not allowed in YAML text (is this a binary file?)"
                       : "byte " + byte + " is not UTF-8; YAML files must be UTF-8 text";
  return d;
}

std::vector<YAML::Node> read_yaml_documents(const std::string& text, const std::string& file,
                                            Diagnostics& diagnostics) {
  if (auto d = not_yaml_text(text, file)) {
    diagnostics.add(std::move(*d));
    return {};
  }
  if (std::optional<std::vector<YAML::Node>> fast = read_yaml_fast(text)) return std::move(*fast);
  std::vector<YAML::Node> documents;
  try {
    documents = load_all(text);
  } catch (const YAML::Exception&) {
    // yaml-cpp stops at the first syntax error. Read the documents one by one
    // (split at `---` / `...` lines, which YAML forbids inside content) so the
    // good ones still load and every broken one is reported. Leading newlines
    // keep the marks at their lines in the file.
    documents.clear();
    std::size_t line = 0;
    std::size_t chunk_start_line = 0;
    std::string chunk;
    const auto flush = [&] {
      try {
        for (const YAML::Node& d : load_all(std::string(chunk_start_line, '\n') + chunk))
          documents.push_back(d);
      } catch (const YAML::Exception& e) {
        diagnostics.add(syntax_error(file, e));
      }
      chunk.clear();
    };
    std::istringstream in(text);
    for (std::string l; std::getline(in, l); ++line) {
      const bool start =
          l.rfind("---", 0) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
      const bool end =
          l.rfind("...", 0) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
      if (start) {
        flush();
        chunk_start_line = line;
      }
      chunk += l + "\n";
      if (end) {
        flush();
        chunk_start_line = line + 1;
      }
    }
    flush();
  }
  return documents;
}

FileRead read_text_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileRead::cannot_open;
  text.clear();
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    if (text.size() + static_cast<std::size_t>(in.gcount()) > kMaxFileBytes) {
      return FileRead::too_large;
    }
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  return in.bad() ? FileRead::cannot_read : FileRead::ok;
}

std::string file_read_message(FileRead r) {
  switch (r) {
    case FileRead::ok:
      return "";
    case FileRead::cannot_open:
      return "cannot open this file";
    case FileRead::cannot_read:
      return "cannot read this file";
    case FileRead::too_large:
      return "this file is larger than " + std::to_string(kMaxFileBytes >> 20) +
             " MiB (or has no end, as a device may); podwire reads no more";
  }
  return "";
}

}  // namespace podwire::kube
