// Small conversions the builder shares: a diagnostic at a manifest object's
// place, the severity of a control-plane problem, a Service port's protocol.
#pragma once

#include <string>

#include "models/kube/objects.hpp"
#include "models/net/packet.hpp"
#include "models/scenario/scenario_error.hpp"

namespace podwire::builder {

inline scenario::Diagnostic located(scenario::Severity severity, const kube::SourceLocation& at,
                                    std::string path, std::string message) {
  return scenario::Diagnostic{severity,  at.file,         at.line,
                              at.column, std::move(path), std::move(message)};
}

inline scenario::Severity severity_of(kube::Problem::Severity s) {
  switch (s) {
    case kube::Problem::Severity::error:
      return scenario::Severity::error;
    case kube::Problem::Severity::warning:
      return scenario::Severity::warning;
    case kube::Problem::Severity::notice:
      return scenario::Severity::notice;
  }
  return scenario::Severity::error;
}

inline net::Protocol net_protocol(kube::Protocol p) {
  return p == kube::Protocol::udp ? net::Protocol::udp : net::Protocol::tcp;
}

}  // namespace podwire::builder
