// The row helpers of trace tables: fixed-length names padded and cut, and the
// names of an enum column's codes in code order.
#include "models/trace/columns.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace podwire::trace {
namespace {

enum class Colour : std::uint8_t { red, green, blue };

const char* name_of(Colour c) {
  switch (c) {
    case Colour::red:
      return "red";
    case Colour::green:
      return "green";
    case Colour::blue:
      return "blue";
  }
  return "?";
}

TEST(CopyName, PadsWithNulAndOverwritesWhatWasThere) {
  char field[8];
  std::memset(field, 'z', sizeof field);
  copy_name(field, "abc");
  EXPECT_STREQ(field, "abc");
  for (std::size_t i = 3; i < sizeof field; ++i) EXPECT_EQ(field[i], '\0') << i;
}

TEST(CopyName, CutsALongNameAndKeepsATerminator) {
  char field[4];
  copy_name(field, "abcdef");
  EXPECT_STREQ(field, "abc");
  copy_name(field, "");
  EXPECT_STREQ(field, "");
}

TEST(EnumNames, NamesEveryCodeUpToTheLast) {
  EXPECT_EQ(enum_names(Colour::blue, name_of), (std::vector<std::string>{"red", "green", "blue"}));
  EXPECT_EQ(enum_names(Colour::red, name_of), (std::vector<std::string>{"red"}));
}

}  // namespace
}  // namespace podwire::trace
