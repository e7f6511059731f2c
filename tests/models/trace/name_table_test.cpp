// NameTable and write_names: ids in first-seen order, names written back as
// (id, name) rows, long names cut to the column.
#include "models/trace/name_table.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "models/trace/hdf5/file.hpp"
#include "models/trace/hdf5/reader.hpp"

namespace podwire::trace {
namespace {

namespace fs = std::filesystem;

struct NameRow {
  std::uint32_t id;
  char name[128];
};

std::vector<std::pair<std::uint32_t, std::string>> read_names(const std::string& path,
                                                              std::string_view table) {
  const h5::File f = h5::File::open_read(path);
  std::vector<std::pair<std::uint32_t, std::string>> out;
  for (const NameRow& r : h5::read_rows(
           f, table,
           h5::Schema<NameRow>().column("id", &NameRow::id).column("name", &NameRow::name))) {
    out.emplace_back(r.id, std::string(r.name, strnlen(r.name, sizeof r.name)));
  }
  return out;
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / name).string();
}

TEST(NameTable, GivesEachNewNameTheNextIdAndAKnownNameItsOwn) {
  NameTable t;
  EXPECT_EQ(t.id("web.my-app.svc"), 0u);
  EXPECT_EQ(t.id("db"), 1u);
  EXPECT_EQ(t.id(std::string("web.my-app.svc")), 0u);
  EXPECT_EQ(t.id("cache"), 2u);
  EXPECT_EQ(t.names(), (std::vector<std::string>{"web.my-app.svc", "db", "cache"}));
}

TEST(NameTable, WritesItsNamesInIdOrder) {
  const std::string p = temp_path("podwire_name_table_test.h5");
  {
    NameTable t;
    for (const char* n : {"b", "a", "b", "c"}) t.id(n);
    h5::File f = h5::File::create(p);
    t.write(f, "/dns_names");
    f.close();
  }
  EXPECT_EQ(read_names(p, "/dns_names"),
            (std::vector<std::pair<std::uint32_t, std::string>>{{0, "b"}, {1, "a"}, {2, "c"}}));
  fs::remove(p);
}

TEST(WriteNames, NumbersAListByPositionOrKeepsTheIdsGiven) {
  const std::string p = temp_path("podwire_write_names_test.h5");
  const std::string long_name(200, 'x');
  {
    h5::File f = h5::File::create(p);
    write_names(f, "/targets", std::vector<std::string>{"web", long_name});
    write_names(
        f, "/endpoints",
        std::vector<std::pair<std::uint32_t, std::string>>{{7, "worker-1"}, {1000, "ns/pod"}});
    write_names(f, "/empty", std::vector<std::string>{});
    f.close();
  }
  EXPECT_EQ(read_names(p, "/targets"), (std::vector<std::pair<std::uint32_t, std::string>>{
                                           {0, "web"}, {1, std::string(127, 'x')}}));
  EXPECT_EQ(read_names(p, "/endpoints"), (std::vector<std::pair<std::uint32_t, std::string>>{
                                             {7, "worker-1"}, {1000, "ns/pod"}}));
  EXPECT_TRUE(read_names(p, "/empty").empty());
  fs::remove(p);
}

}  // namespace
}  // namespace podwire::trace
