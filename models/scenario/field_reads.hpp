// Reads that several parts of the scenario parser share: a list's items, a
// boolean, a CIDR, the place of a value, and "a, b or c" for messages.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "models/kube/cidr.hpp"
#include "models/kube/objects.hpp"
#include "models/scenario/scenario_error.hpp"

namespace podwire::scenario {

// "a, b or c", for "expected ..." messages.
inline std::string one_of(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ");
    out += names[i];
  }
  return out;
}

inline kube::SourceLocation where(const YamlField& f, const std::string& file) {
  kube::SourceLocation s{file, 0, 0};
  if (f.node().IsDefined()) {
    const YAML::Mark m = f.node().Mark();
    if (!m.is_null()) {
      s.line = m.line + 1;
      s.column = m.column + 1;
    }
  }
  return s;
}

// The items of a list field; an error (and nothing) when it is not a list.
inline std::vector<YamlField> items(const YamlField& f, YamlContext& ctx) {
  std::vector<YamlField> out;
  if (!f.present()) return out;
  if (!f.node().IsSequence()) {
    f.error("expected a list");
    return out;
  }
  for (std::size_t i = 0; i < f.node().size(); ++i) {
    YamlField item(f.node()[i], f.path() + "[" + std::to_string(i) + "]", ctx, f.node().Mark());
    // `- ` with nothing after it: a slip, not an item.
    if (item.node().IsNull()) {
      if (ctx.strict)
        item.error("an empty list item");
      else
        item.warning("an empty list item is ignored");
      continue;
    }
    out.push_back(std::move(item));
  }
  return out;
}

inline std::optional<bool> boolean(const YamlField& f) {
  if (!f.present()) return std::nullopt;
  const auto s = f.string();
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "yes" || *s == "on") return true;
  if (*s == "false" || *s == "no" || *s == "off") return false;
  f.error("expected true or false, got '" + *s + "'");
  return std::nullopt;
}

inline std::optional<kube::Cidr> cidr(const YamlField& f) {
  const auto s = f.string();
  if (!s) return std::nullopt;
  try {
    return kube::Cidr::parse(*s);
  } catch (const std::invalid_argument& e) {
    f.error(e.what());
    return std::nullopt;
  }
}

}  // namespace podwire::scenario
