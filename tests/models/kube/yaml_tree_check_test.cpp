// YAML that would loop, overflow the stack or explode a reader that walks it:
// aliases to themselves, alias bombs, deep nesting, and a manifest folder that
// is the whole file system. Each is one located error, found at once.
#include "models/kube/yaml_tree_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tests/models/kube/manifest_test_support.hpp"

namespace podwire::kube {
namespace {

using manifest_test::Loaded;
using manifest_test::parse;

// The "billion laughs": `levels` levels of nine aliases each to the level below.
std::string alias_bomb(int levels) {
  std::string text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= levels; ++i) {
    const std::string below = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) text += (k ? ", " : "") + below;
    text += "]\n";
  }
  return text;
}

double seconds_to(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(YamlTreeCheck, AnAliasInsideItsOwnAnchorIsOneErrorNotACrash) {
  EXPECT_EQ(parse("x: &a [*a]\n").errors(),
            std::vector<std::string>{
                "test.yaml:1:4: error: x[0]: this value contains itself through an alias (an "
                "anchor's own value refers to it); a cyclic document cannot be read"});
  // A document that is only an anchored mapping whose value is itself.
  EXPECT_EQ(parse("&b\n: *b\n").errors(),
            std::vector<std::string>{
                "test.yaml:2:1: error: this value contains itself through an alias (an "
                "anchor's own value refers to it); a cyclic document cannot be read"});
  // A Kubernetes List that lists itself is not read as objects either.
  const Loaded list = parse("&l {apiVersion: v1, kind: List, items: [*l]}\n");
  ASSERT_EQ(list.errors().size(), 1u);
  EXPECT_NE(list.errors()[0].find("items[0]: this value contains itself"), std::string::npos);
}

TEST(YamlTreeCheck, AnAliasBombIsRefusedAtOnceWhereItExplodes) {
  Loaded l;
  const double took = seconds_to([&] { l = parse(alias_bomb(9)); });
  EXPECT_LT(took, 1.0);
  EXPECT_EQ(l.errors(),
            std::vector<std::string>{
                "test.yaml:6:5: error: a5[0]: aliases expand this document by more than 100000 "
                "nodes beyond those written; podwire reads no more (an alias bomb?)"});
  // Aliases used as anchors are meant to be (a template repeated) are fine.
  EXPECT_TRUE(parse(alias_bomb(3) + "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
                  .errors()
                  .size() == 0);
}

TEST(YamlTreeCheck, NestingIsBounded) {
  std::string deep;
  for (int i = 0; i <= kMaxYamlDepth; ++i) deep += "[";
  for (int i = 0; i <= kMaxYamlDepth; ++i) deep += "]";
  const Loaded l = parse("x: " + deep + "\n");
  ASSERT_EQ(l.errors().size(), 1u);
  EXPECT_NE(l.errors()[0].find(": nested deeper than 100 levels; podwire reads no deeper"),
            std::string::npos)
      << l.errors()[0];
  // Past yaml-cpp's own guard: its "bad file" is said in words.
  std::string deeper(3000, '[');
  EXPECT_EQ(parse("x: " + deeper + "\n").errors(),
            std::vector<std::string>{"test.yaml:2:1: error: nested too deeply for the YAML "
                                     "reader (more than 2000 levels)"});
}

TEST(YamlTreeCheck, DuplicateKeysAreReportedOnceEvenBehindAnAlias) {
  const Loaded l = parse(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\na: &m {k: 1, k: 2}\nb: [*m, *m]\n");
  EXPECT_EQ(l.errors(),
            std::vector<std::string>{"test.yaml:4:14: error: a.k: key 'k' is given twice in this "
                                     "mapping (first at line 4)"});
}

TEST(YamlTreeCheck, TheRootFolderIsNotWalked) {
  for (const std::string root : {"/", "//", "/tmp/.."}) {
    Diagnostics d;
    const double took = seconds_to([&] { load_manifests({root}, d); });
    EXPECT_LT(took, 1.0) << root;
    EXPECT_EQ(d.to_string(), root +
                                 ": error: this is the root of the file system; name the folder "
                                 "that holds the manifests\n");
  }
}

TEST(YamlTreeCheck, AFolderWithTooManyEntriesIsNotRead) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "podwire_big_folder";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (std::size_t i = 0; i <= kMaxFolderEntries; ++i)
    std::ofstream(dir / ("f" + std::to_string(i) + ".txt"));
  std::ofstream(dir / "a.yaml") << "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";
  Diagnostics d;
  const ObjectSet s = load_manifests({dir.string()}, d);
  EXPECT_EQ(s.object_count(), 0u);
  EXPECT_EQ(d.to_string(), dir.string() +
                               ": error: this folder holds more than 20000 files and folders, "
                               "more than any set of manifests; name the folder that holds the "
                               "manifests\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace podwire::kube
