"""The ``podwire`` command line: ``podwire run``, ``validate``, ``summary``, ``explain``, ``get`` and ``report``."""

from __future__ import annotations

import argparse
import enum
import json
import math
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any, Sequence

from podwire import __version__, _core
from podwire.api import OutputPathError, RunInterrupted, check_trace_path, load, run
from podwire.kube_schema import DEFAULT_KUBE_VERSION, KubeVersionError
from podwire.summary import format_leftover, read_leftover, read_summary


class ExitCode(enum.IntEnum):
    """What podwire's exit status says, the same for every command (docs/cli.md)."""

    OK = 0  # the command did what it was asked (a scenario with warnings is valid)
    FAILED = 1  # it started but could not finish: the run failed, a file is not a readable trace
    USAGE = 2  # the command line is wrong (argparse's own code for it)
    SCENARIO = 3  # the scenario has errors, cannot be read, or is not the kind the command needs
    OUTPUT = 4  # the trace cannot be written where it is to go; found before anything is simulated
    STOPPED = 130  # a signal stopped it (Ctrl-C, SIGTERM, SIGQUIT, SIGHUP): 128 + SIGINT, as a shell reports Ctrl-C


def _fmt_time(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):  # a figure of no samples
        return "-"
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.2f} us"


def _fmt_num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def format_cluster_summary(result: dict[str, Any]) -> str:
    sc = result["scenario"]
    speed = ""
    if result.get("wall_s"):
        speed = f" in {result['wall_s']:.2f} s wall"
    lines = [
        f"podwire {__version__}: {sc['file']} (seed {sc['seed']})",
        f"simulated {result['simulated_s']:g} s (warm-up {sc['warmup_s']:g} s), "
        f"{result['events']:,} events{speed}",
    ]
    if not result["complete"]:
        lines.append("stopped early: figures cover the simulated time reached")
    lines.append("")
    name_width = max([20] + [len(t["name"]) + 1 for t in result["traffic"]])  # whole names
    lines.append(f"{'traffic':{name_width}}{'sent':>11}{'ok':>11}{'failed':>9}{'mean':>12}{'p50':>12}{'p99':>12}"
                 f"{'dns':>11}{'connect':>11}{'network':>11}{'at server':>11}")
    for t in result["traffic"]:
        lines.append(
            f"{t['name']:{name_width}}{t['sent']:>11,}{t['ok']:>11,}{t['failed']:>9,}{_fmt_time(t.get('mean_s')):>12}"
            f"{_fmt_time(t.get('p50_s')):>12}{_fmt_time(t.get('p99_s')):>12}{_fmt_time(t.get('dns_s')):>11}"
            f"{_fmt_time(t.get('connect_s')):>11}{_fmt_time(t.get('network_s')):>11}"
            f"{_fmt_time(t.get('at_server_s')):>11}")
    warmup_sent = sum(t.get("warmup_sent", 0) for t in result["traffic"])
    lines.append("(sent = ok + failed + unfinished: requests started after the warm-up"
                 + (f"; {warmup_sent:,} more started during it)" if warmup_sent else ")"))
    for t in result["traffic"]:
        if t.get("unfinished"):
            n = t["unfinished"]
            lines.append(f"{t['name']}: {n:,} request{' was' if n == 1 else 's were'} still in flight when the run "
                         "ended (status unfinished)")
        if t.get("first_addr_unavailable_s") is not None:
            n = t.get("status", {}).get("addr_unavailable", 0)
            lines.append(
                f"{t['name']}: {n:,} request{'' if n == 1 else 's'} found no free local port "
                f"(EADDRNOTAVAIL), the first at {t['first_addr_unavailable_s']:.2f} s: a closed connection keeps its "
                "port toward that address and port for TIME_WAIT's 60 s, so one client address opens about 470 "
                "connections/s to one Service port (keep-alive or more client pods go further)")
    lines.append("")
    width = max([40] + [len(s["name"]) + 1 for s in result["services"]])  # whole names, however long
    lines.append(f"{'service':{width}}{'requests':>10}{'p50':>12}{'p99':>12}{'server time':>14}{'estimate':>14}"
                 f"{'utilisation':>13}")
    for s in result["services"]:
        util = s.get("estimate_utilisation")
        flag = "  SATURATED" if util is not None and util >= 1 else ""
        lines.append(
            f"{s['name']:{width}}{s['requests']:>10,}{_fmt_time(s.get('p50_s')):>12}{_fmt_time(s.get('p99_s')):>12}"
            f"{_fmt_time(s.get('server_time_s')):>14}{_fmt_time(s.get('estimate_server_time_s')):>14}"
            f"{_fmt_num(util):>13}{flag}")
    lines.append("(p50, p99: whole requests to the Service as their senders saw them; server time: queueing + "
                 "service at the pod; estimate: Jackson network, M/M/c per pod)")
    for s in result["services"]:
        if s.get("datagrams_sent"):
            lost, drops = s["datagrams_lost"], s["receive_drops"]
            lines.append(
                f"{s['name']}: {s['datagrams_sent']:,} datagrams sent without a reply, {s['datagrams_received']:,} "
                f"received, {lost:,} lost ({drops:,} at a full receive queue, the rest on the way or still in "
                "flight at the end)")
    if "datapath" in result:
        dp, dns = result["datapath"], result["dns"]
        lines.append("")
        lines.append(
            f"datapath: {dp['service_translations']:,} connections to Services translated, "
            f"{dp['encapsulated']:,} packets encapsulated, {dp['rejected']:,} rejected, "
            f"{dp['policy_drops']:,} dropped by NetworkPolicy, {dp['conntrack_drops']:,} by a full conntrack")
        if result.get("nodes"):
            span = max(result["simulated_s"], 1e-12)
            busiest = max(result["nodes"], key=lambda n: n["kernel_cpu_s"] + n["application_cpu_s"])
            cores = busiest["cores"] * span
            busy = (busiest["kernel_cpu_s"] + busiest["application_cpu_s"]) / cores
            offered = sum(t["sent"] + t.get("warmup_sent", 0) for t in result["traffic"]) / span
            ceiling = ""
            # The work at a hardware thread's pace alone, and what the CPUs could do of it;
            # two busy hardware threads of a core deliver less than two cores.
            work, capacity = busiest.get("cpu_work_s", 0.0), busiest.get("capacity", 0.0) * span
            # The proxy's rule programming takes its share whatever the load.
            background = busiest.get("background_work_s", 0.0)
            work, capacity = work - background, capacity - background
            if 0 < busy < 1 and offered > 0 and work > 0 and capacity > 0:
                # The work per request stays the same as load grows, until the CPUs run out.
                ceiling = (f"; at this mix its CPUs run out near "
                           f"{offered * capacity / work:,.0f} requests/s")
            lines.append(
                f"busiest node: {busiest['name']}, CPU {100 * busiest['softirq_cpu_s'] / cores:.1f}% softirq + "
                f"{100 * busiest['system_cpu_s'] / cores:.1f}% system + "
                f"{100 * busiest['application_cpu_s'] / cores:.1f}% user of {busiest['cores']} CPUs{ceiling}")
        cached = dns.get("client_cache_hits", 0)  # traces written before have none
        from_cache = f" ({cached:,} answered from a client's cache)" if cached else ""
        lines.append(
            f"dns: {dns['lookups']:,} lookups{from_cache} sent {dns['queries_sent']:,} queries "
            f"({dns['nxdomain']:,} NXDOMAIN, {dns['forwarded']:,} forwarded upstream, {dns['timeouts']:,} timeouts)")
    if "churn" in result:
        lines.extend(_format_churn(result))
    return "\n".join(lines)


def _format_churn(result: dict[str, Any]) -> list[str]:
    ch = result["churn"]
    life, prop, prog = ch["lifecycle"], ch["propagation"], ch["programming"]
    lines = [
        "",
        f"churn: {life['pods_created']:,} pods created, {life['pods_deleted']:,} deleted "
        f"({life['killed_at_grace']:,} killed at the end of their grace period), {life['crashes']:,} crashes, "
        f"{life['evictions']:,} evicted, {life['rollouts_done']:,} rollouts done"
        + (f", {life['unschedulable']:,} pods unschedulable" if life["unschedulable"] else ""),
        f"endpoint changes: {prop['changes']:,} ({prop['slice_writes']:,} EndpointSlice writes, "
        f"{prop['watch_events']:,} watch events to nodes)",
    ]
    dp = result.get("datapath", {})
    if dp.get("no_pod") or dp.get("down_drops") or dp.get("misrouted"):
        lines.append(
            f"stale paths: {dp.get('no_pod', 0):,} packets to pod addresses nobody has (reset by their node), "
            f"{dp.get('down_drops', 0):,} lost on failed nodes, {dp.get('misrouted', 0):,} to an address now another pod's")
    if prog["records"]:
        lines.append(
            f"network programming latency (change to rules in place, {prog['records']:,} node-changes): "
            f"p50 {_fmt_time(prog['p50_s'])}, p90 {_fmt_time(prog['p90_s'])}, p99 {_fmt_time(prog['p99_s'])}, "
            f"max {_fmt_time(prog['max_s'])}")
        syncs = sum(n["syncs"] for n in ch["nodes"])
        full = sum(n["full_syncs"] for n in ch["nodes"])
        busy = sum(n["sync_busy_s"] for n in ch["nodes"])
        lines.append(f"proxy syncs: {syncs:,} ({full:,} full), {busy:.2f} s of node CPU programming rules")
    for t in result["traffic"]:
        st = t.get("status", {})
        failed = {k: v for k, v in st.items() if k not in ("ok", "unfinished") and v}
        if not failed:
            continue
        kinds = ", ".join(f"{v:,} {k}" for k, v in failed.items())
        retried = f"; {t['retries']:,} retries" if t.get("retries") else ""
        lines.append(f"{t['name']}: failed {kinds}{retried}")
        bad = [(i, b["failed"]) for i, b in enumerate(t.get("seconds", [])) if b["failed"]]
        if bad:
            shown = ", ".join(f"{i}s: {n:,}" for i, n in bad[:12])
            more = f" (+{len(bad) - 12} more seconds)" if len(bad) > 12 else ""
            lines.append(f"  failures by the second they started: {shown}{more}")
    return lines


def format_summary(result: dict[str, Any]) -> str:
    if result.get("model") == "cluster":
        return format_cluster_summary(result)
    sc = result["scenario"]
    sim = result["simulated"]
    th = result["theory"]
    speed = ""
    if result.get("wall_s"):
        speed = (f" in {result['wall_s']:.2f} s wall "
                 f"({result['events'] / max(result['wall_s'], 1e-9) / 1e6:.1f} M events/s)")
    lines = [
        f"podwire {__version__}: {sc['file']} (seed {sc['seed']})",
        f"{th['model']} server farm '{sc['name']}': {sc['arrival_rate']:g} requests/s, "
        f"{sc['servers']} servers, service {sc['service']}",
        f"simulated {result['simulated_s']:g} s (warm-up {sc['warmup_s']:g} s): "
        f"{sim['completions']:,} requests measured, {result['events']:,} events{speed}",
    ]
    if not result["complete"]:
        lines.append("stopped early: figures cover the simulated time reached")
    theory_name = "theory (Erlang C)" if th["model"].startswith("M/M/") else "theory"
    rows = [
        ("utilisation", _fmt_num(sim["utilisation"] / sc["servers"]), _fmt_num(th["utilisation"])),
        ("P(wait)", _fmt_num(sim["p_wait"]), _fmt_num(th["p_wait"])),
        ("mean wait", _fmt_time(sim["mean_wait_s"]), _fmt_time(th["mean_wait_s"])),
        ("mean response", _fmt_time(sim["mean_sojourn_s"]), _fmt_time(th["mean_sojourn_s"])),
        ("p50 response", _fmt_time(sim["p50_s"]), _fmt_time(th["p50_s"])),
        ("p90 response", _fmt_time(sim["p90_s"]), _fmt_time(th["p90_s"])),
        ("p99 response", _fmt_time(sim["p99_s"]), _fmt_time(th["p99_s"])),
        ("mean in system", _fmt_num(sim["mean_in_system"], 2), _fmt_num(th["mean_in_system"], 2)),
    ]
    lines.append("")
    lines.append(f"{'':16}{'simulated':>14}{theory_name:>20}")
    for name, s, t in rows:
        lines.append(f"{name:16}{s:>14}{t:>20}")
    if th["utilisation"] >= 1:
        lines.append("theory: utilisation >= 1, the queue has no steady state")
    return "\n".join(lines)


def _json_ready(value: Any) -> Any:
    """The summary as JSON can hold it: a float that is not a number (a figure
    of no samples) is null, as the run's own dict has it, and numpy scalars
    are plain numbers."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _print_json(result: dict[str, Any], trace: Path | None) -> None:
    # The Result's keys as they are, and where its trace is (Result.path).
    document = {**result, "trace": str(trace) if trace is not None else None}
    print(json.dumps(_json_ready(document), indent=2, allow_nan=False))


def _print_diagnostics(diagnostics: list[dict[str, Any]]) -> None:
    for d in diagnostics:
        print(d["text"], file=sys.stderr)


def _cmd_run(args: argparse.Namespace) -> int:
    overrides = list(args.set or [])
    if args.seed is not None:
        overrides.append(f"run.seed={args.seed}")
    if args.duration is not None:
        overrides.append(f"run.duration={args.duration}")
    try:
        scenario = load(args.scenario, overrides, strict=args.strict, kube_version=args.kube_version)
    except _core.ScenarioError as e:
        _print_diagnostics(e.args[1])
        return ExitCode.SCENARIO
    except KubeVersionError as e:
        print(f"podwire: {e}", file=sys.stderr)
        return ExitCode.SCENARIO
    except OSError as e:
        print(f"podwire: {e}", file=sys.stderr)
        return ExitCode.SCENARIO
    _print_diagnostics([d for d in scenario.validate() if d["severity"] != "error"])
    default_trace = getattr(scenario._load(), "trace_path", "") or Path(args.scenario).stem + ".h5"
    out = None if args.no_trace else Path(default_trace if args.output is None else args.output)
    try:
        if out is not None:
            check_trace_path(out)
    except OutputPathError as e:
        print(f"podwire: {e}", file=sys.stderr)
        return ExitCode.OUTPUT
    try:
        result = run(scenario, out, progress=sys.stderr.isatty() and not args.quiet, trace=out is not None,
                     force=args.force)
    except RunInterrupted as e:
        result = e.result
    except _core.ScenarioError as e:
        _print_diagnostics(e.args[1])
        return ExitCode.SCENARIO
    except RuntimeError as e:
        print(f"podwire: {e}", file=sys.stderr)
        return ExitCode.FAILED
    for notice in result.get("notices", []):
        print(notice, file=sys.stderr)
    if args.json:
        _print_json(result, out)
    else:
        print(format_summary(result))
        if out is not None:
            print(f"\ntrace: {out}" + ("" if result["complete"] else " (complete=false)"))
    return ExitCode.OK if result["complete"] else ExitCode.STOPPED


def _cmd_summary(args: argparse.Namespace) -> int:
    left = read_leftover(args.trace)
    if left is not None:  # a killed run's file, readable up to its last checkpoint
        if args.json:
            print(json.dumps(left, indent=2))
        else:
            print(format_leftover(left))
        return ExitCode.OK
    try:
        result = read_summary(args.trace)
    except (OSError, KeyError, ValueError, RuntimeError) as e:  # h5py says RuntimeError of some damage
        message = str(e).strip("'\"")  # a KeyError's text is quoted
        if not message.startswith(args.trace):
            message = f"{args.trace}: {message}"
        print(f"podwire: {message}", file=sys.stderr)
        return ExitCode.FAILED
    if args.json:
        _print_json(result, Path(args.trace))
    else:
        print(format_summary(result))
    return ExitCode.OK


def _count_errors(diagnostics: list[dict[str, Any]]) -> int:
    """The errors a list reports, with those it leaves out ("N more errors not shown")."""
    n = 0
    for d in diagnostics:
        if d["severity"] != "error":
            continue
        more = re.fullmatch(r"(\d+) more errors? not shown", d["message"]) if not d.get("file") else None
        n += int(more.group(1)) if more else 1
    return n


def _cmd_validate(args: argparse.Namespace) -> int:
    try:
        scenario = load(args.scenario, list(args.set or []), strict=args.strict,
                        kube_version=args.kube_version)
    except _core.ScenarioError as e:
        _print_diagnostics(e.args[1])
        errors = _count_errors(e.args[1])
        print(f"{args.scenario}: {errors} error(s)", file=sys.stderr)
        return ExitCode.SCENARIO
    except KubeVersionError as e:
        print(f"podwire: {e}", file=sys.stderr)
        return ExitCode.SCENARIO
    diagnostics = scenario.validate()
    build_warnings = 0
    loaded = scenario._load()
    if getattr(loaded, "kind", "queueing") == "cluster":
        # Building the model finds what the text alone cannot: unschedulable
        # pods, workloads that do not exist, calls to missing Services.
        try:
            notices = _core.build_scenario(loaded)
        except _core.ScenarioError as e:
            _print_diagnostics(e.args[1])
            errors = _count_errors(e.args[1])
            print(f"{args.scenario}: {errors} error(s)", file=sys.stderr)
            return ExitCode.SCENARIO
        for notice in notices:
            print(notice, file=sys.stderr)
            build_warnings += ": warning: " in notice
    _print_diagnostics(diagnostics)
    print(f"{args.scenario}: valid ({len(diagnostics) + build_warnings} warning(s))")
    return ExitCode.OK


def _on_cluster(args: argparse.Namespace, command: str, use: Any) -> Any:
    """``use(loaded)`` on the cluster scenario ``args`` names, or the exit code
    (an int) after printing why it cannot be loaded or is not a cluster scenario."""
    try:
        loaded = load(args.scenario, list(args.set or []))._load()
        if getattr(loaded, "kind", "queueing") != "cluster":
            print(f"podwire: {args.scenario}: {command} needs a cluster scenario", file=sys.stderr)
            return ExitCode.SCENARIO
        return use(loaded)
    except _core.ScenarioError as e:
        _print_diagnostics(e.args[1])
        return ExitCode.SCENARIO
    except OSError as e:
        print(f"podwire: {e}", file=sys.stderr)
        return ExitCode.SCENARIO


def _cmd_explain(args: argparse.Namespace) -> int:
    result = _on_cluster(args, "explain", lambda loaded: _core.explain(loaded, args.from_pod, args.to))
    if isinstance(result, int):
        return result
    print(result["text"], end="")
    return ExitCode.OK


# `podwire get`: what a scenario's cluster holds at time 0, as kubectl lists it.
_KINDS = {
    "nodes": "nodes", "node": "nodes", "no": "nodes",
    "pods": "pods", "pod": "pods", "po": "pods",
    "services": "services", "service": "services", "svc": "services",
    "endpoints": "endpoints", "endpoint": "endpoints", "ep": "endpoints",
    "all": "all",
}


def _kind(text: str) -> str:
    try:
        return _KINDS[text.lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not one of nodes, pods, services, endpoints, all (or no, po, svc, ep)") from None


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns as kubectl aligns them: left-aligned, three spaces apart."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["   ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [headers, *rows]]
    return "\n".join(lines)


AGE = "0s"  # everything is listed at simulated time 0, when it was all created


def _endpoint_text(endpoints: list[dict[str, Any]], wide: bool) -> str:
    ready = [f"{e['ip']}:{e['port']}" for e in endpoints if e["ready"]]
    if not ready:
        return "<none>"
    if wide or len(ready) <= 3:
        return ",".join(ready)
    return ",".join(ready[:3]) + f" + {len(ready) - 3} more..."  # kubectl's cut


def _ports_text(ports: list[dict[str, Any]]) -> str:
    if not ports:
        return "<none>"
    return ",".join(f"{p['port']}" + (f":{p['node_port']}" if p["node_port"] else "") + f"/{p['protocol']}"
                    for p in ports)


def _external_ip(s: dict[str, Any]) -> str:
    if s["type"] == "ExternalName":
        return s["external_name"] or "<none>"
    if s["external_ips"]:
        return ",".join(s["external_ips"])
    return "<pending>" if s["type"] == "LoadBalancer" else "<none>"


def format_listing(listing: dict[str, Any], kind: str, wide: bool = False, namespaced: bool = True) -> str:
    """One kind's table, as `kubectl get KIND [-A] [-o wide]` prints it."""
    ns = ["NAMESPACE"] if namespaced else []

    def nsc(item: dict[str, Any]) -> list[str]:
        return [item["namespace"]] if namespaced else []

    if kind == "nodes":
        headers = ["NAME", "STATUS", "ROLES", "AGE"]
        if wide:
            headers += ["INTERNAL-IP", "POD-CIDR", "INSTANCE-TYPE", "ZONE", "PODS"]
        rows = []
        for n in listing["nodes"]:
            row = [n["name"], "Ready" if n["ready"] else "NotReady", ",".join(n["roles"]) or "<none>", AGE]
            if wide:
                row += [n["internal_ip"], n["pod_cidr"], n["instance_type"] or "<none>", n["zone"] or "<none>",
                        f"{n['pods']}/{n['max_pods']}"]
            rows.append(row)
    elif kind == "pods":
        headers = ns + ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] + (["IP", "NODE"] if wide else [])
        rows = []
        for p in listing["pods"]:
            row = nsc(p) + [p["name"], f"{p['ready_containers']}/{p['containers']}", p["phase"], str(p["restarts"]),
                            AGE]
            if wide:
                row += [p["ip"] or "<none>", p["node"] or "<none>"]
            rows.append(row)
    elif kind == "services":
        headers = ns + ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"] + (["SELECTOR"] if wide else [])
        rows = []
        for s in listing["services"]:
            row = nsc(s) + [s["name"], s["type"], s["cluster_ip"] or "<none>", _external_ip(s), _ports_text(s["ports"]),
                            AGE]
            if wide:
                row.append(s["selector"] or "<none>")
            rows.append(row)
    elif kind == "endpoints":
        headers = ns + ["NAME", "ENDPOINTS", "AGE"]
        rows = [nsc(e) + [e["name"], _endpoint_text(e["endpoints"], wide), AGE] for e in listing["endpoints"]]
    else:
        raise ValueError(kind)
    if not rows:
        return "No resources found."
    return _table(headers, rows)


def cluster_listing(listing: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
    """The binding's listing with an `endpoints` list (one per Service with a
    selector or endpoints, as the endpoints controller keeps them) and, with
    `namespace`, only that namespace's objects."""
    def keep(item: dict[str, Any]) -> bool:
        return namespace is None or item["namespace"] == namespace

    def key(item: dict[str, Any]) -> tuple[str, str]:  # the API server's order: namespace, then name
        return item["namespace"], item["name"]

    services = sorted((s for s in listing["services"] if keep(s)), key=key)
    return {
        "nodes": listing["nodes"],
        "pods": sorted((p for p in listing["pods"] if keep(p)), key=key),
        "services": services,
        "endpoints": [{"namespace": s["namespace"], "name": s["name"], "endpoints": s["endpoints"]}
                      for s in services
                      if s["type"] != "ExternalName" and (s["selector"] is not None or s["endpoints"])],
    }


def _cmd_get(args: argparse.Namespace) -> int:
    raw = _on_cluster(args, "get", _core.list_cluster)
    if isinstance(raw, int):
        return raw
    for problem in raw["problems"]:
        print(problem, file=sys.stderr)
    listing = cluster_listing(raw, args.namespace)
    kinds = ["nodes", "pods", "services", "endpoints"] if args.kind == "all" else [args.kind]
    if args.output == "json":
        print(json.dumps({k: listing[k] for k in kinds}, indent=2))
        return ExitCode.OK
    tables = [format_listing(listing, k, wide=args.output == "wide", namespaced=args.namespace is None)
              for k in kinds]
    print("\n\n".join(tables))
    return ExitCode.OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podwire", description="Packet-level simulator of Kubernetes cluster networking."
    )
    parser.add_argument("--version", action="version", version=f"podwire {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p_run = sub.add_parser("run", help="run a scenario and print its summary")
    p_run.add_argument("scenario", help="scenario YAML file")
    p_run.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a field (repeatable)")
    p_run.add_argument("--seed", type=int, help="run seed (same as --set run.seed=N)")
    p_run.add_argument(
        "--duration", type=_duration, help="simulated duration with unit, e.g. 60s"
    )
    p_run.add_argument("-o", "--output", metavar="FILE.h5", help="trace file (default: <scenario name>.h5 here)")
    p_run.add_argument("--no-trace", action="store_true", help="write no trace file")
    p_run.add_argument("-q", "--quiet", action="store_true", help="no progress bar (it is drawn only on a terminal)")
    p_run.add_argument("--json", action="store_true",
                       help="print the summary as JSON (the keys of podwire.Result) instead of the table")
    p_run.add_argument("--force", action="store_true",
                       help="run even when the run's estimated memory exceeds what the machine has left")
    p_run.set_defaults(func=_cmd_run)

    p_val = sub.add_parser("validate", help="check a scenario and print every problem")
    p_val.add_argument("scenario", help="scenario YAML file")
    p_val.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a field (repeatable)")
    for p in (p_run, p_val):
        p.add_argument("--strict", action="store_true",
                       help="scenario fields podwire does not have, manifest fields the Kubernetes API "
                            "schema lacks, and values of the wrong type, are errors (default: warnings)")
        p.add_argument("--kube-version", metavar="1.N",
                       help=f"the Kubernetes release whose API schema manifests are checked against "
                            f"(default {DEFAULT_KUBE_VERSION})")
    p_val.set_defaults(func=_cmd_validate)

    p_sum = sub.add_parser("summary", help="print the summary of a trace file")
    p_sum.add_argument("trace", help="HDF5 trace written by podwire run")
    p_sum.add_argument("--json", action="store_true",
                       help="print the summary as JSON (the keys of podwire.read_summary) instead of the table")
    p_sum.set_defaults(func=_cmd_summary)

    p_exp = sub.add_parser("explain", help="show the path a request from a pod (or from outside) to a name takes, "
                                           "hop by hop")
    p_exp.add_argument("scenario", help="cluster scenario YAML file")
    p_exp.add_argument("--from", dest="from_pod", required=True, metavar="POD",
                       help="[namespace/]pod, or a workload (its first pod), or 'outside': the machine outside "
                            "the cluster")
    p_exp.add_argument("--to", required=True, metavar="NAME[:PORT]",
                       help="a name as the client would use it (port 80); udp://NAME:PORT for one datagram")
    p_exp.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a field (repeatable)")
    p_exp.set_defaults(func=_cmd_explain)

    p_get = sub.add_parser("get", help="list the nodes, pods, Services and endpoints a cluster scenario builds")
    p_get.add_argument("scenario", help="cluster scenario YAML file")
    p_get.add_argument("kind", nargs="?", type=_kind, default="all",
                       help="nodes, pods, services, endpoints or all (the default); no, po, svc, ep")
    p_get.add_argument("-o", "--output", choices=["wide", "json"], help="wide: more columns; json: the data")
    p_get.add_argument("--json", dest="output", action="store_const", const="json", help="the same as -o json")
    p_get.add_argument("-n", "--namespace", help="only this namespace's objects (default: every namespace)")
    p_get.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a field (repeatable)")
    p_get.set_defaults(func=_cmd_get)

    p_rep = sub.add_parser("report", help="write one self-contained HTML page of a run's trace, or of a sweep's")
    p_rep.add_argument("traces", nargs="+", metavar="TRACE.h5", help="trace files, or a sweep's folder")
    p_rep.add_argument("-o", "--output", default="report.html", metavar="FILE.html", help="(default report.html)")
    p_rep.add_argument("--top", type=_positive, default=8, metavar="N", help="Services and links drawn (default 8)")
    p_rep.add_argument("--no-explain", action="store_true", help="leave out the hop-by-hop tables")
    p_rep.set_defaults(func=_cmd_report)

    p_par = sub.add_parser("parameters", help="print every parameter with its default and source (docs/parameters.md)")
    p_par.set_defaults(func=_cmd_parameters)
    return parser


def _duration(text: str) -> str:
    # The scenario checks the time itself; an empty one would read as "absent".
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a simulated time with its unit, e.g. 60s")
    return text


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _cmd_report(args: argparse.Namespace) -> int:
    from podwire.report_html import write_report

    out = Path(args.output)
    if out.is_dir() or not out.parent.is_dir():
        why = "it is a folder" if out.is_dir() else f"the folder {out.parent} does not exist"
        print(f"podwire: cannot write the report to {out}: {why}", file=sys.stderr)
        return ExitCode.OUTPUT
    try:
        out = write_report(args.traces if len(args.traces) > 1 else args.traces[0], args.output, top=args.top,
                           explain=not args.no_explain)
    except (OSError, KeyError, ValueError, RuntimeError) as e:
        print(f"podwire: {str(e).strip(chr(39) + chr(34))}", file=sys.stderr)
        return ExitCode.FAILED
    print(f"report: {out} ({out.stat().st_size / 1e3:,.0f} kB)")
    return ExitCode.OK


def _cmd_parameters(args: argparse.Namespace) -> int:
    sys.stdout.write(_core.parameters_markdown())
    return ExitCode.OK


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # SIGTERM, SIGQUIT and SIGHUP (a closed terminal) end the command as Ctrl-C does:
    # during a run the core stops it cleanly (partial summary, complete=false);
    # before it, while the scenario loads and the cluster is built, the command
    # ends at once. A SIGHUP ignored on purpose (nohup) stays ignored.
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP)}
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGQUIT, _stop)
    if before[signal.SIGHUP] is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, _stop)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, where a closed pipe is caught, rather than at exit
        return code
    except KeyboardInterrupt:
        return ExitCode.STOPPED
    except MemoryError:
        print("podwire: out of memory", file=sys.stderr)
        return ExitCode.FAILED
    except BrokenPipeError:
        # The reader went away (`podwire run ... --json | head`): nothing more
        # can be said on standard output, and Python would complain at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.FAILED
    finally:
        for number, handler in before.items():
            if handler is not None:  # None: set outside Python, left as it is now
                signal.signal(number, handler)


if __name__ == "__main__":
    sys.exit(main())
