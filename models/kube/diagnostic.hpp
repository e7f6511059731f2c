// Diagnostic: one problem found in a scenario or manifest, located by file,
// line, column and the field's path, so a user can go straight to it. The
// loaders collect them all and report them together before any run starts.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace podwire::kube {

enum class Severity { error, warning, notice };

struct Diagnostic {
  Severity severity = Severity::error;
  std::string file;
  int line = 0;      // 1-based; 0 when the value has no place in a file (a --set override)
  int column = 0;    // 1-based
  std::string path;  // the field, e.g. "farm.service_time.mean"
  std::string message;

  // "scenario.yaml:12:5: error: farm.servers: expected an integer >= 1, got 'four'"
  std::string to_string() const;
};

// Whether `text` is UTF-8; when not, *bad is the offset of its first byte
// that is not.
bool is_utf8(std::string_view text, std::size_t* bad = nullptr);

// `text` on one printable line: control characters, DEL and bytes that are not
// UTF-8 as escapes (\n, \t, \r, \xNN), so a quoted value cannot break a
// diagnostic over lines or into invalid text.
std::string printable(std::string_view text);

// The --set path a problem at `path` belongs to: the overridden path itself,
// one inside an overridden value, or, for a problem with no place in the file
// (`placeless`), a mapping an override created, e.g. `a` for --set a.b=1.
const std::string* override_of(const std::set<std::string>& overridden, const std::string& path,
                               bool placeless);

class Diagnostics {
 public:
  // Of each severity, the first kMaxShown are kept; the others are counted.
  static constexpr std::size_t kMaxShown = 100;

  // Keeps d with its file, path and message made printable().
  void add(Diagnostic d);
  const std::vector<Diagnostic>& items() const { return items_; }
  // Reports at `--set P` what belongs to a value overridden by P (see
  // override_of): the model, built after the overrides, only knows places in
  // the file.
  void place_overrides(const std::set<std::string>& overridden_paths);
  bool has_errors() const;
  // Of one severity, kept or not.
  std::size_t count(Severity s) const;
  // The kept ones by file, then line and column (the order a reader fixes
  // them in), then one line per severity some were not kept of ("1900 more
  // errors not shown").
  std::vector<Diagnostic> sorted() const;
  // Every diagnostic on its own line, in sorted() order.
  std::string to_string() const;

 private:
  std::vector<Diagnostic> items_;
  std::size_t counts_[3] = {0, 0, 0};  // by Severity, kept or not
};

}  // namespace podwire::kube
