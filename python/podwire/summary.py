"""A run's summary read back from its HDF5 trace, in the shape ``podwire.run`` returns."""

from __future__ import annotations

import os
from pathlib import Path
import re
from typing import Any


class NotATraceError(ValueError):
    """A file that is there but is not a trace podwire can read; the message
    says why in plain words (not HDF5, HDF5 of something else, damaged)."""


def _none_if_nan(value: float) -> float | None:
    return None if value != value else float(value)


# A trace is written as FILE.h5.tmp-<pid> and renamed to FILE.h5 when its run closes it.
_TEMPORARY = re.compile(r"\.tmp-(\d+)$")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _unfinished(path: Path) -> str | None:
    """What a file named as a trace being written (FILE.h5.tmp-<pid>) is, in words; None for any other name."""
    m = _TEMPORARY.search(path.name)
    if m is None:
        return None
    pid = int(m.group(1))
    if _running(pid):
        return (f"the trace a run is still writing (process {pid} is running); it is renamed to "
                f"{path.name[:m.start()]} and readable when the run ends")
    return (f"the unfinished trace of a run that ended without closing it (process {pid} is gone: it was killed, "
            f"by SIGKILL, the OOM killer or a time-out, or it crashed, or a write failed or memory ran out)")


def open_trace(path: str | Path) -> Any:
    """The trace at ``path`` open for reading (an ``h5py.File``). A file that
    is missing, a folder or unreadable raises the ``OSError`` that says so; one
    that is not a podwire trace, or the unreadable left-over of a killed run,
    raises ``NotATraceError``."""
    import h5py

    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a folder, not a trace file")
    if not path.exists():
        left = sorted(p for p in path.parent.glob(path.name + ".tmp-*") if _TEMPORARY.search(p.name))
        beside = f"; beside it, {left[-1].name} is {_unfinished(left[-1])}" if left else ""
        raise FileNotFoundError(f"{path}: no such file{beside}")
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except PermissionError:
        raise PermissionError(f"{path}: cannot be read (permission denied)") from None
    unfinished = _unfinished(path)
    if head != b"\x89HDF\r\n\x1a\n":
        if unfinished and not head:
            raise NotATraceError(f"{path}: {unfinished}; it is empty")
        raise NotATraceError(f"{path}: not a podwire trace ({'an empty file' if not head else 'not an HDF5 file'})")
    f = None
    try:
        f = h5py.File(path, "r")
        is_trace = "meta" in f and "podwire_version" in f["meta"].attrs
    except (OSError, RuntimeError, KeyError) as e:
        if f is not None:
            f.close()
        if unfinished:
            raise NotATraceError(
                f"{path}: {unfinished}. HDF5 cannot read it: the file's structure is complete only once its run "
                f"closes it, so what it held is lost ({e})") from None
        raise NotATraceError(f"{path}: an HDF5 file that cannot be read, damaged or cut short ({e})") from None
    if not is_trace:
        f.close()
        raise NotATraceError(f"{path}: an HDF5 file, but not a podwire trace (it has no /meta written by podwire)")
    return f


def table_rows(f: Any, name: str) -> Any:
    """The rows of table ``name`` of an open trace (a NumPy structured array).
    In the left-over of a killed run, the rows its last checkpoint wrote: those
    in the dataset up to the checkpoint's tail, then the tail."""
    dataset = f[name]
    slot = f["checkpoint"].attrs.get("slot") if "checkpoint" in f else None
    tail_name = f"checkpoint/{slot}/{name}"
    if slot is None or tail_name not in f:
        return dataset[:]
    import numpy as np

    tail = f[tail_name]
    return np.concatenate([dataset[:int(tail.attrs["after"])], tail[:]])


def _time_reached(f: Any) -> float:
    """Seconds of simulated time a trace's rows reach (for one without its summary)."""
    if "checkpoint" in f:  # a checkpoint says how far its rows reach
        return int(f["meta"].attrs.get("simulated_ps", 0)) * 1e-12
    reached = 0
    if "requests" in f and f["requests"].shape[0]:
        rows = table_rows(f, "requests")
        names = rows.dtype.names
        if "end_ps" in names:
            reached = int(rows["end_ps"].max())
        elif "started_ps" in names:
            reached = int((rows["started_ps"] + rows["total_ps"]).max())
    if "timeseries/nodes" in f and f["timeseries/nodes"].shape[0]:
        reached = max(reached, int(table_rows(f, "timeseries/nodes")["at_ps"].max()))
    return reached * 1e-12


def read_leftover(path: str | Path) -> dict[str, Any] | None:
    """What the left-over of a killed run (``FILE.h5.tmp-<pid>`` of a process
    that is gone, written up to its last checkpoint) holds; None for any other
    file, which ``read_summary`` reads or names. Keys: ``trace``, ``what`` (the
    file in words), ``scenario`` (``file``, ``seed``), ``simulated_s`` and
    ``events`` (how far the checkpoint reaches), ``complete`` (false), ``rows``
    (rows per table) and ``requests`` (request rows by status)."""
    path = Path(path)
    what = _unfinished(path)
    if what is None or _running(int(_TEMPORARY.search(path.name).group(1))):
        return None
    try:
        f = open_trace(path)
    except (OSError, ValueError):
        return None
    with f:
        if "summary" in f or "checkpoint" not in f:
            return None
        meta = f["meta"].attrs
        rows: dict[str, int] = {}

        def visit(name: str, obj: Any) -> None:
            if not name.startswith("checkpoint") and hasattr(obj, "shape") and obj.shape:
                rows[name] = len(table_rows(f, name))

        f.visititems(visit)
        requests: dict[str, int] = {}
        if "requests" in f:
            codes = table_rows(f, "requests")["status"]
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["requests"].attrs["enum:status"]]
            import numpy as np

            for code, count in zip(*np.unique(codes, return_counts=True)):
                requests[names[int(code)]] = int(count)
        return {
            "trace": str(path),
            "what": what,
            "model": str(meta.get("model", "cluster")),
            "scenario": {"file": str(meta["scenario_file"]), "seed": int(meta["seed"])},
            "simulated_s": int(meta.get("simulated_ps", 0)) * 1e-12,
            "events": int(meta.get("events", 0)),
            "complete": False,
            "rows": rows,
            "requests": requests,
        }


def format_leftover(left: dict[str, Any]) -> str:
    """``read_leftover``'s answer as ``podwire summary`` prints it."""
    lines = [
        f"{left['trace']}: {left['what']}",
        f"incomplete: it holds {left['simulated_s']:g} s of simulated time ({left['events']:,} events), as the "
        f"run's last checkpoint wrote it; the summary a run writes at its end is not in it",
        f"scenario: {left['scenario']['file']}, seed {left['scenario']['seed']}",
    ]
    if left["requests"]:
        by_status = ", ".join(f"{k} {v:,}" for k, v in left["requests"].items())
        lines.append(f"request rows: {sum(left['requests'].values()):,} ({by_status})")
    lines.append("rows: " + ", ".join(f"{k} {v:,}" for k, v in left["rows"].items()))
    return "\n".join(lines)


def read_summary(path: str | Path) -> dict[str, Any]:
    """The summary of a trace on disk, in the shape ``run`` returns (the keys
    the trace stores). Raises ``OSError`` for a file that is missing or cannot
    be read, ``NotATraceError`` for one that is not a trace, and ``ValueError``
    for a trace whose run ended before it wrote its summary."""
    with open_trace(path) as f:
        meta = f["meta"].attrs
        if "summary" not in f:
            unfinished = _unfinished(Path(path))
            if unfinished:
                raise ValueError(f"{path}: {unfinished}; it has no summary (a run writes it at its end), and its "
                                 f"rows reach {_time_reached(f):g} s of simulated time")
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


def _attribute(value: Any) -> Any:
    """An HDF5 attribute as the run's dict has it: int, float (None for NaN) or str."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return _none_if_nan(value)
    return _text(value) if isinstance(value, (bytes, str)) else value


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
            "status": {k: int(row[k]) for k in ("refused", "reset", "timeout", "dns_failure", "addr_unavailable",
                                                 "unfinished")
                       if k in row.dtype.names},
            **{k: int(row[k]) for k in ("unfinished", "warmup_sent") if k in row.dtype.names},
            **({"first_addr_unavailable_s": float(row["first_addr_unavailable_s"]) or None}
               if "first_addr_unavailable_s" in row.dtype.names else {}),
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
    if "summary/datagrams" in f:  # only when datagrams were sent without a reply
        by_name = {s["name"]: s for s in services}
        for row in f["summary/datagrams"][:]:
            if _text(row["name"]) in by_name:
                by_name[_text(row["name"])].update({
                    "datagrams_sent": int(row["sent"]), "datagrams_received": int(row["received"]),
                    "receive_drops": int(row["receive_drops"]), "datagrams_lost": int(row["lost"])})
    result: dict[str, Any] = {}
    if "summary/nodes" in f:
        result["nodes"] = [{
            "name": _text(row["name"]),
            "cores": int(row["cores"]),
            **{k: float(row[k]) for k in ("application_cpu_s", "kernel_cpu_s", "softirq_cpu_s", "system_cpu_s")},
            # Traces written before the hardware threads have neither; before the
            # syncs' share was counted, no background_work_s.
            **{k: float(row[k]) if k in row.dtype.names else 0.0
               for k in ("cpu_work_s", "capacity", "background_work_s")},
            **{k: int(row[k]) for k in ("conntrack_entries", "conntrack_drops")},
        } for row in f["summary/nodes"][:]]
    for name, item in f["summary"].items():  # the run's records (datapath, dns), one attribute a field
        if not hasattr(item, "dtype"):
            result[name] = {k: _attribute(v) for k, v in item.attrs.items()}
    if "churn/events" in f:
        result["churn"] = _read_churn(f)
        if "requests" in f and f["requests"].shape[0] > 0:
            # Failures by the second they started in, per traffic entry.
            import numpy as np

            req = f["requests"].fields(["parent", "source", "started_ps", "status"])[:]
            names = [_text(n) for n in f["requests"].attrs.get("enum:status", [])]
            # A request still in flight at the end is unfinished, not failed.
            not_failed = {1} | ({names.index("unfinished")} if "unfinished" in names else set())
            clients = req[req["parent"] == 0]
            for i, t in enumerate(traffic):
                mine = clients[clients["source"] == i]
                seconds = (mine["started_ps"] // 10**12).astype(np.int64)
                n = int(seconds.max()) + 1 if len(seconds) else 0
                failed = np.bincount(seconds[~np.isin(mine["status"], list(not_failed))], minlength=n)
                t["seconds"] = [{"failed": int(v)} for v in failed]
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
