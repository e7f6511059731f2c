#include "models/scenario/diagnostic.hpp"

#include <algorithm>

namespace podwire::scenario {

namespace {
const char* severity_name(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::notice: return "notice";
  }
  return "error";
}
}  // namespace

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += std::string(": ") + severity_name(severity) + ": ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

bool Diagnostics::has_errors() const { return count(Severity::error) > 0; }

std::size_t Diagnostics::count(Severity s) const {
  return static_cast<std::size_t>(
      std::count_if(items_.begin(), items_.end(), [s](const Diagnostic& d) { return d.severity == s; }));
}

std::string Diagnostics::to_string() const {
  std::vector<const Diagnostic*> sorted;
  for (const Diagnostic& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    return a->file != b->file ? a->file < b->file : a->line < b->line;
  });
  std::string out;
  for (const Diagnostic* d : sorted) out += d->to_string() + "\n";
  return out;
}

ScenarioError::ScenarioError(Diagnostics diagnostics)
    : std::runtime_error(diagnostics.to_string()), diagnostics_(std::move(diagnostics)) {}

}  // namespace podwire::scenario
