// Reading a file back — attributes, table rows, arrays — for tests and tools, not for
// the simulator. Each read loads what it reads whole: O(size) time and memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/trace/hdf5/group.hpp"
#include "models/trace/hdf5/location.hpp"
#include "models/trace/hdf5/schema.hpp"

namespace podwire::trace::h5 {

// A missing attribute, or one of another kind (a string read as a number), is
// std::runtime_error naming the attribute and where(). Numbers are converted by
// HDF5 within their kind (an int32 attribute reads as int64). Strings may be
// variable- or fixed-length; fixed ones lose their NUL padding.
std::string read_string_attribute(const Location& at, std::string_view name);
std::vector<std::string> read_strings_attribute(const Location& at, std::string_view name);
std::int64_t read_int_attribute(const Location& at, std::string_view name);
std::uint64_t read_uint_attribute(const Location& at, std::string_view name);
double read_double_attribute(const Location& at, std::string_view name);
bool read_bool_attribute(const Location& at, std::string_view name);
std::vector<double> read_doubles_attribute(const Location& at, std::string_view name);
std::vector<std::int64_t> read_ints_attribute(const Location& at, std::string_view name);

// Dimensions of the dataset at path: {rows} or {rows, width}.
std::vector<std::uint64_t> dataset_shape(const Group& parent, std::string_view path);

// Reads n rows of the table at path into rows of row_size bytes with the columns at
// their offsets. HDF5 matches columns by name, so the in-memory layout may order
// them differently or list fewer; n must be the table's row count.
void read_rows_into(const Group& parent, std::string_view path, const std::vector<Column>& columns,
                    std::size_t row_size, void* rows, std::size_t n);

template <class Row>
std::vector<Row> read_rows(const Group& parent, std::string_view path, const Schema<Row>& schema) {
  std::vector<Row> rows(dataset_shape(parent, path).at(0));
  read_rows_into(parent, path, schema.columns(), sizeof(Row), rows.data(), rows.size());
  return rows;
}

// Reads the n elements of the array at path (row-major) as `type`.
void read_array_into(const Group& parent, std::string_view path, ScalarType type,
                     std::size_t element_size, void* values, std::size_t n);

template <class T>
std::vector<T> read_array(const Group& parent, std::string_view path) {
  std::size_t n = 1;
  for (std::uint64_t d : dataset_shape(parent, path)) n *= d;
  std::vector<T> values(n);
  read_array_into(parent, path, scalar_type_of<T>(), sizeof(T), values.data(), n);
  return values;
}

}  // namespace podwire::trace::h5
