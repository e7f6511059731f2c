#include "models/node/cpu_model.hpp"

namespace podwire::node {

const std::vector<CpuModel>& cpu_models() {
  static const std::vector<CpuModel> models{
      {"ryzen-9-3950x", 1.0, true,
       "the reference machine: AMD Ryzen 9 3950X (Zen 2, 16 cores, 32 threads, 3.5 GHz), Linux "
       "5.10, of the "
       "Cilium 2021 CNI benchmark (calibration.md)"},
      {"xeon-e5-2699-v3", 1.0 / 1.4, true,
       "Intel Xeon E5-2699 v3 (Haswell, 2.3 GHz) of the NGINX 2017 benchmark: the same kernel path "
       "costs about "
       "1.3-1.6 times as much on 2013-2017 Xeons (host-stack-costs.md 7, an estimate; 1.4 taken)"},
      {"xeon-8375c", 0.8, true,
       "Intel Xeon Platinum 8375C (Ice Lake-SP, 2.9 GHz, 3.5 GHz all-core turbo) of AWS m6i "
       "instances, a Nitro VM: the clock ratio to the reference's single-core boost under one "
       "flow (3.5 / 4.5 GHz) with Sunny Cove's few per cent more work per clock than Zen 2; an "
       "estimate, no published comparison of the kernel path was found"},
  };
  return models;
}

const CpuModel* find_cpu_model(std::string_view name) {
  for (const CpuModel& m : cpu_models()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::vector<std::string_view> cpu_model_names() {
  std::vector<std::string_view> out;
  for (const CpuModel& m : cpu_models()) out.push_back(m.name);
  return out;
}

}  // namespace podwire::node
