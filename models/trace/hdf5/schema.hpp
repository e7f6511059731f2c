// Schema<Row>: which members of a plain row struct become the columns of a Table, in
// what order and with what HDF5 type. Registered once per table, e.g.
// Schema<Req>().column("start_ps", &Req::start_ps).column("status", &Req::status, names).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace podwire::trace::h5 {

// On disk: little-endian integers and IEEE floats of the same width; kBool is an
// int8 HDF5 enum {FALSE = 0, TRUE = 1}, which h5py and pandas read as numpy bool;
// kString is a fixed-length, NUL-padded UTF-8 string (numpy "S<N>", bytes in pandas).
enum class ScalarType : std::uint8_t {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat32,
  kFloat64,
  kBool,
  kString,
};

// Bytes of one value; 0 for kString, whose length is the column's.
constexpr std::size_t scalar_size(ScalarType type) {
  switch (type) {
    case ScalarType::kInt8:
    case ScalarType::kUInt8:
    case ScalarType::kBool:
      return 1;
    case ScalarType::kInt16:
    case ScalarType::kUInt16:
      return 2;
    case ScalarType::kInt32:
    case ScalarType::kUInt32:
    case ScalarType::kFloat32:
      return 4;
    case ScalarType::kInt64:
    case ScalarType::kUInt64:
    case ScalarType::kFloat64:
      return 8;
    case ScalarType::kString:
      break;
  }
  return 0;
}

struct Column {
  std::string name;
  ScalarType type;
  std::size_t offset;  // bytes from the start of the in-memory row
  std::size_t size;    // bytes; for kString the fixed length N of char[N]
  // Non-empty for an enum column: code i means enum_names[i]. Stored as the
  // dataset attribute "enum:<name>" (an array of strings) beside integer codes.
  std::vector<std::string> enum_names;
};

template <class T>
constexpr ScalarType scalar_type_of() {
  if constexpr (std::is_same_v<T, bool>) {
    return ScalarType::kBool;
  } else if constexpr (std::is_same_v<T, float>) {
    return ScalarType::kFloat32;
  } else if constexpr (std::is_same_v<T, double>) {
    return ScalarType::kFloat64;
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    static_assert(sizeof(T) <= 8);
    if constexpr (sizeof(T) == 1) return ScalarType::kInt8;
    if constexpr (sizeof(T) == 2) return ScalarType::kInt16;
    if constexpr (sizeof(T) == 4) return ScalarType::kInt32;
    return ScalarType::kInt64;
  } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
    static_assert(sizeof(T) <= 8);
    if constexpr (sizeof(T) == 1) return ScalarType::kUInt8;
    if constexpr (sizeof(T) == 2) return ScalarType::kUInt16;
    if constexpr (sizeof(T) == 4) return ScalarType::kUInt32;
    return ScalarType::kUInt64;
  } else {
    static_assert(!sizeof(T), "columns are integers, float, double, bool, char[N] or enums");
  }
}

// Row must be trivially copyable (rows are copied as bytes) and default
// constructible (to find member offsets without offsetof on a member pointer).
template <class Row>
class Schema {
  static_assert(std::is_trivially_copyable_v<Row>, "table rows are copied as bytes");
  static_assert(std::is_default_constructible_v<Row>, "a probe row locates the members");

 public:
  // An arithmetic or bool member.
  template <class T>
  Schema& column(std::string name, T Row::*member) {
    static_assert(!std::is_enum_v<T>, "enum columns take their names: column(name, member, names)");
    return add(std::move(name), scalar_type_of<T>(), offset_of(member), sizeof(T), {});
  }

  // A fixed-length string: up to N bytes, NUL-padded (no terminator needed when full).
  template <std::size_t N>
  Schema& column(std::string name, char (Row::*member)[N]) {
    return add(std::move(name), ScalarType::kString, offset_of(member), N, {});
  }

  // An enum stored as its underlying integer; names[i] names the value i.
  template <class E>
  requires std::is_enum_v<E> Schema& column(std::string name, E Row::*member,
                                            std::vector<std::string> names) {
    if (names.empty()) throw std::invalid_argument("enum column '" + name + "' has no names");
    using U = std::underlying_type_t<E>;
    return add(std::move(name), scalar_type_of<U>(), offset_of(member), sizeof(U),
               std::move(names));
  }

  const std::vector<Column>& columns() const { return columns_; }
  static constexpr std::size_t row_size() { return sizeof(Row); }

 private:
  template <class M>
  static std::size_t offset_of(M Row::*member) {
    const Row probe{};
    return static_cast<std::size_t>(reinterpret_cast<const char*>(&(probe.*member)) -
                                    reinterpret_cast<const char*>(&probe));
  }

  Schema& add(std::string name, ScalarType type, std::size_t offset, std::size_t size,
              std::vector<std::string> enum_names) {
    if (name.empty()) throw std::invalid_argument("a column needs a name");
    for (const Column& c : columns_) {
      if (c.name == name) throw std::invalid_argument("column '" + name + "' registered twice");
    }
    columns_.push_back(Column{std::move(name), type, offset, size, std::move(enum_names)});
    return *this;
  }

  std::vector<Column> columns_;
};

}  // namespace podwire::trace::h5
