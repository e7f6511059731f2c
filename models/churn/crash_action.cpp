// crash: a pod's containers exit at once; the kubelet restarts them in place
// after its back-off.
#include "models/churn/churn_action.hpp"
#include "models/churn/lifecycle.hpp"

namespace podwire::churn {
namespace {

void crash(Lifecycle& lifecycle, int pod) { lifecycle.crash(pod); }

}  // namespace

extern const ChurnAction crash_action{
    .key = "crash",
    .acts = ChurnAction::Acts::pod,
    .noun = "crashes",
    .on_one = crash,
};

}  // namespace podwire::churn
