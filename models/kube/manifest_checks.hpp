// Cross-object checks over loaded manifests: what no single object shows but
// a cluster would get wrong (Services that select nothing, named targetPorts
// no container declares, two containers on one port, duplicate objects,
// dangling Ingress and EndpointSlice references).
#pragma once

#include "models/kube/diagnostic.hpp"
#include "models/kube/manifest_loader.hpp"

namespace podwire::kube {

// Adds one Diagnostic per problem, located at the object or field concerned:
// errors for what makes the set ambiguous or leaves pods unreachable through
// their Service (duplicate kind/namespace/name, a named targetPort that a
// selected pod template does not declare, two containers of one pod on the
// same containerPort/protocol), warnings for what Kubernetes accepts but is
// likely a mistake (a selector that matches no pod template of its
// namespace, a selector-less Service with no EndpointSlice, an Ingress backend
// or EndpointSlice or StatefulSet serviceName naming a Service that does not
// exist, an Ingress backend port the Service does not have).
void check_manifests(const ObjectSet& set, Diagnostics& diagnostics);

}  // namespace podwire::kube
