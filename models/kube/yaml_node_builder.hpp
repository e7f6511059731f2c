// YamlNodeBuilder: builds yaml-cpp nodes from the parser's events, one
// document at a time, and says whether a document was nothing but one null
// node and where: what read_yaml_documents needs to read a stream in one pass
// and still stop yaml-cpp 0.7's endless loop of null documents.
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <vector>

namespace podwire::kube {

class YamlNodeBuilder : public YAML::EventHandler {
 public:
  // The document built; an undefined node when there was none.
  YAML::Node root() const;
  // The document was a single null node (an empty document), at null_mark().
  bool only_null() const { return events_ == 1 && nulls_ == 1; }
  const YAML::Mark& null_mark() const { return null_mark_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::detail::node* collection;
    YAML::detail::node* key;  // a map's key waiting for its value
  };
  YAML::detail::node& make(const YAML::Mark& mark, YAML::anchor_t anchor);
  void open(YAML::detail::node& collection, const std::string& tag, YAML::NodeType::value type,
            YAML::EmitterStyle::value style);
  void close();
  // Puts a finished node into the collection that is open, or makes it the root.
  void add(YAML::detail::node& n);

  YAML::detail::shared_memory_holder memory_ = std::make_shared<YAML::detail::memory_holder>();
  std::vector<YAML::detail::node*> anchors_;
  std::vector<Open> open_;
  YAML::detail::node* root_ = nullptr;
  int events_ = 0;
  int nulls_ = 0;
  YAML::Mark null_mark_;
};

}  // namespace podwire::kube
