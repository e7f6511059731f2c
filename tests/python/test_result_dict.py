"""The result dict of a cluster run carries every counter the C++ figures have
(python/src/figures_dict.hpp converts what models/builder/figures.hpp names)."""

from pathlib import Path

import podwire

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

DATAPATH_COUNTERS = (
    "from_pods", "from_host", "from_nic", "to_pods", "to_fabric", "encapsulated", "decapsulated",
    "service_translations", "snat", "dsr", "rejected", "policy_drops", "conntrack_drops", "no_route_drops",
    "no_pod", "down_drops", "misrouted",
)


def short_run(name, *overrides):
    return podwire.run(podwire.load(SCENARIOS / name, ["run.duration=2s", "run.warmup=500ms", *overrides]),
                       trace=False)


def test_the_datapath_dict_has_every_counter():
    # eBPF with direct server return behind a Cluster-policy load balancer:
    # DSR, SNAT, VXLAN both ways and Service translation all happen.
    result = short_run("loadbalancer-cluster.yaml", "cluster.proxy.mode=ebpf", "cluster.proxy.ebpf_dsr=true")
    dp = result["datapath"]
    for key in DATAPATH_COUNTERS:
        assert type(dp.get(key)) is int, (key, dp)
    assert type(dp["kernel_work_s"]) is float and dp["kernel_work_s"] > 0
    assert type(dp["conntrack_entries"]) is int
    assert dp["dsr"] > 0 and dp["snat"] > 0
    assert dp["to_fabric"] > 0 and dp["decapsulated"] > 0 and dp["encapsulated"] > 0


def test_packets_from_the_nodes_own_sockets_are_counted():
    # kubectl port-forward: the kubelet's socket on the node talks to the pod.
    dp = short_run("port-forward.yaml")["datapath"]
    assert dp["from_host"] > 0
