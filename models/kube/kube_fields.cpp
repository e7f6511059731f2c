#include "models/kube/kube_fields.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <stdexcept>

namespace podwire::kube {

namespace {

// A scalar written in quotes: YAML (and so Kubernetes) reads it as a string
// even when it looks like a number.
bool quoted(const YAML::Node& n) { return n.IsScalar() && n.Tag() == "!"; }

std::optional<std::int64_t> to_integer(const std::string& text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string kind_of(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  return "'" + n.Scalar() + "'";
}

}  // namespace

bool is_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

YamlField KubeFields::item(const YamlField& list, std::size_t i) const {
  return YamlField(list.node()[i], list.path() + "[" + std::to_string(i) + "]", *context_);
}

std::size_t KubeFields::list_size(const YamlField& list) const {
  if (!list.present()) return 0;
  if (!list.node().IsSequence()) {
    list.error("expected a list, got " + kind_of(list.node()));
    return 0;
  }
  return list.node().size();
}

bool KubeFields::is_mapping(const YamlField& f, std::string_view what) const {
  if (!f.present()) return false;
  if (f.node().IsMap()) return true;
  f.error("expected " + std::string(what) + ", got " + kind_of(f.node()));
  return false;
}

void KubeFields::report_at(const YamlField& where, const std::string& path, Severity severity,
                           const std::string& message) const {
  Diagnostic d;
  d.severity = severity;
  d.file = context_->file;
  d.path = path;
  d.message = message;
  if (where.node().IsDefined()) {
    const YAML::Mark mark = where.node().Mark();
    if (!mark.is_null()) {
      d.line = mark.line + 1;
      d.column = mark.column + 1;
    }
  }
  context_->diagnostics->add(std::move(d));
}

void KubeFields::missing(const YamlField& parent, std::string_view key,
                         const std::string& what) const {
  const std::string path =
      parent.path().empty() ? std::string(key) : parent.path() + "." + std::string(key);
  report_at(parent, path, Severity::error, "missing; expected " + what);
}

SourceLocation KubeFields::location(const YamlField& f) const {
  SourceLocation loc{context_->file, 0, 0};
  if (f.node().IsDefined()) {
    const YAML::Mark mark = f.node().Mark();
    if (!mark.is_null()) {
      loc.line = mark.line + 1;
      loc.column = mark.column + 1;
    }
  }
  return loc;
}

std::optional<bool> KubeFields::boolean(const YamlField& f) const {
  const auto text = f.string();
  if (!text) return std::nullopt;
  // YAML 1.1 spellings, which Kubernetes' YAML reader accepts.
  for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    if (*text == t) return true;
  }
  for (const char* t : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    if (*text == t) return false;
  }
  f.error("expected true or false, got '" + *text + "'");
  return std::nullopt;
}

std::optional<int> KubeFields::integer(const YamlField& f, int min, int max) const {
  const auto v = f.integer(min, max);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::vector<std::string> KubeFields::strings(const YamlField& f) const {
  std::vector<std::string> out;
  const std::size_t n = list_size(f);
  for (std::size_t i = 0; i < n; ++i) {
    if (auto s = item(f, i).string()) out.push_back(*s);
  }
  return out;
}

std::optional<Labels> KubeFields::string_map(const YamlField& f, std::string_view what) const {
  if (!f.present()) return std::nullopt;
  if (!is_mapping(f, what)) return std::nullopt;
  Labels out;
  bool ok = true;
  for (const auto& kv : f.node()) {
    const std::string key = kv.first.Scalar();
    const YamlField value(kv.second, f.path() + "." + key, *context_);
    if (!value.present()) {
      out[key] = "";
    } else if (auto s = value.string()) {
      out[key] = *s;
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<LabelSelector> KubeFields::label_selector(const YamlField& f) const {
  if (!f.present()) return std::nullopt;
  if (!is_mapping(f, "a label selector (a mapping with matchLabels and/or matchExpressions)")) {
    return std::nullopt;
  }
  const std::size_t errors = error_count();
  LabelSelector s;
  if (auto labels = string_map(f["matchLabels"], "a mapping of label keys to values"))
    s.match_labels = *labels;
  const YamlField expressions = f["matchExpressions"];
  const std::size_t n = list_size(expressions);
  for (std::size_t i = 0; i < n; ++i) {
    const YamlField e = item(expressions, i);
    if (!is_mapping(e, "a requirement {key, operator, values}")) continue;
    LabelSelectorRequirement r;
    if (auto key = e["key"].string())
      r.key = *key;
    else if (!e["key"].present())
      missing(e, "key", "a label key");
    const YamlField op = e["operator"];
    if (!op.present()) {
      missing(e, "operator", "one of In, NotIn, Exists, DoesNotExist");
      continue;
    }
    const auto parsed =
        one_of<SelectorOperator>(op, {{"In", SelectorOperator::in},
                                      {"NotIn", SelectorOperator::not_in},
                                      {"Exists", SelectorOperator::exists},
                                      {"DoesNotExist", SelectorOperator::does_not_exist}});
    if (!parsed) continue;
    r.op = *parsed;
    r.values = strings(e["values"]);
    const bool needs_values = r.op == SelectorOperator::in || r.op == SelectorOperator::not_in;
    if (needs_values && r.values.empty()) {
      report_at(e, e.path() + ".values", Severity::error,
                "operator " + std::string(to_string(r.op)) + " needs at least one value");
    } else if (!needs_values && !r.values.empty()) {
      e["values"].error("operator " + std::string(to_string(r.op)) + " takes no values");
    }
    s.match_expressions.push_back(std::move(r));
  }
  if (error_count() != errors) return std::nullopt;
  return s;
}

std::optional<PortRef> KubeFields::port_ref(const YamlField& f, bool allow_zero) const {
  const auto text = f.string();
  if (!text) return std::nullopt;
  const int min = allow_zero ? 0 : 1;  // 0 where Kubernetes reads it as "not given"
  const std::string expected = "expected a port number from 1 to 65535 or a port name";
  if (!quoted(f.node())) {
    if (const auto v = to_integer(*text)) {
      if (*v < min || *v > 65535) {
        f.error(expected + ", got '" + *text + "'");
        return std::nullopt;
      }
      return PortRef{static_cast<int>(*v), ""};
    }
  }
  if (to_integer(*text)) {
    f.error("a quoted number is a port name to Kubernetes, and port names need a letter; write " +
            *text + " without quotes");
    return std::nullopt;
  }
  const std::string problem = port_name_problem(*text);
  if (!problem.empty()) {
    f.error(expected + ", got '" + *text + "' (" + problem + ")");
    return std::nullopt;
  }
  return PortRef{0, *text};
}

std::optional<IntOrPercent> KubeFields::int_or_percent(const YamlField& f) const {
  const auto text = f.string();
  if (!text) return std::nullopt;
  const std::string expected =
      "expected a count such as 1 or a percentage such as 25%, got '" + *text + "'";
  if (!text->empty() && text->back() == '%') {
    const auto v = to_integer(text->substr(0, text->size() - 1));
    if (!v || *v < 0 || *v > 1'000'000) {
      f.error(expected);
      return std::nullopt;
    }
    return IntOrPercent{static_cast<int>(*v), true};
  }
  const auto v = quoted(f.node()) ? std::nullopt : to_integer(*text);
  if (!v || *v < 0 || *v > 1'000'000'000) {
    f.error(expected);
    return std::nullopt;
  }
  return IntOrPercent{static_cast<int>(*v), false};
}

std::optional<Protocol> KubeFields::protocol(const YamlField& f) const {
  return one_of<Protocol>(
      f, {{"TCP", Protocol::tcp}, {"UDP", Protocol::udp}, {"SCTP", Protocol::sctp}});
}

std::optional<std::int64_t> KubeFields::cpu(const YamlField& f) const {
  const auto text = f.string();
  if (!text) return std::nullopt;
  try {
    return parse_cpu_millicores(*text);
  } catch (const std::invalid_argument& e) {
    f.error(e.what());
    return std::nullopt;
  }
}

std::optional<std::int64_t> KubeFields::memory(const YamlField& f) const {
  const auto text = f.string();
  if (!text) return std::nullopt;
  try {
    return parse_memory_bytes(*text);
  } catch (const std::invalid_argument& e) {
    f.error(e.what());
    return std::nullopt;
  }
}

}  // namespace podwire::kube
