#include "models/node/conntrack.hpp"

#include <algorithm>

namespace podwire::node {

using engine::Time;
namespace flags = net::tcp_flags;

const char* to_string(CtState s) {
  switch (s) {
    case CtState::tcp_syn_sent:
      return "SYN_SENT";
    case CtState::tcp_syn_recv:
      return "SYN_RECV";
    case CtState::tcp_established:
      return "ESTABLISHED";
    case CtState::tcp_fin_wait:
      return "FIN_WAIT";
    case CtState::tcp_close_wait:
      return "CLOSE_WAIT";
    case CtState::tcp_time_wait:
      return "TIME_WAIT";
    case CtState::tcp_close:
      return "CLOSE";
    case CtState::udp_unreplied:
      return "UNREPLIED";
    case CtState::udp_replied:
      return "REPLIED";
    case CtState::udp_stream:
      return "ASSURED";
  }
  return "?";
}

Conntrack::Conntrack(std::uint64_t max_entries, ConntrackTimeouts timeouts)
    : max_(max_entries), timeouts_(timeouts) {}

Time Conntrack::timeout_of(CtState s) const {
  switch (s) {
    case CtState::tcp_syn_sent:
      return timeouts_.tcp_syn_sent;
    case CtState::tcp_syn_recv:
      return timeouts_.tcp_syn_recv;
    case CtState::tcp_established:
      return timeouts_.tcp_established;
    case CtState::tcp_fin_wait:
      return timeouts_.tcp_fin_wait;
    case CtState::tcp_close_wait:
      return timeouts_.tcp_close_wait;
    case CtState::tcp_time_wait:
      return timeouts_.tcp_time_wait;
    case CtState::tcp_close:
      return timeouts_.tcp_close;
    case CtState::udp_unreplied:
      return timeouts_.udp_unreplied;
    case CtState::udp_replied:
      return timeouts_.udp_unreplied;
    case CtState::udp_stream:
      return timeouts_.udp_replied;
  }
  return timeouts_.tcp_close;
}

Conntrack::Hit Conntrack::find(const net::FlowKey& key, Time now) {
  const std::uint32_t* slot = index_.find(key);
  if (slot == nullptr) return {};
  const std::uint32_t at = *slot;
  const std::uint32_t index = at >> 1;
  CtEntry& e = entries_[index];
  if (e.expires <= now) {
    erase(index);
    ++expired_;
    return {};
  }
  return {&e, (at & 1) ? CtDirection::reply : CtDirection::original};
}

CtEntry* Conntrack::insert(const net::FlowKey& original, const net::FlowKey& reply,
                           std::uint8_t tcp_flags, Time now) {
  if (live_ >= max_) {
    ++drops_full_;
    return nullptr;
  }
  if (find(original, now).entry != nullptr ||
      (reply != original.reversed() && find(reply, now).entry != nullptr)) {
    ++clashes_;
    return nullptr;
  }
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
    used_.push_back(false);
  }
  CtEntry& e = entries_[index];
  e = CtEntry{};
  e.original = original;
  e.reply = reply;
  e.created = now;
  if (original.protocol == net::Protocol::tcp) {
    e.state = (tcp_flags & flags::rst) ? CtState::tcp_close
              : (tcp_flags & flags::syn)
                  ? CtState::tcp_syn_sent
                  : CtState::tcp_established;  // picked up mid-stream (nf_conntrack_tcp_loose)
  } else {
    e.state = CtState::udp_unreplied;
  }
  e.expires = now + timeout_of(e.state);
  used_[index] = true;
  index_.emplace(original, index << 1);
  index_.emplace(reply, index << 1 | 1);
  ++live_;
  ++inserts_;
  return &e;
}

bool Conntrack::add_alias(CtEntry& e, const net::FlowKey& alias) {
  const auto index = static_cast<std::uint32_t>(&e - entries_.data());
  if (!index_.emplace(alias, index << 1)) return false;
  e.has_alias = true;
  e.alias = alias;
  return true;
}

void Conntrack::update(CtEntry& e, CtDirection direction, std::uint8_t tcp_flags, Time now) {
  if (e.original.protocol != net::Protocol::tcp) {
    // nf_conntrack_udp_packet runs before nf_conntrack_in marks the first
    // reply seen, so that reply itself is timed as unreplied; a later packet
    // is a stream's only once the entry is older than the grace period.
    if (e.state == CtState::udp_unreplied) {
      if (direction == CtDirection::reply) e.state = CtState::udp_replied;
    } else if (now - e.created > timeouts_.udp_stream_after) {
      e.state = CtState::udp_stream;
    }
  } else if (tcp_flags & flags::rst) {
    e.state = CtState::tcp_close;
  } else {
    if (tcp_flags & flags::fin)
      (direction == CtDirection::original ? e.fin_original : e.fin_reply) = true;
    if (e.fin_original && e.fin_reply) {
      e.state = CtState::tcp_time_wait;
    } else if (e.fin_original || e.fin_reply) {
      // The side that has not closed yet is in CLOSE_WAIT; the kernel times the
      // entry by the most advanced state, FIN_WAIT.
      e.state = CtState::tcp_fin_wait;
    } else if (e.state == CtState::tcp_syn_sent && direction == CtDirection::reply &&
               (tcp_flags & flags::syn)) {
      e.state = CtState::tcp_syn_recv;
    } else if ((e.state == CtState::tcp_syn_recv || e.state == CtState::tcp_syn_sent) &&
               direction == CtDirection::original && (tcp_flags & flags::ack) &&
               !(tcp_flags & flags::syn)) {
      e.state = CtState::tcp_established;
    }
  }
  e.expires = now + timeout_of(e.state);
}

void Conntrack::set_backend(CtEntry& e, std::uint32_t backend) {
  if (e.backend != CtEntry::kNoBackend) --per_backend_[e.backend];
  e.backend = backend;
  if (backend != CtEntry::kNoBackend) ++per_backend_[backend];
}

void Conntrack::erase(std::uint32_t index) {
  CtEntry& e = entries_[index];
  if (e.backend != CtEntry::kNoBackend) --per_backend_[e.backend];
  index_.erase(e.original);
  index_.erase(e.reply);
  if (e.has_alias) index_.erase(e.alias);
  used_[index] = false;
  free_.push_back(index);
  --live_;
}

std::size_t Conntrack::erase_backend(std::uint32_t backend) {
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    if (used_[i] && entries_[i].backend == backend) {
      erase(i);
      ++n;
    }
  }
  return n;
}

std::size_t Conntrack::erase_backend(std::uint32_t backend, net::Protocol protocol) {
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    if (used_[i] && entries_[i].backend == backend && entries_[i].original.protocol == protocol) {
      erase(i);
      ++n;
    }
  }
  return n;
}

std::size_t Conntrack::erase_steered(std::uint32_t frontend,
                                     const std::vector<std::uint32_t>& backends) {
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    if (used_[i] && entries_[i].frontend == frontend &&
        std::binary_search(backends.begin(), backends.end(), entries_[i].backend)) {
      erase(i);
      ++n;
    }
  }
  return n;
}

std::size_t Conntrack::expire(Time now) {
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    if (used_[i] && entries_[i].expires <= now) {
      erase(i);
      ++n;
    }
  }
  expired_ += n;
  return n;
}

}  // namespace podwire::node
