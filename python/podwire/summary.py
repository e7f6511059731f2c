"""A run's summary read back from its HDF5 trace, in the shape ``podwire.run`` returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
    result: dict[str, Any] = {}
    if "churn/events" in f:
        result["churn"] = _read_churn(f)
        if "requests" in f and f["requests"].shape[0] > 0:
            # Failures by the second they started in, per traffic entry.
            req = f["requests"][:]
            names = [_text(n) for n in f["requests"].attrs.get("enum:status", [])]
            # A request still in flight at the end is unfinished, not failed.
            not_failed = {1} | ({names.index("unfinished")} if "unfinished" in names else set())
            clients = req[req["parent"] == 0]
            for i, t in enumerate(traffic):
                mine = clients[clients["source"] == i]
                seconds = (mine["started_ps"] // 10**12).astype(int)
                n = int(seconds.max()) + 1 if len(seconds) else 0
                failed = [0] * n
                for sec, status in zip(seconds, mine["status"]):
                    if int(status) not in not_failed:
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
