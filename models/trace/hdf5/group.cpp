// Group: creating and opening groups, tables and arrays.
#include "models/trace/hdf5/group.hpp"

#include <hdf5.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "models/trace/hdf5/array_impl.hpp"
#include "models/trace/hdf5/error.hpp"
#include "models/trace/hdf5/file_state.hpp"
#include "models/trace/hdf5/paths.hpp"
#include "models/trace/hdf5/properties.hpp"
#include "models/trace/hdf5/table_impl.hpp"
#include "models/trace/hdf5/types.hpp"

namespace podwire::trace::h5 {
namespace {

// Packed offsets of the columns, and the copy plan that fills a packed row from a
// row struct, merging columns that are adjacent in both.
std::vector<TableBase::Impl::Copy> plan_copies(const std::vector<Column>& columns,
                                               std::vector<std::size_t>& packed,
                                               std::size_t& packed_size) {
  std::vector<TableBase::Impl::Copy> copies;
  packed_size = 0;
  for (const Column& c : columns) {
    packed.push_back(packed_size);
    if (!copies.empty() && copies.back().from + copies.back().size == c.offset) {
      copies.back().size += c.size;
    } else {
      copies.push_back({c.offset, packed_size, c.size});
    }
    packed_size += c.size;
  }
  return copies;
}

Handle extendible_space(std::size_t width, const std::string& where) {
  const hsize_t dims[2] = {0, width};
  const hsize_t max_dims[2] = {H5S_UNLIMITED, width};
  return detail::checked(H5Screate_simple(width == 0 ? 1 : 2, dims, max_dims),
                         Handle::Kind::kDataspace, "create dataspace", where);
}

}  // namespace

Group Group::create_group(std::string_view path) {
  ensure_open();
  const std::string full = detail::join_path(path_, path);
  const std::string where = file_->where(full);
  detail::create_parent_groups(id(), full, file_->path);
  const Handle gcpl = detail::make_group_create_properties(where);
  const Handle lcpl = detail::make_link_create_properties(where);
  Handle group =
      detail::checked(H5Gcreate2(id(), full.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT),
                      Handle::Kind::kGroup, "create group", where);
  return Group(file_, std::move(group), full);
}

Group Group::open_group(std::string_view path) const {
  ensure_open();
  const std::string full = detail::join_path(path_, path);
  Handle group = detail::checked(H5Gopen2(id(), full.c_str(), H5P_DEFAULT), Handle::Kind::kGroup,
                                 "open group", file_->where(full));
  return Group(file_, std::move(group), full);
}

Location Group::open(std::string_view path) const {
  ensure_open();
  const std::string full = detail::join_path(path_, path);
  Handle object = detail::checked(H5Oopen(id(), full.c_str(), H5P_DEFAULT), Handle::Kind::kObject,
                                  "open object", file_->where(full));
  return Location(file_, std::move(object), full);
}

bool Group::exists(std::string_view path) const {
  ensure_open();
  const std::string full = detail::join_path(path_, path);
  // H5Lexists fails rather than answering "no" when a group above is missing, so
  // every prefix is checked in turn.
  std::size_t end = full.find('/', 1);
  while (true) {
    const std::string prefix = full.substr(0, end);
    if (detail::check(H5Lexists(id(), prefix.c_str(), H5P_DEFAULT), "look up object",
                      file_->where(prefix)) == 0) {
      return false;
    }
    if (end == std::string::npos) return true;
    end = full.find('/', end + 1);
  }
}

TableBase Group::create_table(std::string_view path, const std::vector<Column>& columns,
                              std::size_t row_size, const StorageOptions& options) {
  ensure_open();
  const std::string full = detail::join_path(path_, path);
  const std::string where = file_->where(full);
  if (columns.empty()) throw std::invalid_argument("hdf5: table " + where + " has no columns");
  for (const Column& c : columns) {
    if (c.size == 0 || c.offset + c.size > row_size) {
      throw std::invalid_argument("hdf5: column '" + c.name + "' of " + where +
                                  " lies outside its " + std::to_string(row_size) + "-byte row");
    }
    if (c.type != ScalarType::kString && c.size != scalar_size(c.type)) {
      throw std::invalid_argument("hdf5: column '" + c.name + "' of " + where + " is " +
                                  std::to_string(c.size) + " bytes, not the size of its type");
    }
  }
  std::vector<std::size_t> packed;
  std::size_t packed_size = 0;
  std::vector<TableBase::Impl::Copy> copies = plan_copies(columns, packed, packed_size);
  const Handle file_type =
      detail::make_row_type(columns, packed, packed_size, detail::Layout::kFile, where);
  Handle mem_type =
      detail::make_row_type(columns, packed, packed_size, detail::Layout::kMemory, where);
  const std::size_t chunk_rows = detail::chunk_rows_for(options, packed_size);
  const Handle space = extendible_space(0, where);
  const Handle dcpl = detail::make_dataset_create_properties(options, chunk_rows, 0, where);
  const Handle dapl = detail::make_dataset_access_properties(where);
  const Handle lcpl = detail::make_link_create_properties(where);
  detail::create_parent_groups(id(), full, file_->path);
  Handle dataset = detail::checked(H5Dcreate2(id(), full.c_str(), file_type.get(), space.get(),
                                              lcpl.get(), dcpl.get(), dapl.get()),
                                   Handle::Kind::kDataset, "create table", where);
  const hid_t dataset_id = dataset.get();
  Location location(file_, std::move(dataset), full);
  for (const Column& c : columns) {
    if (!c.enum_names.empty()) location.set_attribute("enum:" + c.name, std::span(c.enum_names));
  }
  auto impl =
      std::make_unique<TableBase::Impl>(std::move(copies), *file_, dataset_id, std::move(mem_type),
                                        packed_size, chunk_rows, std::size_t{0}, where);
  return TableBase(std::move(location), std::move(impl));
}

ArrayBase Group::create_array(std::string_view path, ScalarType type, std::size_t element_size,
                              std::size_t width, const StorageOptions& options) {
  ensure_open();
  const std::string full = detail::join_path(path_, path);
  const std::string where = file_->where(full);
  const std::size_t row_bytes = element_size * (width == 0 ? 1 : width);
  const Handle file_type =
      detail::make_scalar_type(type, element_size, detail::Layout::kFile, where);
  Handle mem_type = detail::make_scalar_type(type, element_size, detail::Layout::kMemory, where);
  const std::size_t chunk_rows = detail::chunk_rows_for(options, row_bytes);
  const Handle space = extendible_space(width, where);
  const Handle dcpl = detail::make_dataset_create_properties(options, chunk_rows, width, where);
  const Handle dapl = detail::make_dataset_access_properties(where);
  const Handle lcpl = detail::make_link_create_properties(where);
  detail::create_parent_groups(id(), full, file_->path);
  Handle dataset = detail::checked(H5Dcreate2(id(), full.c_str(), file_type.get(), space.get(),
                                              lcpl.get(), dcpl.get(), dapl.get()),
                                   Handle::Kind::kDataset, "create array", where);
  const hid_t dataset_id = dataset.get();
  Location location(file_, std::move(dataset), full);
  auto impl = std::make_unique<ArrayBase::Impl>(*file_, dataset_id, std::move(mem_type), row_bytes,
                                                chunk_rows, width, where);
  return ArrayBase(std::move(location), width, std::move(impl));
}

}  // namespace podwire::trace::h5
