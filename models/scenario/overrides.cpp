#include "models/scenario/overrides.hpp"

#include <charconv>
#include <string>
#include <system_error>
#include <vector>

namespace podwire::scenario {

void apply_overrides(YAML::Node& root, const std::vector<std::string>& assignments,
                     YamlContext& context) {
  for (const std::string& a : assignments) {
    const auto eq = a.find('=');
    const std::string path = a.substr(0, eq);
    auto fail = [&](const std::string& why) {
      context.diagnostics->add(Diagnostic{Severity::error, "--set " + a, 0, 0, path, why});
    };
    if (eq == std::string::npos || eq == 0) {
      fail("expected path=value, e.g. queueing.servers=8");
      continue;
    }
    // `--set a.b=` is a value left out; `a.b=null` says "absent" on purpose.
    if (a.find_first_not_of(" \t", eq + 1) == std::string::npos) {
      fail("no value after '='; write " + path + "=null to leave the field out");
      continue;
    }
    YAML::Node value;
    try {
      value = YAML::Load(a.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      fail("value is not valid YAML: " + e.msg);
      continue;
    }
    YAML::Node cur = root;
    std::size_t start = 0;
    bool ok = true;
    while (ok) {
      const auto dot = path.find('.', start);
      std::string key =
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      // "traffic[0]": a list item, by index (the list must have it).
      std::vector<std::size_t> indices;
      while (ok && !key.empty() && key.back() == ']') {
        const auto open = key.rfind('[');
        std::size_t index = 0;
        const std::string digits =
            open == std::string::npos ? "" : key.substr(open + 1, key.size() - open - 2);
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
          fail("'" + key + "': a list index is a number in brackets, e.g. traffic[0]");
          ok = false;
          break;
        }
        if (const auto [end, ec] =
                std::from_chars(digits.data(), digits.data() + digits.size(), index);
            ec != std::errc() || end != digits.data() + digits.size()) {
          fail("'" + key + "': list index " + digits + " is out of range");
          ok = false;
          break;
        }
        indices.insert(indices.begin(), index);
        key.resize(open);
      }
      if (!ok) break;
      if (key.empty()) {
        fail("empty field name in path");
        ok = false;
        break;
      }
      if (cur.IsDefined() && !cur.IsNull() && !cur.IsMap()) {
        fail("'" + path.substr(0, start == 0 ? 0 : start - 1) + "' is not a mapping");
        ok = false;
        break;
      }
      const bool last = dot == std::string::npos;
      if (last && indices.empty()) {
        cur[key] = value;
        break;
      }
      YAML::Node next = cur[key];
      cur.reset(next);  // rebind; operator= would assign into the node instead
      for (std::size_t i = 0; ok && i < indices.size(); ++i) {
        if (!cur.IsSequence() || indices[i] >= cur.size()) {
          fail("'" + path.substr(0, start) + key + "' has no item " + std::to_string(indices[i]) +
               " (it has " + std::to_string(cur.IsSequence() ? cur.size() : 0) + ")");
          ok = false;
          break;
        }
        if (last && i + 1 == indices.size()) {
          cur[indices[i]] = value;
        } else {
          YAML::Node item = cur[indices[i]];
          cur.reset(item);
        }
      }
      if (!ok || last) break;
      start = dot + 1;
    }
    if (ok) context.overridden_paths.insert(path);
  }
}

}  // namespace podwire::scenario
