"""podwire.sweep: a grid of runs in processes or on Dask, one trace and one row
each, resumable, a failed run reported in its row."""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import h5py
import pandas as pd
import pytest

import podwire
from podwire.sweep import run_file_name

SOURCE = Path(os.environ.get("PODWIRE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SEED_WEB = SOURCE / "scenarios/seed-web.yaml"
DEFAULT = SOURCE / "scenarios/default.yaml"
GRID = {"cluster.proxy.mode": ["iptables", "nftables"], "traffic[0].keep_alive": [True, False]}
# What a run measured, as opposed to how and where it ran.
NOT_FIGURES = ["status", "wall_s", "file", "error"]


def short_seed_web():
    return podwire.load(SEED_WEB, ["run.duration=3s", "run.warmup=1s"])


def figures(df):
    return df.drop(columns=[c for c in NOT_FIGURES if c in df]).reset_index(drop=True)


def test_run_file_names_are_readable_safe_and_unique():
    assert run_file_name("http", [("cluster.proxy.mode", "nftables"), ("cluster.proxy.filler_services", 1000)], 3) == \
        "http__cluster.proxy.mode=nftables__cluster.proxy.filler_services=1000__seed=3.h5"
    assert run_file_name("s", [("traffic[0].keep_alive", True)], None).startswith("s__traffic_0_.keep_alive=true-")
    a = run_file_name("s", [("traffic[0].rate", "500/s")], None)
    b = run_file_name("s", [("traffic_0_.rate", "500_s")], None)
    assert a != b and re.fullmatch(r"[A-Za-z0-9._=-]+\.h5", a)
    long = run_file_name("s", [("apps.web.service_time", "{distribution: exponential, mean: 2ms}" * 10)], 1)
    assert len(long) < 200


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    return out, podwire.sweep(short_seed_web(), GRID, seeds=[1, 2], out_dir=out, workers=2, progress=False)


def test_a_sweep_runs_the_grid_in_processes_one_trace_and_row_each(grid_sweep):
    out, df = grid_sweep
    assert len(df) == 8
    assert list(df.columns[:4]) == ["cluster.proxy.mode", "traffic[0].keep_alive", "seed", "status"]
    assert (df.status == "ok").all() and df.error.isna().all()
    assert df[["cluster.proxy.mode", "traffic[0].keep_alive", "seed"]].drop_duplicates().shape[0] == 8
    assert sorted(Path(f).name for f in df.file) == sorted(p.name for p in out.iterdir())
    for _, row in df.iterrows():
        mode, keep_alive = row["cluster.proxy.mode"], str(row["traffic[0].keep_alive"]).lower()
        assert Path(row.file).name.startswith(f"seed-web__cluster.proxy.mode={mode}__traffic_0_.keep_alive={keep_alive}__")
        trace = podwire.open(row.file)
        assert trace.complete and trace["scenario"]["seed"] == row.seed
        assert trace["traffic"][0]["ok"] == row["client.ok"]
    for column in ("client.sent", "client.ok", "client.failed", "client.ok_per_s", "client.p50_s", "client.p90_s",
                   "client.p99_s", "error_rate", "cpu.mean", "cpu.busiest", "cpu.busiest_kernel", "cpu.busiest_node",
                   "simulated_s", "events", "wall_s"):
        assert column in df, column
    assert (df["client.p50_s"] <= df["client.p99_s"]).all() and (df["client.failed"] == 0).all()
    assert df["cpu.busiest"].between(0, 1).all()
    # A new connection per request costs a DNS lookup and a handshake.
    by_keep_alive = df.groupby("traffic[0].keep_alive")["client.mean_s"].mean()
    assert by_keep_alive[False] > by_keep_alive[True]


def test_a_sweep_in_this_process_measures_what_the_processes_did(grid_sweep, tmp_path):
    _, parallel = grid_sweep
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sequential = podwire.sweep(short_seed_web(), GRID, seeds=[1, 2], out_dir=tmp_path, workers=1, progress=False)
    pd.testing.assert_frame_equal(figures(sequential), figures(parallel))


def test_a_failed_run_is_a_row_and_a_stopped_sweep_resumes(tmp_path):
    scenario = podwire.load(DEFAULT, ["run.duration=20s", "run.warmup=1s"])
    grid = {"queueing.servers": [4, 0, 5, 6]}
    with pytest.warns(UserWarning, match="1 of 4 runs failed"):
        first = podwire.sweep(scenario, grid, out_dir=tmp_path, workers=2, progress=False)
    assert first.status.tolist() == ["ok", "failed", "ok", "ok"]
    assert "queueing.servers: expected an integer from 1" in first.error[1]
    assert first.seed.tolist()[0] == 1 and first.completions[0] > 10000
    files = [Path(f) for f in first.file]
    assert not files[1].exists()
    # As if the sweep had been stopped: one trace gone, one left incomplete.
    files[2].unlink()
    with h5py.File(files[3], "r+") as f:
        f["meta"].attrs["complete"] = False
    untouched = files[0].stat().st_mtime_ns
    with pytest.warns(UserWarning, match="1 of 4 runs failed"):
        second = podwire.sweep(scenario, grid, out_dir=tmp_path, workers=2, progress=False)
    assert second.status.tolist() == ["cached", "failed", "ok", "ok"]
    assert files[0].stat().st_mtime_ns == untouched
    pd.testing.assert_frame_equal(figures(second), figures(first))
    # A change of the scenario is a new run even under the same name.
    third = podwire.sweep(podwire.load(DEFAULT, ["run.duration=10s", "run.warmup=1s"]), {"queueing.servers": [4]},
                          out_dir=tmp_path, workers=1, progress=False)
    assert third.status.tolist() == ["ok"] and third.completions[0] < first.completions[0]


def test_the_same_sweep_on_a_dask_cluster(grid_sweep, tmp_path):
    from distributed import Client, LocalCluster

    _, local = grid_sweep
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        on_dask = podwire.sweep(short_seed_web(), GRID, seeds=[1, 2], out_dir=tmp_path, client=client,
                                progress=False)
        assert (on_dask.status == "ok").all()
        pd.testing.assert_frame_equal(figures(on_dask), figures(local))
        with pytest.warns(UserWarning, match="1 of 2 runs failed"):
            broken = podwire.sweep(short_seed_web(), {"cluster.proxy.mode": ["ebpf", "ipchains"]}, out_dir=tmp_path,
                                   client=client, progress=False)
    assert broken.status.tolist() == ["ok", "failed"] and "ipchains" in broken.error[1]
    again = podwire.sweep(short_seed_web(), GRID, seeds=[1, 2], out_dir=tmp_path, workers=2, progress=False)
    assert (again.status == "cached").all()


def test_ctrl_c_stops_a_sweep_cleanly_and_the_next_call_finishes_it(tmp_path):
    args = (f"podwire.load({str(DEFAULT)!r}, ['run.duration=1500s'])", "{'queueing.servers': [4, 5]}")
    script = textwrap.dedent(f"""
        import podwire
        if __name__ == "__main__":
            try:
                podwire.sweep({args[0]}, {args[1]}, out_dir={str(tmp_path)!r}, workers=2, progress=False)
                print("finished")
            except KeyboardInterrupt:
                print("interrupted")
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("*.h5.tmp-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # both runs are writing their traces
    proc.send_signal(signal.SIGINT)  # to the sweep only, as a notebook's interrupt does
    out, err = proc.communicate(timeout=60)
    assert out.strip() == "interrupted", err
    traces = sorted(tmp_path.glob("*.h5"))
    assert len(traces) == 2 and not list(tmp_path.glob("*.tmp-*"))
    for trace in traces:
        with h5py.File(trace, "r") as f:
            assert not f["meta"].attrs["complete"]
    done = podwire.sweep(eval(args[0]), eval(args[1]), out_dir=tmp_path, workers=2, progress=False)
    assert done.status.tolist() == ["ok", "ok"] and (done.simulated_s == 1500).all()


def test_a_script_read_from_standard_input_can_sweep_in_processes(tmp_path):
    script = textwrap.dedent(f"""
        import podwire
        if __name__ == "__main__":
            df = podwire.sweep(podwire.load({str(DEFAULT)!r}, ["run.duration=2s", "run.warmup=1s"]),
                               {{"queueing.servers": [4, 5]}}, out_dir={str(tmp_path)!r}, workers=2, progress=False)
            print(df.status.tolist())
    """)
    r = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "['ok', 'ok']", r.stderr


def test_every_point_is_loaded_as_strictly_as_the_sweeps_scenario(source_dir, tmp_path):
    from podwire.sweep import _plan

    base = podwire.load(source_dir / "scenarios/seed-web.yaml", strict=True, kube_version="1.31")
    tasks = _plan(base, {"traffic[0].rate": ["100/s", "200/s"]}, [1], tmp_path)
    assert [(t.strict, t.kube_version) for t in tasks] == [(True, "1.31")] * 2
    lax = _plan(podwire.load(source_dir / "scenarios/seed-web.yaml"), {"traffic[0].rate": ["100/s"]}, None, tmp_path)
    assert [(t.strict, t.kube_version) for t in lax] == [(False, None)]
