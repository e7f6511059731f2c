#include "models/scenario/scenario_error.hpp"

#include <utility>

namespace podwire::scenario {

ScenarioError::ScenarioError(Diagnostics diagnostics)
    : std::runtime_error(diagnostics.to_string()), diagnostics_(std::move(diagnostics)) {}

}  // namespace podwire::scenario
