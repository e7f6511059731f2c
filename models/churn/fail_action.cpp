// fail: a node stops; its pods are evicted after the node controller's
// timeouts.
#include "models/churn/churn_action.hpp"
#include "models/churn/lifecycle.hpp"

namespace podwire::churn {
namespace {

void fail_node(Lifecycle& lifecycle, int node) { lifecycle.fail_node(node); }

}  // namespace

extern const ChurnAction fail_action{
    .key = "fail",
    .acts = ChurnAction::Acts::node,
    .noun = "node failures",
    .on_one = fail_node,
};

}  // namespace podwire::churn
