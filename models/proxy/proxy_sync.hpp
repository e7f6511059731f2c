// ProxySync: one node's service proxy putting what its watch delivered into
// the node's datapath, with its mode's cost and period.
//
// kube-proxy runs its sync as a bounded-frequency loop: a change asks for a
// sync, which starts at once while the runner has a token (it holds two, and
// earns one back every minSyncPeriod), else when the next token comes; a sync
// also runs when nothing has asked for one for the runner's maximum interval
// (a full resync: every syncPeriod in IPVS mode, once an hour in iptables mode
// since 1.17 and in nftables mode; KubeProxyVersion::full_resync_interval).
// A sync takes time — on one of the node's cores, competing with the pods —
// and the rules are in place when it is done; changes arriving meanwhile wait
// for the next one.
//
// What a sync costs depends on the mode:
// - iptables runs iptables-restore over the lines it writes. A full restore
//   writes every rule (per Service port: its KUBE-SERVICES rule, its chain and
//   masquerade rule; per endpoint: its probability rule, its KUBE-SEP chain
//   and two rules there). A partial restore (the default since Kubernetes
//   1.28) writes KUBE-SERVICES in full and only the changed Services' chains.
//   The periodic resync is always full.
// - IPVS changes the virtual and real servers that changed, about a
//   millisecond each, after a fixed amount of iptables/ipset work; a full
//   resync reads every server back and changes none that is right.
// - nftables sends one transaction of the changed map elements and chains.
// - eBPF (Cilium) updates its service and backend maps per change, with no
//   minimum period between updates.
//
// The network programming latency of a change — from the pod change that
// triggered it to the rules in place here — is announced on `programmed`.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "models/node/node_cpu.hpp"
#include "models/proxy/kube_proxy_version.hpp"
#include "models/proxy/service_proxy.hpp"

namespace podwire::proxy {

struct SyncConfig {
  SyncCosts costs;
  engine::Time min_sync_period = engine::Time::s(1);
  // The longest the loop waits before a full resync with nothing to do,
  // counted from the last sync's start; zero: no periodic resync.
  engine::Time resync_interval = engine::Time::s(3600);
  bool iptables_partial = true;
  // Syncs allowed back to back before minSyncPeriod paces them (kube-proxy's
  // BoundedFrequencyRunner is a token bucket of 2, refilled one per minSyncPeriod).
  int burst_syncs = 2;
  // kube-proxy's defaults for its modes (minSyncPeriod 1 s, syncPeriod 30 s)
  // as `version` runs them; a mode that does not sync periodically (eBPF)
  // applies each update at once.
  static SyncConfig defaults(std::string_view mode, KubeProxyVersion version = {},
                             engine::Time sync_period = engine::Time::s(30));
};

struct ProgrammingRecord {
  std::uint64_t change_id = 0;
  std::uint32_t frontend = 0;
  engine::Time changed_at;     // the pod change that triggered it
  engine::Time notified_at;    // the watch delivered it here
  engine::Time programmed_at;  // the rules were in place
};

struct SyncCounters {
  std::uint64_t syncs = 0;
  std::uint64_t full_syncs = 0;
  std::uint64_t partial_syncs =
      0;  // partial iptables restores, or incremental updates in the other modes
  // What the syncs wrote: iptables-restore lines, IPVS virtual and real
  // servers, nftables elements, BPF map entries.
  std::uint64_t rules_written = 0;
  std::uint64_t endpoints_programmed = 0;  // summed lengths of the lists put in place
  std::uint64_t udp_entries_cleared = 0;
  engine::Time busy;  // summed sync durations
};

// How many endpoints differ (added, removed, or changed ready, serving or
// terminating) between two endpoint lists: what an incremental proxy writes.
// Nodes mostly apply the same shared lists, so one instance shared by every
// node's ProxySync computes each pair once.
class EndpointDiffs {
 public:
  using List = std::shared_ptr<const std::vector<Backend>>;
  // `before` may be null: then `before_list` (a list that outlives the run,
  // the shared table's) is the old one.
  std::size_t between(const List& before, const std::vector<Backend>& before_list,
                      const List& after);
  static std::size_t count(const std::vector<Backend>& before, const std::vector<Backend>& after);

 private:
  struct PairHash {
    std::size_t operator()(const std::pair<const void*, const void*>& p) const {
      return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
    }
  };
  std::unordered_map<std::pair<const void*, const void*>, std::size_t, PairHash> cache_;
  std::vector<List> alive_;  // the keyed lists, so no address is reused while cached
};

class ProxySync {
 public:
  // `cpu` may be null (a sync is then a pure delay). The initial counts of
  // Services and endpoints are read from the proxy's table. What a sync
  // writes and costs is the proxy mode's (ServiceProxy::sync_writes).
  // `diffs` may be null (each sync then counts its own changes).
  ProxySync(engine::Simulator& sim, ServiceProxy& proxy, SyncConfig config,
            node::NodeCpu* cpu = nullptr, EndpointDiffs* diffs = nullptr);
  ProxySync(const ProxySync&) = delete;
  ProxySync& operator=(const ProxySync&) = delete;

  // The watch delivered a frontend's new endpoint list, now. Lists for the
  // same frontend before a sync coalesce (the last wins); every change still
  // gets its record.
  void notify(std::uint32_t frontend, std::shared_ptr<const std::vector<Backend>> backends,
              engine::Time changed_at, std::uint64_t change_id);

  // What a sync writes (see SyncCounters::rules_written) and how long it
  // takes, for `changed_frontends` Services whose lists changed by
  // `changed_endpoints` (iptables: the changed Services' list lengths, as
  // their chains are rewritten whole; the other modes: endpoints added,
  // removed or changed). `full`: a full resync. O(1).
  std::uint64_t sync_writes(bool full, std::size_t changed_frontends,
                            std::size_t changed_endpoints) const;
  engine::Time sync_duration(bool full, std::size_t changed_frontends,
                             std::size_t changed_endpoints) const;

  const SyncConfig& config() const { return config_; }
  const SyncCounters& counters() const { return counters_; }
  std::size_t pending() const { return pending_.size(); }
  bool syncing() const { return running_; }

  engine::Signal<const ProgrammingRecord&> programmed;

 private:
  struct Pending {
    std::shared_ptr<const std::vector<Backend>> backends;
    std::vector<ProgrammingRecord> records;
  };

  void request(engine::Time at);
  // When the next sync may start: now, or when the token bucket allows.
  engine::Time earliest_start() const;
  void on_run(std::uint64_t);
  void on_periodic(std::uint64_t);
  void start_sync(bool full);
  static void on_cpu_done(void* self, std::uint64_t);
  void on_done(std::uint64_t);
  void finish_sync();

  engine::Simulator& sim_;
  ServiceProxy& proxy_;
  SyncConfig config_;
  node::NodeCpu* cpu_;
  EndpointDiffs* diffs_;
  std::unordered_map<std::uint32_t, Pending> pending_;
  std::vector<std::pair<std::uint32_t, Pending>> in_flight_;
  bool running_ = false;
  bool run_scheduled_ = false;
  bool full_requested_ = false;
  bool ever_ran_ = false;
  engine::Time last_start_;
  engine::Time tat_;  // the bucket's theoretical arrival time (GCRA): a sync may start from tat_ -
                      // (burst - 1) x period
  engine::EventId periodic_;
  std::uint64_t services_ = 0;   // Service ports in the table
  std::uint64_t endpoints_ = 0;  // endpoints over all of them
  SyncCounters counters_;
};

}  // namespace podwire::proxy
