"""Cluster scenarios through the Python package and the command line: every
shipped scenario runs, the trace reads into pandas, and build problems come
back located."""

from pathlib import Path

import h5py
import pandas as pd
import pytest

import podwire

SOURCE = Path(__file__).resolve().parents[2]
SCENARIOS = SOURCE / "scenarios"
CLUSTER_SCENARIOS = sorted(
    p for p in SCENARIOS.rglob("*.yaml")
    if p.relative_to(SCENARIOS).parts[0] not in ("manifests", "seed") and "cluster:" in p.read_text()
)


def test_the_cluster_scenarios_are_all_found():
    names = {p.stem for p in CLUSTER_SCENARIOS}
    for expected in ("seed-web", "online-boutique", "nodeport", "loadbalancer-local", "loadbalancer-cluster",
                     "ingress-fanout", "headless", "externalname", "networkpolicy", "port-forward", "http",
                     "bookinfo", "sock-shop"):
        assert expected in names


@pytest.mark.parametrize("path", CLUSTER_SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_cluster_scenario_runs(path):
    result = podwire.run(podwire.load(path, ["run.duration=3s", "run.warmup=1s"]))
    assert result["complete"]
    assert result["model"] == "cluster"
    for t in result["traffic"]:
        assert t["sent"] > 0, t
        if path.stem == "externalname" or (path.stem == "networkpolicy" and t["name"] == "client"):
            assert t["ok"] == 0  # nothing answers outside; the policy drops the client
        else:
            assert t["ok"] > 0 and t["failed"] == 0, t
    if path.stem == "networkpolicy":
        assert result["datapath"]["policy_drops"] > 0
    if path.stem == "loadbalancer-local":
        assert result["datapath"]["encapsulated"] == 0


def test_run_writes_a_trace_pandas_reads(podwire_cli, tmp_path):
    trace = tmp_path / "seed.h5"
    r = podwire_cli("run", "scenarios/seed-web.yaml", "--duration", "4s", "--set", "run.warmup=1s",
                    "--set", "outputs.connections=true", "-o", str(trace))
    assert r.returncode == 0, r.stderr
    assert "my-app/web" in r.stdout and "estimate" in r.stdout
    with h5py.File(trace, "r") as f:
        assert f["meta"].attrs["model"] == "cluster"
        assert bool(f["meta"].attrs["complete"])
        requests = pd.DataFrame(f["requests"][:])
        targets = pd.DataFrame(f["targets"][:])
        endpoints = pd.DataFrame(f["endpoints"][:])
        services = pd.DataFrame(f["summary/services"][:])
        nodes = pd.DataFrame(f["timeseries/nodes"][:])
        links = pd.DataFrame(f["timeseries/links"][:])
        link_names = pd.DataFrame(f["links"][:])
        dns = pd.DataFrame(f["dns"][:])
        dns_names = pd.DataFrame(f["dns_names"][:])
        connections = pd.DataFrame(f["connections"][:])
        end_names = list(f["connections"].attrs["enum:end"])
    assert len(requests) > 1000
    ok = requests[requests.status == 1]  # enum code 1 is "ok"
    assert (ok.total_ps >= ok.dns_ps + ok.connect_ps + ok.queueing_ps + ok.service_ps).all()
    names = dict(zip(targets.id, targets.name.str.decode("utf-8")))
    assert set(names[t] for t in ok.target) == {"my-app/web"}
    servers = set(endpoints.name.str.decode("utf-8")[endpoints.id.isin(ok.server)])
    assert len(servers) == 3 and all(s.startswith("my-app/web-server-") for s in servers)
    assert services.requests.sum() == (~ok.warmup).sum()
    # Every node every 100 ms: 3 nodes x 40 samples over 4 s, busy fractions in [0, 1].
    assert len(nodes) == 3 * 40
    assert sorted(set(endpoints.name.str.decode("utf-8")[endpoints.id.isin(nodes.node)])) == [
        "worker-0", "worker-1", "worker-2"]
    assert nodes.kernel_busy.between(0, 1).all() and nodes.application_busy.between(0, 1).all()
    assert nodes.application_busy.max() > 0 and nodes.kernel_busy.max() > 0
    # The kernel's share splits into softirq and system time, both seen.
    assert (nodes.softirq_busy + nodes.system_busy - nodes.kernel_busy).abs().max() < 1e-12
    assert nodes.softirq_busy.max() > 0 and nodes.system_busy.max() > 0
    # Requests name the nodes they ran between; the client pod is on one node.
    node_names = set(endpoints.name.str.decode("utf-8")[endpoints.id.isin(ok.server_node)])
    assert node_names <= {"worker-0", "worker-1", "worker-2"} and len(node_names) >= 2
    assert ok.client_node.nunique() == 1
    # Every link direction every 100 ms, utilisation in [0, 1].
    assert len(links) == len(link_names) * 40 and links.utilisation.between(0, 1).all()
    assert "worker-0->switch" in set(link_names.name.str.decode("utf-8"))
    # One lookup per request (a new connection each), each answered at the
    # search path's first name: fortio's resolver asks for its A record alone.
    assert len(dns) >= len(requests[requests.parent == 0]) - 5 and dns.ok.all() and (dns.queries == 1).all()
    assert set(dns_names.name.str.decode("utf-8")[dns_names.id.isin(dns.name)]) == {"web"}
    # A connection per request on each side, all closed in order.
    assert end_names[0] == "closed" and (connections.end == 0).all()
    clients, servers = connections[~connections.passive], connections[connections.passive]
    assert abs(len(clients) - len(servers)) <= 5 and len(clients) >= len(ok) - 5
    assert (clients.remote_port == 80).all() and (servers.local_port == 8080).all()
    assert (connections.established_ps > connections.opened_ps).all()
    summary = podwire_cli("summary", str(trace))
    assert summary.returncode == 0, summary.stderr
    assert "client" in summary.stdout


def test_datagrams_sent_without_a_reply_are_traced_and_counted(podwire_cli, tmp_path):
    trace = tmp_path / "cache.h5"
    r = podwire_cli("run", "scenarios/protocols/cache-and-metrics.yaml", "--duration", "4s", "-o", str(trace))
    assert r.returncode == 0, r.stderr
    assert "default/statsd:" in r.stdout and "datagrams sent without a reply" in r.stdout
    with h5py.File(trace, "r") as f:
        requests = pd.DataFrame(f["requests"][:])
        targets = pd.DataFrame(f["targets"][:])
        datagrams = pd.DataFrame(f["summary/datagrams"][:])
    names = dict(zip(targets.id, targets.name.str.decode("utf-8")))
    to_statsd = requests[requests.target.map(names) == "default/statsd"]
    measured = to_statsd[~to_statsd.warmup.astype(bool)]
    # Each datagram is a request, done (ok) as it is handed to the kernel.
    assert len(measured) > 1000 and (measured.status == 1).all()
    row = datagrams.iloc[0]
    assert row["name"].decode() == "default/statsd"
    assert row["sent"] == len(measured)
    assert row["lost"] == row["sent"] - row["received"] and row["lost"] <= 2
    # `podwire summary` prints them from the trace as `run` did.
    r = podwire_cli("summary", str(trace))
    assert r.returncode == 0, r.stderr
    assert f"default/statsd: {row['sent']:,} datagrams sent without a reply" in r.stdout


def test_build_problems_are_located(podwire_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "cluster: {nodes: [{name: w}]}\n"
        "apps:\n"
        "  shop/cart: {concurrency: 2}\n"
    )
    r = podwire_cli("run", str(bad), "--no-trace")
    assert r.returncode == 3
    assert f"{bad}:3:" in r.stderr
    assert "no workload" in r.stderr and "'cart'" in r.stderr


def test_validate_builds_the_model_to_find_every_problem(podwire_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "cluster: {nodes: [{name: w}]}\n"
        "apps:\n"
        "  shop/cart: {concurrency: 2}\n"
    )
    r = podwire_cli("validate", str(bad))
    assert r.returncode == 3
    assert f"{bad}:3:" in r.stderr and "no workload" in r.stderr
    ok = podwire_cli("validate", "scenarios/seed-web.yaml")
    assert ok.returncode == 0, ok.stderr


def test_outputs_name_the_trace_and_can_leave_out_requests(podwire_cli, tmp_path):
    trace = tmp_path / "named.h5"
    scenario = tmp_path / "s.yaml"
    text = (SOURCE / "scenarios/seed-web.yaml").read_text().replace("seed/my-app.yaml", str(SOURCE / "scenarios/seed/my-app.yaml"))
    scenario.write_text(text + f"\noutputs: {{trace: {trace}, requests: false}}\n")
    r = podwire_cli("run", str(scenario), "--duration", "2s", "--set", "run.warmup=1s")
    assert r.returncode == 0, r.stderr
    with h5py.File(trace, "r") as f:
        assert len(f["requests"]) == 0
        assert f["summary/traffic"][0]["ok"] > 0


def test_proxy_modes_summary_names_the_client_nodes_ceiling(podwire_cli):
    def run(mode, *more):
        r = podwire_cli("run", "scenarios/proxy-modes/http.yaml", "--no-trace", "--duration", "3s",
                        "--set", f"cluster.proxy.mode={mode}", *more)
        assert r.returncode == 0, r.stderr
        line = next(l for l in r.stdout.splitlines() if l.startswith("busiest node"))
        return line

    def ceiling(line):
        return int(line.split("near ")[1].split(" ")[0].replace(",", ""))

    iptables, nftables = run("iptables"), run("nftables")
    # Behind 10,000 Services, iptables' rule walk makes the client node the
    # busiest, and bounds the request rate far below what nftables allows:
    # the client node's 4 hardware threads are 2 physical cores, and a walk of
    # 10,000 rules at 52 ns each takes about 0.52 ms of one. Each request walks
    # it twice: its connection's SYN, and its DNS lookup's first query, sent
    # from a new socket whose random source port makes a new conntrack entry
    # toward kube-dns, which sits last too. About 1,900 requests a second fill
    # the two cores.
    assert iptables.startswith("busiest node: client")
    assert 1_500 < ceiling(iptables) < 3_000
    assert ceiling(nftables) > 5 * ceiling(iptables)


def test_the_ceiling_leaves_the_proxys_rule_programming_out_and_holds_at_any_load(podwire_cli, tmp_path):
    # A rolling update makes every node's kube-proxy restore its rules again
    # and again, whatever the load; the work that grows with the load is the
    # rest. The ceiling read at a quarter of the load is then the same.
    def busiest(rate):
        text = (SOURCE / "scenarios/churn/rolling-update.yaml").read_text()
        scenario = tmp_path / f"roll-{rate}.yaml"
        scenario.write_text(text.replace("rate: 2000/s", f"rate: {rate}/s"))
        trace = tmp_path / f"roll-{rate}.h5"
        r = podwire_cli("run", str(scenario), "--duration", "20s", "-o", str(trace))
        assert r.returncode == 0, r.stderr
        line = next(l for l in r.stdout.splitlines() if l.startswith("busiest node"))
        name = line.split(": ")[1].split(",")[0]
        with h5py.File(trace, "r") as f:
            node = next(row for row in f["summary/nodes"][:] if row["name"].decode() == name)
            offered = sum(int(t["sent"]) + int(t["warmup_sent"]) for t in f["summary/traffic"][:]) / 20
        return int(line.split("near ")[1].split(" ")[0].replace(",", "")), node, offered

    light, node, offered = busiest(500)
    heavy, _, _ = busiest(2000)
    assert node["background_work_s"] > 0.2 * node["cpu_work_s"]
    assert abs(light / heavy - 1) < 0.03
    # Counted as if it grew with the load, the programming would lower the
    # light run's ceiling by its share of the work.
    as_if_load = offered * node["capacity"] / (node["cpu_work_s"] / 20)
    assert as_if_load < 0.85 * light


def test_a_rollout_without_prestop_fails_requests_and_the_trace_times_them(podwire_cli, tmp_path):
    shorter = ["--duration", "16s", "--set", "churn.events[0].at=2s", "--set", "traffic[0].rate=500/s"]
    trace = tmp_path / "roll.h5"
    r = podwire_cli("run", "scenarios/churn/rolling-update.yaml", *shorter, "-o", str(trace))
    assert r.returncode == 0, r.stderr
    assert "1 rollouts done" in r.stdout
    assert "network programming latency" in r.stdout
    assert "requests: failed" in r.stdout and "refused" in r.stdout
    with h5py.File(trace, "r") as f:
        requests = pd.DataFrame(f["requests"][:])
        events = pd.DataFrame(f["churn/events"][:])
        nodes = pd.DataFrame(f["programming/nodes"][:])
        changes = pd.DataFrame(f["programming/changes"][:])
    kinds = events.kind.str.decode("utf-8")
    assert (kinds == "rollout_started").sum() == 1 and (kinds == "rollout_done").sum() == 1
    # Failures only once the rollout started.
    failed = requests[requests.status != 1]
    assert len(failed) > 0 and (failed.started_ps >= 2 * 10**12).all()
    assert len(nodes) == 12 and (nodes.changes > 0).all()
    assert (changes.nodes <= 12).all() and (changes.p50_s > 0).any()
    # The summary of the trace says what the run said.
    summary = podwire_cli("summary", str(trace))
    assert summary.returncode == 0, summary.stderr
    line = next(l for l in r.stdout.splitlines() if l.startswith("network programming latency"))
    assert line in summary.stdout.splitlines()
    failures = next(l for l in r.stdout.splitlines() if "failures by the second" in l)
    assert failures in summary.stdout.splitlines()

    fixed = podwire_cli("run", "scenarios/churn/rolling-update-prestop.yaml", *shorter, "--no-trace")
    assert fixed.returncode == 0, fixed.stderr
    assert "requests: failed" not in fixed.stdout
    assert "1 rollouts done" in fixed.stdout


def test_explain_lists_the_hops_from_a_pod_to_a_service(podwire_cli):
    r = podwire_cli("explain", "scenarios/seed-web.yaml", "--from", "my-app/client", "--to", "web")
    assert r.returncode == 0, r.stderr
    for expected in ("  A web.my-app.svc.cluster.local", "ClusterIP", "rules walked: KUBE-SERVICES",
                     "DNAT to my-app/web-server-", "one request simulated in the idle cluster: ok"):
        assert expected in r.stdout, r.stdout
    bad = podwire_cli("explain", "scenarios/seed-web.yaml", "--from", "my-app/nobody", "--to", "web")
    assert bad.returncode == 3 and "no pod or workload 'nobody'" in bad.stderr


def test_a_cluster_run_with_churn_is_the_same_cell_by_cell_for_the_same_seed(podwire_cli, tmp_path):
    import numpy as np

    args = ["--duration", "14s", "--set", "churn.events[0].at=2s", "--set", "traffic[0].rate=300/s",
            "--set", "outputs.connections=true", "--set", "outputs.programming_records=true",
            "--set", "outputs.packets.every=1000", "-q"]
    contents = []
    for name in ("a.h5", "b.h5"):
        r = podwire_cli("run", "scenarios/churn/rolling-update.yaml", *args, "-o", str(tmp_path / name))
        assert r.returncode == 0, r.stderr
        with h5py.File(tmp_path / name, "r") as f:
            tables = {}
            f.visititems(lambda path, obj: tables.__setitem__(path, obj[()]) if isinstance(obj, h5py.Dataset) else None)
            contents.append(tables)
    assert contents[0].keys() == contents[1].keys()
    for path in ("requests", "dns", "connections", "churn/events", "programming/nodes", "programming/changes",
                 "programming/records", "packets", "timeseries/nodes", "timeseries/links", "summary/traffic"):
        assert path in contents[0], path
    for path, table in contents[0].items():
        assert np.array_equal(table, contents[1][path]), path


def test_sigint_stops_a_cluster_run_and_leaves_a_readable_trace(source_dir, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    trace = tmp_path / "stopped.h5"
    proc = subprocess.Popen(
        [sys.executable, "-m", "podwire", "run", "scenarios/churn/rolling-update.yaml", "--duration", "100000s",
         "-o", str(trace)],
        cwd=source_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopped early" in out
    with h5py.File(trace, "r") as f:
        assert not f["meta"].attrs["complete"]
        assert f["requests"].shape[0] > 1000
    assert list(tmp_path.iterdir()) == [trace]


def test_sampled_packets_are_followed_hop_by_hop(podwire_cli, tmp_path):
    trace = tmp_path / "packets.h5"
    r = podwire_cli("run", "scenarios/seed-web.yaml", "--duration", "4s", "-q", "--set", "outputs.packets.every=200",
                    "-o", str(trace))
    assert r.returncode == 0, r.stderr
    with h5py.File(trace, "r") as f:
        hops = pd.DataFrame(f["packets"][:])
        places = pd.DataFrame(f["packet_places"][:])
        kinds = [k.decode() if isinstance(k, bytes) else k for k in f["packets"].attrs["enum:kind"]]
    names = dict(zip(places.id, places.name.str.decode("utf-8")))
    assert hops.packet.nunique() > 20
    for _, one in hops.groupby("packet"):
        seq = [kinds[int(k)] for k in one.kind]
        assert seq[0] == "datapath" and seq[-1] in ("delivered", "dropped"), seq
        assert one.at_ps.is_monotonic_increasing
    # A request packet between nodes crosses the switch, with the VXLAN header on the wire.
    crossing = hops[hops["where"].map(names) == "switch"]
    assert len(crossing) > 0 and (crossing.wire_bytes >= 52 + 50).all()
