// FiguresDict: the visitor that turns any figures struct (one with a
// visit(v), see models/builder/figures.hpp) into a py::dict, one key per field
// it names, nested structs as dicts and vectors as lists.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/time.hpp"

namespace podwire::python {

namespace py = pybind11;

class FiguresDict {
 public:
  template <class T>
  void operator()(std::string_view key, const T& value) {
    set(key, to_python(value));
  }

  template <class Fields>
  void record(std::string_view key, Fields&& fields) {
    FiguresDict group;
    std::forward<Fields>(fields)(group);
    set(key, std::move(group.dict_));
  }

  py::dict take() { return std::move(dict_); }

  // A Time is seconds (float); an empty optional is None. Types a visit may
  // not hand on fail to compile here.
  template <class T>
  static py::object to_python(const T& value);

 private:
  void set(std::string_view key, py::object value) {
    dict_[py::str(key.data(), key.size())] = std::move(value);
  }

  py::dict dict_;
};

template <class T>
py::dict figures_dict(const T& figures) {
  FiguresDict d;
  figures.visit(d);
  return d.take();
}

namespace detail {
template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;
template <class T>
inline constexpr bool is_vector = false;
template <class T, class A>
inline constexpr bool is_vector<std::vector<T, A>> = true;
template <class T>
inline constexpr bool unsupported = false;
}  // namespace detail

template <class T>
py::object FiguresDict::to_python(const T& value) {
  if constexpr (requires(const T& t, FiguresDict& d) { t.visit(d); }) {
    return figures_dict(value);
  } else if constexpr (std::is_same_v<T, engine::Time>) {
    return py::float_(value.seconds());
  } else if constexpr (std::is_same_v<T, bool>) {
    return py::bool_(value);
  } else if constexpr (std::is_integral_v<T>) {
    return py::int_(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    return py::float_(value);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    const std::string_view s = value;
    return py::str(s.data(), s.size());
  } else if constexpr (detail::is_optional<T>) {
    return value ? to_python(*value) : py::none();
  } else if constexpr (detail::is_vector<T>) {
    py::list out;
    for (const auto& item : value) out.append(to_python(item));
    return out;
  } else {
    static_assert(detail::unsupported<T>,
                  "a figures visit handed on a value FiguresDict cannot convert");
  }
}

}  // namespace podwire::python
