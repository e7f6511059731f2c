#include "engine/unit_text.hpp"

#include <cmath>
#include <stdexcept>

namespace podwire::engine {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string quoted(std::string_view text) {
  // Appending piecewise avoids a GCC 12 -Wrestrict false positive on "'" + string.
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

UnitText split_unit_text(std::string_view text, std::string_view what) {
  const std::string_view s = trim(text);
  UnitText out;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) out.negative = s[i++] == '-';
  bool any_digit = false;
  int dropped = 0;  // digits beyond 19 that no longer fit in the mantissa
  auto take_digit = [&](char c, bool after_point) {
    any_digit = true;
    if (out.mantissa <= (UINT64_MAX - 9) / 10) {
      out.mantissa = out.mantissa * 10 + static_cast<std::uint64_t>(c - '0');
      if (after_point) --out.exponent;
    } else if (!after_point) {
      ++dropped;
    } else if (c != '0') {
      out.lost_fraction = true;
    }
  };
  while (i < s.size() && is_digit(s[i])) take_digit(s[i++], false);
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) take_digit(s[i++], true);
  }
  if (!any_digit) {
    throw std::invalid_argument("expected a " + std::string(what) + " like '10us', got " +
                                quoted(text));
  }
  if (i + 1 < s.size() && (s[i] == 'e' || s[i] == 'E') &&
      (is_digit(s[i + 1]) ||
       ((s[i + 1] == '-' || s[i + 1] == '+') && i + 2 < s.size() && is_digit(s[i + 2])))) {
    ++i;
    bool neg_exp = false;
    if (s[i] == '-' || s[i] == '+') neg_exp = s[i++] == '-';
    int e = 0;
    while (i < s.size() && is_digit(s[i])) {
      if (e < 10000) e = e * 10 + (s[i] - '0');
      ++i;
    }
    out.exponent += neg_exp ? -e : e;
  }
  out.exponent += dropped;
  out.unit = trim(s.substr(i));
  return out;
}

ExactInteger exact_integer(const UnitText& n, int extra_exponent) {
  if (n.lost_fraction) return {Exactness::fraction, 0};
  int e = n.exponent + extra_exponent;
  std::uint64_t m = n.mantissa;
  while (e < 0) {
    if (m % 10 != 0) return {Exactness::fraction, 0};
    m /= 10;
    ++e;
  }
  while (e > 0 && m != 0) {
    if (m > static_cast<std::uint64_t>(INT64_MAX) / 10) return {Exactness::overflow, 0};
    m *= 10;
    --e;
  }
  if (m > static_cast<std::uint64_t>(INT64_MAX)) return {Exactness::overflow, 0};
  const auto v = static_cast<std::int64_t>(m);
  return {Exactness::exact, n.negative ? -v : v};
}

double to_double(const UnitText& n) {
  const double v = static_cast<double>(n.mantissa) * std::pow(10.0, n.exponent);
  return n.negative ? -v : v;
}

}  // namespace podwire::engine
