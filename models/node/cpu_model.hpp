// CpuModel: what a node's cores are, as a speed relative to the reference
// machine every cost default is measured on (the Cilium 2021 benchmark's AMD
// Ryzen 9 3950X, Linux 5.10). A node group names one (`cpu:`) or gives its
// own speed (`cpu_speed:`); NodeCpu divides every cost by it.
#pragma once

#include <string_view>
#include <vector>

namespace podwire::node {

struct CpuModel {
  std::string_view name;
  double speed;  // work per second relative to the reference machine
  bool smt;      // two hardware threads per physical core
  std::string_view source;
};

// Every named model, the reference first.
const std::vector<CpuModel>& cpu_models();
// The model named `name`; null when none is.
const CpuModel* find_cpu_model(std::string_view name);
std::vector<std::string_view> cpu_model_names();

}  // namespace podwire::node
