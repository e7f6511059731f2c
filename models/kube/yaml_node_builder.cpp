#include "models/kube/yaml_node_builder.hpp"

namespace podwire::kube {
struct YamlNodeAccess;
}  // namespace podwire::kube

// YAML::Node is made from a built tree only by yaml-cpp's own node builder,
// which is not among its installed headers, and by the as_if templates, which
// Node befriends; this specialisation is the one door from detail::node to a
// Node. Reading a stream through the public LoadAll instead meant a second
// full parse for the endless-loop guard: a fifth of the time to load the
// scalability envelope's manifests.
template <>
struct YAML::as_if<podwire::kube::YamlNodeAccess, podwire::kube::YamlNodeAccess> {
  static Node wrap(detail::node& n, const detail::shared_memory_holder& memory) {
    return Node(n, memory);
  }
};

namespace podwire::kube {

using YAML::detail::node;

YAML::Node YamlNodeBuilder::root() const {
  if (root_ == nullptr) return YAML::Node();
  return YAML::as_if<YamlNodeAccess, YamlNodeAccess>::wrap(*root_, memory_);
}

node& YamlNodeBuilder::make(const YAML::Mark& mark, YAML::anchor_t anchor) {
  ++events_;
  node& n = memory_->create_node();
  n.set_mark(mark);
  if (anchor != YAML::NullAnchor) {
    if (anchors_.size() <= anchor) anchors_.resize(anchor + 1, nullptr);
    anchors_[anchor] = &n;
  }
  return n;
}

void YamlNodeBuilder::add(node& n) {
  if (open_.empty()) {
    root_ = &n;
    return;
  }
  Open& o = open_.back();
  if (o.collection->type() == YAML::NodeType::Sequence) {
    o.collection->push_back(n, memory_);
  } else if (o.key == nullptr) {
    o.key = &n;
  } else {
    o.collection->insert(*o.key, n, memory_);
    o.key = nullptr;
  }
}

void YamlNodeBuilder::OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) {
  if (nulls_++ == 0) null_mark_ = mark;
  node& n = make(mark, anchor);
  n.set_null();
  add(n);
}

void YamlNodeBuilder::OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) {
  ++events_;
  // The parser rejects an alias to an anchor it has not seen; a null stands in
  // should one ever come through.
  if (anchor < anchors_.size() && anchors_[anchor] != nullptr) {
    add(*anchors_[anchor]);
  } else {
    node& n = make(mark, YAML::NullAnchor);
    n.set_null();
    add(n);
  }
}

void YamlNodeBuilder::OnScalar(const YAML::Mark& mark, const std::string& tag,
                               YAML::anchor_t anchor, const std::string& value) {
  node& n = make(mark, anchor);
  n.set_scalar(value);
  n.set_tag(tag);
  add(n);
}

void YamlNodeBuilder::OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                                      YAML::anchor_t anchor, YAML::EmitterStyle::value style) {
  open(make(mark, anchor), tag, YAML::NodeType::Sequence, style);
}

void YamlNodeBuilder::OnMapStart(const YAML::Mark& mark, const std::string& tag,
                                 YAML::anchor_t anchor, YAML::EmitterStyle::value style) {
  open(make(mark, anchor), tag, YAML::NodeType::Map, style);
}

void YamlNodeBuilder::open(node& collection, const std::string& tag, YAML::NodeType::value type,
                           YAML::EmitterStyle::value style) {
  collection.set_tag(tag);
  collection.set_type(type);
  collection.set_style(style);
  open_.push_back(Open{&collection, nullptr});
}

// A collection joins its parent when it is complete, as a scalar does.
void YamlNodeBuilder::close() {
  if (open_.empty()) return;
  node& done = *open_.back().collection;
  open_.pop_back();
  add(done);
}

}  // namespace podwire::kube
