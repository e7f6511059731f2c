"""What ``podwire report`` draws, read from a trace and reduced to a few
hundred points a figure: latency quantiles instead of requests, counts per
second, node groups instead of nodes. Memory and time grow with the trace's
rows, the page does not."""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from typing import Any

import numpy as np

PS = 1e-12

# Where a CDF is drawn: even steps to p90, then ever closer to 1, so that the
# tail (p99, p99.9) has points of its own. About 150 points whatever the rows.
_GRID = np.concatenate([np.linspace(0.0, 0.9, 91)[:-1], 1.0 - np.logspace(-1, -6, 60), [1.0]])


def cdf_points(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of the empirical CDF, (value, fraction of values at or below
    it): every value when there are few, else the values at about 150 fixed
    fractions (the smallest and the largest always among them)."""
    v = np.sort(np.asarray(values, dtype=float))
    n = len(v)
    if n == 0:
        return v, v
    idx = np.arange(n) if n <= 300 else np.unique(np.clip(np.ceil(_GRID * n).astype(np.int64) - 1, 0, n - 1))
    return v[idx], (idx + 1) / n


MAX_POINTS = 600  # per time series: a figure is about that many pixels wide


def coarser(x: np.ndarray, y: np.ndarray, how: str = "mean") -> tuple[np.ndarray, np.ndarray]:
    """A time series on at most MAX_POINTS intervals: consecutive samples
    merged, by their mean (a busy share over the longer interval) or their
    max (the largest table); each merged point sits at its last sample's end."""
    n = len(x)
    if n <= MAX_POINTS:
        return x, y
    k = -(-n // MAX_POINTS)
    starts = np.arange(0, n, k)
    ends = np.minimum(starts + k, n) - 1
    merged = np.maximum.reduceat(y, starts) if how == "max" else np.add.reduceat(y, starts) / (ends - starts + 1)
    return x[ends], merged


def node_group(name: str) -> str:
    """``worker-3`` → ``worker``: nodes are named ``<group>-<i>`` (scenario-format.md)."""
    return re.sub(r"-\d+$", "", name)


def names(f: Any, table: str) -> dict[int, str]:
    if table not in f:
        return {}
    rows = f[table][:]
    return {int(i): n.decode("utf-8", "replace") for i, n in zip(rows["id"], rows["name"])}


def _text(v: Any) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


@dataclass
class Curve:
    label: str
    xs: np.ndarray
    ys: np.ndarray
    count: int = 0


@dataclass
class RunData:
    """Everything the page of one run shows beyond its summary."""

    meta: dict[str, Any] = field(default_factory=dict)
    simulated_s: float = 0.0
    has_requests: bool = False
    traffic_left_out: int = 0
    traffic_cdfs: list[Curve] = field(default_factory=list)
    service_cdfs: list[Curve] = field(default_factory=list)
    services_left_out: int = 0
    seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ok_per_second: list[Curve] = field(default_factory=list)
    failed_per_second: dict[str, np.ndarray] = field(default_factory=dict)
    cpu_groups: list[tuple[str, int, np.ndarray, dict[str, np.ndarray]]] = field(default_factory=list)
    conntrack: list[Curve] = field(default_factory=list)
    links: list[Curve] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)
    pod_events: dict[str, list[float]] = field(default_factory=dict)
    programming: list[Curve] = field(default_factory=list)
    programming_what: str = ""
    queueing: dict[str, Curve] = field(default_factory=dict)


# Workload and node events get a line of their own; pod events, of which a
# rollout makes hundreds, a tick each along the bottom.
_LINE_EVENTS = ("rollout_started", "rollout_done", "scaled", "node_failed", "node_not_ready")
_RUG_EVENTS = ("deleted", "crashed", "killed", "evicted", "unschedulable")


def read_run(f: Any, top: int = 8) -> RunData:
    """The figures' data from an open trace (``h5py.File``)."""
    d = RunData(meta={k: _text(v) if isinstance(v, (bytes, str)) else v for k, v in f["meta"].attrs.items()})
    d.simulated_s = int(d.meta.get("simulated_ps", 0)) * PS
    if str(d.meta.get("model", "queueing")) != "cluster":
        _read_queueing(f, d)
        return d
    _read_requests(f, d, top)
    _read_nodes(f, d)
    _read_links(f, d, top)
    _read_churn(f, d)
    return d


def _columns(table: Any, wanted: tuple[str, ...]) -> dict[str, np.ndarray]:
    present = [c for c in wanted if c in table.dtype.names]
    rows = table.fields(present)[:] if present else np.zeros(0)
    return {c: rows[c] for c in present}


def _read_requests(f: Any, d: RunData, top: int) -> None:
    if "requests" not in f or f["requests"].shape[0] == 0:
        return
    d.has_requests = True
    table = f["requests"]
    r = _columns(table, ("parent", "source", "target", "status", "warmup", "started_ps", "total_ps"))
    status_names = [_text(n) for n in table.attrs.get("enum:status", [])]
    ok_code = status_names.index("ok") if "ok" in status_names else 1
    measured = (r["status"] == ok_code) & ~r["warmup"].astype(bool)
    client = r["parent"] == 0
    traffic = names(f, "traffic")
    targets = names(f, "targets")
    latency = r["total_ps"] * PS
    entries = np.bincount(r["source"][client & measured].astype(np.int64))
    shown = sorted(int(i) for i in np.argsort(-entries, kind="stable")[:top] if entries[i] > 0)
    d.traffic_left_out = int((entries > 0).sum()) - len(shown)
    for i in shown:
        sel = client & measured & (r["source"] == i)
        xs, ys = cdf_points(latency[sel])
        d.traffic_cdfs.append(Curve(traffic.get(i, f"traffic {i}"), xs, ys, int(sel.sum())))
    # Per Service: client requests and downstream calls alike, as the summary's percentiles.
    counts = np.bincount(r["target"][measured].astype(np.int64))
    order = [int(t) for t in np.argsort(-counts, kind="stable") if counts[t] > 0]
    d.services_left_out = max(0, len(order) - top)
    for t in order[:top]:
        xs, ys = cdf_points(latency[measured & (r["target"] == t)])
        d.service_cdfs.append(Curve(targets.get(t, f"target {t}"), xs, ys, int(counts[t])))
    # Per second, by the second each client request started in.
    second = (r["started_ps"] // 10**12).astype(np.int64)
    n = int(second[client].max()) + 1 if client.any() else 0
    d.seconds = np.arange(n, dtype=float)
    for i in sorted(np.unique(r["source"][client])):
        sel = client & (r["source"] == i) & (r["status"] == ok_code)
        d.ok_per_second.append(Curve(traffic.get(int(i), f"traffic {i}"), d.seconds,
                                     np.bincount(second[sel], minlength=n)[:n].astype(float), int(sel.sum())))
    for code, name in enumerate(status_names):
        if name in ("ok", "pending"):
            continue
        sel = client & (r["status"] == code)
        if sel.any():
            d.failed_per_second[name] = np.bincount(second[sel], minlength=n)[:n].astype(float)


def _read_nodes(f: Any, d: RunData) -> None:
    if "timeseries/nodes" not in f or f["timeseries/nodes"].shape[0] == 0:
        return
    ts = f["timeseries/nodes"][:]
    endpoints = names(f, "endpoints")
    group_of = {int(n): node_group(endpoints.get(int(n), str(n))) for n in np.unique(ts["node"])}
    groups: dict[str, list[int]] = {}
    for node, group in group_of.items():
        groups.setdefault(group, []).append(node)
    times = np.unique(ts["at_ps"])
    at = np.searchsorted(times, ts["at_ps"])
    busy = ts["kernel_busy"] + ts["application_busy"]
    rows = []
    conntrack = []
    for group, nodes in groups.items():
        sel = np.isin(ts["node"], nodes)
        count = np.bincount(at[sel], minlength=len(times)).astype(float)
        count[count == 0] = 1

        def mean(column: np.ndarray) -> np.ndarray:
            return np.bincount(at[sel], weights=column[sel], minlength=len(times)) / count

        layers = {k: coarser(times, mean(ts[f"{k}_busy"]))[1] for k in ("softirq", "system", "application")}
        rows.append((float(np.mean(busy[sel])), group, len(nodes), layers))
        peak = np.zeros(len(times))
        np.maximum.at(peak, at[sel], ts["conntrack_entries"][sel].astype(float))
        conntrack.append(Curve(f"{group} (max of {len(nodes)})" if len(nodes) > 1 else group,
                               *coarser(times * PS, peak, "max")))
    rows.sort(key=lambda r: -r[0])
    x = coarser(times * PS, times * PS)[0]
    d.cpu_groups = [(group, n, x, layers) for _, group, n, layers in rows]
    d.conntrack = conntrack


def _read_links(f: Any, d: RunData, top: int) -> None:
    if "timeseries/links" not in f or f["timeseries/links"].shape[0] == 0:
        return
    ts = _columns(f["timeseries/links"], ("at_ps", "link", "utilisation"))
    link_names = names(f, "links")
    ids = ts["link"].astype(np.int64)
    mean = np.bincount(ids, weights=ts["utilisation"]) / np.maximum(np.bincount(ids), 1)
    for link in [int(i) for i in np.argsort(-mean, kind="stable")[:top] if mean[i] > 0]:
        sel = ids == link
        order = np.argsort(ts["at_ps"][sel], kind="stable")
        d.links.append(Curve(link_names.get(link, f"link {link}"),
                             *coarser(ts["at_ps"][sel][order] * PS, ts["utilisation"][sel][order])))


def _read_churn(f: Any, d: RunData) -> None:
    if "churn/events" in f and f["churn/events"].shape[0]:
        ev = f["churn/events"][:]
        for at, kind, pod, node, owner in zip(ev["at_ps"], ev["kind"], ev["pod"], ev["node"], ev["owner"]):
            kind = _text(kind)
            if kind in _LINE_EVENTS:
                what = _text(owner) or _text(node)
                short = what.split("/")[-1]
                d.events.append((int(at) * PS, f"{kind.replace('_', ' ')} {short} | {what}".strip(" |")))
            elif kind in _RUG_EVENTS:
                d.pod_events.setdefault(kind, []).append(int(at) * PS)
    if "programming/records" in f and f["programming/records"].shape[0] and "programming/nodes" in f:
        rec = f["programming/records"][:]
        node_names = [_text(n) for n in f["programming/nodes"]["node"]]
        groups = np.array([node_group(n) for n in node_names])[rec["node"].astype(np.int64)]
        for g in sorted(set(groups)):
            xs, ys = cdf_points(rec["latency_s"][groups == g])
            d.programming.append(Curve(g, xs, ys, int((groups == g).sum())))
        d.programming_what = "every (node, endpoint change), per node group"
    elif "programming/changes" in f and f["programming/changes"].shape[0]:
        ch = f["programming/changes"][:]
        ch = ch[ch["nodes"] > 0]
        for column, label in (("p50_s", "median node"), ("p99_s", "p99 node"), ("max_s", "slowest node")):
            xs, ys = cdf_points(ch[column])
            d.programming.append(Curve(label, xs, ys, len(ch)))
        d.programming_what = ("endpoint changes, each by its median, p99 and slowest node "
                              "(outputs.programming_records: true gives every node's)")


def _read_queueing(f: Any, d: RunData) -> None:
    if "requests" not in f or f["requests"].shape[0] == 0:
        return
    r = _columns(f["requests"], ("arrival_ps", "start_ps", "end_ps", "warmup"))
    after = ~r["warmup"].astype(bool)
    for name, values in (("response", (r["end_ps"] - r["arrival_ps"])[after] * PS),
                         ("wait", (r["start_ps"] - r["arrival_ps"])[after] * PS)):
        xs, ys = cdf_points(values)
        d.queueing[name] = Curve(name, xs, ys, int(after.sum()))
    second = (r["end_ps"] // 10**12).astype(np.int64)
    n = int(second.max()) + 1
    d.seconds = np.arange(n, dtype=float)
    d.ok_per_second.append(Curve("finished", d.seconds, np.bincount(second, minlength=n).astype(float)))
