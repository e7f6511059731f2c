"""The page of several traces (a sweep): one figure per swept parameter, the
latency and CPU against it with a line per value of the other parameters
(seeds averaged), and a table of every run. The figures of each run are the
row ``podwire.sweep`` makes of it (``run_metrics``)."""

from __future__ import annotations

import math
from pathlib import Path
import re
from typing import Any, Sequence

from podwire.report_svg import Chart, fmt_percent, fmt_seconds


def traces_of(sources: Any) -> tuple[list[Path], Any]:
    """(trace paths, the sweep's DataFrame or None) of what ``write_report`` was given."""
    try:
        import pandas as pd

        if isinstance(sources, pd.DataFrame):
            if "file" not in sources:
                raise ValueError("a DataFrame to report on needs the 'file' column podwire.sweep gives it")
            ok = sources[sources["status"] != "failed"] if "status" in sources else sources
            paths = [Path(p) for p in ok["file"] if isinstance(p, str) and Path(p).exists()]
            if not paths:
                raise ValueError(f"none of the sweep's {len(sources)} runs left a trace (column 'error' says why)")
            return paths, sources
    except ImportError:
        pass
    items = sources if isinstance(sources, (list, tuple)) else [sources]
    paths: list[Path] = []
    for item in items:
        path = getattr(item, "path", item)  # a Result
        if path is None:
            raise ValueError("this Result has no trace (run with trace=False): there is nothing to report on")
        path = Path(path)
        if path.is_dir():
            found = sorted(path.glob("*.h5"))
            if not found:
                raise FileNotFoundError(f"{path}: a folder with no trace (*.h5) in it")
            paths += found
        else:
            paths.append(path)
    return paths, None


_HASHED = re.compile(r"-[0-9a-f]{10}$")


def params_from_name(path: Path) -> dict[str, str]:
    """The parameters a sweep wrote into a trace's name (``run_file_name``):
    ``<stem>__<path>=<value>__...__seed=<n>.h5``."""
    parts = _HASHED.sub("", path.stem).split("__")[1:]
    return dict(p.split("=", 1) for p in parts if "=" in p)


def _order_key(value: Any) -> tuple[int, float, str]:
    m = re.match(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?", str(value))
    return (0, float(m.group(0)), str(value)) if m else (1, 0.0, str(value))


def _mean(values: list[float]) -> float:
    good = [v for v in values if v is not None and isinstance(v, (int, float)) and math.isfinite(v)]
    return sum(good) / len(good) if good else math.nan


def sweep_sections(paths: Sequence[Path], frame: Any, top: int = 8) -> tuple[str, list[str]]:
    from podwire.report_html import esc, figure, fmt_time, table
    from podwire.sweep import run_metrics

    rows: list[dict[str, Any]] = []
    params: list[str] = []
    by_file: dict[str, dict[str, Any]] = {}
    if frame is not None:
        columns = list(frame.columns)
        params = columns[:columns.index("seed")] if "seed" in columns else []
        by_file = {str(r["file"]): {p: r[p] for p in params} for _, r in frame.iterrows()}
    problems = []
    for path in paths:
        try:
            m = run_metrics(path)
        except Exception as e:  # noqa: BLE001 (a trace that cannot be read is a line, not the end)
            problems.append(f"{path}: {e}")
            continue
        named = by_file.get(str(path)) if frame is not None else params_from_name(path)
        named = dict(named or {})
        if "seed" in named:
            named.pop("seed")
        rows.append({"params": {k: str(v) for k, v in named.items()}, "path": path, **m})
    if not rows:
        raise ValueError("none of the traces can be read: " + "; ".join(problems))
    keys = params or list(dict.fromkeys(k for r in rows for k in r["params"]))
    values = {k: sorted({r["params"].get(k, "") for r in rows}, key=_order_key) for k in keys}
    swept = [k for k in keys if len(values[k]) > 1]
    cluster = any("cpu.mean" in r or any(k.endswith(".p99_s") for k in r) for r in rows) and "completions" not in rows[0]
    entry = _main_entry(rows) if cluster else None
    lat = (f"{entry}.p50_s", f"{entry}.p99_s") if entry else ("p50_s", "p99_s")
    cpu = ("cpu.busiest", "cpu.mean") if cluster else ("utilisation", None)

    out = [f'<section id="sweep"><h2>Sweep</h2><p>{len(rows)} runs of '
           f'{esc(Path(str(rows[0]["path"])).name.split("__")[0])}'
           + (f", swept: {esc(', '.join(swept))}" if swept else ", no parameter varies between them")
           + (f"; latency of traffic entry <b>{esc(entry)}</b>" if entry else "") + ".</p>"]
    if problems:
        out.append("<ul>" + "".join(f"<li>{esc(p)}</li>" for p in problems) + "</ul>")
    out.append('<div class="figs">')
    for k in swept:
        others = [o for o in swept if o != k]
        cats = values[k]
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            label = ", ".join(r["params"].get(o, "") for o in others) or "all runs"
            groups.setdefault(label, []).append(r)
        lchart = Chart(f"Latency against {k}", k, "latency", x_categories=cats, y_log=True, y_format=fmt_seconds)
        cchart = Chart(f"CPU against {k}", k, "share of cores busy", x_categories=cats, y_format=fmt_percent)
        for n, (label, members) in enumerate(sorted(groups.items())[:top]):
            color = None
            for metric, dash, chart in ((lat[1], False, lchart), (lat[0], True, lchart), (cpu[0], False, cchart),
                                        (cpu[1], True, cchart)):
                if metric is None:
                    continue
                ys = [_mean([r.get(metric, math.nan) for r in members if r["params"].get(k, "") == c]) for c in cats]
                name = f"{metric.rsplit('.', 1)[-1].replace('_s', '')} {label}"
                chart.line(range(len(cats)), ys, name, dash=dash, markers=True, color=color)
                color = chart.series[-1].color
        per = f"one line per {', '.join(others)}" if others else "one line"
        out.append(figure(lchart.svg(), f"p99 solid, p50 dashed; {per}, seeds averaged."))
        out.append(figure(cchart.svg(), "The busiest node (solid) and the mean over nodes (dashed), after the "
                                        "warm-up." if cluster else "Utilisation of the servers."))
    out.append("</div>")
    header = [*keys, "seed", "complete", "sent", "ok", "failed", "error rate", "p50", "p99", "CPU busiest",
              "busiest node", "programming p99", "file"]
    table_rows = []
    for r in sorted(rows, key=lambda r: ([_order_key(r["params"].get(k, "")) for k in keys], r.get("seed", 0))):
        complete = _complete(r["path"])
        table_rows.append([
            *(r["params"].get(k, "") for k in keys), r.get("seed", ""), "yes" if complete else "no (stopped)",
            f"{r.get('sent', r.get('completions', 0)):,}", f"{r.get('ok', r.get('completions', 0)):,}",
            f"{r.get('failed', 0):,}", _pct(r.get("error_rate")), fmt_time(r.get(lat[0])), fmt_time(r.get(lat[1])),
            _pct(r.get(cpu[0])), r.get("cpu.busiest_node", ""), fmt_time(r.get("programming.p99_s")),
            Path(str(r["path"])).name])
    text_columns = {*range(len(keys)), len(header) - 3, len(header) - 1}  # parameters, node, file
    out.append("<h3>Every run</h3><div class=wide>" + table(header, table_rows, text_columns=text_columns) + "</div>")
    out.append("</section>")
    return f"podwire report: sweep of {len(rows)} runs", out


def _main_entry(rows: list[dict[str, Any]]) -> str | None:
    sent: dict[str, int] = {}
    for r in rows:
        for k, v in r.items():
            if k.endswith(".sent") and isinstance(v, (int, float)):
                sent[k[:-5]] = sent.get(k[:-5], 0) + int(v)
    return max(sent, key=lambda k: sent[k]) if sent else None


def _pct(v: Any) -> str:
    return "-" if v is None or not isinstance(v, (int, float)) or not math.isfinite(v) else fmt_percent(v)


def _complete(path: Path) -> bool:
    from podwire.summary import open_trace

    with open_trace(path) as f:
        return bool(f["meta"].attrs["complete"])
