"""``podwire report``: one self-contained HTML page for a run or a sweep.

The page holds everything it shows (inline SVG, inline CSS, no script, no
link to fetch), so it opens offline, attaches to a mail and prints. What a
run's page shows is read from its trace alone: the summary ``podwire
summary`` prints (``read_summary``), figures reduced to a few hundred points
each (``report_data``), and ``explain`` re-run from the scenario text the
trace keeps. Several traces make a sweep's page (``report_sweep``)."""

from __future__ import annotations

import html
import math
from pathlib import Path
import re
import time
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from podwire import __version__
from podwire.report_data import Curve, RunData, read_run
from podwire.report_svg import CSS as CHART_CSS, Chart, fmt_percent, fmt_seconds
from podwire.summary import open_trace, read_summary

if TYPE_CHECKING:
    import pandas as pd

#: Failure statuses' colours, the same in every figure.
STATUS_COLORS = {"refused": "#D55E00", "reset": "#CC79A7", "timeout": "#E69F00", "dns_failure": "#56B4E9",
                 "addr_unavailable": "#7F3C8D", "unfinished": "#999999"}
CPU_COLORS = {"softirq": "#D55E00", "system": "#E69F00", "application": "#0072B2"}


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def fmt_time(seconds: float | None) -> str:
    # The summary's own formatting (podwire run prints it so).
    from podwire.cli import _fmt_time

    return _fmt_time(seconds if seconds is None or math.isfinite(seconds) else None)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], numeric_from: int = 1, cls: str = "",
          text_columns: set[int] | None = None) -> str:
    """Columns from ``numeric_from`` on are figures (right-aligned), except ``text_columns``."""
    text = text_columns if text_columns is not None else set(range(numeric_from))
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    head = f"<thead><tr>{head}</tr></thead>" if any(header) else ""
    body = "".join("<tr>" + "".join(
        f'<td{"" if i in text else " class=n"}>{esc(c)}</td>'
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="{cls}">{head}<tbody>{body}</tbody></table>'


def figure(svg: str, caption: str = "") -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="fig">{svg}{cap}</figure>'


# --- the page of one run ------------------------------------------------


def run_sections(path: Path, top: int = 8, explain: bool = True) -> tuple[str, list[str]]:
    """(title, HTML sections) of one trace's page."""
    summary = read_summary(path)
    with open_trace(path) as f:
        data = read_run(f, top)
    meta = data.meta
    name = Path(str(meta.get("scenario_file", path.name))).name
    sections = [_overview(path, summary, data)]
    if summary.get("model") == "cluster":
        sections.append(_summary_tables(summary))
        sections.append(_latency(data))
        sections.append(_per_second(data))
        sections.append(_nodes(data))
        if "churn" in summary:
            sections.append(_churn(summary, data))
        if explain:
            sections.append(_explain(meta))
    else:
        sections.append(_queueing(summary, data))
    return f"podwire report: {name}", [s for s in sections if s]


def _scenario_yaml(meta: dict[str, Any]) -> dict[str, Any]:
    try:
        import yaml  # PyYAML, which distributed (a dependency) requires

        doc = yaml.safe_load(str(meta.get("scenario_text", "")))
        return doc if isinstance(doc, dict) else {}
    except Exception:  # noqa: BLE001 (the page says less, it does not fail)
        return {}


def _overview(path: Path, summary: dict[str, Any], data: RunData) -> str:
    meta = data.meta
    complete = bool(meta.get("complete"))
    badge = ('<span class="badge ok">trace complete</span>' if complete else
             '<span class="badge bad">stopped early: complete=false, figures cover the simulated time reached</span>')
    doc = _scenario_yaml(meta)
    rows = [
        ("scenario file", str(meta.get("scenario_file", ""))),
        ("trace", str(path)),
        ("seed", str(meta.get("seed", ""))),
        ("simulated", f"{summary.get('simulated_s', 0):g} s (warm-up {summary['scenario'].get('warmup_s', 0):g} s)"),
        ("events", f"{int(meta.get('events', 0)):,}"),
        ("written by", f"podwire {meta.get('podwire_version', '?')}, {meta.get('start_wall_clock', '')} to "
                       f"{meta.get('end_wall_clock', '')}"),
    ]
    if summary.get("model") == "cluster":
        rows += _cluster_numbers(path, summary, doc)
    text = esc(meta.get("scenario_text", ""))
    return (f'<section id="run"><h2>Run</h2><p>{badge}</p>'
            + table(["", ""], rows, numeric_from=9, cls="kv")
            + f'<details><summary>scenario text ({len(str(meta.get("scenario_text", "")).splitlines())} lines, '
              f'after --set overrides)</summary><pre>{text}</pre></details></section>')


def _cluster_numbers(path: Path, summary: dict[str, Any], doc: dict[str, Any]) -> list[tuple[str, str]]:
    from podwire.report_data import names

    cluster = doc.get("cluster", {}) if isinstance(doc.get("cluster"), dict) else {}
    groups = cluster.get("nodes", []) if isinstance(cluster.get("nodes"), list) else []
    with open_trace(path) as f:
        endpoints = list(names(f, "endpoints").values())
        targets = list(names(f, "targets").values())
    pods = sum(1 for e in endpoints if "/" in e)
    services = sum(1 for t in targets if "/" in t)
    nodes = len(summary.get("nodes", [])) or sum(int(g.get("count", 1)) for g in groups if isinstance(g, dict))
    group_text = ", ".join(f"{g.get('name', 'node')} × {g.get('count', 1)}" for g in groups if isinstance(g, dict))
    proxy = cluster.get("proxy", {}) if isinstance(cluster.get("proxy"), dict) else {}
    cores = sum(n["cores"] for n in summary.get("nodes", []))
    return [
        ("nodes", f"{nodes:,} ({group_text}), {cores:,} cores" if group_text else f"{nodes:,}"),
        ("pods seen in the trace", f"{pods:,}"),
        ("Services called", f"{services:,}"),
        ("service proxy", str(proxy.get("mode", f"{default('cluster.proxy.mode')} (default)"))),
        ("CNI", str(cluster.get("cni", f"{default('cluster.cni')} (default)"))),
        ("traffic entries", f"{len(summary.get('traffic', []))}"),
    ]


def default(path: str) -> str:
    """A parameter's default, from the one table the parser and docs/parameters.md read."""
    from podwire import _core

    for line in _core.parameters_markdown().splitlines():
        if line.startswith(f"| `{path}` |"):
            return line.split("|")[3].strip()
    return "?"


def _summary_tables(summary: dict[str, Any]) -> str:
    from podwire.cli import format_summary

    traffic = table(
        ["traffic", "sent", "ok", "failed", "mean", "p50", "p90", "p99", "dns", "connect", "network", "at server"],
        [(t["name"], f"{t['sent']:,}", f"{t['ok']:,}", f"{t['failed']:,}", *(fmt_time(t.get(k)) for k in (
            "mean_s", "p50_s", "p90_s", "p99_s", "dns_s", "connect_s", "network_s", "at_server_s")))
         for t in summary["traffic"]])
    services = table(
        ["Service", "requests", "p50", "p90", "p99", "server time", "estimate", "utilisation"],
        [(s["name"], f"{s['requests']:,}", fmt_time(s.get("p50_s")), fmt_time(s.get("p90_s")),
          fmt_time(s.get("p99_s")), fmt_time(s.get("server_time_s")), fmt_time(s.get("estimate_server_time_s")),
          "-" if s.get("estimate_utilisation") is None else f"{s['estimate_utilisation']:.3f}"
          + (" SATURATED" if s["estimate_utilisation"] >= 1 else ""))
         for s in sorted(summary["services"], key=lambda s: -s["requests"])])
    if not summary["traffic"]:
        traffic = "<p class=note>The scenario sends no traffic.</p>"
    if not summary["services"]:
        services = "<p class=note>No request reached a Service.</p>"
    parts = [f'<section id="summary"><h2>Summary</h2><h3>Traffic</h3>{traffic}'
             '<p class="note">sent = ok + failed + unfinished, requests started after the warm-up; '
             'percentiles of the successful ones.</p>'
             f'<h3>Services</h3>{services}<p class="note">p50, p99: whole requests to the Service as their '
             'senders saw them; server time: queueing + service at the pod; estimate: Jackson network, '
             'M/M/c per pod.</p>']
    nodes = summary.get("nodes", [])
    if nodes:
        span = max(summary["simulated_s"], 1e-12)
        busiest = sorted(nodes, key=lambda n: -(n["kernel_cpu_s"] + n["application_cpu_s"]))
        shown = busiest[:12]
        parts.append("<h3>Nodes" + (f" (the {len(shown)} busiest of {len(nodes)})" if len(nodes) > 12 else "")
                     + "</h3>" + table(
            ["node", "cores", "softirq", "system", "application", "conntrack entries", "conntrack drops"],
            [(n["name"], n["cores"], *(fmt_percent(n[k] / (n["cores"] * span)) for k in (
                "softirq_cpu_s", "system_cpu_s", "application_cpu_s")),
              f"{n['conntrack_entries']:,}", f"{n['conntrack_drops']:,}") for n in shown]))
    parts.append(f"<details><summary>the summary as podwire summary prints it</summary>"
                 f"<pre>{esc(format_summary(summary))}</pre></details></section>")
    return "".join(parts)


def _marks(chart: Chart, data: RunData) -> Chart:
    chart.x_range = (0.0, max(float(len(data.seconds)), data.simulated_s, 1e-9))
    for at, label in data.events:
        chart.mark(at, label, "#333")
    for i, (kind, times) in enumerate(sorted(data.pod_events.items())):
        chart.rug(times, f"pod {kind} ({len(times)})", ("#555", "#B22", "#777", "#95A", "#5A5")[i % 5])
    return chart


def _cdf_chart(title: str, curves: list[Curve], x_label: str = "latency") -> str:
    # From the 0.1% quantile: one odd fast request would otherwise stretch the axis over decades.
    lows = [float(c.xs[min(int(np.searchsorted(c.ys, 0.001)), len(c.xs) - 1)]) for c in curves if len(c.xs)]
    highs = [float(c.xs[-1]) for c in curves if len(c.xs)]
    positive = [v for v in lows if v > 0]
    x_range = (min(positive) / 1.25, max(highs) * 1.25) if positive and highs else None
    chart = Chart(title, x_label, "fraction at or below", x_log=True, x_format=fmt_seconds, y_format=fmt_percent,
                  y_range=(0.0, 1.0), x_range=x_range)
    for c in curves:
        chart.line(c.xs, c.ys, f"{c.label} ({c.count:,})", step=True)
    return chart.svg()


def _latency(data: RunData) -> str:
    if not data.has_requests:
        return ('<section id="latency"><h2>Latency</h2><p>The trace has no request rows (no request was sent, or '
                'the scenario says <code>outputs.requests: false</code>): the summary above is all there is of '
                'them.</p></section>')
    if not data.traffic_cdfs and not data.service_cdfs:
        return '<section id="latency"><h2>Latency</h2><p>No successful request after the warm-up.</p></section>'
    out = ['<section id="latency"><h2>Latency</h2><div class="figs">']
    if data.traffic_cdfs:
        out.append(figure(_cdf_chart("Client requests per traffic entry", data.traffic_cdfs),
                          "Whole requests as the clients saw them: ok, started after the warm-up (requests in "
                          "brackets)" + (f"; {data.traffic_left_out} more traffic entries not drawn."
                                         if data.traffic_left_out else ".")))
    if data.service_cdfs:
        more = f"; {data.services_left_out} more Services not drawn" if data.services_left_out else ""
        out.append(figure(_cdf_chart("Requests per Service (by requests)", data.service_cdfs),
                          f"Client requests and downstream calls to each Service{more}."))
    return "".join(out) + "</div></section>"


def _per_second(data: RunData) -> str:
    if not len(data.seconds):
        return ""
    ok = _marks(Chart("Successful requests per second", "simulated time (s)", "requests / s"), data)
    for c in data.ok_per_second[:8]:
        ok.line(c.xs + 0.5, c.ys, c.label)
    out = ['<section id="seconds"><h2>Requests over time</h2><div class="figs">',
           figure(ok.svg(), "By the second each client request started in; vertical lines: workload and node "
                            "events, ticks at the bottom: pod deletions and crashes.")]
    if data.failed_per_second:
        failed = _marks(Chart("Failed requests per second, by status", "simulated time (s)", "requests / s"), data)
        statuses = sorted(data.failed_per_second)
        failed.stack(data.seconds, [(s, data.failed_per_second[s]) for s in statuses], bars=True,
                     colors=[STATUS_COLORS.get(s, "#666") for s in statuses])
        out.append(figure(failed.svg(), "Client requests that did not succeed, by the second they started "
                                        "(unfinished: still in flight when the run ended)."))
    else:
        out.append('<p class="note">No client request failed.</p>')
    return "".join(out) + "</div></section>"


def _nodes(data: RunData) -> str:
    if not data.cpu_groups and not data.links:
        return ""
    out = ['<section id="nodes"><h2>Nodes and links</h2><div class="figs">']
    for group, n, x, layers in data.cpu_groups[:4]:
        chart = _marks(Chart(f"CPU of {group}" + (f" (mean of {n} nodes)" if n > 1 else ""), "simulated time (s)",
                             "share of cores busy", y_format=fmt_percent), data)
        chart.stack(x, [(k, v) for k, v in layers.items()], colors=[CPU_COLORS[k] for k in layers])
        out.append(figure(chart.svg()))
    if len(data.cpu_groups) > 4:
        out.append(f'<p class="note">{len(data.cpu_groups) - 4} quieter node groups not drawn.</p>')
    if data.conntrack:
        chart = _marks(Chart("Conntrack entries", "simulated time (s)", "entries"), data)
        for c in data.conntrack[:8]:
            chart.line(c.xs, c.ys, c.label)
        out.append(figure(chart.svg(), "The largest table of each node group at the end of each sample interval."))
    if data.links:
        chart = _marks(Chart("Busiest links", "simulated time (s)", "utilisation", y_format=fmt_percent), data)
        for c in data.links:
            chart.line(c.xs, c.ys, c.label)
        out.append(figure(chart.svg(), "Link directions by their mean utilisation over the run."))
    return "".join(out) + "</div></section>"


def _churn(summary: dict[str, Any], data: RunData) -> str:
    from podwire.cli import _format_churn

    lines = [line for line in _format_churn(summary) if line]
    out = ['<section id="churn"><h2>Churn</h2><ul>' + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>"]
    if data.programming:
        out.append('<div class="figs">' + figure(
            _cdf_chart("Network programming latency", data.programming, "pod change to rules in place"),
            f"Over {data.programming_what}.") + "</div>")
    return "".join(out) + "</section>"


def _explain(meta: dict[str, Any]) -> str:
    """``podwire explain`` for each traffic entry from a pod, from the scenario text the trace keeps."""
    from podwire import _core

    doc = _scenario_yaml(meta)
    entries = [t for t in doc.get("traffic", []) if isinstance(t, dict)] if isinstance(doc.get("traffic"), list) else []
    if not entries:
        return ""
    out = ['<section id="explain"><h2>Hop by hop (podwire explain)</h2>']
    try:
        loaded = _core.parse_scenario(str(meta.get("scenario_text", "")), str(meta.get("scenario_file", "<trace>")))
    except Exception as e:  # noqa: BLE001 (its manifests moved, say; the rest of the page stands)
        return out[0] + f'<p class="note">The scenario cannot be loaded again from the trace: {esc(e)}</p></section>'
    for i, t in enumerate(entries[:8]):
        name = t.get("name", f"traffic-{i}")
        source = str(t.get("from", "outside"))
        to = _explain_target(t)
        if source == "outside" or to is None:
            out.append(f"<h3>{esc(name)}</h3><p class=note>From {esc(source)} to {esc(t.get('url', 'port-forward'))}: "
                       "explain follows requests from a pod.</p>")
            continue
        try:
            r = _core.explain(loaded, source, to)
        except Exception as e:  # noqa: BLE001
            out.append(f"<h3>{esc(name)}</h3><p class=note>explain --from {esc(source)} --to {esc(to)}: "
                       f"{esc(e)}</p>")
            continue
        steps = table(["where", "what", "cost"], [(s["where"], s["what"], fmt_time(s["cost_s"]) if s["cost_s"]
                                                    else "") for s in r["first_packet"]], numeric_from=2)
        m = r.get("measured")
        measured = (f"<p>One request simulated in the idle cluster: {esc(m['status'])}, served by "
                    f"{esc(m['served_by'])}, total {fmt_time(m['total_s'])} (dns {fmt_time(m['dns_s'])}, connect "
                    f"{fmt_time(m['connect_s'])}, network {fmt_time(m['network_s'])}, at server "
                    f"{fmt_time(m['at_server_s'])}).</p>") if m else ""
        lists = "".join(f"<p><b>{title}</b></p>{_items(r[key])}"
                        for title, key in (("DNS", "dns"), ("Where the name leads", "endpoints")) if r[key])
        notes = "".join(f"<li>{esc(x)}</li>" for x in r["notes"])
        out.append(f"<h3>{esc(name)}: from {esc(r['from'])} to {esc(r['to'])}</h3>{lists}"
                   f"<p><b>The first packet</b></p>{steps}{measured}" + (f"<ul>{notes}</ul>" if notes else ""))
    return "".join(out) + "</section>"


def _items(lines: list[str], shown: int = 4) -> str:
    """A list, its tail collapsed when long (50 endpoints, say)."""
    head = "".join(f"<li>{esc(x)}</li>" for x in lines[:shown])
    if len(lines) <= shown + 2:
        return "<ul>" + head + "".join(f"<li>{esc(x)}</li>" for x in lines[shown:]) + "</ul>"
    rest = "".join(f"<li>{esc(x)}</li>" for x in lines[shown:200])
    rest += f"<li>and {len(lines) - 200:,} more</li>" if len(lines) > 200 else ""
    return f"<ul>{head}</ul><details><summary>{len(lines) - shown} more</summary><ul>{rest}</ul></details>"


def _explain_target(t: dict[str, Any]) -> str | None:
    m = re.match(r"^(https?)://([^/:]+)(?::(\d+))?", str(t.get("url", "")))
    if m is None:
        return None
    return f"{m.group(2)}:{m.group(3) or (443 if m.group(1) == 'https' else 80)}"


def _queueing(summary: dict[str, Any], data: RunData) -> str:
    from podwire.cli import format_summary

    sim, th = summary["simulated"], summary["theory"]
    keys = (("utilisation", "utilisation", False), ("P(wait)", "p_wait", False), ("mean wait", "mean_wait_s", True),
            ("mean response", "mean_sojourn_s", True), ("p50 response", "p50_s", True),
            ("p90 response", "p90_s", True), ("p99 response", "p99_s", True),
            ("mean in system", "mean_in_system", False))

    def cell(v: Any, is_time: Any) -> str:
        return fmt_time(v) if is_time else "-" if v is None or math.isnan(v) else f"{v:.3f}"

    sim_values = {**sim, "utilisation": sim["utilisation"] / summary["scenario"]["servers"]}
    rows = [(name, cell(sim_values.get(k), t), cell(th.get(k), t)) for name, k, t in keys]
    out = [f'<section id="summary"><h2>Summary</h2><p>{esc(th["model"])} server farm '
           f'{esc(summary["scenario"]["name"])}: {summary["scenario"]["arrival_rate"]:g} requests/s, '
           f'{summary["scenario"]["servers"]} servers, service {esc(summary["scenario"]["service"])}.</p>'
           + table(["", "simulated", "theory"], rows)
           + f"<details><summary>the summary as podwire summary prints it</summary><pre>"
             f"{esc(format_summary(summary))}</pre></details></section>"]
    if "response" in data.queueing:
        out.append('<section id="latency"><h2>Latency</h2><div class="figs">'
                   + figure(_cdf_chart("Time in system", [data.queueing["response"]]),
                            "Requests that arrived after the warm-up.") + "</div></section>")
    if len(data.seconds):
        chart = Chart("Requests finished per second", "simulated time (s)", "requests / s",
                      x_range=(0.0, max(float(len(data.seconds)), data.simulated_s)))
        for c in data.ok_per_second:
            chart.line(c.xs + 0.5, c.ys, c.label)
        out.append('<section id="seconds"><h2>Requests over time</h2><div class="figs">'
                   + figure(chart.svg()) + "</div></section>")
    return "".join(out)


# --- the page -----------------------------------------------------------

PAGE_CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1360px;
 padding:0 24px 48px;color:#1d1d1d;line-height:1.4;font-size:15px}
header{border-bottom:2px solid #0072B2;margin-bottom:8px}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:16px 0 6px}
nav a{margin-right:14px;color:#0072B2;text-decoration:none}
table{border-collapse:collapse;margin:6px 0;font-size:13.5px}
th,td{padding:3px 10px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv td:first-child{color:#555}
.figs{display:flex;flex-wrap:wrap;gap:12px 20px}
figure.fig{margin:4px 0;max-width:100%}figcaption{font-size:12.5px;color:#555;max-width:640px}
.note{color:#555;font-size:13px}
.badge{padding:2px 8px;border-radius:4px;font-weight:600;font-size:13px}
.badge.ok{background:#e3f4ea;color:#0b6b33}.badge.bad{background:#fde8e4;color:#a12a0b}
details{margin:8px 0}summary{cursor:pointer;color:#0072B2}
pre{background:#f7f7f7;padding:10px;overflow-x:auto;font-size:12.5px;max-height:520px}
.wide{overflow-x:auto}.wide td{white-space:nowrap}
@media print{
 body{max-width:none;padding:0;font-size:11pt}nav{display:none}
 table{font-size:8.5pt}th,td{padding:2px 5px}
 h2{break-after:avoid}figure.fig,table{break-inside:avoid}
 pre{max-height:none;white-space:pre-wrap}.wide{overflow:visible}.wide table{font-size:7.5pt}
 svg.chart{max-width:100%}
}
"""


def page(title: str, sections: list[str], sources: Sequence[Path]) -> str:
    links = re.findall(r'<section id="([a-z]+)"><h2>([^<]+)</h2>', "".join(sections))
    nav = "".join(f'<a href="#{i}">{esc(h)}</a>' for i, h in links)
    made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    what = esc(str(sources[0])) if len(sources) == 1 else f"{len(sources)} traces"
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width,initial-scale=1">'
            f"<title>{esc(title)}</title><style>{PAGE_CSS}{CHART_CSS}</style></head><body>"
            f"<header><h1>{esc(title)}</h1><p class=note>podwire {esc(__version__)} report of {what}, written "
            f"{made}</p><nav>{nav}</nav></header>" + "".join(sections) + "</body></html>\n")


def write_report(sources: "str | Path | Any | Sequence[str | Path | Any] | pd.DataFrame", out: str | Path, *,
                 top: int = 8, explain: bool = True) -> Path:
    """Writes the HTML page of one trace, or of several (a sweep), to ``out``.

    ``sources``: a trace path, a ``Result``, a folder of traces, a list of
    these, or the DataFrame ``podwire.sweep`` returned (its ``file`` column).
    ``top``: the most Services (by requests) and links drawn. ``explain``: run
    ``podwire explain`` again for each traffic entry (it builds the cluster)."""
    from podwire.report_sweep import sweep_sections, traces_of

    paths, frame = traces_of(sources)
    if not paths:
        raise ValueError("no trace to report on")
    if len(paths) == 1 and frame is None:
        title, sections = run_sections(paths[0], top, explain)
    else:
        title, sections = sweep_sections(paths, frame, top)
    out = Path(out)
    out.write_text(page(title, sections, paths), encoding="utf-8")
    return out

