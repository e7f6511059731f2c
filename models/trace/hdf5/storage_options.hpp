// StorageOptions: how an appendable dataset (Table, Array) is chunked and compressed.
#pragma once

#include <cstddef>

namespace podwire::trace::h5 {

struct StorageOptions {
  // Target uncompressed bytes per chunk; rows per chunk = max(1, chunk_bytes / row
  // bytes). It is also the size of the writer's row buffer, so memory per open
  // dataset is about chunk_bytes. 64-256 KiB compresses well and reads fast; smaller
  // suits many small datasets.
  std::size_t chunk_bytes = 128 * 1024;
  // zlib level 1-9; 0 stores chunks uncompressed (and skips the shuffle).
  int deflate_level = 4;
  // Byte shuffle before deflate: groups the high bytes of integers and times, which
  // change slowly, so they compress far better.
  bool shuffle = true;
};

}  // namespace podwire::trace::h5
