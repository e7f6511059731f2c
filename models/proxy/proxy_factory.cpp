#include "models/proxy/proxy_factory.hpp"

#include <stdexcept>
#include <string>

#include "models/proxy/ebpf.hpp"
#include "models/proxy/iptables.hpp"
#include "models/proxy/ipvs.hpp"
#include "models/proxy/nftables.hpp"

namespace podwire::proxy {

namespace {

using Make = std::unique_ptr<ServiceProxy> (*)(node::KernelDatapath&, const ServiceTable&,
                                               const ProxyConfig&, engine::RandomStream);

template <class Mode>
std::unique_ptr<ServiceProxy> make(node::KernelDatapath& d, const ServiceTable& t,
                                   const ProxyConfig& c, engine::RandomStream r) {
  return std::make_unique<Mode>(d, t, c, r);
}

struct Entry {
  std::string_view name;
  Make make;
  bool periodic_sync;
};

const Entry kModes[] = {
    {"iptables", &make<Iptables>, true},
    {"ipvs", &make<Ipvs>, true},
    {"nftables", &make<Nftables>, true},
    {"ebpf", &make<Ebpf>, false},
};

const Entry* find(std::string_view name) {
  for (const Entry& e : kModes) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<ServiceProxy> make_service_proxy(node::KernelDatapath& datapath,
                                                 const ServiceTable& services,
                                                 const ProxyConfig& config,
                                                 engine::RandomStream random) {
  const Entry* e = find(config.mode);
  if (e == nullptr) throw std::invalid_argument("unknown service-proxy mode '" + config.mode + "'");
  return e->make(datapath, services, config, random);
}

const std::vector<std::string_view>& proxy_mode_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const Entry& e : kModes) v.push_back(e.name);
    return v;
  }();
  return names;
}

bool is_proxy_mode(std::string_view name) { return find(name) != nullptr; }

bool syncs_periodically(std::string_view mode) {
  const Entry* e = find(mode);
  return e == nullptr || e->periodic_sync;
}

}  // namespace podwire::proxy
