#include "models/kube/yaml_fast_reader.hpp"

#include <yaml.h>

#include <memory>
#include <unordered_map>

#include "models/kube/yaml_node_builder.hpp"

namespace podwire::kube {

namespace {

struct Parser {
  yaml_parser_t p;
  Parser() { yaml_parser_initialize(&p); }
  ~Parser() { yaml_parser_delete(&p); }
};

struct Event {
  yaml_event_t e;
  ~Event() { yaml_event_delete(&e); }
};

YAML::Mark mark_of(const yaml_mark_t& m) {
  YAML::Mark out;
  out.pos = static_cast<int>(m.index);
  out.line = static_cast<int>(m.line);
  out.column = static_cast<int>(m.column);
  return out;
}

std::string text_of(const yaml_char_t* s) {
  return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
}

// yaml-cpp's tag for a node written without one: "?" for plain scalars and
// collections, "!" for quoted and block scalars (what `quoted()` reads).
std::string tag_of(const yaml_char_t* tag, bool non_plain) {
  if (tag != nullptr) return text_of(tag);
  return non_plain ? "!" : "?";
}

// yaml-cpp reads an untagged plain scalar that is empty or spells null as a null node.
bool is_null(const yaml_event_t& e) {
  if (e.data.scalar.tag != nullptr || e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
  const std::string_view v(reinterpret_cast<const char*>(e.data.scalar.value),
                           e.data.scalar.length);
  return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL";
}

YAML::EmitterStyle::value style_of(bool flow) {
  return flow ? YAML::EmitterStyle::Flow : YAML::EmitterStyle::Block;
}

}  // namespace

std::optional<std::vector<YAML::Node>> read_yaml_fast(const std::string& text) {
  Parser parser;
  yaml_parser_set_input_string(&parser.p, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  std::vector<YAML::Node> documents;
  std::unique_ptr<YamlNodeBuilder> builder;
  // Anchor names to yaml-cpp's numbers, per document (a later anchor of the
  // same name takes over, as in yaml-cpp).
  std::unordered_map<std::string, YAML::anchor_t> anchors;
  YAML::anchor_t next_anchor = 1;
  int depth = 0;
  const auto anchor_of = [&](const yaml_char_t* name) -> YAML::anchor_t {
    if (name == nullptr) return YAML::NullAnchor;
    const YAML::anchor_t a = next_anchor++;
    anchors[text_of(name)] = a;
    return a;
  };
  while (true) {
    Event ev;
    if (!yaml_parser_parse(&parser.p, &ev.e)) return std::nullopt;
    const yaml_event_t& e = ev.e;
    const YAML::Mark at = mark_of(e.start_mark);
    switch (e.type) {
      case YAML_STREAM_END_EVENT:
        return documents;
      case YAML_DOCUMENT_START_EVENT:
        builder = std::make_unique<YamlNodeBuilder>();
        anchors.clear();
        next_anchor = 1;
        break;
      case YAML_DOCUMENT_END_EVENT:
        if (builder) documents.push_back(builder->root());
        builder.reset();
        break;
      case YAML_ALIAS_EVENT: {
        const auto it = anchors.find(text_of(e.data.alias.anchor));
        if (it == anchors.end()) return std::nullopt;
        builder->OnAlias(at, it->second);
        break;
      }
      case YAML_SCALAR_EVENT:
        if (is_null(e)) {
          builder->OnNull(at, anchor_of(e.data.scalar.anchor));
        } else {
          builder->OnScalar(
              at, tag_of(e.data.scalar.tag, e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE),
              anchor_of(e.data.scalar.anchor),
              std::string(reinterpret_cast<const char*>(e.data.scalar.value),
                          e.data.scalar.length));
        }
        break;
      case YAML_SEQUENCE_START_EVENT:
        if (++depth > kMaxFastDepth) return std::nullopt;
        builder->OnSequenceStart(at, tag_of(e.data.sequence_start.tag, false),
                                 anchor_of(e.data.sequence_start.anchor),
                                 style_of(e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE));
        break;
      case YAML_SEQUENCE_END_EVENT:
        --depth;
        builder->OnSequenceEnd();
        break;
      case YAML_MAPPING_START_EVENT:
        if (++depth > kMaxFastDepth) return std::nullopt;
        builder->OnMapStart(at, tag_of(e.data.mapping_start.tag, false),
                            anchor_of(e.data.mapping_start.anchor),
                            style_of(e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE));
        break;
      case YAML_MAPPING_END_EVENT:
        --depth;
        builder->OnMapEnd();
        break;
      default:  // stream start, no event
        break;
    }
  }
}

}  // namespace podwire::kube
