// KernelVersion: the Linux release a cluster's nodes run (`cluster.kernel`).
// The programs on them decide by it what they set up: kube-proxy leaves IPVS's
// conn_reuse_mode at the kernel's 1 from 5.9 and sets 0 before, refuses its
// nftables mode before 5.13, and Cilium routes in BPF only from 5.10. No
// per-operation cost is known to differ between the releases the defaults
// were measured on (5.10 to 6.1), so it changes none.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace podwire::node {

struct KernelVersion {
  int major = 6;
  int minor = 1;

  bool at_least(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
  std::string to_string() const { return std::to_string(major) + "." + std::to_string(minor); }

  // "5.10", "6.1.0-18-amd64", "v5.15.0": major 3 to 9 and a minor; false
  // (leaving `out` as it was) for anything else.
  static bool parse(std::string_view text, KernelVersion& out) {
    if (!text.empty() && text.front() == 'v') text.remove_prefix(1);
    const auto number = [&](int& v) {
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end == text.data()) return false;
      text.remove_prefix(static_cast<std::size_t>(end - text.data()));
      return true;
    };
    KernelVersion k;
    if (!number(k.major) || text.empty() || text.front() != '.') return false;
    text.remove_prefix(1);
    if (!number(k.minor) || k.major < 3 || k.major > 9 || k.minor < 0 || k.minor > 99) return false;
    // What follows the minor: a patch level and a distribution's suffix.
    if (!text.empty() && text.front() != '.' && text.front() != '-' && text.front() != '+')
      return false;
    out = k;
    return true;
  }
};

}  // namespace podwire::node
