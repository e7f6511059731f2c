// NameTable: the names an id column refers to (/dns_names, /packet_places):
// each new name gets the next id, and at the end the names are written as a
// table of (id, name). write_names writes such a table from names numbered
// already (/targets, /links, /endpoints).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace podwire::trace {

namespace h5 {
class Group;
}

class NameTable {
 public:
  // The id of `name`: the number of names seen before it, on first sight.
  // O(1) on average; allocates only for a name not seen before.
  std::uint32_t id(std::string_view name);

  // Names in id order.
  const std::vector<std::string>& names() const { return names_; }

  // The (id, name) table at `path` under `at`.
  void write(h5::Group& at, std::string_view path) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
};

// A table of (id, name) at `path`: names[i] has id i. Names longer than 127
// bytes are cut (the column is char[128]).
void write_names(h5::Group& at, std::string_view path, std::span<const std::string> names);
// The same with the ids given.
void write_names(h5::Group& at, std::string_view path,
                 std::span<const std::pair<std::uint32_t, std::string>> names);

}  // namespace podwire::trace
