"""Parameter sweeps: the runs of a grid of overrides and seeds, in parallel
processes on this machine or on a Dask cluster, one HDF5 trace per run and a
row of figures per run."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import hashlib
import itertools
import json
import math
import os
from pathlib import Path
import re
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence
import warnings

from podwire import _core
from podwire.api import RunInterrupted, Scenario, load, run, yaml_text
from podwire.summary import read_summary

if TYPE_CHECKING:
    import pandas as pd

#: ``status`` of a row: ran to its end now; its complete trace was already there;
#: stopped by a signal (its trace says complete=false); raised an error.
STATUSES = ("ok", "cached", "stopped", "failed")

_SAFE = re.compile(r"[^A-Za-z0-9._-]")

# Set by the sweep in a worker process when it is interrupted: runs already
# queued to this worker are then not started.
_stop_event: Any = None


@dataclass(frozen=True)
class _Task:
    """One run of a sweep, as it travels to a worker process."""

    scenario: str
    overrides: tuple[str, ...]
    params: tuple[tuple[str, Any], ...]
    seed: int | None
    file: str
    strict: bool = False  # as the sweep's scenario was loaded
    kube_version: str | None = None


def sweep(
    scenario: Scenario | str | Path,
    grid: Mapping[str, Sequence[Any]] | None = None,
    *,
    out_dir: str | Path,
    seeds: Iterable[int] | None = None,
    workers: int | None = None,
    client: Any = None,
    progress: bool = True,
) -> "pd.DataFrame":
    """Run every combination of ``grid`` (override path → values, the paths of
    ``Scenario.set``) for every seed, and return one row per run.

    Each run writes ``out_dir/<scenario>__<path>=<value>__...__seed=<n>.h5``.
    Calling ``sweep`` again with the same arguments reuses every trace that is
    complete and was made from the same resolved scenario (``status`` ``cached``)
    and runs the others again, so an interrupted sweep resumes where it stopped.

    ``workers`` processes run at once (default: one per CPU; 1 runs in this
    process). With ``client`` (a ``dask.distributed.Client``) the runs go to
    its cluster instead; ``out_dir`` must then be a folder the workers share.
    A run that fails is a row with ``status`` ``failed`` and its ``error``; the
    others go on. Ctrl-C stops the runs in progress cleanly and raises
    ``KeyboardInterrupt``; finished runs stay on disk for the next call.

    Columns: the grid's paths, ``seed``, ``status``; per traffic entry
    ``<name>.sent``, ``.ok``, ``.failed``, ``.ok_per_s``,
    ``.mean_s``, ``.p50_s``, ``.p90_s``, ``.p99_s`` and the mean parts
    ``.dns_s``, ``.connect_s``, ``.network_s``, ``.at_server_s`` (of requests
    started after the warm-up); the totals ``sent``, ``ok``, ``failed`` and
    ``error_rate`` (failed / (ok + failed)); the fraction of node cores busy
    after the warm-up (``cpu.mean`` over nodes, and the busiest node's
    ``cpu.busiest``, ``cpu.busiest_kernel``, ``cpu.busiest_node``); for churn
    runs ``programming.p50_s`` and ``programming.p99_s``; for queueing
    scenarios the farm's figures; and ``simulated_s``, ``events``,
    ``wall_s``, ``file``, ``error``.
    """
    import pandas as pd

    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    scenario._load()  # a broken base scenario fails here, not once per run
    tasks = _plan(scenario, grid or {}, seeds, out_dir)
    _check_paths(scenario, grid or {})
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any] | None] = [None] * len(tasks)
    with _Progress(len(tasks), progress) as bar:
        def done(i: int, row: dict[str, Any]) -> None:
            rows[i] = row
            bar.count(row["status"])

        if client is not None:
            _on_dask(client, tasks, done)
        elif (workers or os.cpu_count() or 1) <= 1:
            _in_this_process(tasks, done)
        else:
            _in_processes(tasks, workers or os.cpu_count() or 1, done)
    df = pd.DataFrame([r for r in rows if r is not None])
    df = df[_column_order(df.columns, [k for k, _ in tasks[0].params] if tasks else [])]
    failed = int((df["status"] == "failed").sum()) if len(df) else 0
    if failed:
        warnings.warn(f"{failed} of {len(df)} runs failed; their rows say why (column 'error')", stacklevel=2)
    return df


def _plan(scenario: Scenario, grid: Mapping[str, Sequence[Any]], seeds: Iterable[int] | None,
          out_dir: str | Path) -> list[_Task]:
    """The runs of a sweep, in order: the grid's product, seeds innermost.
    Paths are absolute, so that workers elsewhere (Dask) find the same files."""
    keys = list(grid)
    for key in keys:
        if isinstance(grid[key], (str, bytes)) or not isinstance(grid[key], Iterable):
            raise TypeError(f"grid[{key!r}] must be a list of values, got {grid[key]!r}")
    seed_list: list[int | None] = [None] if seeds is None else [int(s) for s in seeds]
    source = Path(scenario.path).resolve()
    folder = Path(out_dir).resolve()
    tasks = []
    names: set[str] = set()
    for combo in itertools.product(*(list(grid[k]) for k in keys)):
        params = tuple(zip(keys, combo))
        for seed in seed_list:
            overrides = [*scenario.overrides, *(f"{k}={yaml_text(v)}" for k, v in params)]
            if seed is not None:
                overrides.append(f"run.seed={seed}")
            name = run_file_name(source.stem, params, seed)
            if name in names:
                raise ValueError(f"the grid names one run twice: {dict(params)} seed {seed}")
            names.add(name)
            tasks.append(_Task(str(source), tuple(overrides), params, seed, str(folder / name),
                               scenario.strict, scenario.kube_version))
    return tasks


def _check_paths(scenario: Scenario, grid: Mapping[str, Sequence[Any]]) -> None:
    """Raises ``ScenarioError`` when a grid key names no field of the scenario
    (with the closest valid paths), before any run: such a sweep would run the
    same scenario at every point. A wrong value is left to its run's row."""
    firsts = {k: list(v) for k, v in grid.items()}
    overrides = [*scenario.overrides, *(f"{k}={yaml_text(v[0])}" for k, v in firsts.items() if v)]
    try:
        _core.load_scenario(str(scenario.path), overrides)
    except _core.ScenarioError as e:
        wrong = [d for d in e.args[1] if d["severity"] == "error" and any(
            (d["file"] == f"--set {k}" and d["message"].startswith("unknown field"))
            or d["file"].startswith(f"--set {k}=") for k in firsts)]
        if wrong:
            raise _core.ScenarioError("\n".join(d["text"] for d in wrong), wrong) from None


def run_file_name(stem: str, params: Sequence[tuple[str, Any]], seed: int | None) -> str:
    """``<stem>__<path>=<value>__...__seed=<n>.h5``: readable, and safe on any
    file system. When making a part safe changed it (``traffic[0].rate=500/s``
    becomes ``traffic_0_.rate=500_s``) or the name is too long, a hash of the
    exact parameters is added so that two runs never share a file."""
    parts = [(k, yaml_text(v)) for k, v in params]
    if seed is not None:
        parts.append(("seed", str(seed)))
    safe = [f"{_SAFE.sub('_', k)}={_SAFE.sub('_', v)}" for k, v in parts]
    exact = all(_SAFE.sub("_", k) == k and _SAFE.sub("_", v) == v and "__" not in k + v for k, v in parts)
    name = "__".join([_SAFE.sub("_", stem), *safe])
    if not exact or len(name) > 180:
        digest = hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:10]
        name = f"{name[:180]}-{digest}"
    return name + ".h5"


def run_metrics(path: str | Path) -> dict[str, Any]:
    """The figures of one trace that a sweep puts in its row (see ``sweep``)."""
    import h5py
    import numpy as np

    summary = read_summary(path)
    m: dict[str, Any] = {"seed": summary["scenario"]["seed"]}
    if summary.get("model") == "cluster":
        total = {"sent": 0, "ok": 0, "failed": 0}
        # sent, ok and failed count requests started after the warm-up.
        window = max(summary["simulated_s"] - summary["scenario"]["warmup_s"], 1e-12)
        for t in summary["traffic"]:
            name = t["name"]
            for k in total:
                m[f"{name}.{k}"] = t[k]
                total[k] += t[k]
            m[f"{name}.ok_per_s"] = t["ok"] / window
            for k in ("mean_s", "p50_s", "p90_s", "p99_s", "dns_s", "connect_s", "network_s", "at_server_s"):
                m[f"{name}.{k}"] = t[k] if t["ok"] > 0 else math.nan
        m.update(total)
        measured = total["ok"] + total["failed"]
        m["error_rate"] = total["failed"] / measured if measured else math.nan
        with h5py.File(path, "r") as f:
            if "timeseries/nodes" in f and f["timeseries/nodes"].shape[0] > 0:
                ts = f["timeseries/nodes"][:]
                names = {int(i): n.decode() for i, n in zip(f["endpoints"]["id"], f["endpoints"]["name"])}
                warmup_ps = int(f["meta"].attrs.get("warmup_ps", 0))
                after = ts[ts["at_ps"] > warmup_ps]
                if len(after) == 0:
                    after = ts
                nodes = np.unique(after["node"])
                busy = [after[after["node"] == n] for n in nodes]
                total_busy = [float(np.mean(b["kernel_busy"] + b["application_busy"])) for b in busy]
                i = int(np.argmax(total_busy))
                m["cpu.mean"] = float(np.mean(total_busy))
                m["cpu.busiest"] = total_busy[i]
                m["cpu.busiest_kernel"] = float(np.mean(busy[i]["kernel_busy"]))
                m["cpu.busiest_node"] = names.get(int(nodes[i]), str(nodes[i]))
        if "churn" in summary:
            prog = summary["churn"]["programming"]
            m["programming.p50_s"] = prog["p50_s"] if prog["records"] else math.nan
            m["programming.p99_s"] = prog["p99_s"] if prog["records"] else math.nan
    else:
        sim = summary["simulated"]
        m["completions"] = sim["completions"]
        m["utilisation"] = sim["utilisation"] / summary["scenario"]["servers"]
        for k in ("p_wait", "mean_wait_s", "mean_sojourn_s", "p50_s", "p90_s", "p99_s"):
            m[k] = math.nan if sim[k] is None else sim[k]
    m["simulated_s"] = summary["simulated_s"]
    m["events"] = summary["events"]
    return m


def _run_one(task: _Task) -> dict[str, Any]:
    """One run, in whichever process gets it; never raises."""
    row: dict[str, Any] = {**dict(task.params), "seed": task.seed, "status": "failed", "file": task.file,
                           "error": None}
    start = time.monotonic()
    if _stop_event is not None and _stop_event.is_set():
        return {**row, "status": "stopped", "error": "not started: the sweep was interrupted"}
    try:
        scenario = load(task.scenario, list(task.overrides), strict=task.strict,
                        kube_version=task.kube_version)
        resolved = scenario._load().resolved_text
        if _complete_trace(task.file, resolved):
            row["status"] = "cached"
            row["wall_s"] = _recorded_wall_s(task.file)
        else:
            for stale in Path(task.file).parent.glob(Path(task.file).name + ".tmp-*"):
                stale.unlink(missing_ok=True)
            try:
                result = run(scenario, task.file)
                row["status"] = "ok"
            except RunInterrupted as e:
                result = e.result
                row["status"] = "stopped"
            row["wall_s"] = result.get("wall_s", time.monotonic() - start)
        metrics = run_metrics(task.file)
        if task.seed is not None:
            metrics.pop("seed")
        row.update(metrics)
    except Exception as e:  # noqa: BLE001 (a failed run is a row, not the end of the sweep)
        row["status"] = "failed"
        row["error"] = _error_text(e)
        row["wall_s"] = time.monotonic() - start
    return row


def _complete_trace(file: str, resolved_text: str) -> bool:
    """A trace there, closed after a clean finish, of this very scenario."""
    import h5py

    if not os.path.exists(file):
        return False
    try:
        with h5py.File(file, "r") as f:
            meta = f["meta"].attrs
            return bool(meta["complete"]) and str(meta["scenario_text"]) == resolved_text
    except (OSError, KeyError):
        return False


def _recorded_wall_s(file: str) -> float:
    import h5py
    from datetime import datetime

    with h5py.File(file, "r") as f:
        a = f["meta"].attrs
        try:
            start, end = (datetime.fromisoformat(str(a[k]).replace("Z", "+00:00"))
                          for k in ("start_wall_clock", "end_wall_clock"))
        except (KeyError, ValueError):
            return math.nan
    return (end - start).total_seconds()


def _error_text(e: BaseException) -> str:
    from podwire import _core

    if isinstance(e, _core.ScenarioError) and len(e.args) > 1:
        problems = [d["text"] for d in e.args[1] if d.get("severity") == "error"]
        if problems:
            return "\n".join(problems)
    return f"{type(e).__name__}: {e}"


def _failed_row(task: _Task, e: BaseException) -> dict[str, Any]:
    return {**dict(task.params), "seed": task.seed, "status": "failed", "file": task.file, "error": _error_text(e)}


def _column_order(columns: Iterable[str], params: list[str]) -> list[str]:
    last = ["simulated_s", "events", "wall_s", "file", "error"]
    first = [*params, "seed", "status"]
    cols = list(columns)
    return [c for c in first if c in cols] + [c for c in cols if c not in first and c not in last] + \
        [c for c in last if c in cols]


def _in_this_process(tasks: list[_Task], done: Callable[[int, dict[str, Any]], None]) -> None:
    for i, task in enumerate(tasks):
        row = _run_one(task)
        done(i, row)
        if row["status"] == "stopped":
            raise KeyboardInterrupt("sweep stopped; call it again with the same arguments to resume")


def _init_worker(stop: Any) -> None:
    # Idle workers ignore Ctrl-C; during a run the core catches it and stops
    # the run cleanly, so the parent alone decides what happens next.
    global _stop_event
    _stop_event = stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_processes(tasks: list[_Task], workers: int, done: Callable[[int, dict[str, Any]], None]) -> None:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    import multiprocessing

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    stop = context.Event()
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)) or 1, mp_context=context,
                               initializer=_init_worker, initargs=(stop,))
    with _main_importable():
        futures = {pool.submit(_run_one, task): i for i, task in enumerate(tasks)}
    try:
        for future in as_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as e:  # noqa: BLE001 (a worker that died: its runs are failed rows)
                row = _failed_row(tasks[i], e)
            done(i, row)
    except BaseException:
        stop.set()
        for future in futures:
            future.cancel()
        # SIGTERM stops a run in progress as cleanly as Ctrl-C (its trace closed
        # with complete=false) and ends an idle worker.
        for process in list(getattr(pool, "_processes", {}).values()):
            try:
                os.kill(process.pid, signal.SIGTERM)
            except (OSError, AttributeError):
                pass
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextlib.contextmanager
def _main_importable() -> Iterator[None]:
    """While worker processes start: a script read from standard input
    (``python - <<EOF``) has ``__file__`` ``<stdin>``, which forkserver and
    spawn workers would try to run as a file and die. The workers need
    nothing from the main module, so they are not told about one that
    cannot be read."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None or os.path.exists(path):
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _on_dask(client: Any, tasks: list[_Task], done: Callable[[int, dict[str, Any]], None]) -> None:
    from distributed import as_completed

    futures = [client.submit(_run_one, task, pure=False, key=f"podwire-{Path(task.file).stem}-{os.urandom(4).hex()}")
               for task in tasks]
    index = {future.key: i for i, future in enumerate(futures)}
    try:
        for future in as_completed(futures):
            i = index[future.key]
            try:
                row = future.result()
            except Exception as e:  # noqa: BLE001 (a worker lost with its run)
                row = _failed_row(tasks[i], e)
            done(i, row)
    except BaseException:
        client.cancel(futures)
        raise


class _Progress:
    """A tqdm bar over runs, its postfix counting them by status."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.counts = {s: 0 for s in STATUSES}
        self.bar = None
        if enabled and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="run", desc="sweep")

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def count(self, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        if self.bar is not None:
            self.bar.set_postfix({k: v for k, v in self.counts.items() if v}, refresh=False)
            self.bar.update(1)
