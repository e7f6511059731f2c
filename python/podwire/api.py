"""Loading and running scenarios from Python, and reading their traces."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
import shutil
import tempfile
import threading
import time
from typing import Any
import weakref

from podwire import _core
from podwire.result import Result


@dataclass
class Scenario:
    """A scenario file plus ``--set``-style overrides, checked on every load."""

    path: Path
    overrides: list[str] = field(default_factory=list)

    def set(self, path: str, value: object) -> "Scenario":
        """Override one field (same paths as ``podwire run --set path=value``;
        ``value`` is YAML text or a Python number, bool or string). Raises
        ``ScenarioError`` and leaves the scenario as it was if the value is wrong."""
        self.overrides.append(f"{path}={yaml_text(value)}")
        try:
            self._load()
        except BaseException:
            self.overrides.pop()
            raise
        return self

    def validate(self) -> list[dict[str, Any]]:
        """Every problem found, errors and warnings, each with file, line and column."""
        try:
            return list(self._load().diagnostics)
        except _core.ScenarioError as e:
            return list(e.args[1])

    def _load(self) -> Any:
        return _core.load_scenario(str(self.path), list(self.overrides))


def yaml_text(value: object) -> str:
    """A Python value as the YAML text of an override: ``True`` is ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def load(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load a scenario; raises ``ScenarioError`` listing every problem in it."""
    scenario = Scenario(Path(path), list(overrides or []))
    scenario._load()
    return scenario


def _run_core(loaded: Any, out: str, progress: bool) -> dict[str, Any]:
    """Runs in C++ (the GIL released); with ``progress``, a thread draws a
    tqdm bar of simulated time, events per second and the time left."""
    if not progress:
        return _core.run_scenario(loaded, out)
    state = _core.RunProgress()
    done = threading.Event()

    def draw() -> None:
        from tqdm import tqdm

        total = float(loaded.duration_s)
        with tqdm(total=total, unit="s", unit_scale=True, desc="simulated", leave=False,
                  bar_format="{desc} {n:.3g}/{total:.3g} s {bar}{postfix} [{elapsed}<{remaining}]") as bar:
            last_events, last_time = 0, time.monotonic()
            while not done.wait(0.25):
                now = time.monotonic()
                events = state.events
                bar.set_postfix_str(f"{(events - last_events) / max(now - last_time, 1e-9) / 1e6:.1f} M events/s")
                last_events, last_time = events, now
                bar.update(max(0.0, state.simulated_s - bar.n))

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        return _core.run_scenario(loaded, out, state)
    finally:
        done.set()
        thread.join()


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM arrived while a run was going. The run
    stopped cleanly at the next slice of simulated time: its trace is closed
    with ``complete=false`` and everything written so far, and ``result``
    holds what it measured until then."""

    def __init__(self, result: Result) -> None:
        super().__init__(f"the run was stopped at {result.get('simulated_s', 0):g} s simulated; "
                         f"its trace {result.path} says complete=false")
        self.result = result


def run(scenario: Scenario | str | Path, out: str | Path | None = None, progress: bool = False, *,
        trace: bool = True) -> Result:
    """Run a scenario to its end and return its ``Result``.

    The trace goes to ``out`` (HDF5). Without ``out`` it goes to a file in a
    new temporary folder (``tempfile``, so ``TMPDIR`` decides where), which is
    removed when the Result is garbage-collected: pass ``out`` to keep it.
    ``trace=False`` writes nothing; the Result is then only the summary.
    ``progress`` draws a progress bar on standard error.

    Ctrl-C stops the run cleanly and raises ``RunInterrupted`` (a
    ``KeyboardInterrupt``) whose ``result`` is the partial Result, its trace
    closed with ``complete=false``.
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    loaded = scenario._load()
    folder = None
    if out is None and trace:
        folder = tempfile.mkdtemp(prefix="podwire-")
        out = Path(folder) / (Path(loaded.file).stem + ".h5")
    try:
        summary = _run_core(loaded, str(out) if out is not None else "", progress)
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    summary["scenario"] = _scenario_dict(loaded)
    result = Result(summary, out)
    if folder is not None:
        weakref.finalize(result, shutil.rmtree, folder, True)
    if not result.complete:
        raise RunInterrupted(result)
    return result


def _scenario_dict(loaded: Any) -> dict[str, Any]:
    if getattr(loaded, "kind", "queueing") == "cluster":
        return {
            "file": loaded.file,
            "seed": loaded.seed,
            "duration_s": loaded.duration_s,
            "warmup_s": loaded.warmup_s,
            "nodes": loaded.nodes,
            "objects": loaded.objects,
            "resolved_text": loaded.resolved_text,
        }
    return {
        "file": loaded.file,
        "name": loaded.name,
        "seed": loaded.seed,
        "duration_s": loaded.duration_s,
        "warmup_s": loaded.warmup_s,
        "servers": loaded.servers,
        "arrival_rate": loaded.arrival_rate,
        "service": loaded.service,
        "resolved_text": loaded.resolved_text,
    }


def _none_if_nan(value: float) -> float | None:
    return None if value != value else float(value)


def read_summary(path: str | Path) -> dict[str, Any]:
    """The summary of a trace on disk, in the shape ``run`` returns."""
    import h5py

    with h5py.File(path, "r") as f:
        meta = f["meta"].attrs
        if "summary" not in f:
            raise ValueError(f"{path}: the run did not finish writing its summary (complete={bool(meta['complete'])})")
        if str(meta.get("model", "queueing")) == "cluster":
            return _read_cluster_summary(f)
        s = f["summary"].attrs
        figures = ("p_wait", "mean_wait_s", "mean_sojourn_s", "p50_s", "p90_s", "p99_s", "mean_in_system")
        simulated = {
            "completions": int(s["requests"]),
            "utilisation": float(s["utilisation"]) * float(s["servers"]),
            "p999_s": _none_if_nan(s["p999_s"]),
            **{k: _none_if_nan(s[k]) for k in figures},
        }
        theory = {
            "model": str(s["model"]),
            "utilisation": float(s["theory_utilisation"]),
            **{k: _none_if_nan(s["theory_" + k]) for k in figures},
        }
        return {
            "scenario": {
                "file": str(meta["scenario_file"]),
                "name": str(s["name"]),
                "seed": int(meta["seed"]),
                "duration_s": float(s["duration_s"]),
                "warmup_s": float(s["warmup_s"]),
                "servers": int(s["servers"]),
                "arrival_rate": float(s["arrival_rate"]),
                "service": str(s["service"]),
            },
            "simulated": simulated,
            "theory": theory,
            "events": int(meta["events"]),
            "simulated_s": int(meta["simulated_ps"]) * 1e-12,
            "wall_s": None,
            "complete": bool(meta["complete"]),
        }


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _read_cluster_summary(f: Any) -> dict[str, Any]:
    meta = f["meta"].attrs
    traffic = []
    for row in f["summary/traffic"][:]:
        traffic.append({
            "name": _text(row["name"]),
            "sent": int(row["sent"]),
            "ok": int(row["ok"]),
            "failed": int(row["failed"]),
            **{k: float(row[k]) for k in ("mean_s", "p50_s", "p90_s", "p99_s", "dns_s", "connect_s", "network_s",
                                          "at_server_s")},
            "status": {k: int(row[k]) for k in ("refused", "reset", "timeout", "dns_failure")
                       if k in row.dtype.names},
        })
    services = []
    for row in f["summary/services"][:]:
        services.append({
            "name": _text(row["name"]),
            "requests": int(row["requests"]),
            "server_time_s": float(row["server_time_s"]),
            "queueing_s": float(row["queueing_s"]),
            "service_s": float(row["service_s"]),
            "estimate_server_time_s": _none_if_nan(row["estimate_server_time_s"]),
            "estimate_utilisation": _none_if_nan(row["estimate_utilisation"]),
            **{k: (float(row[k]) if k in row.dtype.names and int(row["requests"]) > 0 else None)
               for k in ("p50_s", "p90_s", "p99_s")},
        })
    result: dict[str, Any] = {}
    if "churn/events" in f:
        result["churn"] = _read_churn(f)
        if "requests" in f and f["requests"].shape[0] > 0:
            # Failures by the second they started in, per traffic entry.
            req = f["requests"][:]
            clients = req[req["parent"] == 0]
            for i, t in enumerate(traffic):
                mine = clients[clients["source"] == i]
                seconds = (mine["started_ps"] // 10**12).astype(int)
                n = int(seconds.max()) + 1 if len(seconds) else 0
                failed = [0] * n
                for sec, status in zip(seconds, mine["status"]):
                    if status != 1:
                        failed[sec] += 1
                t["seconds"] = [{"failed": v} for v in failed]
    return {
        **result,
        "model": "cluster",
        "scenario": {
            "file": str(meta["scenario_file"]),
            "seed": int(meta["seed"]),
            "warmup_s": int(meta["warmup_ps"]) * 1e-12,
        },
        "traffic": traffic,
        "services": services,
        "events": int(meta["events"]),
        "simulated_s": int(meta["simulated_ps"]) * 1e-12,
        "wall_s": None,
        "complete": bool(meta["complete"]),
    }


def _read_churn(f: Any) -> dict[str, Any]:
    a = f["churn/events"].attrs

    def n(key: str) -> int:
        return int(a.get(key, 0))

    def x(key: str) -> float:
        return float(a.get(key, 0.0))

    nodes = []
    if "programming/nodes" in f:
        for row in f["programming/nodes"][:]:
            nodes.append({
                "node": _text(row["node"]),
                **{k: int(row[k]) for k in ("changes", "syncs", "full_syncs")},
                **{k: float(row[k]) for k in ("p50_s", "p99_s", "max_s", "sync_busy_s")},
            })
    return {
        "lifecycle": {k: n(k) for k in ("pods_created", "pods_deleted", "killed_at_grace", "crashes", "evictions",
                                        "unschedulable", "rollouts_done")},
        "propagation": {k: n(k) for k in ("changes", "slice_syncs", "slice_writes", "watch_events")},
        "programming": {
            "records": n("programmed"),
            "p50_s": x("programming_p50_s"),
            "p90_s": x("programming_p90_s"),
            "p99_s": x("programming_p99_s"),
            "max_s": x("programming_max_s"),
            "udp_entries_cleared": n("udp_entries_cleared"),
        },
        "nodes": nodes,
    }
