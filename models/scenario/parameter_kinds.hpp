// The parameter table's building blocks: one function per kind of setting
// (a time, an integer in a range, a choice of words, ...), each giving a row
// its default as a scenario would write it, what it takes, and its reader.
// Only the parameter_rows_*.cpp files include this.
#pragma once

#include <charconv>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "models/scenario/field_reads.hpp"
#include "models/scenario/parameter_table.hpp"

namespace podwire::scenario::param {

using engine::Time;
using S = ClusterScenario;

// The scenario every default is read from: nothing ever writes to it.
inline S& defaults() {
  static S s;
  return s;
}

inline std::string last_part(const std::string& path) { return path.substr(path.rfind('.') + 1); }

inline std::string show(Time t) { return t == Time::zero() ? "0s" : t.to_string(); }

// A time that must not be negative, into a Time or an optional one.
template <class Get>
auto nonnegative_time(Get get) {
  return [get](const YamlField& f, S& s) {
    if (auto v = f.time()) {
      if (*v < Time::zero())
        f.error("must not be negative");
      else
        get(s) = *v;
    }
  };
}

template <class Get>
Parameter time_param(std::string path, Get get, std::string source) {
  return Parameter{
      path,  last_part(path), show(get(defaults())), std::move(source), nonnegative_time(get),
      "time"};
}

// An optional time (nullopt: the model's own default, told in `shown`).
template <class Get>
Parameter optional_time_param(std::string path, Get get, std::string shown, std::string source) {
  return Parameter{
      path, last_part(path), std::move(shown), std::move(source), nonnegative_time(get), "time"};
}

template <class Get>
Parameter distribution_param(std::string path, Get get, std::string shown, std::string source) {
  Parameter p{path, last_part(path), std::move(shown), std::move(source), {}, {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = f.time_distribution()) get(s) = *v;
  };
  p.takes = "time or time distribution";
  return p;
}

template <class Get>
Parameter integer_param(std::string path, Get get, std::int64_t min, std::int64_t max,
                        std::string source) {
  Parameter p{path, last_part(path), std::to_string(get(defaults())), std::move(source), {}, {}};
  p.read = [get, min, max](const YamlField& f, S& s) {
    using T = std::remove_reference_t<decltype(get(s))>;
    if (auto v = f.integer(min, max)) get(s) = static_cast<T>(*v);
  };
  p.takes = "integer " + std::to_string(min) + "-" + std::to_string(max);
  return p;
}

// A real number within [min, max], shown with the unit it is in.
template <class Get>
Parameter number_param(std::string path, Get get, double min, double max, std::string unit,
                       std::string source) {
  std::ostringstream shown;
  shown << get(defaults()) << (unit.empty() ? "" : " " + unit);
  Parameter p{path, last_part(path), shown.str(), std::move(source), {}, {}};
  p.read = [get, min, max](const YamlField& f, S& s) {
    if (auto v = f.number(min, max)) get(s) = *v;
  };
  p.takes = "number" + (unit.empty() ? std::string() : " in " + unit);
  return p;
}

template <class Get>
Parameter bool_param(std::string path, Get get, std::string source) {
  Parameter p{path, last_part(path), get(defaults()) ? "true" : "false", std::move(source), {}, {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = boolean(f)) get(s) = *v;
  };
  p.takes = "true or false";
  return p;
}

template <class Get>
Parameter bit_rate_param(std::string path, Get get, std::string source) {
  Parameter p{path, last_part(path), get(defaults()).to_string(), std::move(source), {}, {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = f.bit_rate()) {
      if (v->bps() <= 0)
        f.error("must be positive");
      else
        get(s) = *v;
    }
  };
  p.takes = "bit rate";
  return p;
}

template <class Get>
Parameter cidr_param(std::string path, Get get, std::string source) {
  Parameter p{path, last_part(path), get(defaults()).to_string(), std::move(source), {}, {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = cidr(f)) get(s) = *v;
  };
  p.takes = "CIDR";
  return p;
}

template <class Get>
Parameter text_param(std::string path, Get get, std::string source) {
  Parameter p{path, last_part(path), get(defaults()), std::move(source), {}, {}};
  p.read = [get](const YamlField& f, S& s) {
    if (auto v = f.string()) get(s) = *v;
  };
  p.takes = "string";
  return p;
}

// One of a list of names.
template <class Get, class Names>
Parameter name_param(std::string path, Get get, Names names, std::string source) {
  Parameter p{path, last_part(path), std::string(get(defaults())), std::move(source), {}, {}};
  p.read = [get, names](const YamlField& f, S& s) {
    const auto v = f.string();
    if (!v) return;
    const std::vector<std::string_view>& known = names();
    if (std::find(known.begin(), known.end(), *v) != known.end())
      get(s) = *v;
    else
      f.error("expected " + one_of(known) + ", got '" + *v + "'");
  };
  p.takes = one_of(names());
  return p;
}

// One of a fixed set of words, each with the value it sets.
template <class Get, class Value>
Parameter choice_param(std::string path, Get get,
                       std::vector<std::pair<std::string_view, Value>> choices,
                       std::string source) {
  std::string shown;
  for (const auto& [word, value] : choices) {
    if (value == get(defaults())) shown = std::string(word);
  }
  std::vector<std::string_view> words;
  for (const auto& choice : choices) words.push_back(choice.first);
  Parameter p{path, last_part(path), shown, std::move(source), {}, one_of(words)};
  p.read = [get, choices](const YamlField& f, S& s) {
    const auto v = f.string();
    if (!v) return;
    std::vector<std::string_view> words;
    for (const auto& [word, value] : choices) {
      words.push_back(word);
      if (word == *v) {
        get(s) = value;
        return;
      }
    }
    f.error("expected " + one_of(words) + ", got '" + *v + "'");
  };
  return p;
}

// A constant of the models that no scenario sets.
inline Parameter constant(std::string name, std::string shown, std::string source) {
  return Parameter{"", std::move(name), std::move(shown), std::move(source), {}, {}};
}

// Each rows file adds its sections, in the order of docs/parameters.md.
void add_cluster_sections(std::vector<ParameterSection>& out);
void add_node_sections(std::vector<ParameterSection>& out);
void add_proxy_sections(std::vector<ParameterSection>& out);
void add_churn_sections(std::vector<ParameterSection>& out);

}  // namespace podwire::scenario::param
