// Group: a folder of an HDF5 file ("/timeseries/nodes") that creates and opens the
// groups, tables and arrays below it. Paths are relative to the group or absolute.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "models/trace/hdf5/array.hpp"
#include "models/trace/hdf5/location.hpp"
#include "models/trace/hdf5/schema.hpp"
#include "models/trace/hdf5/storage_options.hpp"
#include "models/trace/hdf5/table.hpp"

namespace podwire::trace::h5 {

// Creating an object also creates any missing groups above it. Creating one that
// exists, or opening one that does not, is std::runtime_error naming the file and
// path; a closed file is std::logic_error. Each call is O(path depth) HDF5 metadata
// operations.
class Group : public Location {
 public:
  Group create_group(std::string_view path);
  Group open_group(std::string_view path) const;
  // Any object — group or dataset — e.g. to read its attributes.
  Location open(std::string_view path) const;
  bool exists(std::string_view path) const;

  template <class Row>
  Table<Row> create_table(std::string_view path, const Schema<Row>& schema,
                          const StorageOptions& options = {}) {
    return Table<Row>(create_table(path, schema.columns(), Schema<Row>::row_size(), options));
  }
  // Columns described at run time, at offsets inside rows of row_size bytes.
  // std::invalid_argument for no columns or one outside the row.
  TableBase create_table(std::string_view path, const std::vector<Column>& columns,
                         std::size_t row_size, const StorageOptions& options = {});

  // A 1-D array of T, shape (rows,).
  template <class T>
  Array<T> create_array(std::string_view path, const StorageOptions& options = {}) {
    return Array<T>(create_array(path, scalar_type_of<T>(), sizeof(T), 0, options));
  }
  // A 2-D array of T, shape (rows, width); width >= 1.
  template <class T>
  Array<T> create_array(std::string_view path, std::size_t width,
                        const StorageOptions& options = {}) {
    if (width == 0) throw std::invalid_argument("hdf5: a 2-D array needs width >= 1");
    return Array<T>(create_array(path, scalar_type_of<T>(), sizeof(T), width, options));
  }

 protected:
  using Location::Location;

 private:
  ArrayBase create_array(std::string_view path, ScalarType type, std::size_t element_size,
                         std::size_t width, const StorageOptions& options);
};

}  // namespace podwire::trace::h5
