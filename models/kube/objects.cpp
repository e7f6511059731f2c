#include "models/kube/objects.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>

namespace podwire::kube {

std::string SourceLocation::to_string() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string_view to_string(Protocol p) {
  switch (p) {
    case Protocol::tcp:
      return "TCP";
    case Protocol::udp:
      return "UDP";
    case Protocol::sctp:
      return "SCTP";
  }
  return "TCP";
}

std::string_view to_string(SelectorOperator op) {
  switch (op) {
    case SelectorOperator::in:
      return "In";
    case SelectorOperator::not_in:
      return "NotIn";
    case SelectorOperator::exists:
      return "Exists";
    case SelectorOperator::does_not_exist:
      return "DoesNotExist";
  }
  return "In";
}

std::string_view to_string(DnsPolicy p) {
  switch (p) {
    case DnsPolicy::cluster_first:
      return "ClusterFirst";
    case DnsPolicy::cluster_first_with_host_net:
      return "ClusterFirstWithHostNet";
    case DnsPolicy::default_:
      return "Default";
    case DnsPolicy::none:
      return "None";
  }
  return "ClusterFirst";
}

std::string_view to_string(ServiceType t) {
  switch (t) {
    case ServiceType::cluster_ip:
      return "ClusterIP";
    case ServiceType::node_port:
      return "NodePort";
    case ServiceType::load_balancer:
      return "LoadBalancer";
    case ServiceType::external_name:
      return "ExternalName";
  }
  return "ClusterIP";
}

std::string_view to_string(PathType t) {
  switch (t) {
    case PathType::prefix:
      return "Prefix";
    case PathType::exact:
      return "Exact";
    case PathType::implementation_specific:
      return "ImplementationSpecific";
  }
  return "ImplementationSpecific";
}

// --- selectors --------------------------------------------------------------

bool LabelSelectorRequirement::matches(const Labels& labels) const {
  const auto it = labels.find(key);
  const bool has = it != labels.end();
  const auto listed = [&] {
    return has && std::find(values.begin(), values.end(), it->second) != values.end();
  };
  switch (op) {
    case SelectorOperator::in:
      return listed();
    case SelectorOperator::not_in:
      return !listed();
    case SelectorOperator::exists:
      return has;
    case SelectorOperator::does_not_exist:
      return !has;
  }
  return false;
}

bool LabelSelector::matches(const Labels& labels) const {
  if (!map_selector_matches(match_labels, labels)) return false;
  return std::all_of(match_expressions.begin(), match_expressions.end(),
                     [&](const LabelSelectorRequirement& r) { return r.matches(labels); });
}

std::string LabelSelector::to_string() const {
  if (empty()) return "{}";
  std::string out = map_selector_string(match_labels);
  for (const LabelSelectorRequirement& r : match_expressions) {
    if (!out.empty()) out += ",";
    switch (r.op) {
      case SelectorOperator::exists:
        out += r.key;
        break;
      case SelectorOperator::does_not_exist:
        out += "!" + r.key;
        break;
      case SelectorOperator::in:
      case SelectorOperator::not_in: {
        out += r.key + (r.op == SelectorOperator::in ? " in (" : " notin (");
        for (std::size_t i = 0; i < r.values.size(); ++i) out += (i ? "," : "") + r.values[i];
        out += ")";
        break;
      }
    }
  }
  return out;
}

std::string_view to_string(NodeOperator op) {
  switch (op) {
    case NodeOperator::in:
      return "In";
    case NodeOperator::not_in:
      return "NotIn";
    case NodeOperator::exists:
      return "Exists";
    case NodeOperator::does_not_exist:
      return "DoesNotExist";
    case NodeOperator::gt:
      return "Gt";
    case NodeOperator::lt:
      return "Lt";
  }
  return "In";
}

namespace {

// A label value as Gt and Lt read it (strconv.ParseInt); nullopt when it is not one.
std::optional<std::int64_t> integer_value(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return s[0] == '-' ? -v : v;
}

}  // namespace

bool NodeRequirement::matches(const std::string* value) const {
  const auto listed = [&] {
    return value != nullptr && std::find(values.begin(), values.end(), *value) != values.end();
  };
  switch (op) {
    case NodeOperator::in:
      return listed();
    case NodeOperator::not_in:
      return !listed();
    case NodeOperator::exists:
      return value != nullptr;
    case NodeOperator::does_not_exist:
      return value == nullptr;
    case NodeOperator::gt:
    case NodeOperator::lt: {
      if (value == nullptr || values.size() != 1) return false;
      const auto have = integer_value(*value);
      const auto bound = integer_value(values[0]);
      if (!have || !bound) return false;
      return op == NodeOperator::gt ? *have > *bound : *have < *bound;
    }
  }
  return false;
}

bool NodeSelectorTerm::matches(const std::string& node_name, const Labels& labels) const {
  if (empty()) return false;
  for (const NodeRequirement& r : match_expressions) {
    const auto it = labels.find(r.key);
    if (!r.matches(it == labels.end() ? nullptr : &it->second)) return false;
  }
  for (const NodeRequirement& r : match_fields) {
    if (!r.matches(r.key == "metadata.name" ? &node_name : nullptr)) return false;
  }
  return true;
}

bool NodeAffinity::required_match(const std::string& node_name, const Labels& labels) const {
  if (!required) return true;
  return std::any_of(required->begin(), required->end(),
                     [&](const NodeSelectorTerm& t) { return t.matches(node_name, labels); });
}

bool map_selector_matches(const Labels& selector, const Labels& labels) {
  return std::all_of(selector.begin(), selector.end(), [&](const auto& kv) {
    const auto it = labels.find(kv.first);
    return it != labels.end() && it->second == kv.second;
  });
}

std::string map_selector_string(const Labels& selector) {
  std::string out;
  for (const auto& [k, v] : selector) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

bool Service::selects(const Labels& labels) const {
  return has_selector() && map_selector_matches(*selector, labels);
}

std::string EndpointSlice::service_name() const {
  const auto it = meta.labels.find(std::string(service_name_label));
  return it == meta.labels.end() ? std::string() : it->second;
}

// --- small value types ------------------------------------------------------

std::string PortRef::to_string() const {
  return named() ? "'" + name + "'" : std::to_string(number);
}

int IntOrPercent::resolve(int total, bool round_up) const {
  if (!percent) return value;
  const std::int64_t scaled = static_cast<std::int64_t>(value) * total;
  return static_cast<int>(round_up ? (scaled + 99) / 100 : scaled / 100);
}

std::string IntOrPercent::to_string() const { return std::to_string(value) + (percent ? "%" : ""); }

std::optional<int> resolve_port(const PodSpec& spec, const PortRef& ref, Protocol protocol) {
  if (!ref.named()) return ref.number;
  for (const Container& c : spec.containers) {
    for (const ContainerPort& p : c.ports) {
      if (p.name == ref.name && p.protocol == protocol) return p.container_port;
    }
  }
  return std::nullopt;
}

// --- quantities ---------------------------------------------------------------

namespace {

[[noreturn]] void bad_quantity(std::string_view text, const std::string& why) {
  throw std::invalid_argument("'" + std::string(text) + "' " + why);
}

__extension__ typedef unsigned __int128 Wide;

// value = mantissa * 10^exp10 * 2^exp2 * scale, rounded up; exact in 128 bits.
std::int64_t parse_quantity(std::string_view text, int scale_exp10) {
  const char* what = "is not a Kubernetes quantity such as 100m, 0.5, 64Mi or 1e3";
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;  // integer and fraction digits, without the point
  int fraction_digits = 0;
  bool point = false;
  bool any_digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      any_digit = true;
      if (point) ++fraction_digits;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any_digit) bad_quantity(text, what);

  const std::string_view suffix = text.substr(i);
  int exp10 = -fraction_digits + scale_exp10;
  int exp2 = 0;
  if (suffix.empty()) {
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    const std::string_view binary = "KMGTPE";
    const auto k = binary.find(suffix[0]);
    if (k == std::string_view::npos) bad_quantity(text, what);
    exp2 = 10 * static_cast<int>(k + 1);
  } else if (suffix.size() == 1) {
    switch (suffix[0]) {
      case 'n':
        exp10 -= 9;
        break;
      case 'u':
        exp10 -= 6;
        break;
      case 'm':
        exp10 -= 3;
        break;
      case 'k':
        exp10 += 3;
        break;
      case 'M':
        exp10 += 6;
        break;
      case 'G':
        exp10 += 9;
        break;
      case 'T':
        exp10 += 12;
        break;
      case 'P':
        exp10 += 15;
        break;
      case 'E':
        exp10 += 18;
        break;
      default:
        bad_quantity(text, what);
    }
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::size_t j = 1;
    bool exp_negative = false;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-'))
      exp_negative = suffix[j++] == '-';
    if (j == suffix.size() || suffix.size() - j > 4) bad_quantity(text, what);
    int e = 0;
    for (; j < suffix.size(); ++j) {
      if (suffix[j] < '0' || suffix[j] > '9') bad_quantity(text, what);
      e = e * 10 + (suffix[j] - '0');
    }
    exp10 += exp_negative ? -e : e;
  } else {
    bad_quantity(text, what);
  }

  // Leading zeros carry nothing; trailing zeros move into the exponent.
  std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  digits.erase(0, first);
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++exp10;
  }
  if (negative) bad_quantity(text, "is negative; a resource quantity must be at least 0");
  const char* too_large = "is too large for podwire (more than 2^63 - 1 in its unit)";
  // Exact in 128 bits: a mantissa below 10^38, or below 10^18 (< 2^60) before a binary shift of up
  // to 2^60.
  const std::size_t max_digits = exp2 > 0 ? 18 : 38;
  if (digits.size() > max_digits) {
    bad_quantity(text, "has more than " + std::to_string(max_digits) + " significant digits");
  }

  const Wide limit = static_cast<Wide>(std::numeric_limits<std::int64_t>::max());
  Wide value = 0;
  for (char c : digits) value = value * 10 + static_cast<Wide>(c - '0');
  value <<= exp2;
  if (exp10 >= 0) {
    for (int k = 0; k < exp10 && value <= limit; ++k)
      value *= 10;  // stops past the limit: no overflow
  } else {
    if (exp10 < -38) return 1;  // a positive value far below the unit rounds up to 1
    Wide divisor = 1;
    for (int k = 0; k < -exp10; ++k) divisor *= 10;
    value = (value + divisor - 1) / divisor;
  }
  if (value > limit) bad_quantity(text, too_large);
  return static_cast<std::int64_t>(value);
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::int64_t parse_cpu_millicores(std::string_view text) { return parse_quantity(text, 3); }
std::int64_t parse_memory_bytes(std::string_view text) { return parse_quantity(text, 0); }

// --- names --------------------------------------------------------------------

std::string port_name_problem(std::string_view name) {
  if (name.empty()) return "a port name must not be empty";
  if (name.size() > 15) return "a port name must be at most 15 characters";
  bool letter = false;
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-')
      return "a port name may contain only lowercase letters, digits and '-'";
    letter = letter || (c >= 'a' && c <= 'z');
  }
  if (!letter) return "a port name must contain at least one letter";
  if (name.front() == '-' || name.back() == '-')
    return "a port name must not begin or end with '-'";
  if (name.find("--") != std::string_view::npos) return "a port name must not contain '--'";
  return "";
}

std::string dns_label_problem(std::string_view name, bool letter_first) {
  if (name.empty()) return "a name must not be empty";
  if (name.size() > 63) return "a DNS label must be at most 63 characters";
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-')
      return "a DNS label may contain only lowercase letters, digits and '-'";
  }
  if (letter_first && !(name.front() >= 'a' && name.front() <= 'z'))
    return "this name must start with a letter";
  if (name.front() == '-' || name.back() == '-')
    return "a DNS label must start and end with a letter or digit";
  return "";
}

std::string dns_subdomain_problem(std::string_view name) {
  if (name.empty()) return "a name must not be empty";
  if (name.size() > 253) return "a DNS subdomain must be at most 253 characters";
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view part =
        name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (part.empty()) return "a DNS subdomain must not have an empty part between dots";
    for (char c : part) {
      if (!is_lower_alnum(c) && c != '-') {
        return "a DNS subdomain may contain only lowercase letters, digits, '-' and '.'";
      }
    }
    if (part.front() == '-' || part.back() == '-') {
      return "each part of a DNS subdomain must start and end with a letter or digit";
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return "";
}

}  // namespace podwire::kube
