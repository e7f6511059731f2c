#include "models/trace/name_table.hpp"

#include "models/trace/columns.hpp"
#include "models/trace/hdf5/group.hpp"

namespace podwire::trace {

namespace {

struct NameRow {
  std::uint32_t id;
  char name[128];
};

h5::Table<NameRow> create(h5::Group& at, std::string_view path) {
  return at.create_table(
      path, h5::Schema<NameRow>().column("id", &NameRow::id).column("name", &NameRow::name));
}

void append(h5::Table<NameRow>& t, std::uint32_t id, std::string_view name) {
  NameRow row{};
  row.id = id;
  copy_name(row.name, name);
  t.append(row);
}

}  // namespace

std::uint32_t NameTable::id(std::string_view name) {
  if (const auto it = ids_.find(name); it != ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

void NameTable::write(h5::Group& at, std::string_view path) const { write_names(at, path, names_); }

void write_names(h5::Group& at, std::string_view path, std::span<const std::string> names) {
  auto t = create(at, path);
  for (std::uint32_t i = 0; i < names.size(); ++i) append(t, i, names[i]);
  t.flush();
}

void write_names(h5::Group& at, std::string_view path,
                 std::span<const std::pair<std::uint32_t, std::string>> names) {
  auto t = create(at, path);
  for (const auto& [id, name] : names) append(t, id, name);
  t.flush();
}

}  // namespace podwire::trace
