// Conntrack: a node's connection-tracking table, as netfilter keeps it. Each
// entry holds a connection's original tuple and the tuple its replies carry
// (they differ when the connection is NATed), a timeout that depends on the
// protocol state, and the Service backend it was steered to. The first packet
// of a flow misses and inserts; later packets in either direction hit.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/flat_hash_map.hpp"
#include "engine/time.hpp"
#include "models/net/packet.hpp"

namespace podwire::node {

// The kernel's timeouts per state (net/netfilter/nf_conntrack_proto_{tcp,udp}.c),
// with the two kube-proxy overrides (established 24 h, close_wait 1 h). A UDP
// entry that has seen a reply stays on the unreplied timeout until it is
// udp_stream_after old; only a packet after that moves it to the stream
// timeout (Linux from 5.10: an A and AAAA lookup is not a stream).
struct ConntrackTimeouts {
  engine::Time tcp_syn_sent = engine::Time::s(120);
  engine::Time tcp_syn_recv = engine::Time::s(60);
  engine::Time tcp_established = engine::Time::s(86400);
  engine::Time tcp_fin_wait = engine::Time::s(120);
  engine::Time tcp_close_wait = engine::Time::s(3600);
  engine::Time tcp_time_wait = engine::Time::s(120);
  engine::Time tcp_close = engine::Time::s(10);
  engine::Time udp_unreplied = engine::Time::s(30);
  engine::Time udp_replied = engine::Time::s(120);
  engine::Time udp_stream_after = engine::Time::s(2);
};

enum class CtState : std::uint8_t {
  tcp_syn_sent,
  tcp_syn_recv,
  tcp_established,
  tcp_fin_wait,  // one side sent FIN
  tcp_close_wait,
  tcp_time_wait,  // both sides sent FIN
  tcp_close,      // RST seen
  udp_unreplied,
  udp_replied,  // a reply seen; still on the unreplied timeout
  udp_stream,   // a packet after both directions and udp_stream_after: ASSURED
};
const char* to_string(CtState s);

enum class CtDirection : std::uint8_t { original, reply };

struct CtEntry {
  net::FlowKey original;  // as the first packet was sent
  net::FlowKey reply;     // as replies arrive (after NAT): reply.src is the real peer
  engine::Time expires;
  engine::Time created;
  CtState state = CtState::udp_unreplied;
  bool fin_original = false;
  bool fin_reply = false;
  std::uint32_t backend = kNoBackend;  // Service endpoint chosen, for stale-entry accounting
  bool socket_lb = false;              // translated at connect() (eBPF): no per-packet NAT
  bool has_alias = false;  // a third tuple that finds the entry in the original direction (DSR)
  std::uint32_t frontend = kNoFrontend;  // the Service frontend that chose `backend`
  net::FlowKey alias;
  static constexpr std::uint32_t kNoBackend = 0xFFFFFFFF;
  static constexpr std::uint32_t kNoFrontend = 0xFFFFFFFF;

  bool nat() const { return reply != original.reversed(); }
};

class Conntrack {
 public:
  // max_entries as kube-proxy sets nf_conntrack_max: max(32768 x cores, 131072).
  explicit Conntrack(std::uint64_t max_entries = 131072, ConntrackTimeouts timeouts = {});
  static std::uint64_t kube_proxy_max(int cores) {
    const std::uint64_t per_core = 32768ULL * static_cast<std::uint64_t>(cores);
    return per_core > 131072 ? per_core : 131072;
  }

  struct Hit {
    CtEntry* entry = nullptr;  // null: no live entry
    CtDirection direction = CtDirection::original;
  };
  // The live entry whose original or reply tuple is `key`; an expired entry
  // found on the way is removed. O(1) expected.
  Hit find(const net::FlowKey& key, engine::Time now);

  // A new entry (state from the first packet's protocol and flags); null when
  // the table is full (the packet is dropped, as Linux drops it, and counted)
  // or when either tuple is already tracked (a clash; counted).
  CtEntry* insert(const net::FlowKey& original, const net::FlowKey& reply, std::uint8_t tcp_flags,
                  engine::Time now);
  // Makes `alias` find the entry too, in the original direction (a backend's
  // node under direct server return sees the client's packets addressed to the
  // pod, but answers as the Service). False on a clash.
  bool add_alias(CtEntry& e, const net::FlowKey& alias);

  // Advances the entry's state for a packet seen in `direction` and rearms its timeout.
  void update(CtEntry& e, CtDirection direction, std::uint8_t tcp_flags, engine::Time now);

  // Records which Service endpoint the entry steers to, and counts it: the
  // connections IPVS's least-connection schedulers compare.
  void set_backend(CtEntry& e, std::uint32_t backend);
  // Live (not yet found expired) entries steering to `backend`. O(1) expected.
  std::uint32_t connections_to(std::uint32_t backend) const {
    const std::uint32_t* n = per_backend_.find(backend);
    return n == nullptr ? 0 : *n;
  }

  // Whether a tuple is in use by any live entry (SNAT port selection).
  bool tuple_in_use(const net::FlowKey& key, engine::Time now) {
    return find(key, now).entry != nullptr;
  }

  // Removes every entry that steered to `backend` (conntrack -D, as kube-proxy
  // does for UDP when an endpoint goes away). Returns how many. O(entries).
  std::size_t erase_backend(std::uint32_t backend);
  // Only the entries of one protocol.
  std::size_t erase_backend(std::uint32_t backend, net::Protocol protocol);
  // Removes the entries that `frontend` steered to any of `backends` (sorted
  // ids): kube-proxy's cleanup is per Service address and endpoint, so the
  // endpoint's flows through other Services stay. Returns how many.
  // O(entries + log backends per entry of the frontend).
  std::size_t erase_steered(std::uint32_t frontend, const std::vector<std::uint32_t>& backends);
  // Removes one entry (found by find()).
  void erase_entry(const CtEntry& e) { erase(static_cast<std::uint32_t>(&e - entries_.data())); }
  // Removes expired entries. O(entries).
  std::size_t expire(engine::Time now);

  std::size_t size() const { return live_; }
  std::uint64_t max_entries() const { return max_; }
  std::uint64_t inserts() const { return inserts_; }
  std::uint64_t drops_full() const { return drops_full_; }
  std::uint64_t clashes() const { return clashes_; }
  std::uint64_t expired() const { return expired_; }
  const ConntrackTimeouts& timeouts() const { return timeouts_; }

 private:
  struct KeyHash {
    std::size_t operator()(const net::FlowKey& k) const {
      return static_cast<std::size_t>(k.hash(0x6374));
    }
  };
  engine::Time timeout_of(CtState s) const;
  void erase(std::uint32_t index);

  std::uint64_t max_;
  ConntrackTimeouts timeouts_;
  std::vector<CtEntry> entries_;
  std::vector<std::uint32_t> free_;
  std::vector<bool> used_;
  // Both tuples of every entry, to its index (low bit: 1 for the reply tuple).
  // Open addressing: a packet's lookup touches one cache line, not a chain of nodes.
  engine::FlatHashMap<net::FlowKey, std::uint32_t, KeyHash> index_;
  engine::FlatHashMap<std::uint32_t, std::uint32_t> per_backend_;
  std::size_t live_ = 0;
  std::uint64_t inserts_ = 0;
  std::uint64_t drops_full_ = 0;
  std::uint64_t clashes_ = 0;
  std::uint64_t expired_ = 0;
};

}  // namespace podwire::node
