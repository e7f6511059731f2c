// PacketPool: recycles Packet records. Storage grows in fixed chunks and is
// never returned, so a run that has reached its working set allocates nothing
// per packet; addresses stay stable, so queues can hold Packet pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/net/packet.hpp"
#include "models/net/packet_tracer.hpp"

namespace podwire::net {

class PacketPool {
 public:
  PacketPool() = default;
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;

  // A fresh packet (all fields default) with a new id. O(1) amortised.
  Packet& allocate() {
    if (free_.empty()) grow();
    Packet* p = free_.back();
    free_.pop_back();
    *p = Packet{};
    p->id = ++next_id_;
    ++in_use_;
    return *p;
  }

  void release(Packet& p) {
    free_.push_back(&p);
    --in_use_;
  }

  // Packet tracing: every `every`-th packet offered to sample() is followed.
  void set_tracer(PacketTracer* tracer, std::uint64_t every) {
    tracer_ = tracer;
    trace_every_ = every;
  }
  PacketTracer* tracer() const { return tracer_; }
  // Decides (once per packet) whether to follow it.
  void sample(Packet& p) {
    if (tracer_ != nullptr && !p.traced && ++trace_seen_ % trace_every_ == 0) p.traced = true;
  }
  void trace(const Packet& p, HopKind kind, std::string_view where) const {
    if (p.traced && tracer_ != nullptr) tracer_->hop(p, kind, where);
  }

  std::size_t in_use() const { return in_use_; }
  std::size_t capacity() const { return chunks_.size() * kChunk; }
  std::uint64_t allocated_total() const { return next_id_; }

 private:
  static constexpr std::size_t kChunk = 4096;

  void grow() {
    chunks_.push_back(std::make_unique<Packet[]>(kChunk));
    Packet* chunk = chunks_.back().get();
    free_.reserve(capacity());
    for (std::size_t i = kChunk; i > 0; --i) free_.push_back(&chunk[i - 1]);
  }

  std::vector<std::unique_ptr<Packet[]>> chunks_;
  std::vector<Packet*> free_;
  std::size_t in_use_ = 0;
  std::uint64_t next_id_ = 0;
  PacketTracer* tracer_ = nullptr;
  std::uint64_t trace_every_ = 1;
  std::uint64_t trace_seen_ = 0;
};

}  // namespace podwire::net
