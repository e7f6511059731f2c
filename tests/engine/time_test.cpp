#include "engine/time.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace podwire::engine {
namespace {

using namespace time_literals;

TEST(Time, UnitConstructorsAreExact) {
  EXPECT_EQ(Time::ns(1).ps(), 1'000);
  EXPECT_EQ(Time::us(1).ps(), 1'000'000);
  EXPECT_EQ(Time::ms(1).ps(), 1'000'000'000);
  EXPECT_EQ(Time::s(1).ps(), 1'000'000'000'000);
  EXPECT_EQ((3_us + 250_ns).ps(), 3'250'000);
  EXPECT_EQ(Time::from_seconds(1.2e-6), Time::ps(1'200'000));
}

TEST(Time, ConstructorsRefuseOverflow) {
  EXPECT_NO_THROW(Time::s(9'000'000));                     // about 104 days
  EXPECT_THROW(Time::s(10'000'000), std::overflow_error);  // about 116 days
  EXPECT_THROW(Time::from_seconds(1e10), std::overflow_error);
  EXPECT_THROW(Time::from_seconds(std::nan("")), std::invalid_argument);
  EXPECT_THROW(Time::checked_add(Time::max(), 1_ps), std::overflow_error);
}

TEST(Time, SumsSaturateAndDrawsAreClamped) {
  EXPECT_EQ(Time::max() + 1_ps, Time::max());
  EXPECT_EQ(Time::s(9'000'000) + Time::s(9'000'000), Time::max());
  EXPECT_LT(-Time::max() + -(2_ps), -Time::max());  // the lowest value, not a wrap
  EXPECT_EQ(Time::drawn(-1e-3), Time::zero());      // a normal's negative tail
  EXPECT_EQ(Time::drawn(1e300), Time::max());       // a heavy Pareto tail
  EXPECT_EQ(Time::drawn(std::numeric_limits<double>::infinity()), Time::max());
  EXPECT_EQ(Time::drawn(std::nan("")), Time::zero());
  EXPECT_EQ(Time::drawn(1.5e-6), Time::ps(1'500'000));
}

TEST(Time, ParsesEveryUnitExactly) {
  EXPECT_EQ(Time::parse("7ps"), 7_ps);
  EXPECT_EQ(Time::parse("1.2us"), Time::ps(1'200'000));
  EXPECT_EQ(Time::parse("2 ms"), 2_ms);
  EXPECT_EQ(Time::parse(" 30s "), 30_s);
  EXPECT_EQ(Time::parse("0.000001s"), 1_us);
  EXPECT_EQ(Time::parse("2e-3s"), 2_ms);
  EXPECT_EQ(Time::parse("1.5E3ns"), Time::parse("1.5us"));
  EXPECT_EQ(Time::parse("-5ns"), -(5_ns));
  EXPECT_EQ(Time::parse("0ms"), Time::zero());
  // 0.1 has no exact binary form; decimal parsing keeps it exact.
  EXPECT_EQ(Time::parse("0.1s"), Time::ms(100));
}

std::string parse_error(const std::string& text) {
  try {
    Time::parse(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(Time, MinutesHoursAndDaysAreWholeSeconds) {
  EXPECT_EQ(Time::parse("2min"), Time::s(120));
  EXPECT_EQ(Time::parse("0.1min"), Time::s(6));
  EXPECT_EQ(Time::parse("1.5h"), Time::s(5400));
  EXPECT_EQ(Time::parse("1 d"), Time::s(86400));
  EXPECT_EQ(Time::parse("-1h"), Time::s(-3600));
}

TEST(Time, ParseErrorsSayWhatIsWrong) {
  EXPECT_EQ(parse_error("10"),
            "time '10' has no unit; write it with one of ps, ns, us, ms, s, min, h, d (e.g. "
            "'10ms')");
  EXPECT_EQ(
      parse_error("5 weeks"),
      "time '5 weeks' has unknown unit 'weeks'; expected one of ps, ns, us, ms, s, min, h, d");
  EXPECT_EQ(parse_error("107d"), "time '107d' does not fit in simulated time (max about 106 days)");
  EXPECT_EQ(parse_error("99999999999999999999d"),
            "time '99999999999999999999d' does not fit in simulated time (max about 106 days)");
  EXPECT_EQ(parse_error("fast"), "expected a time like '10us', got 'fast'");
  EXPECT_EQ(parse_error(""), "expected a time like '10us', got ''");
  EXPECT_EQ(parse_error("0.5ps"), "time '0.5ps' is not a whole number of picoseconds");
  EXPECT_EQ(parse_error("1e9s"), "time '1e9s' does not fit in simulated time (max about 106 days)");
  EXPECT_EQ(parse_error("99999999999999999999999s"),
            "time '99999999999999999999999s' does not fit in simulated time (max about 106 days)");
}

TEST(Time, PrintsShortestExactText) {
  EXPECT_EQ(Time::zero().to_string(), "0ps");
  EXPECT_EQ(Time::ps(999).to_string(), "999ps");
  EXPECT_EQ(Time::ps(1'500).to_string(), "1.5ns");
  EXPECT_EQ(Time::ps(1'200'000).to_string(), "1.2us");
  EXPECT_EQ(Time::ms(250).to_string(), "250ms");
  EXPECT_EQ(Time::s(90).to_string(), "90s");
  EXPECT_EQ(Time::ps(1'000'000'000'001).to_string(), "1.000000000001s");
  EXPECT_EQ((-(3_us)).to_string(), "-3us");
}

TEST(Time, PrintThenParseRoundTrips) {
  for (std::int64_t v :
       {std::int64_t{1}, std::int64_t{999}, std::int64_t{1'234'567},
        std::int64_t{5'000'000'000'000}, std::int64_t{-42'000}, Time::max().ps()}) {
    EXPECT_EQ(Time::parse(Time::ps(v).to_string()), Time::ps(v)) << v;
  }
}

TEST(Time, OrdersAndDivides) {
  EXPECT_LT(1_ns, 1_us);
  EXPECT_DOUBLE_EQ(3_ms / 1_ms, 3.0);
  EXPECT_EQ(10_us / 4, Time::ps(2'500'000));
  EXPECT_DOUBLE_EQ((1500_ms).seconds(), 1.5);
}

}  // namespace
}  // namespace podwire::engine
