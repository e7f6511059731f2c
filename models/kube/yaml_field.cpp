#include "models/kube/yaml_field.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

namespace podwire::kube {

namespace {

std::string join(std::span<const std::string_view> items) {
  std::string out;
  for (std::string_view s : items) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

// Optimal string alignment distance: edits, with a swap of two neighbours as one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::vector<std::string_view> closest_names(std::string_view name,
                                            std::span<const std::string_view> known) {
  std::vector<std::string_view> out;
  std::size_t best = std::max<std::size_t>(2, name.size() / 2) + 1;
  for (std::string_view k : known) {
    const std::size_t d = edit_distance(name, k);
    if (d < best) {
      best = d;
      out.clear();
    }
    if (d == best && out.size() < 3) out.push_back(k);
  }
  return out;
}

YamlField YamlField::operator[](std::string_view key) const {
  const std::string child_path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  const YAML::Mark here = node_.IsDefined() ? node_.Mark() : parent_mark_;
  if (!node_.IsDefined() || !node_.IsMap()) {
    return YamlField(YAML::Node(YAML::NodeType::Undefined), child_path, *context_, here);
  }
  // A const lookup never inserts into the document.
  const YAML::Node& map = node_;
  return YamlField(map[std::string(key)], child_path, *context_, here);
}

void YamlField::report(Severity severity, const std::string& message) const {
  Diagnostic d;
  d.severity = severity;
  d.path = path_;
  d.message = message;
  const YAML::Mark mark = node_.IsDefined() ? node_.Mark() : parent_mark_;
  if (const std::string* p = override_of(context_->overridden_paths, path_, mark.is_null())) {
    d.file = "--set " + *p;
  } else {
    d.file = context_->file;
    // A tree with no place of its own (an empty file is an empty mapping)
    // is the file as a whole: its first line.
    d.line = mark.is_null() ? 1 : mark.line + 1;
    d.column = mark.is_null() ? 1 : mark.column + 1;
  }
  context_->diagnostics->add(std::move(d));
}

bool YamlField::check_present(bool required, std::string_view what) const {
  if (present()) return true;
  if (required) error("missing; expected " + std::string(what));
  return false;
}

std::optional<std::string> YamlField::scalar(bool required, std::string_view what) const {
  if (!check_present(required, what)) return std::nullopt;
  if (!node_.IsScalar()) {
    error("expected " + std::string(what) + ", got a " + (node_.IsMap() ? "mapping" : "list"));
    return std::nullopt;
  }
  return node_.Scalar();
}

std::optional<std::string> YamlField::string(bool required) const {
  return scalar(required, "a string");
}

std::optional<std::int64_t> YamlField::integer(std::int64_t min, std::int64_t max,
                                               bool required) const {
  const std::string what = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  const auto text = scalar(required, what);
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < min || v > max) {
    error("expected " + what + ", got '" + *text + "'");
    return std::nullopt;
  }
  return v;
}

std::optional<double> YamlField::number(double min, double max, bool required) const {
  const std::string what = "a number from " + std::to_string(min) + " to " + std::to_string(max);
  const auto text = scalar(required, what);
  if (!text) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(*text, &used);
    if (used == text->size() && std::isfinite(v) && v >= min && v <= max) return v;
  } catch (const std::exception&) {
  }
  error("expected " + what + ", got '" + *text + "'");
  return std::nullopt;
}

namespace {

template <class T, class Parse>
std::optional<T> parse_unit(const YamlField& f, const std::optional<std::string>& text,
                            Parse parse) {
  if (!text) return std::nullopt;
  try {
    return parse(*text);
  } catch (const std::exception& e) {
    f.error(e.what());
    return std::nullopt;
  }
}

}  // namespace

std::optional<engine::Time> YamlField::time(bool required) const {
  return parse_unit<engine::Time>(*this, scalar(required, "a time such as '10ms'"),
                                  engine::Time::parse);
}
std::optional<engine::Rate> YamlField::rate(bool required) const {
  return parse_unit<engine::Rate>(*this, scalar(required, "a rate such as '5000/s'"),
                                  engine::Rate::parse);
}
std::optional<engine::Bytes> YamlField::bytes(bool required) const {
  return parse_unit<engine::Bytes>(*this, scalar(required, "a size such as '1500B'"),
                                   engine::Bytes::parse);
}
std::optional<engine::BitRate> YamlField::bit_rate(bool required) const {
  return parse_unit<engine::BitRate>(*this, scalar(required, "a bit rate such as '10Gbps'"),
                                     engine::BitRate::parse);
}

std::optional<engine::Distribution> YamlField::time_distribution(bool required) const {
  const char* what = "a time or a distribution such as {distribution: exponential, mean: 1ms}";
  if (!check_present(required, what)) return std::nullopt;
  // No distribution of times takes a negative one (a constant, a mean, a bound).
  const auto non_negative = [](const YamlField& f, std::optional<engine::Time> t) {
    if (t && *t < engine::Time::zero()) {
      f.error("must not be negative, got " + t->to_string());
      return std::optional<engine::Time>();
    }
    return t;
  };
  if (node_.IsScalar()) {
    const auto t = non_negative(*this, time(true));
    if (!t) return std::nullopt;
    return engine::Distribution::constant(t->seconds());
  }
  if (!node_.IsMap()) {
    error(std::string("expected ") + what);
    return std::nullopt;
  }
  const auto kind = (*this)["distribution"].string(true);
  if (!kind) return std::nullopt;
  auto seconds = [this, &non_negative](const char* key) -> std::optional<double> {
    const auto t = non_negative((*this)[key], (*this)[key].time(true));
    if (!t) return std::nullopt;
    return t->seconds();
  };
  try {
    if (*kind == "constant") {
      expect_mapping({"distribution", "value"});
      if (auto v = seconds("value")) return engine::Distribution::constant(*v);
    } else if (*kind == "exponential") {
      expect_mapping({"distribution", "mean"});
      if (auto m = seconds("mean")) return engine::Distribution::exponential(*m);
    } else if (*kind == "uniform") {
      expect_mapping({"distribution", "min", "max"});
      auto lo = seconds("min");
      auto hi = seconds("max");
      if (lo && hi) return engine::Distribution::uniform(*lo, *hi);
    } else if (*kind == "normal") {
      expect_mapping({"distribution", "mean", "stddev"});
      auto m = seconds("mean");
      auto s = seconds("stddev");
      if (m && s) return engine::Distribution::normal(*m, *s);
    } else if (*kind == "lognormal") {
      expect_mapping({"distribution", "mean", "stddev"});
      auto m = seconds("mean");
      auto s = seconds("stddev");
      if (m && s) return engine::Distribution::lognormal_from_mean_stddev(*m, *s);
    } else if (*kind == "pareto") {
      expect_mapping({"distribution", "alpha", "min", "max"});
      auto alpha = (*this)["alpha"].number(1e-9, 1e9, true);
      auto lo = seconds("min");
      if ((*this)["max"].present()) {
        auto hi = seconds("max");
        if (alpha && lo && hi) return engine::Distribution::bounded_pareto(*alpha, *lo, *hi);
      } else if (alpha && lo) {
        return engine::Distribution::pareto(*alpha, *lo);
      }
    } else if (*kind == "empirical") {
      expect_mapping({"distribution", "points"});
      const YamlField points = (*this)["points"];
      if (!points.present() || !points.node().IsSequence()) {
        points.error("expected a list of [time, cumulative probability] pairs");
        return std::nullopt;
      }
      std::vector<std::pair<double, double>> table;
      bool ok = true;
      for (std::size_t i = 0; i < points.node().size(); ++i) {
        const YamlField p(points.node()[i], points.path() + "[" + std::to_string(i) + "]",
                          *context_);
        if (!p.node().IsSequence() || p.node().size() != 2) {
          p.error("expected a [time, cumulative probability] pair");
          ok = false;
          continue;
        }
        const auto t = YamlField(p.node()[0], p.path() + "[0]", *context_).time(true);
        const auto q = YamlField(p.node()[1], p.path() + "[1]", *context_).number(0.0, 1.0, true);
        if (t && q)
          table.emplace_back(t->seconds(), *q);
        else
          ok = false;
      }
      if (ok) return engine::Distribution::empirical(std::move(table));
    } else {
      (*this)["distribution"].error("unknown distribution '" + *kind +
                                    "'; expected one of constant, exponential, uniform, normal, "
                                    "lognormal, pareto, empirical");
    }
  } catch (const std::invalid_argument& e) {
    error(e.what());
  }
  return std::nullopt;
}

bool YamlField::expect_mapping(std::initializer_list<std::string_view> known) const {
  return expect_mapping(std::span<const std::string_view>(known.begin(), known.size()));
}

bool YamlField::expect_mapping(std::span<const std::string_view> known) const {
  if (!present()) return false;
  if (!node_.IsMap()) {
    error("expected a mapping with keys " + join(known));
    return false;
  }
  for (const auto& kv : node_) {
    const std::string key = kv.first.Scalar();
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (found) {
      if (context_->report_nulls && kv.second.IsNull()) {
        const YamlField value(kv.second, path_.empty() ? key : path_ + "." + key, *context_,
                              kv.first.Mark());
        value.report(context_->strict ? Severity::error : Severity::warning,
                     "has no value, so it is read as absent");
      }
      continue;
    }
    const std::string child = path_.empty() ? key : path_ + "." + key;
    const YamlField at(kv.first, child, *context_);
    std::string suggestion;
    for (std::string_view k : closest_names(key, known)) {
      suggestion += std::string(suggestion.empty() ? "; did you mean " : " or ") +
                    (path_.empty() ? "" : path_ + ".") + std::string(k);
    }
    // A typo in an override names no field: the run would not be what was
    // asked. Under --strict, neither would one in the file.
    if (context_->strict ||
        override_of(context_->overridden_paths, child, kv.first.Mark().is_null()) != nullptr) {
      at.error("unknown field '" + key + "'" + (suggestion.empty() ? "" : suggestion + "?") +
               " (known fields: " + join(known) + ")");
    } else {
      at.warning("unknown field '" + key + "' is ignored" +
                 (suggestion.empty() ? "" : suggestion + "?") + " (known fields: " + join(known) +
                 ")");
    }
  }
  return true;
}

}  // namespace podwire::kube
