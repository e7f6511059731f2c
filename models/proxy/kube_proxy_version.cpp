#include "models/proxy/kube_proxy_version.hpp"

#include <charconv>

namespace podwire::proxy {

bool KubeProxyVersion::parse(std::string_view text, KubeProxyVersion& out) {
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  if (text.size() < 3 || text.substr(0, 2) != "1.") return false;
  text.remove_prefix(2);
  int minor = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), minor);
  if (ec != std::errc() || end == text.data()) return false;
  std::string_view rest(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (!rest.empty()) {
    // A patch release: ".<digits>".
    if (rest.size() < 2 || rest.front() != '.') return false;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return false;
    }
  }
  if (minor < kOldest || minor > kNewest) return false;
  out.minor = minor;
  return true;
}

bool KubeProxyVersion::resyncs_every_sync_period(std::string_view mode) const {
  if (mode == "iptables") return minor <= 16;
  if (mode == "ipvs") return minor != 34;
  return false;
}

engine::Time KubeProxyVersion::full_resync_interval(std::string_view mode,
                                                    engine::Time sync_period) const {
  if (mode != "iptables" && mode != "ipvs" && mode != "nftables") return engine::Time::zero();
  return resyncs_every_sync_period(mode) ? sync_period : engine::Time::s(3600);
}

}  // namespace podwire::proxy
