// Exact parsing of "<decimal number><unit>" text shared by Time and the unit types.
// Numbers are read as decimal mantissa and exponent, never through a double, so
// "1.2us" is exactly 1,200,000 ps.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace podwire::engine {

struct UnitText {
  bool negative = false;
  std::uint64_t mantissa = 0;  // decimal digits without the point
  int exponent = 0;            // value = mantissa * 10^exponent
  bool lost_fraction = false;  // nonzero digits beyond what the mantissa holds
  std::string_view unit;       // what follows the number, spaces trimmed
};

enum class Exactness { exact, fraction, overflow };
struct ExactInteger {
  Exactness status = Exactness::exact;
  std::int64_t value = 0;
};

// Splits text into number and unit. std::invalid_argument when the text does
// not start with a number (quoting `what`, e.g. "time", in the message).
UnitText split_unit_text(std::string_view text, std::string_view what);

// mantissa * 10^(exponent + extra_exponent) as an int64, or why it is not one:
// a fraction remains, or the value does not fit.
ExactInteger exact_integer(const UnitText& n, int extra_exponent);

// The value as a double (for rates, which need not be whole).
double to_double(const UnitText& n);

// "'<text>'" quoted for messages.
std::string quoted(std::string_view text);

}  // namespace podwire::engine
