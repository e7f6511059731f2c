"""The Python API around one run: load/set/validate, Result and its tables and
plots, podwire.open, Ctrl-C, and runs in threads."""

import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import h5py
import matplotlib
import numpy as np
import pytest

import podwire

matplotlib.use("Agg")

SOURCE = Path(os.environ.get("PODWIRE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SEED_WEB = SOURCE / "scenarios/seed-web.yaml"
ROLLOUT = SOURCE / "scenarios/churn/rolling-update.yaml"
SHORT_ROLLOUT = ["run.duration=8s", "churn.events[0].at=2s", "traffic[0].rate=300/s"]


def test_load_refuses_a_broken_scenario_listing_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cluster:\n  nodes: [{name: w, cpus: many}]\n  proxy: {mode: ipchains}\n")
    with pytest.raises(podwire.ScenarioError) as e:
        podwire.load(bad)
    problems = e.value.args[1]
    assert [(d["file"], d["line"], d["path"]) for d in problems if d["severity"] == "error"] == [
        (str(bad), 2, "cluster.nodes[0].cpus"), (str(bad), 3, "cluster.proxy.mode")]
    assert podwire.Scenario(bad).validate() == problems
    with pytest.raises(podwire.ScenarioError, match="cannot open the scenario file"):
        podwire.load(tmp_path / "missing.yaml")


def test_set_refuses_a_bad_value_and_leaves_the_scenario_as_it_was():
    scenario = podwire.load(SEED_WEB)
    scenario.set("cluster.proxy.mode", "nftables").set("traffic[0].keep_alive", True)
    assert scenario.overrides == ["cluster.proxy.mode=nftables", "traffic[0].keep_alive=true"]
    with pytest.raises(podwire.ScenarioError) as e:
        scenario.set("cluster.proxy.mode", "ipchains")
    assert e.value.args[1][0]["file"] == "--set cluster.proxy.mode"
    assert "expected iptables, ipvs, nftables or ebpf" in e.value.args[1][0]["message"]
    assert scenario.overrides == ["cluster.proxy.mode=nftables", "traffic[0].keep_alive=true"]
    # An override that names no field is an error (in the file it would be a warning).
    with pytest.raises(podwire.ScenarioError) as e:
        scenario.set("cluster.colour", "blue")
    assert [(d["severity"], d["path"]) for d in e.value.args[1]] == [("error", "cluster.colour")]
    assert scenario.overrides == ["cluster.proxy.mode=nftables", "traffic[0].keep_alive=true"]


def test_the_same_seed_gives_the_same_trace_from_the_cli_and_from_python(podwire_cli, tmp_path):
    args = [*SHORT_ROLLOUT, "outputs.connections=true", "outputs.programming_records=true"]
    cli = podwire_cli("run", str(ROLLOUT), "-q", "-o", str(tmp_path / "cli.h5"), *[a for o in args for a in ("--set", o)])
    assert cli.returncode == 0, cli.stderr
    result = podwire.run(podwire.load(ROLLOUT, args), tmp_path / "python.h5")
    tables = []
    for name in ("cli.h5", "python.h5"):
        with h5py.File(tmp_path / name, "r") as f:
            found = {}
            f.visititems(lambda p, o: found.__setitem__(p, o[()]) if isinstance(o, h5py.Dataset) else None)
            meta = {k: v for k, v in f["meta"].attrs.items() if not k.endswith("wall_clock")}
            tables.append((found, meta))
    (a, meta_a), (b, meta_b) = tables
    assert a.keys() == b.keys() and "churn/events" in a and "connections" in a
    for path in a:
        assert np.array_equal(a[path], b[path]), path
    assert {k: str(v) for k, v in meta_a.items()} == {k: str(v) for k, v in meta_b.items()}
    # The run's own summary and the one read back from the CLI's trace agree.
    from_cli = podwire.open(tmp_path / "cli.h5")
    assert [t["ok"] for t in from_cli["traffic"]] == [t["ok"] for t in result["traffic"]]
    assert from_cli["churn"]["programming"] == result["churn"]["programming"]


@pytest.fixture(scope="module")
def rollout():
    """A short rolling update with its trace in a temporary folder."""
    return podwire.run(podwire.load(ROLLOUT, SHORT_ROLLOUT))


def test_requests_come_with_names(rollout):
    assert isinstance(rollout, dict) and rollout["complete"] and rollout.complete
    df = rollout.requests
    assert len(df) > 1000
    assert set(df.target.unique()) == {"default/web"}
    assert set(df.traffic.dropna().unique()) == {"requests"}
    assert set(df.status.unique()) >= {"ok", "refused"}
    ok = df[df.status == "ok"]
    assert ok.server.str.startswith("default/web-").all()
    assert df.client.str.startswith("default/client-").all()
    assert set(ok.server_node.unique()) <= {f"worker-{i}" for i in range(10)}
    assert np.allclose(ok.total_s, ok.total_ps * 1e-12)
    # The counts of the summary are the table's, after the warm-up.
    assert (~df.warmup & (df.status == "ok")).sum() == rollout["traffic"][0]["ok"]
    assert rollout.requests is df  # read once


def test_timeseries_events_and_summary(rollout):
    nodes = rollout.timeseries("nodes")
    assert set(nodes.node.unique()) == {"client-0", "client-1", *(f"worker-{i}" for i in range(10))}
    assert nodes.kernel_busy.between(0, 1).all() and nodes.at_s.max() == pytest.approx(8.0)
    links = rollout.timeseries("links")
    assert "worker-0->switch" in set(links.link)
    with pytest.raises(KeyError, match="no time series 'disks'"):
        rollout.timeseries("disks")
    events = rollout.events
    assert {"rollout_started", "created", "terminating"} <= set(events.kind)
    assert events.at_s.is_monotonic_increasing and events.at_s.min() >= 2.0
    summary = rollout.summary()
    assert type(summary) is dict and summary == dict(rollout)
    summary["traffic"][0]["ok"] = -1
    assert rollout["traffic"][0]["ok"] > 0


def test_a_run_without_churn_has_an_empty_events_table():
    result = podwire.run(podwire.load(SEED_WEB, ["run.duration=3s", "run.warmup=1s"]))
    assert len(result.events) == 0
    assert list(result.events.columns) == ["at_ps", "kind", "pod", "node", "owner", "at_s"]


def test_open_gives_the_same_tables_as_the_run(rollout):
    opened = podwire.open(rollout.path)
    assert opened.complete and opened.path == rollout.path
    assert opened.requests.equals(rollout.requests)
    assert opened.events.equals(rollout.events)
    assert opened["traffic"][0]["failed"] == rollout["traffic"][0]["failed"]


def test_plots_draw_a_curve_per_group(rollout):
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2)
    assert rollout.plot_latency_cdf(ax=a, by="server_node") is a
    assert len(a.get_lines()) == 10
    y = a.get_lines()[0].get_ydata()
    assert y[-1] == pytest.approx(1.0) and np.all(np.diff(y) >= 0)
    rollout.plot_timeseries("nodes", "kernel_busy", ax=b)
    assert len(b.get_lines()) == 12 and b.get_ylabel() == "kernel_busy"
    with pytest.raises(KeyError, match="no column 'speed'"):
        rollout.plot_timeseries("nodes", "speed", ax=b)
    plt.close(fig)
    ax = podwire.run(podwire.load(SOURCE / "scenarios/default.yaml", ["run.duration=2s", "run.warmup=1s"])).plot_latency_cdf()
    assert len(ax.get_lines()) == 1
    plt.close("all")


def test_a_run_without_out_keeps_its_trace_as_long_as_the_result():
    result = podwire.run(podwire.load(SEED_WEB, ["run.duration=2s", "run.warmup=1s"]))
    folder = result.path.parent
    assert result.path.exists() and folder.name.startswith("podwire-")
    del result
    gc.collect()
    assert not folder.exists()
    bare = podwire.run(podwire.load(SEED_WEB, ["run.duration=2s", "run.warmup=1s"]), trace=False)
    assert bare.path is None and bare["complete"]
    with pytest.raises(ValueError, match="wrote no trace"):
        bare.requests


def test_ctrl_c_stops_a_python_run_cleanly(tmp_path):
    trace = tmp_path / "stopped.h5"
    script = textwrap.dedent(f"""
        import json, os, signal, sys, time
        import podwire
        scenario = podwire.load({str(SOURCE / "scenarios/default.yaml")!r}, ["run.duration=100000s"])
        print("running", flush=True)
        try:
            podwire.run(scenario, {str(trace)!r})
            print(json.dumps({{"interrupted": False}}))
        except podwire.RunInterrupted as e:
            stopped = {{"interrupted": True, "complete": e.result["complete"], "path": str(e.result.path),
                        "simulated_s": e.result["simulated_s"], "requests": len(e.result.requests)}}
            # Python's own Ctrl-C handling is back once the run is over.
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(2)
                stopped["keyboard_interrupt_after"] = False
            except KeyboardInterrupt:
                stopped["keyboard_interrupt_after"] = True
            print(json.dumps(stopped))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "running"
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    stopped = json.loads(out.strip().splitlines()[-1])
    assert stopped["interrupted"] and not stopped["complete"] and stopped["path"] == str(trace)
    assert 0 < stopped["simulated_s"] < 100000 and stopped["requests"] > 1000
    assert stopped["keyboard_interrupt_after"]
    with h5py.File(trace, "r") as f:
        assert not f["meta"].attrs["complete"]
    assert list(tmp_path.iterdir()) == [trace]


def test_two_runs_in_threads_do_not_interfere():
    scenarios = [podwire.load(SEED_WEB, ["run.duration=30s", f"run.seed={seed}"]) for seed in (1, 2)]
    alone = [podwire.run(s).requests for s in scenarios]
    together: list = [None, None]
    ticks = 0

    def go(i):
        together[i] = podwire.run(scenarios[i]).requests

    threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        ticks += 1  # Python keeps running here while both runs go: the GIL is free
        time.sleep(0.001)
    for t in threads:
        t.join()
    assert ticks > 10
    for a, b in zip(alone, together):
        assert a.equals(b)
    assert not alone[0].equals(alone[1])


def test_ctrl_c_still_reaches_python_after_overlapping_runs_in_threads():
    script = textwrap.dedent(f"""
        import os, signal, threading, time
        import podwire
        short = podwire.load({str(SEED_WEB)!r}, ["run.duration=20s"])
        long = podwire.load({str(SEED_WEB)!r}, ["run.duration=60s"])
        first = threading.Thread(target=podwire.run, args=(short,), kwargs={{"trace": False}})
        second = threading.Thread(target=podwire.run, args=(long,), kwargs={{"trace": False}})
        first.start(); time.sleep(0.02); second.start()
        first.join(); second.join()
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
            print("lost")
        except KeyboardInterrupt:
            print("KeyboardInterrupt")
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "KeyboardInterrupt", r.stderr
