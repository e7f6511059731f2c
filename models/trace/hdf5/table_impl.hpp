// TableBase::Impl: a table's appender and the copy plan from a row struct to the
// packed on-disk row. Internal to models/trace/hdf5.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "models/trace/hdf5/appender.hpp"
#include "models/trace/hdf5/table.hpp"

namespace podwire::trace::h5 {

struct TableBase::Impl {
  // Bytes [from, from + size) of the row struct go to [to, to + size) of the packed
  // row. Columns adjacent in both are merged, so a struct without padding, in
  // registration order, is one memcpy.
  struct Copy {
    std::size_t from;
    std::size_t to;
    std::size_t size;
  };

  template <class... AppenderArgs>
  Impl(std::vector<Copy> plan, AppenderArgs&&... args)
      : appender(std::forward<AppenderArgs>(args)...), copies(std::move(plan)) {}

  detail::Appender appender;
  std::vector<Copy> copies;
};

}  // namespace podwire::trace::h5
