// The libyaml reader gives the trees yaml-cpp's own reader gives: the same
// kinds, scalars, tags (quoted or not), styles and marks, node by node, over
// every shipped manifest and a few corners; and it leaves to yaml-cpp what
// it cannot read cleanly.
#include "models/kube/yaml_fast_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace podwire::kube {
namespace {

void expect_same(const YAML::Node& a, const YAML::Node& b, const std::string& where) {
  ASSERT_EQ(a.Type(), b.Type()) << where;
  if (a.IsDefined() && !a.IsNull()) {
    EXPECT_EQ(a.Mark().line, b.Mark().line) << where;
    EXPECT_EQ(a.Mark().column, b.Mark().column) << where;
    EXPECT_EQ(a.Tag(), b.Tag()) << where;
  }
  if (a.IsScalar()) {
    EXPECT_EQ(a.Scalar(), b.Scalar()) << where;
  } else if (a.IsSequence()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (std::size_t i = 0; i < a.size(); ++i)
      expect_same(a[i], b[i], where + "[" + std::to_string(i) + "]");
  } else if (a.IsMap()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    auto ib = b.begin();
    for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib) {
      expect_same(ia->first, ib->first, where + ".key");
      expect_same(ia->second, ib->second, where + "." + ia->first.Scalar());
    }
  }
}

void expect_same_as_yaml_cpp(const std::string& text, const std::string& name) {
  const auto fast = read_yaml_fast(text);
  ASSERT_TRUE(fast.has_value()) << name;
  const std::vector<YAML::Node> slow = YAML::LoadAll(text);
  ASSERT_EQ(fast->size(), slow.size()) << name;
  for (std::size_t i = 0; i < slow.size(); ++i)
    expect_same((*fast)[i], slow[i], name + " document " + std::to_string(i));
}

TEST(YamlFastReader, EveryShippedManifestReadsAsYamlCppReadsIt) {
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::string(PODWIRE_SOURCE_DIR) + "/scenarios")) {
    const auto ext = entry.path().extension();
    if (ext != ".yaml" && ext != ".yml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    expect_same_as_yaml_cpp(text.str(), entry.path().string());
    ++files;
  }
  EXPECT_GT(files, 30);
}

TEST(YamlFastReader, CornersReadAsYamlCppReadsThem) {
  expect_same_as_yaml_cpp("a: 1\nb: \"2\"\nc: '3'\nd:\ne: ~\nf: null\ng: |\n  x\n  y\n", "scalars");
  expect_same_as_yaml_cpp("base: &b {x: 1}\nuse: *b\nlist:\n- a\n- [b, c]\n", "anchors and flow");
  expect_same_as_yaml_cpp("---\na: 1\n---\n---\nb: !!str 2\n...\n", "documents and tags");
  expect_same_as_yaml_cpp("# only a comment\n", "no document");
  expect_same_as_yaml_cpp("k:\n  - x: 1\n    y: [1, {z: 2}]\n", "nested");
}

TEST(YamlFastReader, LeavesToYamlCppWhatItCannotRead) {
  EXPECT_FALSE(read_yaml_fast("a: [1, 2\n").has_value());     // a syntax error
  EXPECT_FALSE(read_yaml_fast(",\n").has_value());            // yaml-cpp's endless loop case
  EXPECT_FALSE(read_yaml_fast("a: *nothing\n").has_value());  // an alias to no anchor
  EXPECT_FALSE(read_yaml_fast(std::string(kMaxFastDepth + 1, '[')).has_value());
}

}  // namespace
}  // namespace podwire::kube
