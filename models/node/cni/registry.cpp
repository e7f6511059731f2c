// The CNIs by name: the one place a CNI's name is spelled. A new CNI is one
// file under cni/ and one line here.

#include "models/node/cni.hpp"
#include "models/node/cni/native_routing.hpp"
#include "models/node/cni/vxlan.hpp"

namespace podwire::node {

namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Cni> (*make)(const CniCosts&);
};

const Entry kCnis[] = {
    {"vxlan", [](const CniCosts& c) -> std::unique_ptr<Cni> { return std::make_unique<Vxlan>(c); }},
    {"native",
     [](const CniCosts&) -> std::unique_ptr<Cni> { return std::make_unique<NativeRouting>(); }},
};

}  // namespace

std::unique_ptr<Cni> make_cni(std::string_view name, const CniCosts& costs) {
  for (const Entry& e : kCnis) {
    if (e.name == name) return e.make(costs);
  }
  return nullptr;
}

const std::vector<std::string_view>& cni_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const Entry& e : kCnis) v.push_back(e.name);
    return v;
  }();
  return names;
}

}  // namespace podwire::node
