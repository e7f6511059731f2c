// scale: a workload's replica count set (`kubectl scale --replicas`).
#include "models/churn/churn_action.hpp"
#include "models/churn/lifecycle.hpp"

namespace podwire::churn {
namespace {

std::string refuses(const ChurnTarget& target, std::string_view owner_kind) {
  if (owner_kind != "DaemonSet" && owner_kind != "Pod") return "";
  return std::string(owner_kind) + " " + target.text + " has no replica count to scale";
}

void scale(Lifecycle& lifecycle, std::uint32_t owner, int replicas) {
  lifecycle.scale(owner, replicas);
}

}  // namespace

extern const ChurnAction scale_action{
    .key = "scale",
    .acts = ChurnAction::Acts::workload,
    .takes_replicas = true,
    .refuses = refuses,
    .on_workload = scale,
};

}  // namespace podwire::churn
