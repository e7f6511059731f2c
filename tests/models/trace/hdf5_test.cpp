// The HDF5 trace layer: round trips of every column and attribute type, bounded
// memory over a million rows, the temporary name and rename, errors naming paths.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/trace/hdf5/file.hpp"
#include "models/trace/hdf5/reader.hpp"
#include "tests/support/error_of.hpp"

namespace podwire::trace::h5 {
namespace {

namespace fs = std::filesystem;
using test_support::error_of;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

template <std::size_t N>
void set_text(char (&field)[N], std::string_view text) {
  std::memset(field, 0, N);
  std::memcpy(field, text.data(), std::min(N, text.size()));
}

template <std::size_t N>
std::string text_of(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

// Each test writes into its own folder, removed afterwards.
class Hdf5Test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("podwire_h5_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string temp_of(const std::string& final_path) {
    return final_path + ".tmp-" + std::to_string(::getpid());
  }

  fs::path dir_;
};

enum class Status : std::uint8_t { kOk, kTimeout, kReset };
const std::vector<std::string> kStatusNames = {"ok", "timeout", "reset"};

// Every column kind, in an order with padding between members.
struct AllTypes {
  std::int8_t i8;
  std::int64_t i64;
  std::int16_t i16;
  std::int32_t i32;
  std::uint8_t u8;
  std::uint16_t u16;
  std::uint32_t u32;
  std::uint64_t u64;
  float f32;
  double f64;
  bool flag;
  char name[12];
  Status status;
};

Schema<AllTypes> all_types_schema() {
  return Schema<AllTypes>()
      .column("i8", &AllTypes::i8)
      .column("i64", &AllTypes::i64)
      .column("i16", &AllTypes::i16)
      .column("i32", &AllTypes::i32)
      .column("u8", &AllTypes::u8)
      .column("u16", &AllTypes::u16)
      .column("u32", &AllTypes::u32)
      .column("u64", &AllTypes::u64)
      .column("f32", &AllTypes::f32)
      .column("f64", &AllTypes::f64)
      .column("flag", &AllTypes::flag)
      .column("name", &AllTypes::name)
      .column("status", &AllTypes::status, kStatusNames);
}

AllTypes all_types_row(int i) {
  AllTypes r{};
  r.i8 = static_cast<std::int8_t>(i % 2 ? std::numeric_limits<std::int8_t>::min() : i);
  r.i64 = i % 2 ? std::numeric_limits<std::int64_t>::min()
                : std::numeric_limits<std::int64_t>::max() - i;
  r.i16 = static_cast<std::int16_t>(-1000 * i);
  r.i32 = -100000 * i;
  r.u8 = static_cast<std::uint8_t>(255 - i);
  r.u16 = static_cast<std::uint16_t>(65535 - i);
  r.u32 = 4000000000u + static_cast<std::uint32_t>(i);
  r.u64 = std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(i);
  r.f32 = 1.5f * static_cast<float>(i);
  r.f64 = i == 3 ? std::numeric_limits<double>::infinity() : 0.1 * i;
  r.flag = i % 3 == 0;
  const char* names[] = {"", "h\xc3\xa9llo", "exactly12chr", "web-0"};
  set_text(r.name, names[i % 4]);
  r.status = static_cast<Status>(i % 3);
  return r;
}

void expect_same(const AllTypes& a, const AllTypes& b, int i) {
  SCOPED_TRACE(i);
  EXPECT_EQ(a.i8, b.i8);
  EXPECT_EQ(a.i64, b.i64);
  EXPECT_EQ(a.i16, b.i16);
  EXPECT_EQ(a.i32, b.i32);
  EXPECT_EQ(a.u8, b.u8);
  EXPECT_EQ(a.u16, b.u16);
  EXPECT_EQ(a.u32, b.u32);
  EXPECT_EQ(a.u64, b.u64);
  EXPECT_EQ(a.f32, b.f32);
  EXPECT_EQ(a.f64, b.f64);
  EXPECT_EQ(a.flag, b.flag);
  EXPECT_EQ(text_of(a.name), text_of(b.name));
  EXPECT_EQ(a.status, b.status);
}

TEST_F(Hdf5Test, RoundTripsEveryColumnType) {
  const std::string p = path("all.h5");
  constexpr int kRows = 10'000;  // several chunks of 512-byte chunks
  {
    File f = File::create(p);
    auto t = f.create_table("/requests", all_types_schema(), StorageOptions{.chunk_bytes = 512});
    EXPECT_EQ(t.row_bytes(), 1u + 8 + 2 + 4 + 1 + 2 + 4 + 8 + 4 + 8 + 1 + 12 + 1);
    EXPECT_EQ(t.chunk_rows(), 512u / t.row_bytes());
    for (int i = 0; i < kRows; ++i) t.append(all_types_row(i));
    EXPECT_EQ(t.rows(), static_cast<std::uint64_t>(kRows));
    f.close();
  }
  File f = File::open_read(p);
  EXPECT_EQ(dataset_shape(f, "requests"), std::vector<std::uint64_t>{kRows});
  const std::vector<AllTypes> rows = read_rows(f, "/requests", all_types_schema());
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kRows));
  for (int i = 0; i < kRows; ++i) {
    expect_same(rows[static_cast<std::size_t>(i)], all_types_row(i), i);
  }
  EXPECT_EQ(read_strings_attribute(f.open("requests"), "enum:status"), kStatusNames);

  // HDF5 matches columns by name: a reader may order them differently or skip some.
  struct Subset {
    char name[20];
    double f64;
    std::uint64_t u64;
  };
  const auto subset = read_rows(f, "/requests",
                                Schema<Subset>()
                                    .column("u64", &Subset::u64)
                                    .column("name", &Subset::name)
                                    .column("f64", &Subset::f64));
  ASSERT_EQ(subset.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(subset[2].u64, all_types_row(2).u64);
  EXPECT_EQ(text_of(subset[1].name), "h\xc3\xa9llo");
  EXPECT_EQ(text_of(subset[2].name), "exactly12chr");
  EXPECT_EQ(subset[7].f64, 0.1 * 7);
}

TEST_F(Hdf5Test, RoundTripsAttributesOnFilesGroupsAndDatasets) {
  const std::string p = path("attrs.h5");
  const std::vector<double> doubles = {0.5, -1.25, 1e300};
  const std::vector<std::int64_t> ints = {std::numeric_limits<std::int64_t>::min(), 0, 42};
  const std::vector<std::string> strings = {"a", "",
                                            "\xce\xbc"
                                            "s"};
  const std::string big(100'000, 'x');  // beyond the 64 KiB of a compact attribute
  const std::vector<double> many(20'000, 2.5);
  {
    File f = File::create(p);
    f.set_attribute("complete", false);
    f.set_attribute("seed", std::uint64_t{18'446'744'073'709'551'615u});
    f.set_attribute("offset", std::int64_t{-7});
    f.set_attribute("small", 3);  // int -> int64
    f.set_attribute("rate", 0.25);
    f.set_attribute("name", "caf\xc3\xa9");
    f.set_attribute("empty", std::string());
    f.set_attribute("scenario", big);
    f.set_attribute("many", std::span<const double>(many));
    Group g = f.create_group("/timeseries/nodes");
    g.set_attribute("doubles", std::span<const double>(doubles));
    g.set_attribute("ints", std::span<const std::int64_t>(ints));
    g.set_attribute("strings", std::span<const std::string>(strings));
    g.set_attribute("none", std::span<const double>());
    auto a = g.create_array<double>("cpu");
    a.set_attribute("unit", "cores");
    f.set_attribute("complete", true);  // replaces the earlier value
    EXPECT_TRUE(f.has_attribute("complete"));
    EXPECT_FALSE(f.has_attribute("missing"));
  }
  File f = File::open_read(p);
  EXPECT_TRUE(read_bool_attribute(f, "complete"));
  EXPECT_EQ(read_uint_attribute(f, "seed"), 18'446'744'073'709'551'615u);
  EXPECT_EQ(read_int_attribute(f, "offset"), -7);
  EXPECT_EQ(read_int_attribute(f, "small"), 3);
  EXPECT_EQ(read_double_attribute(f, "rate"), 0.25);
  EXPECT_EQ(read_string_attribute(f, "name"), "caf\xc3\xa9");
  EXPECT_EQ(read_string_attribute(f, "empty"), "");
  EXPECT_EQ(read_string_attribute(f, "scenario"), big);
  EXPECT_EQ(read_doubles_attribute(f, "many"), many);
  const Group g = f.open_group("timeseries/nodes");
  EXPECT_EQ(read_doubles_attribute(g, "doubles"), doubles);
  EXPECT_EQ(read_ints_attribute(g, "ints"), ints);
  EXPECT_EQ(read_strings_attribute(g, "strings"), strings);
  EXPECT_TRUE(read_doubles_attribute(g, "none").empty());
  EXPECT_EQ(read_string_attribute(g.open("cpu"), "unit"), "cores");

  EXPECT_EQ(error_of([&] { read_int_attribute(f, "name"); }),
            "hdf5: attribute 'name' of " + p + ":/ is not an integer");
  const std::string missing = error_of([&] { read_int_attribute(f, "nope"); });
  EXPECT_TRUE(contains(missing, "open attribute 'nope' failed for " + p + ":/")) << missing;
}

TEST_F(Hdf5Test, CreatesNestedGroupsAndNamesPathsInErrors) {
  const std::string p = path("groups.h5");
  File f = File::create(p);
  Group nodes = f.create_group("/timeseries/nodes");
  EXPECT_EQ(nodes.path(), "/timeseries/nodes");
  Group n0 = nodes.create_group("n0/");
  EXPECT_EQ(n0.path(), "/timeseries/nodes/n0");
  auto t = f.create_table("traces/requests", all_types_schema());  // creates /traces
  EXPECT_EQ(t.path(), "/traces/requests");
  EXPECT_TRUE(f.exists("timeseries"));
  EXPECT_TRUE(f.exists("/timeseries/nodes/n0"));
  EXPECT_TRUE(f.exists("traces/requests"));
  EXPECT_FALSE(f.exists("/timeseries/links"));
  EXPECT_FALSE(f.exists("/nothing/below/here"));
  EXPECT_EQ(f.open_group("timeseries").open_group("nodes").path(), "/timeseries/nodes");

  const std::string again = error_of([&] { f.create_group("timeseries/nodes"); });
  EXPECT_TRUE(contains(again, "hdf5: create group failed for " + p + ":/timeseries/nodes: "))
      << again;
  const std::string absent = error_of([&] { f.open_group("/timeseries/links"); });
  EXPECT_TRUE(contains(absent, "hdf5: open group failed for " + p + ":/timeseries/links: "))
      << absent;
  EXPECT_EQ(error_of([&] { f.create_group("a//b"); }),
            "hdf5: object path '/a//b' has an empty component");
  EXPECT_EQ(error_of([&] { f.create_array<double>("x", StorageOptions{.deflate_level = 10}); }),
            "hdf5: deflate level 10 for " + p + ":/x is not in 0..9");
}

TEST_F(Hdf5Test, AppendsOneAndTwoDimensionalArrays) {
  const std::string p = path("arrays.h5");
  const StorageOptions small{.chunk_bytes = 64};
  {
    File f = File::create(p);
    auto t_ps = f.create_array<std::int64_t>("timeseries/t_ps", small);
    auto cpu = f.create_array<double>("timeseries/cpu", 3, small);
    EXPECT_EQ(t_ps.width(), 0u);
    EXPECT_EQ(t_ps.chunk_rows(), 8u);
    EXPECT_EQ(cpu.chunk_rows(), 2u);  // 64 / (3 * 8)
    for (std::int64_t i = 0; i < 100; ++i) {
      t_ps.append(i * 1'000'000);
      const std::array<double, 3> row = {0.1 * i, 0.2 * i, 0.3 * i};
      cpu.append_row(row);
    }
    const std::vector<std::int64_t> more = {-1, -2, -3};
    t_ps.append(more);
    const std::vector<double> two_rows = {1, 2, 3, 4, 5, 6};
    cpu.append(two_rows);
    EXPECT_EQ(t_ps.rows(), 103u);
    EXPECT_EQ(cpu.rows(), 102u);

    EXPECT_EQ(error_of([&] { cpu.append(1.0); }),
              "hdf5: " + p + ":/timeseries/cpu is 2-D; append whole rows with append_row");
    const std::array<double, 2> short_row = {1, 2};
    EXPECT_EQ(error_of([&] { cpu.append_row(short_row); }),
              "hdf5: 2 values for " + p + ":/timeseries/cpu, whose rows have 3");
    EXPECT_EQ(error_of([&] { t_ps.append_row(more); }),
              "hdf5: " + p + ":/timeseries/t_ps is 1-D; append values with append");
  }
  File f = File::open_read(p);
  EXPECT_EQ(dataset_shape(f, "timeseries/t_ps"), std::vector<std::uint64_t>{103});
  EXPECT_EQ(dataset_shape(f, "timeseries/cpu"), (std::vector<std::uint64_t>{102, 3}));
  const std::vector<std::int64_t> t = read_array<std::int64_t>(f, "timeseries/t_ps");
  EXPECT_EQ(t[99], 99'000'000);
  EXPECT_EQ(t[102], -3);
  const std::vector<double> cpu = read_array<double>(f, "timeseries/cpu");
  ASSERT_EQ(cpu.size(), 306u);
  EXPECT_EQ(cpu[3 * 50 + 2], 0.3 * 50);
  EXPECT_EQ(cpu[3 * 101 + 2], 6.0);
}

// 48 bytes, no padding: the packed row on disk is the struct as it is.
struct Request {
  std::int64_t id;
  std::int64_t start_ps;
  std::int64_t end_ps;
  double latency_s;
  std::uint32_t client;
  std::uint16_t service;
  Status status;
  bool ok;
  char backend[8];
};
static_assert(sizeof(Request) == 48);

Schema<Request> request_schema() {
  return Schema<Request>()
      .column("id", &Request::id)
      .column("start_ps", &Request::start_ps)
      .column("end_ps", &Request::end_ps)
      .column("latency_s", &Request::latency_s)
      .column("client", &Request::client)
      .column("service", &Request::service)
      .column("status", &Request::status, kStatusNames)
      .column("ok", &Request::ok)
      .column("backend", &Request::backend);
}

// Repetitive like a real request log: steady arrivals, a few latency values.
Request request(std::int64_t i) {
  Request r{};
  r.id = i;
  r.start_ps = i * 50'000'000 + (i * 7919 % 1000) * 1000;
  r.latency_s = 1e-3 * static_cast<double>(1 + i % 17);
  r.end_ps = r.start_ps + (1 + i % 17) * 1'000'000'000;
  r.client = static_cast<std::uint32_t>(i % 64);
  r.service = static_cast<std::uint16_t>(i % 8);
  r.status = i % 100 == 0 ? Status::kTimeout : Status::kOk;
  r.ok = r.status == Status::kOk;
  const char* backends[] = {"web-0", "web-1", "web-2", "web-3"};
  set_text(r.backend, backends[i % 4]);
  return r;
}

bool same(const Request& a, const Request& b) {
  return a.id == b.id && a.start_ps == b.start_ps && a.end_ps == b.end_ps &&
         a.latency_s == b.latency_s && a.client == b.client && a.service == b.service &&
         a.status == b.status && a.ok == b.ok && text_of(a.backend) == text_of(b.backend);
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

#if defined(__SANITIZE_ADDRESS__)
// Its quarantine keeps HDF5's freed compression buffers resident (+150 MiB here;
// +1.5 MiB with ASAN_OPTIONS=quarantine_size_mb=0).
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

TEST_F(Hdf5Test, MillionRowTableKeepsMemoryBoundedAndCompresses) {
  const std::string p = path("million.h5");
  constexpr std::int64_t kRows = 1'000'000;
  std::size_t max_buffered = 0;
  std::size_t capacity = 0;
  std::size_t rss_growth = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    File f = File::create(p);
    auto t = f.create_table("requests", request_schema());
    capacity = t.buffer_capacity();
    EXPECT_EQ(capacity, 128u * 1024 / 48);  // 2730 rows: a 128 KiB chunk
    t.append(request(0));
    const std::size_t rss_before = resident_bytes();
    std::size_t rss_max = rss_before;
    for (std::int64_t i = 1; i < kRows; ++i) {
      t.append(request(i));
      max_buffered = std::max(max_buffered, t.buffered_rows());
      if (i % 100'000 == 0) rss_max = std::max(rss_max, resident_bytes());
    }
    rss_growth = rss_max - rss_before;
    EXPECT_EQ(t.rows(), static_cast<std::uint64_t>(kRows));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double bytes_per_row = static_cast<double>(fs::file_size(p)) / kRows;
  std::printf("[ measured ] 1M x 48-byte rows: %.1f bytes/row on disk, %.0f rows/s, RSS +%zu KiB\n",
              bytes_per_row, kRows / seconds, rss_growth / 1024);
  RecordProperty("bytes_per_row", std::to_string(bytes_per_row));
  RecordProperty("rows_per_second", std::to_string(kRows / seconds));

  EXPECT_EQ(max_buffered, capacity);  // the buffer fills up to its limit and never past it
  EXPECT_LT(bytes_per_row, 40.0);
  // The rows themselves are 48 MB; what grows is allocator noise and page cache.
  if (!kAddressSanitizer) {
    EXPECT_LT(rss_growth, 16u << 20);
  }

  File f = File::open_read(p);
  const std::vector<Request> back = read_rows(f, "requests", request_schema());
  ASSERT_EQ(back.size(), static_cast<std::size_t>(kRows));
  std::int64_t mismatches = 0;
  for (std::int64_t i = 0; i < kRows; ++i) {
    mismatches += !same(back[static_cast<std::size_t>(i)], request(i));
  }
  EXPECT_EQ(mismatches, 0);
}

TEST_F(Hdf5Test, ExplicitFlushRealignsTheBufferWithChunks) {
  File f = File::create(path("align.h5"));
  auto t = f.create_table("requests", request_schema(), StorageOptions{.chunk_bytes = 4800});
  ASSERT_EQ(t.chunk_rows(), 100u);
  for (int i = 0; i < 30; ++i) t.append(request(i));
  t.flush();
  EXPECT_EQ(t.buffered_rows(), 0u);
  for (int i = 30; i < 100; ++i) t.append(request(i));
  EXPECT_EQ(t.buffered_rows(), 70u);  // fills only up to the chunk boundary at row 100
  t.append(request(100));
  EXPECT_EQ(t.buffered_rows(), 1u);
  EXPECT_EQ(t.rows(), 101u);
}

TEST_F(Hdf5Test, WritesUnderATemporaryNameAndRenamesOnClose) {
  const std::string p = path("run.h5");
  File f = File::create(p);
  EXPECT_EQ(f.file_path(), p);
  EXPECT_EQ(f.temp_path(), temp_of(p));
  auto t = f.create_table("requests", request_schema());
  for (int i = 0; i < 5000; ++i) t.append(request(i));
  f.flush();
  EXPECT_FALSE(fs::exists(p));
  EXPECT_TRUE(fs::exists(temp_of(p)));
  f.close();
  EXPECT_TRUE(fs::exists(p));
  EXPECT_FALSE(fs::exists(temp_of(p)));
  f.close();  // a second close does nothing
  EXPECT_FALSE(f.is_open());

  // The table outlived its file: close() wrote its buffered rows, and it now refuses
  // more instead of touching closed HDF5 objects.
  EXPECT_EQ(error_of<std::logic_error>([&] { t.append(request(0)); }),
            "hdf5: " + p + ":/requests belongs to a closed file");
  EXPECT_EQ(error_of<std::logic_error>([&] { f.set_attribute("x", 1); }),
            "hdf5: " + p + ":/ belongs to a closed file");
  File r = File::open_read(p);
  EXPECT_EQ(dataset_shape(r, "requests"), std::vector<std::uint64_t>{5000});
}

TEST_F(Hdf5Test, ReplacesAnEarlierFileOnlyWhenClosed) {
  const std::string p = path("run.h5");
  {
    File f = File::create(p);
    f.set_attribute("run", 1);
  }
  File f = File::create(p);
  f.set_attribute("run", 2);
  EXPECT_EQ(read_int_attribute(File::open_read(p), "run"), 1);
  f.close();
  EXPECT_EQ(read_int_attribute(File::open_read(p), "run"), 2);
}

TEST_F(Hdf5Test, AProcessDyingBeforeCloseLeavesNoFileUnderTheFinalName) {
  const std::string p = path("crash.h5");
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    File f = File::create(p);
    auto t = f.create_table("requests", request_schema());
    for (int i = 0; i < 10'000; ++i) t.append(request(i));
    f.flush();
    ::_exit(3);  // as a crash: no destructors
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_FALSE(fs::exists(p));
  EXPECT_TRUE(fs::exists(p + ".tmp-" + std::to_string(child)));
}

TEST_F(Hdf5Test, UnwindingAfterAnErrorLeavesAReadableFileWithEveryRowAppended) {
  const std::string p = path("unwind.h5");
  constexpr int kBeforeError = 7777;  // not a multiple of the chunk size
  const auto write = [&] {
    File f = File::create(p);
    f.set_attribute("complete", false);
    auto t = f.create_table("requests", request_schema());
    auto a = f.create_array<double>("timeseries/cpu");
    for (int i = 0;; ++i) {
      if (i == kBeforeError) throw std::runtime_error("simulated failure");
      t.append(request(i));
      a.append(0.5 * i);
    }
  };
  EXPECT_EQ(error_of(write), "simulated failure");
  EXPECT_FALSE(fs::exists(temp_of(p)));
  File f = File::open_read(p);
  EXPECT_FALSE(read_bool_attribute(f, "complete"));
  const std::vector<Request> rows = read_rows(f, "requests", request_schema());
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kBeforeError));
  EXPECT_TRUE(same(rows.back(), request(kBeforeError - 1)));
  const std::vector<double> cpu = read_array<double>(f, "timeseries/cpu");
  ASSERT_EQ(cpu.size(), static_cast<std::size_t>(kBeforeError));
  EXPECT_EQ(cpu.back(), 0.5 * (kBeforeError - 1));
}

TEST_F(Hdf5Test, ErrorsNameTheFile) {
  const std::string missing_dir = path("no/such/folder/run.h5");
  const std::string create = error_of([&] { File::create(missing_dir); });
  EXPECT_TRUE(contains(create, "hdf5: create file failed for " + missing_dir)) << create;
  EXPECT_TRUE(contains(create, "No such file or directory")) << create;

  const std::string absent = path("absent.h5");
  const std::string open = error_of([&] { File::open_read(absent); });
  EXPECT_TRUE(contains(open, "hdf5: open file failed for " + absent)) << open;

  std::ofstream(path("not_hdf5.h5")) << "hello";
  const std::string garbage = error_of([&] { File::open_read(path("not_hdf5.h5")); });
  EXPECT_TRUE(contains(garbage, "hdf5: open file failed for " + path("not_hdf5.h5"))) << garbage;

  File f = File::create(path("f.h5"));
  EXPECT_EQ(error_of<std::invalid_argument>([&] { f.set_attribute("s", std::string("a\0b", 3)); }),
            "hdf5: attribute 's' of " + path("f.h5") +
                ":/ holds a NUL byte, which HDF5 strings "
                "cannot store");
  EXPECT_EQ(error_of<std::invalid_argument>([] {
              Schema<Request>().column("id", &Request::id).column("id", &Request::client);
            }),
            "column 'id' registered twice");
  const std::vector<Column> wrong_size = {Column{"x", ScalarType::kInt64, 0, 4, {}}};
  EXPECT_EQ(error_of<std::invalid_argument>([&] { f.create_table("t", wrong_size, 8); }),
            "hdf5: column 'x' of " + path("f.h5") + ":/t is 4 bytes, not the size of its type");
}

// The same writes give the same bytes: no timestamps, no uninitialised padding.
TEST_F(Hdf5Test, IdenticalWritesGiveIdenticalFiles) {
  const auto write = [&](const std::string& p) {
    File f = File::create(p);
    f.set_attribute("seed", std::uint64_t{42});
    f.create_group("timeseries/nodes").set_attribute("n", 3);
    auto t = f.create_table("traces/all", all_types_schema());
    for (int i = 0; i < 3000; ++i) t.append(all_types_row(i));
    auto a = f.create_array<double>("timeseries/nodes/cpu", 2);
    for (int i = 0; i < 3000; ++i) a.append_row(std::array<double, 2>{1.0 * i, 2.0 * i});
    f.set_attribute("complete", true);
  };
  write(path("a.h5"));
  write(path("b.h5"));
  std::ifstream a(path("a.h5"), std::ios::binary);
  std::ifstream b(path("b.h5"), std::ios::binary);
  const std::string bytes_a{std::istreambuf_iterator<char>(a), {}};
  const std::string bytes_b{std::istreambuf_iterator<char>(b), {}};
  EXPECT_GT(bytes_a.size(), 1000u);
  EXPECT_TRUE(bytes_a == bytes_b);
}

// A file for checking the layer from Python (h5py, pandas): written to
// $PODWIRE_H5_EXAMPLE when set, e.g. PODWIRE_H5_EXAMPLE=/tmp/example.h5.
TEST_F(Hdf5Test, ExampleFileForPython) {
  const char* out = std::getenv("PODWIRE_H5_EXAMPLE");
  const std::string p = out != nullptr ? std::string(out) : path("example.h5");
  File f = File::create(p);
  f.set_attribute("complete", false);
  f.set_attribute("schema_version", 1);
  f.set_attribute("seed", std::uint64_t{12'345'678'901'234'567'890u});
  f.set_attribute("scenario", "name: d\xc3\xa9mo\nnodes: 3\n");
  f.set_attribute("warmup_s", 5.0);
  f.set_attribute("percentiles", std::vector<double>{0.5, 0.99});
  f.set_attribute("node_ids", std::vector<std::int64_t>{1, 2, 3});
  f.set_attribute("nodes", std::vector<std::string>{"n0", "n1", "n2"});
  auto all = f.create_table("/types", all_types_schema());
  for (int i = 0; i < 8; ++i) all.append(all_types_row(i));
  auto requests = f.create_table("/requests", request_schema());
  for (int i = 0; i < 10'000; ++i) requests.append(request(i));
  auto t_ps = f.create_array<std::int64_t>("/timeseries/t_ps");
  auto cpu = f.create_array<double>("/timeseries/nodes/cpu", 3);
  for (int i = 0; i < 1000; ++i) {
    t_ps.append(std::int64_t{i} * 1'000'000'000);
    cpu.append_row(std::array<double, 3>{0.1 * i, 0.2 * i, 0.3 * i});
  }
  f.set_attribute("complete", true);
  f.close();
  EXPECT_TRUE(fs::exists(p));
}

}  // namespace
}  // namespace podwire::trace::h5
