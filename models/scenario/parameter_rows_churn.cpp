// The parameter table's rows for lifecycles and the control plane.
#include "models/scenario/parameter_kinds.hpp"

namespace podwire::scenario::param {

void add_churn_sections(std::vector<ParameterSection>& out) {
  out.push_back(ParameterSection{
      "Lifecycles and the control plane (`churn::LifecycleConfig`, `churn::PropagationConfig`, "
      "scenario `churn`)",
      "",
      {
          constant("`terminationGracePeriodSeconds`", "30s (from the manifest)", "Pod API default"),
          constant("readiness and startup probe `initialDelaySeconds` / `periodSeconds` / "
                   "`successThreshold`",
                   "0 / 10s / 1 (from the manifest)",
                   "Probe API defaults; probed on each worker's tick from the pod's creation, "
                   "and at once when the container starts or its startup probe passes "
                   "(kubelet `prober/worker.go`, `prober_manager.go` UpdatePodStatus)"),
          constant("`maxSurge` / `maxUnavailable`",
                   "25% / 25% (from the manifest; up / down rounding)",
                   "Deployment API defaults; Deployment controller `ResolveFenceposts`"),
          distribution_param(
              "churn.lifecycle.container_start",
              [](S & s) -> auto& { return s.churn.lifecycle.container_start; }, "1s",
              "order of magnitude of sandbox creation and container start with the image present "
              "(kubelet pod startup SLO: 5 s at p99 including image pulls of small images)"),
          time_param(
              "churn.lifecycle.kubelet_notice",
              [](S & s) -> auto& { return s.churn.lifecycle.kubelet_notice; },
              "the kubelet's pod watch; order of magnitude"),
          time_param(
              "churn.lifecycle.restart_backoff",
              [](S & s) -> auto& { return s.churn.lifecycle.restart_backoff_initial; },
              "kubelet crash back-off, doubling up to `restart_backoff_max`"),
          time_param(
              "churn.lifecycle.restart_backoff_max",
              [](S & s) -> auto& { return s.churn.lifecycle.restart_backoff_max; },
              "kubelet `MaxContainerBackOff`"),
          time_param(
              "churn.lifecycle.node_monitor_grace_period",
              [](S & s) -> auto& { return s.churn.lifecycle.node_monitor_grace_period; },
              "kube-controller-manager `--node-monitor-grace-period` (40 s up to 1.31; 50 s since "
              "1.32)"),
          time_param(
              "churn.lifecycle.eviction_timeout",
              [](S & s) -> auto& { return s.churn.lifecycle.eviction_timeout; },
              "default `tolerationSeconds` of the `node.kubernetes.io/unreachable` and `not-ready` "
              "taints "
              "(DefaultTolerationSeconds admission plugin)"),
          distribution_param(
              "churn.control_plane.slice_delay",
              [](S & s) -> auto& { return s.churn.control_plane.slice_delay; }, "20ms",
              "EndpointSlice controller: no batching by default "
              "(`--endpointslice-updates-batch-period` 0) plus the API write; order of magnitude"),
          distribution_param(
              "churn.control_plane.watch_delay",
              [](S & s) -> auto& { return s.churn.control_plane.watch_delay; },
              "lognormal, mean 100 ms, sd 50 ms",
              "API server watch fan-out to one node; order of magnitude (the API call latency SLO "
              "is "
              "1 s at p99)"),
          integer_param(
              "churn.control_plane.max_endpoints_per_slice",
              [](S & s) -> auto& { return s.churn.control_plane.max_endpoints_per_slice; }, 1, 1000,
              "EndpointSlice controller `--max-endpoints-per-slice`"),
      },
      ""});
}

}  // namespace podwire::scenario::param
