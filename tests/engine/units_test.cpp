#include "engine/units.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tests/support/error_of.hpp"

namespace podwire::engine {
namespace {

template <class F>
std::string error_of(F&& f) {
  return test_support::error_of<std::invalid_argument>(f);
}

TEST(Bytes, ParsesDecimalAndBinaryUnits) {
  EXPECT_EQ(Bytes::parse("1500B").count(), 1500);
  EXPECT_EQ(Bytes::parse("64KiB").count(), 65536);
  EXPECT_EQ(Bytes::parse("1.5KiB").count(), 1536);
  EXPECT_EQ(Bytes::parse("2MB").count(), 2'000'000);
  EXPECT_EQ(Bytes::parse("1 GiB").count(), 1LL << 30);
  EXPECT_EQ(Bytes::parse("64KiB").to_string(), "64KiB");
  EXPECT_EQ(Bytes(1500).to_string(), "1500B");
  EXPECT_EQ(Bytes(3000).to_string(), "3KB");
}

TEST(Bytes, RefusesBadText) {
  EXPECT_EQ(
      error_of([] { Bytes::parse("1500"); }),
      "size '1500' has no unit; write it with one of GiB, MiB, KiB, GB, MB, KB, B (e.g. '1500B')");
  EXPECT_EQ(error_of([] { Bytes::parse("1.5B"); }), "size '1.5B' is not a whole number of B");
  EXPECT_EQ(error_of([] { Bytes::parse("-1B"); }), "size '-1B' is negative");
  EXPECT_EQ(
      error_of([] { Bytes::parse("3 pages"); }),
      "size '3 pages' has unknown unit 'pages'; expected one of GiB, MiB, KiB, GB, MB, KB, B");
}

TEST(BitRate, ParsesAndPrints) {
  EXPECT_EQ(BitRate::parse("10Gbps").bps(), 10'000'000'000);
  EXPECT_EQ(BitRate::parse("2.5Gbps").bps(), 2'500'000'000);
  EXPECT_EQ(BitRate::parse("100 Mbps").bps(), 100'000'000);
  EXPECT_EQ(BitRate::parse("25Gbps").to_string(), "25Gbps");
  EXPECT_EQ(BitRate(1'500'000).to_string(), "1500Kbps");
  EXPECT_EQ(error_of([] { BitRate::parse("10G"); }),
            "bit rate '10G' has unknown unit 'G'; expected one of Tbps, Gbps, Mbps, Kbps, bps");
}

TEST(BitRate, SerializationIsExactToThePicosecond) {
  // 1500 B = 12,000 bits at 10 Gbit/s is exactly 1.2 us.
  EXPECT_EQ(BitRate::parse("10Gbps").serialization(Bytes(1500)), Time::ps(1'200'000));
  // 64 B at 3 bit/s does not divide evenly; it rounds up.
  EXPECT_EQ(BitRate(3).serialization(Bytes(1)).ps(), 2'666'666'666'667);
  EXPECT_EQ(BitRate::parse("100Gbps").serialization(Bytes(9000)), Time::ps(720'000));
}

TEST(Rate, ParsesPerUnit) {
  EXPECT_DOUBLE_EQ(Rate::parse("5000/s").per_second(), 5000.0);
  EXPECT_DOUBLE_EQ(Rate::parse("3/ms").per_second(), 3000.0);
  EXPECT_DOUBLE_EQ(Rate::parse("120/min").per_second(), 2.0);
  EXPECT_DOUBLE_EQ(Rate::parse("5000/s").mean_interval_s(), 2e-4);
  EXPECT_EQ(Rate::parse("3200/s").to_string(), "3200/s");
  EXPECT_EQ(error_of([] { Rate::parse("5000"); }),
            "rate '5000' has no unit; write it per /s, /ms, /us, /min or /h (e.g. '5000/s')");
  EXPECT_EQ(
      error_of([] { Rate::parse("5 per second"); }),
      "rate '5 per second' has unknown unit 'per second'; expected one of /s, /ms, /us, /min, /h");
  // A rate whose mean gap is no time (a denormal) is too small, not zero.
  EXPECT_EQ(error_of([] { Rate::parse("1e-320/s"); }),
            "rate '1e-320/s' is too small: one event in more than 106 days, the longest simulated "
            "time");
  EXPECT_EQ(error_of([] { Rate::parse("1e-7/s"); }),
            "rate '1e-7/s' is too small: one event in more than 106 days, the longest simulated "
            "time");
  // Nor may its gap be shorter than 1 ps, simulated time's step.
  EXPECT_EQ(error_of([] { Rate::parse("1e13/s"); }),
            "rate '1e13/s' is too large: more than one event per picosecond, the step of "
            "simulated time");
  EXPECT_DOUBLE_EQ(Rate::parse("1e6/us").per_second(), 1e12);
  EXPECT_DOUBLE_EQ(Rate::parse("1/h").per_second(), 1.0 / 3600);
  EXPECT_DOUBLE_EQ(Rate::parse("0/s").per_second(), 0.0);  // zero is for the caller to refuse
}

}  // namespace
}  // namespace podwire::engine
