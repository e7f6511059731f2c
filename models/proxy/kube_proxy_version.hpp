// KubeProxyVersion: the kube-proxy release a cluster runs, and what each
// release does differently: the iptables layout (iptables_layout.hpp),
// partial restores, and how often a sync with nothing to do runs anyway.
#pragma once

#include <string>
#include <string_view>

#include "engine/time.hpp"

namespace podwire::proxy {

// A kube-proxy release, 1.<minor>.
struct KubeProxyVersion {
  int minor = 36;  // 1.36 (April 2026), a supported release
  static constexpr int kOldest = 10;
  static constexpr int kNewest = 37;
  std::string to_string() const { return "1." + std::to_string(minor); }
  // "1.34", "v1.34" or "1.34.2"; false when it is none of those or outside
  // kOldest..kNewest.
  static bool parse(std::string_view text, KubeProxyVersion& out);
  // Partial iptables-restore (MinimizeIPTablesRestore): alpha in 1.26, on
  // by default from 1.27 (beta), GA in 1.28.
  bool partial_restore_available() const { return minor >= 26; }
  bool partial_restore_default() const { return minor >= 27; }

  // The longest a mode's sync loop waits with nothing to do before it
  // restores everything (the BoundedFrequencyRunner's maxInterval), given
  // the configured syncPeriod; zero for a mode without periodic syncs.
  // - iptables: syncPeriod up to 1.16; from 1.17 (kubernetes#81517) an hour,
  //   syncPeriod only paces the check for a deleted canary chain.
  // - IPVS: syncPeriod, except in 1.34 (an hour; kubernetes#135631 reverted it).
  // - nftables: an hour (the mode exists from 1.29).
  engine::Time full_resync_interval(std::string_view mode, engine::Time sync_period) const;
  // Whether the syncPeriod paces full resyncs in this mode and release.
  bool resyncs_every_sync_period(std::string_view mode) const;
  // nftables mode exists from 1.29 (alpha), beta in 1.31, GA in 1.33.
  bool has_nftables() const { return minor >= 29; }
};

}  // namespace podwire::proxy
