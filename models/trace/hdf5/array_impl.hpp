// ArrayBase::Impl: an array's appender. Internal to models/trace/hdf5.
#pragma once

#include <utility>

#include "models/trace/hdf5/appender.hpp"
#include "models/trace/hdf5/array.hpp"

namespace podwire::trace::h5 {

struct ArrayBase::Impl {
  template <class... AppenderArgs>
  explicit Impl(AppenderArgs&&... args) : appender(std::forward<AppenderArgs>(args)...) {}

  detail::Appender appender;
};

}  // namespace podwire::trace::h5
