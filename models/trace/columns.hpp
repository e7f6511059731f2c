// What the row structs of trace tables share: how a name goes into a
// fixed-length column, the names of an enum column's codes, and the storage
// of the tables a run streams rows into.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "models/trace/hdf5/storage_options.hpp"

namespace podwire::trace {

// Chunks of 128 KiB, deflate level 1 with the shuffle filter: the rows
// compress about as well as at level 4 at a fraction of the CPU.
inline const h5::StorageOptions kStreamStorage{128 * 1024, 1, true};

// `from` into a char[N] column, NUL-padded; cut to N - 1 bytes when longer.
template <std::size_t N>
void copy_name(char (&to)[N], std::string_view from) {
  std::memset(to, 0, N);
  std::memcpy(to, from.data(), std::min(from.size(), N - 1));
}

// The names of the codes 0..last of an enum column: name(E(0)), ..., name(last).
template <class E, class Name>
std::vector<std::string> enum_names(E last, Name name) {
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(last); ++i) names.emplace_back(name(static_cast<E>(i)));
  return names;
}

}  // namespace podwire::trace
