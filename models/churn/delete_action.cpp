// delete: a pod deleted gracefully (`kubectl delete pod`); its controller
// replaces it.
#include "models/churn/churn_action.hpp"
#include "models/churn/lifecycle.hpp"

namespace podwire::churn {
namespace {

void delete_pod(Lifecycle& lifecycle, int pod) { lifecycle.delete_pod(pod); }

}  // namespace

extern const ChurnAction delete_action{
    .key = "delete",
    .acts = ChurnAction::Acts::pod,
    .noun = "pod deletions",
    .on_one = delete_pod,
};

}  // namespace podwire::churn
