"""A run too large for the machine: refused before it starts with its estimate,
and an allocation that fails during a run ends it cleanly (exit 1, the reason,
the trace left readable as its last checkpoint wrote it)."""

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import podwire
from podwire import _core

SCENARIO = "scenarios/seed-web.yaml"


def podwire_under(limit_bytes: int | None, *args: str, cwd: Path, timeout: float = 60):
    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "podwire", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, preexec_fn=limit)


def test_a_rate_no_machine_holds_is_refused_with_its_estimate(podwire_cli):
    # 10^9 requests/s for the scenario's 20 s: 2 * 10^10 requests, nearly all of them left waiting
    # (three web-server pods of concurrency 4 at 2 ms serve 6,000/s), 235 B each: terabytes.
    r = podwire_cli("run", SCENARIO, "--no-trace", "--set", "traffic[0].rate=1000000000/s", timeout=60)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert "20,000,000,000 requests" in r.stderr
    size = re.search(r"would take about ([\d.]+) (TB|GB)", r.stderr)
    assert size and size.group(2) == "TB" and 4.0 <= float(size.group(1)) <= 4.8, r.stderr
    assert "--force" in r.stderr


def test_the_estimate_counts_the_requests_a_run_leaves_waiting():
    # Offered 10^7/s for 0.1 s, the cluster serves a few hundred; the run's own count of the
    # unfinished requests is the truth the estimate is held to.
    scenario = podwire.load(SCENARIO, ["traffic[0].rate=10000000/s", "run.duration=0.1s", "run.warmup=0s"])
    estimate = _core.estimate_run(scenario._load())
    assert estimate["requests"] == pytest.approx(1e6)
    result = podwire.run(scenario, trace=False)
    unfinished = result["traffic"][0]["unfinished"]
    assert unfinished > 0.9e6
    assert estimate["waiting"] == pytest.approx(unfinished, rel=0.1)
    assert estimate["waiting_bytes"] == pytest.approx(235 * estimate["waiting"])
    # A run within the cluster's means leaves nothing waiting.
    calm = _core.estimate_run(podwire.load(SCENARIO, ["traffic[0].keep_alive=true"])._load())
    assert calm["waiting"] == 0 and calm["time_wait"] == 0


def test_the_estimate_counts_what_churn_programs_on_every_node():
    scenario = podwire.load("scenarios/churn/programming-5000-nodes.yaml",
                            ["cluster.nodes[0].count=200", "cluster.proxy.filler_services=0"])
    estimate = _core.estimate_run(scenario._load())
    result = podwire.run(scenario, trace=False)
    churn = result["churn"]
    # A rollout of 1,000 replicas: each pod's replacement is three endpoint changes, each
    # programmed by all 200 nodes.
    assert churn["propagation"]["changes"] == estimate["endpoint_changes"] == 3000
    assert churn["programming"]["records"] == estimate["programming_samples"] == 3000 * 200


def test_a_small_address_space_refuses_the_run_unless_forced_and_then_ends_it_cleanly(source_dir, tmp_path):
    limit = 600 << 20
    args = ("run", str(source_dir / SCENARIO), "--set", "traffic[0].rate=10000000/s", "--duration", "5s",
            "--set", "run.warmup=0s", "--quiet")
    r = podwire_under(limit, *args, "-o", str(tmp_path / "refused.h5"), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "RLIMIT_AS 629.1 MB" in r.stderr and "--force" in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []  # nothing begun
    # Forced: 5 * 10^7 requests at 235 B each cannot fit 600 MB, and the run says when it ran out.
    out = tmp_path / "forced.h5"
    r = podwire_under(limit, *args, "-o", str(out), "--force", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    m = re.search(r"podwire: out of memory \(std::bad_alloc\) at ([\d.e-]+) s of simulated time, after \d+ events; "
                  r"the trace is kept as (\S+), readable as its last checkpoint left it", r.stderr)
    assert m, r.stderr
    assert 0 < float(m.group(1)) < 5
    left = Path(m.group(2))
    assert left.exists() and not out.exists()
    s = subprocess.run([sys.executable, "-m", "podwire", "summary", str(left)], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert s.returncode == 0, s.stderr
    assert "incomplete: it holds" in s.stdout and "request rows:" in s.stdout


def test_memory_available_is_the_least_room_known():
    available, where = podwire.api.memory_available()
    meminfo = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in open("/proc/meminfo")}
    assert 0 < available <= meminfo["MemAvailable"] * 1.01
    assert where


@pytest.mark.parametrize("scenario", ["scenarios/seed-web.yaml", "scenarios/online-boutique.yaml",
                                      "scenarios/churn/rolling-update.yaml"])
def test_the_events_estimate_is_the_runs_order_of_magnitude(scenario):
    loaded = podwire.load(scenario)._load()
    estimate = _core.estimate_run(loaded)
    events = podwire.run(podwire.load(scenario), trace=False)["events"]
    assert events / 2 <= estimate["events"] <= events * 2, (estimate, events)


def test_a_queue_that_grows_without_bound_is_refused_and_its_estimate_matches_the_run(podwire_cli):
    # M/M/4 at 1 ms a job serves 4,000/s; offered 10^9/s for the default 600 s, the queue would
    # hold 6 * 10^11 jobs at 32 B each: terabytes, refused before anything runs.
    r = podwire_cli("run", "scenarios/default.yaml", "--no-trace", "--set", "queueing.arrival_rate=1000000000/s")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert "599,997,600,000 jobs left waiting in the queue" in r.stderr and "--force" in r.stderr, r.stderr
    # The estimate against the run's own count: what is in the system at the end.
    scenario = podwire.load("scenarios/default.yaml",
                            ["queueing.arrival_rate=100000/s", "run.duration=2s", "run.warmup=0s"])
    estimate = _core.estimate_run(scenario._load())
    assert estimate["kind"] == "queueing" and estimate["requests"] == pytest.approx(2e5)
    result = podwire.run(scenario, trace=False)
    left = result["simulated"]["arrivals"] - result["simulated"]["completions"]
    assert estimate["waiting"] == pytest.approx((100_000 - 4_000) * 2)
    assert estimate["waiting"] == pytest.approx(left, rel=0.02)
    assert estimate["events"] == pytest.approx(result["events"], rel=0.05)
    # A stable queue holds nothing to the end.
    assert _core.estimate_run(podwire.load("scenarios/default.yaml")._load())["waiting"] == 0


def test_programming_figures_from_histograms_match_the_streamed_records(tmp_path):
    # 200 nodes programming a rollout of 1,000 replicas: 600,000 (node, change) latencies. The run
    # keeps histograms, not the samples; every sample still reaches the trace, and the exact
    # nearest-rank percentiles computed from them are the truth the figures are held to.
    import h5py
    import numpy as np

    out = tmp_path / "p.h5"
    scenario = podwire.load("scenarios/churn/programming-5000-nodes.yaml",
                            ["cluster.nodes[0].count=200", "cluster.proxy.filler_services=0",
                             "outputs.programming_records=true"])
    result = podwire.run(scenario, out)
    with h5py.File(out) as f:
        records = f["programming/records"][:]
        nodes = f["programming/nodes"][:]
        changes = f["programming/changes"][:]
    latency = np.sort(records["latency_s"])
    assert len(latency) == result["churn"]["programming"]["records"] == 600_000

    def nearest_rank(sorted_values, p):
        return sorted_values[max(1, int(np.ceil(p / 100 * len(sorted_values)))) - 1]

    figures = result["churn"]["programming"]
    for key, p in (("p50_s", 50), ("p90_s", 90), ("p99_s", 99)):
        assert figures[key] == pytest.approx(nearest_rank(latency, p), rel=0.004), key
    assert figures["max_s"] == pytest.approx(latency[-1], rel=1e-6)
    for n in (0, 57, 199):
        mine = np.sort(records["latency_s"][records["node"] == n])
        assert nodes["changes"][n] == len(mine) == 3000
        assert nodes["p99_s"][n] == pytest.approx(nearest_rank(mine, 99), rel=0.004)
    for row in changes[:: len(changes) // 5]:
        mine = np.sort(records["latency_s"][records["change"] == row["id"]])
        assert row["nodes"] == len(mine) == 200
        assert row["p50_s"] == pytest.approx(nearest_rank(mine, 50), rel=0.004)
        assert row["max_s"] == pytest.approx(mine[-1], rel=1e-6)
