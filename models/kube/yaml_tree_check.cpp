#include "models/kube/yaml_tree_check.hpp"

#include <cstdint>
#include <unordered_map>

namespace podwire::kube {

namespace {

// One walk of one tree. A collection is known by its position in the text
// (and its type), confirmed by identity: an alias is the very node its anchor
// names, so a second visit of a node is a visit through an alias.
class TreeCheck {
 public:
  explicit TreeCheck(YamlContext& context) : context_(context) {}

  bool refused() const { return refused_; }

  // The size of `n` in nodes, its aliases expanded. `place` is where a
  // problem with `n` is reported (the key it is under, or `n` itself).
  std::size_t visit(const YAML::Node& n, const std::string& path, const YAML::Node& place,
                    int depth) {
    if (refused_) return 0;
    if (!n.IsMap() && !n.IsSequence()) {
      // The file's text was checked; an override's value was not.
      if (n.IsScalar() && !is_utf8(n.Scalar()))
        YamlField(n, path, context_).error("this value is not UTF-8 text");
      return 1;
    }
    if (depth > kMaxYamlDepth) {
      return refuse(place, path,
                    "nested deeper than " + std::to_string(kMaxYamlDepth) +
                        " levels; podwire reads no deeper");
    }
    const YAML::Mark mark = n.Mark();
    const std::int64_t key = static_cast<std::int64_t>(mark.pos) * 4 + (n.IsMap() ? 1 : 2);
    const auto found = states_.find(key);
    const bool again = found != states_.end() && found->second.node.is(n);
    if (again && !found->second.done) {
      return refuse(place, path,
                    "this value contains itself through an alias (an anchor's own value refers "
                    "to it); a cyclic document cannot be read");
    }
    if (again) {
      aliased_ += found->second.size;
      if (aliased_ > kMaxAliasNodes) {
        return refuse(place, path,
                      "aliases expand this document by more than " +
                          std::to_string(kMaxAliasNodes) +
                          " nodes beyond those written; podwire reads no more (an alias bomb?)");
      }
      return found->second.size;
    }
    // Two distinct nodes at one position (possible for empty ones) are
    // walked each, without being remembered.
    State* state = nullptr;
    if (found == states_.end()) state = &states_.emplace(key, State{n, false, 0}).first->second;

    std::size_t size = 1;
    if (n.IsSequence()) {
      std::size_t i = 0;
      for (const YAML::Node& item : n) {
        // An item reached through an alias has its anchor's place: say the list's.
        size += visit(item, path + "[" + std::to_string(i++) + "]", n, depth + 1);
      }
    } else {
      std::unordered_map<std::string, int> seen;  // key -> its line
      for (const auto& kv : n) {
        const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
        const std::string child = path.empty() ? k : path + "." + k;
        if (kv.first.IsScalar()) {
          const auto [it, fresh] = seen.emplace(k, kv.first.Mark().line + 1);
          if (!fresh) {
            YamlField(kv.first, child, context_)
                .error("key '" + k + "' is given twice in this mapping (first at line " +
                       std::to_string(it->second) + ")");
          }
        }
        size += 1 + visit(kv.second, child, kv.first, depth + 1);
      }
    }
    if (refused_) return 0;
    if (state != nullptr) {  // an unordered_map's elements stay where they are
      state->done = true;
      state->size = size;
    }
    return size;
  }

 private:
  struct State {
    YAML::Node node;
    bool done = false;
    std::size_t size = 0;
  };

  std::size_t refuse(const YAML::Node& place, const std::string& path, const std::string& message) {
    YamlField(place, path, context_).error(message);
    refused_ = true;
    return 0;
  }

  YamlContext& context_;
  std::unordered_map<std::int64_t, State> states_;
  std::size_t aliased_ = 0;
  bool refused_ = false;
};

}  // namespace

bool check_yaml_tree(const YAML::Node& root, const std::string& path, YamlContext& context) {
  TreeCheck check(context);
  check.visit(root, path, root, 0);
  return !check.refused();
}

}  // namespace podwire::kube
