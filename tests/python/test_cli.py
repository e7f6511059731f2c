"""The podwire command line on the default scenario and on broken ones."""

import math
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import podwire
import podwire.summary


def test_version(podwire_cli):
    r = podwire_cli("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"podwire {podwire.__version__}"


def test_run_default_prints_simulated_beside_erlang_c(podwire_cli):
    r = podwire_cli("run", "scenarios/default.yaml", "--duration", "60s", "--set", "run.warmup=5s", "--no-trace")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "M/M/4 server farm 'web'" in out
    assert "theory (Erlang C)" in out
    row = re.search(r"mean wait\s+([\d.]+) (ms|us)\s+([\d.]+) (ms|us)", out)
    assert row, out
    scale = {"ms": 1e-3, "us": 1e-6}
    simulated = float(row.group(1)) * scale[row.group(2)]
    theory = float(row.group(3)) * scale[row.group(4)]
    # lambda = 3200/s, mu = 1000/s, c = 4: Erlang C = 0.5964, Wq = C / (c mu - lambda).
    assert math.isclose(theory, 0.5964 / 800, rel_tol=1e-3)
    assert math.isclose(simulated, theory, rel_tol=0.1)


def test_overrides_change_the_model(podwire_cli):
    r = podwire_cli(
        "run", "scenarios/default.yaml", "--duration", "5s", "--set", "run.warmup=1s", "--set", "queueing.servers=8",
        "--no-trace",
    )
    assert r.returncode == 0, r.stderr
    assert "M/M/8" in r.stdout


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    return p


def test_validate_reports_every_error_with_its_line(podwire_cli, tmp_path):
    p = write(
        tmp_path,
        "run:\n"
        "  duration: 10\n"  # line 2: no unit
        "queueing:\n"
        "  servers: four\n"  # line 4
        "  arrival_rate: 100/s\n"
        "  service_time: {distribution: exponentail, mean: 1ms}\n"  # line 6: typo
        "  colour: blue\n",  # line 7: unknown field, a warning
    )
    r = podwire_cli("validate", str(p))
    assert r.returncode == 3
    err = r.stderr
    assert f"{p}:2:13: error: run.duration: time '10' has no unit" in err
    assert f"{p}:4:12: error: queueing.servers: expected an integer from 1 to 1000000, got 'four'" in err
    assert f"{p}:6:32: error: queueing.service_time.distribution: unknown distribution 'exponentail'" in err
    assert f"{p}:7:3: warning: queueing.colour: unknown field 'colour' is ignored" in err
    assert "3 error(s)" in err


def test_run_refuses_a_bad_scenario_without_running(podwire_cli, tmp_path):
    p = write(tmp_path, "queueing: {servers: 2, arrival_rate: 5000, service_time: 1ms}\n")
    r = podwire_cli("run", str(p))
    assert r.returncode == 3
    assert "queueing.arrival_rate: rate '5000' has no unit" in r.stderr
    assert r.stdout == ""


def test_syntax_errors_are_located(podwire_cli, tmp_path):
    p = write(tmp_path, "run:\n  seed: [1, 2\nqueueing: {}\n")
    r = podwire_cli("validate", str(p))
    assert r.returncode == 3
    assert re.search(re.escape(str(p)) + r":\d+:\d+: error: ", r.stderr), r.stderr


def test_bad_override_is_blamed_on_the_override(podwire_cli):
    r = podwire_cli("validate", "scenarios/default.yaml", "--set", "queueing.servers=0")
    assert r.returncode == 3
    assert "--set queueing.servers: error: queueing.servers: expected an integer from 1" in r.stderr


def test_missing_file(podwire_cli):
    r = podwire_cli("validate", "no-such-file.yaml")
    assert r.returncode == 3
    assert "no-such-file.yaml: error: cannot open the scenario file" in r.stderr


def test_sigint_stops_a_run_cleanly(source_dir, tmp_path):
    trace = tmp_path / "stopped.h5"
    proc = subprocess.Popen(
        [sys.executable, "-m", "podwire", "run", "scenarios/default.yaml", "--duration", "100000s", "-o", str(trace)],
        cwd=source_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopped early" in out
    assert "mean wait" in out
    # The trace is under its final name, readable, and says it is incomplete.
    import h5py

    with h5py.File(trace, "r") as f:
        assert not f["meta"].attrs["complete"]
        assert f["requests"].shape[0] > 1000
    assert list(tmp_path.iterdir()) == [trace]


def test_python_api_matches_the_cli(source_dir):
    scenario = podwire.load(source_dir / "scenarios/default.yaml", ["run.duration=5s", "run.warmup=1s"])
    a = podwire.run(scenario)
    b = podwire.run(scenario)
    assert a["complete"] and b["complete"]
    assert a["events"] == b["events"]
    assert a["simulated"] == b["simulated"]
    scenario.set("run.seed", 2)
    c = podwire.run(scenario)
    assert c["events"] != a["events"]


def test_validate_from_python_lists_problems(tmp_path):
    p = write(tmp_path, "queueing: {servers: 0, arrival_rate: 1/s, service_time: 1ms}\n")
    problems = podwire.Scenario(p).validate()
    assert [(d["line"], d["path"]) for d in problems] == [(1, "queueing.servers")]


def test_trace_reads_in_pandas_and_summary_matches_the_run(podwire_cli, tmp_path):
    import h5py
    import pandas as pd

    trace = tmp_path / "run.h5"
    r = podwire_cli("run", "scenarios/default.yaml", "--duration", "20s", "--set", "run.warmup=2s", "-o", str(trace))
    assert r.returncode == 0, r.stderr
    with h5py.File(trace, "r") as f:
        meta = dict(f["meta"].attrs)
        assert meta["complete"] and meta["schema_version"] == 1 and meta["seed"] == 1
        assert meta["model"] == "queueing"
        assert "queueing:" in meta["scenario_text"] and "duration: 20s" in meta["scenario_text"]
        assert meta["simulated_ps"] == 20 * 10**12
        df = pd.DataFrame(f["requests"][:])
    assert list(df.columns) == ["id", "arrival_ps", "start_ps", "end_ps", "warmup"]
    assert str(df["end_ps"].dtype) == "int64" and str(df["warmup"].dtype) == "bool"
    assert (df["start_ps"] >= df["arrival_ps"]).all() and (df["end_ps"] >= df["start_ps"]).all()
    measured = df[~df["warmup"]]
    sojourn_s = (measured["end_ps"] - measured["arrival_ps"]) * 1e-12
    s = podwire_cli("summary", str(trace))
    assert s.returncode == 0, s.stderr
    # The table and the summary agree on the count and the mean response.
    assert f"{len(measured):,} requests measured" in s.stdout
    row = re.search(r"mean response\s+([\d.]+) ms", s.stdout)
    assert row and math.isclose(float(row.group(1)), sojourn_s.mean() * 1e3, rel_tol=1e-3)
    # The run's own summary and the trace's are the same table.
    assert r.stdout.split("\n\n")[1].strip() == s.stdout.split("\n\n")[1].strip()


def test_summary_of_a_missing_file(podwire_cli, tmp_path):
    r = podwire_cli("summary", str(tmp_path / "none.h5"))
    assert r.returncode == 1
    assert "none.h5" in r.stderr


def test_same_seed_same_trace(podwire_cli, tmp_path):
    import h5py
    import numpy as np

    tables = []
    for name in ("a.h5", "b.h5"):
        r = podwire_cli("run", "scenarios/default.yaml", "--duration", "5s", "--set", "run.warmup=1s",
                        "-o", str(tmp_path / name))
        assert r.returncode == 0, r.stderr
        with h5py.File(tmp_path / name, "r") as f:
            tables.append(f["requests"][:])
    assert np.array_equal(tables[0], tables[1])


def test_run_json_is_the_result_and_summary_json_the_trace_summary(podwire_cli, source_dir, tmp_path):
    import json

    (tmp_path / "seed").symlink_to(source_dir / "scenarios/seed")  # its manifests
    scenario = tmp_path / "web.yaml"
    scenario.write_text((source_dir / "scenarios/seed-web.yaml").read_text() + "colour: blue\n")
    trace = tmp_path / "web.h5"
    r = podwire_cli("run", str(scenario), "--duration", "3s", "--set", "run.warmup=1s", "-o", str(trace), "--json")
    assert r.returncode == 0, r.stderr
    run_json = json.loads(r.stdout)  # nothing else on standard output
    assert "unknown field 'colour' is ignored" in r.stderr  # diagnostics go to standard error
    # The keys of the Result podwire.run returns, and where its trace is.
    result = podwire.run(podwire.load(scenario, ["run.duration=3s", "run.warmup=1s"]), trace=False)
    assert set(run_json) == set(result) | {"trace"}
    assert run_json["trace"] == str(trace) and run_json["complete"] is True
    assert run_json["events"] == result["events"] and run_json["traffic"][0]["sent"] == result["traffic"][0]["sent"]
    assert set(run_json["traffic"][0]) == set(result["traffic"][0])

    s = podwire_cli("summary", str(trace), "--json")
    assert s.returncode == 0, s.stderr
    summary_json = json.loads(s.stdout)
    assert summary_json == json.loads(json.dumps({**podwire.read_summary(trace), "trace": str(trace)}))
    # What the trace holds means the same as in the run's own JSON.
    for key in ("model", "events", "simulated_s", "complete"):
        assert summary_json[key] == run_json[key]
    for a, b in zip(summary_json["traffic"], run_json["traffic"]):
        assert {k: a[k] for k in ("name", "sent", "ok", "failed")} == {k: b[k] for k in ("name", "sent", "ok", "failed")}


def test_queueing_json_has_null_where_theory_has_no_figure(podwire_cli, tmp_path):
    import json

    r = podwire_cli("run", "scenarios/default.yaml", "--duration", "3s", "--set", "run.warmup=1s", "--json",
                    "--set", "queueing.service_time={distribution: constant, value: 1ms}",
                    "--set", "queueing.servers=1", "--set", "queueing.arrival_rate=500/s", "-o", str(tmp_path / "q.h5"))
    assert r.returncode == 0, r.stderr
    document = json.loads(r.stdout)
    assert document["theory"]["model"] == "M/D/1" and document["theory"]["p90_s"] is None
    s = podwire_cli("summary", str(tmp_path / "q.h5"), "--json")
    assert json.loads(s.stdout)["theory"]["p90_s"] is None  # NaN in the trace, null in JSON


def _wall_and_trace_removed(run_stdout: str) -> str:
    text = re.sub(r" in [\d.]+ s wall", "", run_stdout)
    return text.split("\n\ntrace: ")[0].rstrip("\n")


def test_summary_of_a_cluster_trace_prints_what_the_run_printed(podwire_cli, tmp_path):
    trace = tmp_path / "web.h5"
    r = podwire_cli("run", "scenarios/seed-web.yaml", "--duration", "3s", "--set", "run.warmup=1s", "-o", str(trace))
    assert r.returncode == 0, r.stderr
    s = podwire_cli("summary", str(trace))
    assert s.returncode == 0, s.stderr
    for line in ("datapath: ", "busiest node: worker-", "dns: "):
        assert line in s.stdout, s.stdout
    assert s.stdout.rstrip("\n") == _wall_and_trace_removed(r.stdout)


def test_long_service_and_traffic_names_are_printed_whole(podwire_cli, source_dir, tmp_path):
    name = "checkout-payments-fraud-scoring-frontend-canary"  # my-app/<name> is 54 characters
    manifest = (source_dir / "scenarios/seed/my-app.yaml").read_text()
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed/my-app.yaml").write_text(manifest.replace("  name: web\n  namespace", f"  name: {name}\n  namespace"))
    scenario = (source_dir / "scenarios/seed-web.yaml").read_text().replace("http://web/", f"http://{name}/")
    traffic = "clients-of-the-fraud-scoring-canary"  # 35 characters
    scenario = scenario.replace("  - name: client\n", f"  - name: {traffic}\n")
    (tmp_path / "long.yaml").write_text(scenario)
    trace = tmp_path / "long.h5"
    r = podwire_cli("run", str(tmp_path / "long.yaml"), "--duration", "3s", "--set", "run.warmup=1s", "-o", str(trace))
    assert r.returncode == 0, r.stderr
    s = podwire_cli("summary", str(trace))
    for out in (r.stdout, s.stdout):
        header = next(line for line in out.splitlines() if line.startswith("service "))
        row = next(line for line in out.splitlines() if line.startswith(f"my-app/{name} "))
        # The name whole, and the request count still right under its heading.
        end = header.index("requests") + len("requests")
        assert row[:end].split() == [f"my-app/{name}", row[:end].split()[-1]]
        assert row[:end].split()[-1].replace(",", "").isdigit() and row[end] == " "
        header = next(line for line in out.splitlines() if line.startswith("traffic "))
        row = next(line for line in out.splitlines() if line.startswith(f"{traffic} "))
        end = header.index("sent") + len("sent")
        assert row[:end].split()[0] == traffic and row[:end].split()[-1].replace(",", "").isdigit()


def test_summary_says_plainly_what_is_not_a_trace(podwire_cli, tmp_path):
    import h5py

    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    (tmp_path / "empty.h5").write_bytes(b"")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = [1, 2, 3]
    (tmp_path / "folder.h5").mkdir()
    expected = {
        text: "not a podwire trace (not an HDF5 file)",
        tmp_path / "empty.h5": "not a podwire trace (an empty file)",
        tmp_path / "other.h5": "an HDF5 file, but not a podwire trace",
        tmp_path / "folder.h5": "is a folder, not a trace file",
        tmp_path / "none.h5": "no such file",
    }
    for path, message in expected.items():
        r = podwire_cli("summary", str(path))
        assert r.returncode == 1
        assert r.stderr.startswith(f"podwire: {path}: {message}"), r.stderr
        assert "signature" not in r.stderr and "errno" not in r.stderr and "Traceback" not in r.stderr
    # A trace cut short: still HDF5 by its first bytes, but unreadable.
    good = tmp_path / "good.h5"
    assert podwire_cli("run", "scenarios/default.yaml", "--duration", "2s", "--set", "run.warmup=1s",
                       "-o", str(good)).returncode == 0
    cut = tmp_path / "cut.h5"
    cut.write_bytes(good.read_bytes()[:3000])
    r = podwire_cli("summary", str(cut))
    assert r.returncode == 1 and f"podwire: {cut}: an HDF5 file that cannot be read, damaged or cut short" in r.stderr
    with pytest.raises(podwire.NotATraceError):
        podwire.open(tmp_path / "other.h5")


@pytest.mark.parametrize("case", ["folder", "missing folder", "file as folder", "unwritable folder"])
def test_an_output_path_that_cannot_be_written_is_refused_before_simulating(podwire_cli, tmp_path, case):
    import os

    (tmp_path / "results").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere its permissions say no; /sys refuses even root
        locked = Path("/sys")
    out, message = {
        "folder": (tmp_path / "results", "it is a folder; name a file in it, e.g. " + str(tmp_path / "results/run.h5")),
        "missing folder": (tmp_path / "nodir/x.h5", f"the folder {tmp_path / 'nodir'} does not exist"),
        "file as folder": (tmp_path / "notes.txt/x.h5", f"{tmp_path / 'notes.txt'} is a file, not a folder"),
        "unwritable folder": (locked / "x.h5", f"no permission to write in the folder {locked}"),
    }[case]
    before = sorted(tmp_path.rglob("*"))
    # A run of a day of simulated time: only a check made before it starts ends this in time.
    r = podwire_cli("run", "scenarios/default.yaml", "--duration", "86400s", "-o", str(out), timeout=60)
    assert r.returncode == 4, r.stderr
    assert r.stderr == f"podwire: cannot write the trace to {out}: {message}\n"
    assert r.stdout == ""
    assert sorted(tmp_path.rglob("*")) == before  # no probe, no temporary trace left behind


def test_the_python_api_checks_the_output_path_before_running(source_dir, tmp_path):
    scenario = podwire.load(source_dir / "scenarios/default.yaml", ["run.duration=86400s"])
    with pytest.raises(podwire.OutputPathError, match="it is a folder"):
        podwire.run(scenario, tmp_path)


def _start(args: list[str], cwd: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "podwire", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP])
def test_sigterm_and_sighup_stop_a_cluster_run_as_ctrl_c_does(source_dir, tmp_path, podwire_cli, stop):
    import h5py

    trace = tmp_path / "stopped.h5"
    proc = _start(["run", "scenarios/seed-web.yaml", "--duration", "100000s", "-o", str(trace)], source_dir)
    time.sleep(2.0)
    proc.send_signal(stop)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopped early" in out and "datapath: " in out and out.rstrip().endswith("(complete=false)")
    assert "Traceback" not in err
    with h5py.File(trace, "r") as f:
        assert not f["meta"].attrs["complete"] and f["requests"].shape[0] > 100
    assert list(tmp_path.iterdir()) == [trace]
    s = podwire_cli("summary", str(trace))
    assert s.returncode == 0 and "stopped early" in s.stdout


def test_a_run_under_nohup_goes_on_through_sighup(source_dir, tmp_path):
    proc = _start(["run", "scenarios/default.yaml", "--duration", "100000s", "--no-trace"], source_dir,
                  preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    time.sleep(1.5)
    proc.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    assert proc.poll() is None  # still running
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "stopped early" in out, err


def _big_cluster(tmp_path: Path, source_dir: Path) -> Path:
    """A cluster whose model takes seconds to build (15,000 nodes, 30,000 pods)."""
    text = (source_dir / "scenarios/churn/programming-5000-nodes.yaml").read_text()
    text = text.replace("count: 5000", "count: 15000").replace("replicas: 1000", "replicas: 30000")
    p = tmp_path / "big.yaml"
    p.write_text(text.replace("pod_cidr: 10.128.0.0/9", "pod_cidr: 10.0.0.0/8"))
    return p


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_start_up_ends_the_command_quietly(source_dir, tmp_path, stop):
    scenario = _big_cluster(tmp_path, source_dir)
    proc = _start(["run", str(scenario), "--duration", "100000s", "-o", str(tmp_path / "big.h5")], source_dir)
    # Once the core is loaded the command is past Python's imports; the build then takes seconds.
    deadline = time.monotonic() + 30
    while "_core" not in Path(f"/proc/{proc.pid}/maps").read_text():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    time.sleep(0.5)
    proc.send_signal(stop)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert out == ""  # stopped before the run: no summary
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert list(tmp_path.iterdir()) == [scenario]  # and no trace begun


@pytest.mark.parametrize("moment_s", [0.5, 1.5, 2.5])  # while it starts, early in the run, well into it
def test_a_killed_run_leaves_a_trace_readable_up_to_its_last_checkpoint(source_dir, tmp_path, podwire_cli,
                                                                         moment_s):
    import h5py
    import numpy as np

    trace = tmp_path / "run.h5"
    args = ["run", "scenarios/seed-web.yaml", "--set", "outputs.flush_interval=200ms", "-o"]
    proc = _start([*args, str(trace), "--duration", "100000s"], source_dir)
    time.sleep(moment_s)
    proc.kill()
    proc.communicate(timeout=60)
    left = list(tmp_path.iterdir())
    if moment_s < 1 and not left:
        return  # killed before it began the trace: nothing left, nothing to say
    temporary = tmp_path / f"run.h5.tmp-{proc.pid}"
    assert left == [temporary]
    r = podwire_cli("summary", str(temporary))
    assert "Traceback" not in r.stderr
    if moment_s < 1 and "HDF5 cannot read it" in r.stderr:
        return  # killed in the milliseconds between creating the file and its first checkpoint
    assert r.returncode == 0, r.stderr
    with h5py.File(temporary, "r") as f:
        meta = f["meta"].attrs
        held = int(meta["simulated_ps"])
        assert not meta["complete"] and "summary" not in f
        rows = {name: podwire.summary.table_rows(f, name) for name in ("requests", "dns", "timeseries/nodes")}
    assert r.stdout.startswith(f"{temporary}: the unfinished trace of a run that ended without closing it "
                               f"(process {proc.pid} is gone: it was killed, by SIGKILL")
    assert f"incomplete: it holds {held * 1e-12:g} s of simulated time" in r.stdout
    assert f"requests {len(rows['requests']):,}" in r.stdout
    requests, samples = rows["requests"], rows["timeseries/nodes"]
    assert (requests["started_ps"] + requests["total_ps"] <= held).all()
    assert (samples["at_ps"] <= held).all()
    nodes = len(np.unique(samples["node"])) if len(samples) else 1
    assert len(samples) % nodes == 0 and len(np.unique(samples["at_ps"])) == len(samples) // nodes
    # Each table holds exactly what a run that finishes writes until then: the rows
    # of the same run to a later end begin with the same rows.
    whole = tmp_path / "whole.h5"
    assert podwire_cli(*args, str(whole), "--duration", f"{held * 1e-12 + 10:g}s").returncode == 0
    with h5py.File(whole, "r") as f:
        for name, kept in rows.items():
            assert (f[name][:len(kept)] == kept).all(), name
    result = podwire.open(temporary)
    assert not result.complete and result["simulated_s"] == held * 1e-12
    assert len(result.requests) == len(requests)
    r = podwire_cli("summary", str(trace))
    assert r.returncode == 1
    assert f"{trace}: no such file; beside it, {temporary.name} is the unfinished trace" in r.stderr


def test_summary_of_a_trace_still_being_written(source_dir, tmp_path, podwire_cli):
    trace = tmp_path / "run.h5"
    proc = _start(["run", "scenarios/default.yaml", "--duration", "100000s", "-o", str(trace)], source_dir)
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob("run.h5.tmp-*")):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        temporary = tmp_path / f"run.h5.tmp-{proc.pid}"
        r = podwire_cli("summary", str(temporary))
        assert r.returncode == 1
        assert f"the trace a run is still writing (process {proc.pid} is running); it is renamed to run.h5" in r.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert podwire_cli("summary", str(trace)).returncode == 0


def test_a_readable_left_over_is_read_as_incomplete(source_dir, tmp_path, podwire_cli):
    import h5py

    done = tmp_path / "done.h5"
    assert podwire_cli("run", "scenarios/seed-web.yaml", "--duration", "3s", "--set", "run.warmup=1s",
                       "-o", str(done)).returncode == 0
    gone = subprocess.Popen(["true"])
    gone.wait()
    left = tmp_path / f"run.h5.tmp-{gone.pid}"  # as a run killed before its end leaves it, had HDF5 kept it whole
    left.write_bytes(done.read_bytes())
    with h5py.File(left, "r+") as f:
        del f["summary"]
        f["meta"].attrs["complete"] = False
        requests, samples = f["requests"][:], f["timeseries/nodes"][:]
        reached = max((requests["started_ps"] + requests["total_ps"]).max(), samples["at_ps"].max()) * 1e-12
    r = podwire_cli("summary", str(left))
    assert r.returncode == 1
    assert (f"{left}: the unfinished trace of a run that ended without closing it (process {gone.pid} is gone"
            in r.stderr)
    assert f"it has no summary (a run writes it at its end), and its rows reach {reached:g} s of simulated time" \
        in r.stderr
    result = podwire.open(left)
    assert not result.complete and len(result.requests) > 100


def test_validate_counts_the_warnings_that_building_the_model_finds(podwire_cli):
    # ndots: 0 sends a Service's short name outside the cluster first: a
    # warning found only when the model is built, counted with the others.
    r = podwire_cli("validate", "scenarios/seed-web.yaml", "--set", "cluster.dns.ndots=0")
    assert r.returncode == 0, r.stderr
    assert "warning: traffic[0].url: with ndots:0" in r.stderr
    assert "valid (0 warning(s))" not in r.stdout
    assert "warning(s))" in r.stdout


def test_validate_warns_of_traffic_to_pods_that_run_no_app(podwire_cli, tmp_path):
    # Without an `apps:` entry nothing listens in the web pods: every request
    # would stay unfinished, so validate says so at the traffic's URL.
    text = (Path(__file__).resolve().parents[2] / "scenarios/seed-web.yaml").read_text()
    start = text.index("\napps:")
    end = text.index("\ntraffic:")
    seed = Path(__file__).resolve().parents[2] / "scenarios/seed"
    scenario = tmp_path / "no-apps.yaml"
    scenario.write_text((text[:start] + text[end:]).replace("- seed/", f"- {seed}/"))
    r = podwire_cli("validate", str(scenario))
    assert r.returncode == 0, r.stderr
    assert "warning: traffic[0].url: the pods behind Service my-app/web run no app" in r.stderr


def _file_size_limit(limit: int):
    """In the child: writes beyond `limit` bytes fail with EFBIG, as on a full disk (SIGXFSZ ignored)."""
    import resource

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("full", ["tmpfs", "file size limit"])
def test_a_full_disk_ends_the_run_with_the_reason_and_keeps_the_last_checkpoint(source_dir, tmp_path, podwire_cli,
                                                                                 full):
    folder = tmp_path / "disk"
    folder.mkdir()
    preexec, reason = None, "No space left on device"
    if full == "tmpfs":
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                                 capture_output=True)
        if mounted.returncode != 0:
            pytest.skip("cannot mount a tmpfs here (not root)")
    else:
        preexec, reason = _file_size_limit(4 << 20), "File too large"
    try:
        trace = folder / "run.h5"
        proc = _start(["run", "scenarios/seed-web.yaml", "--duration", "100000s", "--set",
                       "outputs.flush_interval=100ms", "-o", str(trace)], source_dir, preexec_fn=preexec)
        out, err = proc.communicate(timeout=60)
        temporary = folder / f"run.h5.tmp-{proc.pid}"
        assert proc.returncode == 1, err  # not 139: no crash at exit
        assert "Traceback" not in err and "Segmentation" not in err
        assert (f"podwire: hdf5: write rows failed for {trace}:/" in err and f": {reason}; the trace is kept as "
                f"{temporary}, readable as its last checkpoint left it" in err), err
        r = podwire_cli("summary", str(temporary))
        assert r.returncode == 0 and "incomplete: it holds " in r.stdout, r.stderr
        result = podwire.open(temporary)
        held = result["simulated_s"]
        assert held > 0 and len(result.requests) > 0
        assert ((result.requests["started_s"] + result.requests["total_s"]) <= held + 1e-9).all()
    finally:
        if full == "tmpfs":
            subprocess.run(["umount", str(folder)], check=False)


# --- podwire get ------------------------------------------------------------------------------


def get_json(podwire_cli, *args: str) -> dict:
    import json

    r = podwire_cli("get", *args, "-o", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_get_pods_lie_in_their_nodes_pod_cidr(podwire_cli):
    import ipaddress

    listing = get_json(podwire_cli, "scenarios/seed-web.yaml")
    nodes = {n["name"]: n for n in listing["nodes"]}
    assert sorted(nodes) == ["worker-0", "worker-1", "worker-2"]  # 3 workers in the scenario
    cidrs = [ipaddress.ip_network(n["pod_cidr"]) for n in nodes.values()]
    assert len(set(cidrs)) == 3 and all(c.subnet_of(ipaddress.ip_network("10.244.0.0/16")) for c in cidrs)
    pods = listing["pods"]
    # 3 web-server replicas and one client (seed/my-app.yaml), and the cluster's 2 CoreDNS pods.
    assert sorted(p["owner"] for p in pods) == ["client", "coredns", "coredns", "web-server", "web-server",
                                                  "web-server"]
    for p in pods:
        assert p["phase"] == "Running" and p["ready_containers"] == p["containers"]
        assert ipaddress.ip_address(p["ip"]) in ipaddress.ip_network(nodes[p["node"]]["pod_cidr"]), p
        assert ipaddress.ip_address(p["ip"]) != ipaddress.ip_network(nodes[p["node"]]["pod_cidr"])[1]  # the bridge's
    assert len({p["ip"] for p in pods}) == len(pods)
    assert sum(n["pods"] for n in nodes.values()) == len(pods)


def test_get_services_and_endpoints_as_kubectl_lists_them(podwire_cli):
    import ipaddress

    listing = get_json(podwire_cli, "scenarios/nodeport.yaml")
    services = {s["name"]: s for s in listing["services"]}
    web = services["web-nodeport"]
    assert web["type"] == "NodePort"
    assert ipaddress.ip_address(web["cluster_ip"]) in ipaddress.ip_network("10.96.0.0/12")
    assert all(30000 <= p["node_port"] <= 32767 for p in web["ports"])
    assert services["kube-dns"]["cluster_ip"] == "10.96.0.10"  # the tenth address, as kubeadm reserves it
    pods = {p["ip"]: p for p in listing["pods"]}
    ready_web = [p for p in listing["pods"] if p["owner"] == "web-server" and p["phase"] == "Running"]
    endpoints = {e["name"]: e["endpoints"] for e in listing["endpoints"]}
    assert len(endpoints["web-nodeport"]) == len(ready_web) == 3
    for e in endpoints["web-nodeport"]:
        assert pods[e["ip"]]["owner"] == "web-server" and e["port"] == 8080 and e["ready"]
    # The table: kubectl's columns, the NodePort as port:nodePort/protocol.
    r = podwire_cli("get", "scenarios/nodeport.yaml", "svc", "-n", "my-app")
    assert r.returncode == 0, r.stderr
    header, *rows = r.stdout.splitlines()
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    row = next(line.split() for line in rows if line.startswith("web-nodeport "))
    assert row == ["web-nodeport", "NodePort", web["cluster_ip"], "<none>",
                   f"80:{web['ports'][0]['node_port']}/TCP", "0s"]
    r = podwire_cli("get", "scenarios/nodeport.yaml", "ep", "-n", "my-app")
    row = next(line.split() for line in r.stdout.splitlines() if line.startswith("web-nodeport "))
    assert sorted(row[1].split(",")) == sorted(f"{e['ip']}:8080" for e in endpoints["web-nodeport"])


def test_get_a_load_balancer_has_its_external_ip(podwire_cli):
    import ipaddress

    listing = get_json(podwire_cli, "scenarios/loadbalancer-cluster.yaml", "services")
    shop = next(s for s in listing["services"] if s["type"] == "LoadBalancer")
    assert [ipaddress.ip_address(a) in ipaddress.ip_network("198.18.0.0/15") for a in shop["external_ips"]] == [True]
    assert 30000 <= shop["ports"][0]["node_port"] <= 32767


def test_get_pods_wide_matches_explain_and_shows_pending(podwire_cli):
    r = podwire_cli("get", "scenarios/seed-web.yaml", "pods", "-o", "wide")
    assert r.returncode == 0, r.stderr
    header, *rows = r.stdout.splitlines()
    assert header.split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    client = next(line.split() for line in rows if " client-" in line)
    # explain takes the same pod, with the same name and address.
    e = podwire_cli("explain", "scenarios/seed-web.yaml", "--from", "my-app/client", "--to", "web")
    assert e.returncode == 0, e.stderr
    assert f"my-app/{client[1]}" in e.stdout
    # One pod per node fits: the two CoreDNS pods and one web-server take the three nodes; the
    # rest waits, as kube-scheduler leaves it (run and validate refuse such a scenario).
    r = podwire_cli("get", "scenarios/seed-web.yaml", "pods", "-o", "wide", "--set", "cluster.nodes[0].max_pods=1")
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()[1:]]
    pending = [row for row in rows if row[3] == "Pending"]
    assert len(pending) == 3 and all(row[2] == "0/1" and row[6:] == ["<none>", "<none>"] for row in pending)
    assert len([row for row in rows if row[3] == "Running"]) == 3
    assert "cannot be scheduled" in r.stderr
    ep = get_json(podwire_cli, "scenarios/seed-web.yaml", "ep", "--set", "cluster.nodes[0].max_pods=1")
    assert len(next(e for e in ep["endpoints"] if e["name"] == "web")["endpoints"]) == 1


def test_get_refuses_what_it_cannot_list(podwire_cli):
    r = podwire_cli("get", "scenarios/default.yaml")
    assert r.returncode == 3 and "get needs a cluster scenario" in r.stderr
    r = podwire_cli("get", "scenarios/seed-web.yaml", "deployments")
    assert r.returncode == 2 and "not one of nodes, pods" in r.stderr
    r = podwire_cli("get", "scenarios/seed-web.yaml", "nodes", "-o", "wide")
    header = r.stdout.splitlines()[0].split()
    assert header == ["NAME", "STATUS", "ROLES", "AGE", "INTERNAL-IP", "POD-CIDR", "INSTANCE-TYPE", "ZONE", "PODS"]


def test_the_get_example_of_docs_cli_md_is_what_get_prints(podwire_cli, source_dir):
    text = (source_dir / "docs/cli.md").read_text()
    block = re.search(r"```\n\$ podwire (get [^\n]+)\n(.*?)```", text, re.S)
    assert block, "docs/cli.md shows podwire get with its output"
    r = podwire_cli(*block.group(1).split())
    assert r.returncode == 0, r.stderr
    assert r.stdout == block.group(2)


def test_explain_says_when_a_port_or_a_name_leads_nowhere(podwire_cli):
    r = podwire_cli("explain", "scenarios/seed-web.yaml", "--from", "my-app/client", "--to", "web:8080")
    assert r.returncode == 0, r.stderr
    leads = r.stdout.split("where it leads\n")[1].split("\n\n")[0]
    assert "Service my-app/web" in leads and "has no port 8080 (its ports: 80/TCP)" in leads
    assert "outside the cluster" not in r.stdout and "SYN reaches" not in r.stdout
    assert "the SYN goes no further" in r.stdout
    assert "one request simulated in the idle cluster: refused" in r.stdout  # the path printed is the one simulated
    r = podwire_cli("explain", "scenarios/seed-web.yaml", "--from", "my-app/client", "--to", "nosuch")
    assert r.returncode == 0, r.stderr
    assert "nosuch is no name of the cluster (NXDOMAIN under every search domain)" in r.stdout
    assert "the simulated request did not finish within 60 s" in r.stdout


def test_explain_from_outside_through_the_load_balancer_reaches_a_node_with_the_pod(podwire_cli):
    pods = get_json(podwire_cli, "scenarios/loadbalancer-local.yaml", "pods")["pods"]
    shop = [p for p in pods if p["owner"] == "shop"]
    assert len(shop) == 1
    r = podwire_cli("explain", "scenarios/loadbalancer-local.yaml", "--from", "outside", "--to", "shop.my-app.lb")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("from outside the cluster to shop.my-app.lb\n")
    path = r.stdout.split("the connection's first packet\n")[1].split("  total along the path")[0]
    hops = [line.split()[0] for line in path.splitlines()]
    assert hops[0] == "outside" and "cloud-lb" in hops
    # externalTrafficPolicy Local: the balancer sends to the node that runs the pod, which `get` lists.
    lb = next(line for line in path.splitlines() if line.lstrip().startswith("cloud-lb"))
    assert f"to node {shop[0]['node']}, picked by flow hash" in lb
    assert f"pod my-app/{shop[0]['name']}  SYN reaches {shop[0]['ip']}:8080" in path
    assert f"served by my-app/{shop[0]['name']}" in r.stdout


def test_explain_from_outside_to_a_nodeport_goes_to_that_node_without_the_balancer(podwire_cli):
    endpoints = get_json(podwire_cli, "scenarios/nodeport.yaml", "endpoints")["endpoints"]
    ips = {e["ip"] for e in next(x for x in endpoints if x["name"] == "web-nodeport")["endpoints"]}
    r = podwire_cli("explain", "scenarios/nodeport.yaml", "--from", "outside", "--to", "worker-1:30080")
    assert r.returncode == 0, r.stderr
    assert "the public DNS: A worker-1 -> 10.0.0.2, node worker-1" in r.stdout
    assert "cloud-lb" not in r.stdout
    path = r.stdout.split("the connection's first packet\n")[1].split("  total along the path")[0]
    first_kernel = next(line.split()[1] for line in path.splitlines() if line.lstrip().startswith("node "))
    assert first_kernel == "worker-1"
    reached = re.search(r"SYN reaches ([\d.]+):8080", path)
    assert reached and reached.group(1) in ips
    assert "one request simulated in the idle cluster: ok" in r.stdout


def test_explain_from_outside_says_what_is_not_published_in_the_words_of_validate(podwire_cli, tmp_path, source_dir):
    r = podwire_cli("explain", "scenarios/nodeport.yaml", "--from", "outside", "--to", "web.my-app.lb")
    assert r.returncode == 3 and r.stdout == ""
    assert "error: --to: 'web.my-app.lb' is not a name outside the cluster" in r.stderr
    text = (source_dir / "scenarios/nodeport.yaml").read_text().replace(
        "url: \"http://worker-0:30080/\"", "url: \"http://web.my-app.lb/\"")
    (tmp_path / "seed").symlink_to(source_dir / "scenarios/seed")
    (tmp_path / "bad.yaml").write_text(text)
    v = podwire_cli("validate", str(tmp_path / "bad.yaml"))
    assert v.returncode == 3
    assert r.stderr.split("--to: ")[1].splitlines()[0] == v.stderr.split("traffic[0].url: ")[1].splitlines()[0]
    r = podwire_cli("explain", "scenarios/nodeport.yaml", "--from", "outside", "--to", "worker-0:30081")
    assert r.returncode == 3 and "no Service has nodePort 30081 on node 'worker-0'" in r.stderr


def test_explain_a_udp_datagram(podwire_cli):
    r = podwire_cli("explain", "scenarios/protocols/cache-and-metrics.yaml", "--from", "client",
                    "--to", "udp://statsd:8125")
    assert r.returncode == 0, r.stderr
    assert "default/statsd:8125/UDP: ClusterIP" in r.stdout
    path = r.stdout.split("the datagram\n")[1].split("  total along the path")[0]
    assert "UDP datagram, 228 bytes" in path and "SYN" not in path
    receiver = re.search(r"pod (default/statsd-\S+)\s+datagram reaches", path)
    assert receiver, path
    assert f"sent (fire and forget), taken in by {receiver.group(1)}" in r.stdout
    # A connection to the UDP-only port points at udp://.
    r = podwire_cli("explain", "scenarios/protocols/cache-and-metrics.yaml", "--from", "client", "--to", "statsd:8125")
    assert "serves UDP only" in r.stdout and "--to udp://statsd:8125 sends datagrams there" in r.stdout


def test_the_explain_examples_of_docs_cli_md(podwire_cli, source_dir):
    text = (source_dir / "docs/cli.md").read_text()
    section = text[text.index("## `podwire explain"):text.index("## `podwire get")]
    block = re.search(r"```\n\$ podwire (explain [^\n]+)\n(.*?)```", section, re.S)
    assert block, "docs/cli.md shows podwire explain with its output"
    r = podwire_cli(*block.group(1).split())
    assert r.returncode == 0, r.stderr
    assert r.stdout == block.group(2)
    commands = re.search(r"```sh\n(.*?)```", section, re.S).group(1).strip().splitlines()
    assert any("--from outside" in c for c in commands) and any("udp://" in c for c in commands)
    for line in commands:
        assert line.startswith("podwire explain "), line
        r = podwire_cli(*line.split()[1:])
        assert r.returncode == 0, (line, r.stderr)
        assert "one request simulated in the idle cluster: ok" in r.stdout or "taken in by" in r.stdout, line


def test_validate_warns_of_traffic_to_a_name_outside_the_cluster(podwire_cli):
    # CoreDNS forwards example.com upstream, where podwire runs no machine.
    r = podwire_cli("validate", "scenarios/seed-web.yaml", "--set", "traffic[0].url=http://example.com/")
    assert r.returncode == 0, r.stderr
    assert (
        "warning: traffic[0].url: 'example.com' is answered from outside the cluster (CoreDNS forwards "
        "'example.com' upstream), and podwire simulates no machine there" in r.stderr
    )
    assert "answered from outside" not in podwire_cli("validate", "scenarios/seed-web.yaml").stderr


def test_an_empty_duration_is_refused_where_it_is_given(podwire_cli):
    r = podwire_cli("run", "scenarios/default.yaml", "--duration=", "--no-trace")
    assert r.returncode == 2
    assert "argument --duration: expected a simulated time with its unit, e.g. 60s" in r.stderr


def test_a_queueing_run_that_measures_no_request_shows_no_figures_of_them(podwire_cli, tmp_path):
    s = tmp_path / "idle.yaml"
    s.write_text("run: {duration: 1s}\nqueueing: {servers: 1, arrival_rate: 1e-6/s, service_time: 1ms}\n")
    r = podwire_cli("run", str(s), "--no-trace")
    assert r.returncode == 0, r.stderr
    assert "0 requests measured" in r.stdout and "nan" not in r.stdout
    rows = {line[:16].strip(): line[16:30].strip() for line in r.stdout.splitlines()[4:]}
    assert rows["mean wait"] == rows["p50 response"] == rows["P(wait)"] == "-"
    assert rows["utilisation"] == "0.000"
