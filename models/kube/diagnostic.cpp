#include "models/kube/diagnostic.hpp"

#include <algorithm>
#include <initializer_list>

namespace podwire::kube {

namespace {
const char* severity_name(Severity s) {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::notice:
      return "notice";
  }
  return "error";
}
}  // namespace

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += std::string(out.empty() ? "" : ": ") + severity_name(severity) + ": ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

namespace {

// The length of the UTF-8 sequence at text[i], or 0 when there is none.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xbf;  // the range of the second byte (no overlongs, surrogates or > U+10FFFF)
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return n;
}

}  // namespace

bool is_utf8(std::string_view text, std::size_t* bad) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    if (n == 0) {
      if (bad != nullptr) *bad = i;
      return false;
    }
    i += n;
  }
  return true;
}

std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(text, i);
    if (n > 1) {
      out.append(text.substr(i, n));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (n == 0 || c < 0x20 || c == 0x7f) {
      out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
    i += n == 0 ? 1 : n;
  }
  return out;
}

void Diagnostics::add(Diagnostic d) {
  if (counts_[static_cast<int>(d.severity)]++ >= kMaxShown) return;
  d.file = printable(d.file);
  d.path = printable(d.path);
  d.message = printable(d.message);
  items_.push_back(std::move(d));
}

namespace {
bool descends(const std::string& path, const std::string& ancestor) {
  return path.size() > ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
         (path[ancestor.size()] == '.' || path[ancestor.size()] == '[');
}
}  // namespace

const std::string* override_of(const std::set<std::string>& overridden, const std::string& path,
                               bool placeless) {
  for (const std::string& p : overridden) {
    if (p == path || descends(path, p) || (placeless && descends(p, path))) return &p;
  }
  return nullptr;
}

void Diagnostics::place_overrides(const std::set<std::string>& overridden_paths) {
  if (overridden_paths.empty()) return;
  for (Diagnostic& d : items_) {
    if (d.path.empty()) continue;
    if (const std::string* p = override_of(overridden_paths, d.path, d.line == 0)) {
      d.file = printable("--set " + *p);
      d.line = 0;
      d.column = 0;
    }
  }
}

bool Diagnostics::has_errors() const { return count(Severity::error) > 0; }

std::size_t Diagnostics::count(Severity s) const { return counts_[static_cast<int>(s)]; }

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> out = items_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.file != b.file) return a.file < b.file;
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  for (Severity s : {Severity::error, Severity::warning, Severity::notice}) {
    const std::size_t n = count(s);
    if (n <= kMaxShown) continue;
    const std::string noun = severity_name(s);
    out.push_back(Diagnostic{s, "", 0, 0, "",
                             std::to_string(n - kMaxShown) + " more " + noun +
                                 (n - kMaxShown == 1 ? "" : "s") + " not shown"});
  }
  return out;
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const Diagnostic& d : sorted()) out += d.to_string() + "\n";
  return out;
}

}  // namespace podwire::kube
