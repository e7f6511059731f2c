// rollout: a Deployment's or StatefulSet's pods replaced by new ones within
// its update strategy (`kubectl rollout restart`).
#include "models/churn/churn_action.hpp"
#include "models/churn/lifecycle.hpp"

namespace podwire::churn {
namespace {

std::string refuses(const ChurnTarget& target, std::string_view owner_kind) {
  if (owner_kind == "Deployment" || owner_kind == "StatefulSet") return "";
  return "only Deployments and StatefulSets roll out; " + target.text + " is a " +
         std::string(owner_kind);
}

void roll_out(Lifecycle& lifecycle, std::uint32_t owner, int) { lifecycle.rollout(owner); }

}  // namespace

extern const ChurnAction rollout_action{
    .key = "rollout",
    .acts = ChurnAction::Acts::workload,
    .refuses = refuses,
    .on_workload = roll_out,
};

}  // namespace podwire::churn
