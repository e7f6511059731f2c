// The service-proxy modes by name: the one place a mode's name is switched
// on. A new mode is one file implementing ServiceProxy and one line in
// proxy_factory.cpp.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "models/proxy/service_proxy.hpp"

namespace podwire::proxy {

// The mode config.mode names, plugged into the datapath's service hook;
// std::invalid_argument when the name is no mode.
std::unique_ptr<ServiceProxy> make_service_proxy(node::KernelDatapath& datapath,
                                                 const ServiceTable& services,
                                                 const ProxyConfig& config,
                                                 engine::RandomStream random);

// "iptables", "ipvs", "nftables", "ebpf".
const std::vector<std::string_view>& proxy_mode_names();
bool is_proxy_mode(std::string_view name);
// False for a mode that applies each update as it comes and never resyncs
// on a timer (Cilium's agent); kube-proxy's modes run syncPeriod and
// minSyncPeriod.
bool syncs_periodically(std::string_view mode);

}  // namespace podwire::proxy
