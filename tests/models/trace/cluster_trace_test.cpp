// ClusterTrace: /meta holds the run's identity from the start; a trace
// finished says how the run ended and is complete, one dropped unfinished is
// renamed with complete = false; tables written into file() are kept.
#include "models/trace/cluster_trace.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "models/trace/hdf5/reader.hpp"

namespace podwire::trace {
namespace {

namespace fs = std::filesystem;

const RunIdentity kIdentity{"9.9.9", 42, "seed-web.yaml", "run: {seed: 42}\n"};

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / name).string();
}

struct Row {
  std::uint32_t x;
};

TEST(ClusterTrace, FinishedSaysHowTheRunEnded) {
  const std::string p = temp_path("podwire_cluster_trace_test.h5");
  {
    ClusterTrace t(p, kIdentity, engine::Time::s(2));
    auto table = t.file().create_table("/some/table", h5::Schema<Row>().column("x", &Row::x));
    table.append(Row{5});
    t.finish(1234, engine::Time::s(20), true);
  }
  const h5::File f = h5::File::open_read(p);
  const h5::Group meta = f.open_group("/meta");
  EXPECT_EQ(h5::read_string_attribute(meta, "podwire_version"), "9.9.9");
  EXPECT_EQ(h5::read_int_attribute(meta, "schema_version"), kTraceSchemaVersion);
  EXPECT_EQ(h5::read_uint_attribute(meta, "seed"), 42u);
  EXPECT_EQ(h5::read_string_attribute(meta, "scenario_file"), "seed-web.yaml");
  EXPECT_EQ(h5::read_string_attribute(meta, "scenario_text"), "run: {seed: 42}\n");
  EXPECT_EQ(h5::read_string_attribute(meta, "model"), "cluster");
  EXPECT_EQ(h5::read_int_attribute(meta, "warmup_ps"), engine::Time::s(2).ps());
  EXPECT_EQ(h5::read_int_attribute(meta, "simulated_ps"), engine::Time::s(20).ps());
  EXPECT_EQ(h5::read_uint_attribute(meta, "events"), 1234u);
  EXPECT_TRUE(h5::read_bool_attribute(meta, "complete"));
  EXPECT_EQ(h5::read_string_attribute(meta, "end_wall_clock").size(),
            std::string("2024-01-31T12:00:00Z").size());
  const auto rows = h5::read_rows(f, "/some/table", h5::Schema<Row>().column("x", &Row::x));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].x, 5u);
  fs::remove(p);
}

TEST(ClusterTrace, DroppedUnfinishedIsIncomplete) {
  const std::string p = temp_path("podwire_cluster_trace_unfinished_test.h5");
  { ClusterTrace t(p, kIdentity, engine::Time::zero()); }
  const h5::File f = h5::File::open_read(p);
  const h5::Group meta = f.open_group("/meta");
  EXPECT_FALSE(h5::read_bool_attribute(meta, "complete"));
  EXPECT_EQ(h5::read_string_attribute(meta, "start_wall_clock").back(), 'Z');
  fs::remove(p);
}

}  // namespace
}  // namespace podwire::trace
