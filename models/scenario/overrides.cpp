#include "models/scenario/overrides.hpp"

namespace podwire::scenario {

void apply_overrides(YAML::Node& root, const std::vector<std::string>& assignments, YamlContext& context) {
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
      const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
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
      if (dot == std::string::npos) {
        cur[key] = value;
        break;
      }
      YAML::Node next = cur[key];
      cur.reset(next);  // rebind; operator= would assign into the node instead
      start = dot + 1;
    }
    if (ok) context.overridden_paths.insert(path);
  }
}

}  // namespace podwire::scenario
