// The table of churn actions: the one place the actions are listed. A new
// action is its own <key>_action.cpp (added to CMakeLists.txt) and one line
// in kActions below, beside its declaration.
#include "models/churn/churn_action.hpp"

namespace podwire::churn {

// Each defined in its <key>_action.cpp.
extern const ChurnAction rollout_action, scale_action, delete_action, crash_action, fail_action;

namespace {

// In the order a scenario's messages list them.
constexpr const ChurnAction* kActions[] = {
    &rollout_action, &scale_action, &delete_action, &crash_action, &fail_action,
};

}  // namespace

std::span<const ChurnAction* const> churn_actions() { return kActions; }

const ChurnAction* find_churn_action(std::string_view key) {
  for (const ChurnAction* a : kActions) {
    if (a->key == key) return a;
  }
  return nullptr;
}

}  // namespace podwire::churn
