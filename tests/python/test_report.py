"""podwire report: what the page says is what the trace holds (checked
against pandas over the requests themselves), the page holds everything it
needs and stays small however many requests there were, a sweep gets one
figure per swept parameter, and every shipped scenario's trace gets a page."""

from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

import podwire
from podwire.cli import _fmt_time
from podwire.report_data import cdf_points, read_run

SOURCE = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p for p in (SOURCE / "scenarios").rglob("*.yaml")
                   if p.relative_to(SOURCE / "scenarios").parts[0] not in ("manifests", "seed"))
# Long enough for each churn scenario's first endpoint change to be programmed (node-failure: 10 s + the
# 40 s node monitor grace period).
SHORT = {"rolling-update": "14s", "rolling-update-prestop": "14s", "node-failure": "55s",
         "programming-5000-nodes": "7s"}


@pytest.fixture(scope="module")
def rollout(tmp_path_factory) -> podwire.Result:
    out = tmp_path_factory.mktemp("rollout") / "rolling-update.h5"
    return podwire.run(podwire.load(SOURCE / "scenarios/churn/rolling-update.yaml", ["run.duration=14s"]), out)


def charts(text: str) -> list[str]:
    return re.findall(r'<svg [^>]*class="chart".*?</svg>', text, flags=re.S)


def test_cdf_points_are_quantiles_of_the_values():
    rng = np.random.default_rng(7)
    values = rng.lognormal(-6, 1, 200_000)
    xs, ps = cdf_points(values)
    assert 100 < len(xs) < 250  # a fixed number of points, not one per value
    assert np.all(np.diff(xs) >= 0) and np.all(np.diff(ps) > 0) and ps[-1] == 1.0
    assert xs[-1] == values.max()
    for x, p in zip(xs[1:], ps[1:]):  # x is the p-quantile: at least p at or below it, less than p below it
        assert np.mean(values <= x) >= p - 1e-12
        assert np.mean(values < x) < p + 1e-12
    few = np.array([3.0, 1.0, 2.0])
    assert list(cdf_points(few)[0]) == [1.0, 2.0, 3.0] and list(cdf_points(few)[1]) == [1 / 3, 2 / 3, 1.0]


def test_the_figures_data_is_what_the_requests_say(rollout):
    with h5py.File(rollout.path) as f:
        data = read_run(f)
    df = rollout.requests
    clients = df[df["parent"] == 0]
    ok = clients[(clients["status"] == "ok")]
    # per second, by the second the request started
    per_second = ok.groupby(ok["started_s"].astype(int)).size()
    drawn = data.ok_per_second[0].ys
    assert drawn.sum() == len(ok)
    assert all(drawn[s] == n for s, n in per_second.items())
    for status in ("refused", "unfinished"):
        mine = clients[clients["status"] == status]
        assert data.failed_per_second.get(status, np.zeros(1)).sum() == len(mine)
    assert data.failed_per_second["refused"][10:16].sum() > 0  # the rollout's refusals, at 10 s and after
    # the CDF of the traffic entry: ok, after the warm-up, its median near pandas' own
    measured = ok[~ok["warmup"]]["total_s"]
    curve = data.traffic_cdfs[0]
    assert curve.count == len(measured)
    median = curve.xs[np.searchsorted(curve.ys, 0.5)]
    assert abs(median - measured.quantile(0.5)) / measured.quantile(0.5) < 0.01
    # the summary percentiles per Service (a histogram, under 1% error) agree with the curves
    service = next(s for s in rollout["services"] if s["name"] == data.service_cdfs[0].label)
    c = data.service_cdfs[0]
    assert abs(c.xs[np.searchsorted(c.ys, 0.99)] - service["p99_s"]) / service["p99_s"] < 0.02
    # CPU layers sum to the node's busy share, conntrack is each group's largest
    nodes = rollout.timeseries("nodes")
    workers = nodes[nodes["node"].astype(str).str.startswith("worker")]
    group, n, x, layers = next(g for g in data.cpu_groups if g[0] == "worker")
    assert n == workers["node"].nunique()
    expected = workers.groupby("at_s")[["kernel_busy", "application_busy"]].mean().sum(axis=1).to_numpy()
    assert np.allclose(sum(layers.values()), expected)
    peak = workers.groupby("at_s")["conntrack_entries"].max().to_numpy()
    assert np.array_equal(next(c for c in data.conntrack if c.label.startswith("worker")).ys, peak)
    kinds = [label for _, label in data.events]
    assert any(k.startswith("rollout started web") for k in kinds)
    assert len(data.pod_events["deleted"]) == int((rollout.events["kind"] == "deleted").sum())


def test_the_page_holds_everything_and_says_what_the_summary_says(rollout, tmp_path, podwire_cli):
    out = tmp_path / "page.html"
    r = podwire_cli("report", str(rollout.path), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout
    text = out.read_text()
    # one file: no script, nothing fetched (the only URL is the SVG namespace)
    assert "<script" not in text
    assert not re.findall(r'(?:src|href)="(?!#)', text)
    outside_texts = re.sub(r"<pre>.*?</pre>", "", text, flags=re.S)  # the scenario's own URLs aside
    assert set(re.findall(r"https?://[^\"' <]+", outside_texts)) == {"http://www.w3.org/2000/svg"}
    for section in ("run", "summary", "latency", "seconds", "nodes", "churn", "explain"):
        assert f'<section id="{section}">' in text
    assert "trace complete" in text and "rolling-update.yaml" in text
    t = rollout["traffic"][0]
    assert f"<td class=n>{t['sent']:,}</td>" in text and f"<td class=n>{t['failed']:,}</td>" in text
    assert "default/web" in text and "SYN" in text  # the Service, and explain's first packet
    titles = [re.search(r'aria-label="([^"]+)"', c).group(1) for c in charts(text)]
    for expected in ("Client requests per traffic entry", "Requests per Service (by requests)",
                     "Successful requests per second", "Failed requests per second, by status", "CPU of worker",
                     "Conntrack entries", "Busiest links", "Network programming latency"):
        assert any(title.startswith(expected) for title in titles), (expected, titles)
    assert "rollout started web" in text
    # the same page from Python
    assert rollout.report(tmp_path / "again.html").read_text().count("<svg") == text.count("<svg")


def test_the_page_does_not_grow_with_the_requests(tmp_path):
    sizes = {}
    for rate in ("200/s", "4000/s"):
        scenario = podwire.load(SOURCE / "scenarios/proxy-modes/http.yaml",
                                ["run.duration=4s", f"traffic[0].rate={rate}"])
        result = podwire.run(scenario, tmp_path / f"{rate[:-2]}.h5")
        sizes[rate] = podwire.report(result, tmp_path / f"{rate[:-2]}.html").stat().st_size
        assert sum(t["sent"] for t in result["traffic"]) > (500 if rate == "200/s" else 10_000)
    assert sizes["4000/s"] < 1.3 * sizes["200/s"], sizes


def test_a_sweep_gets_a_figure_per_swept_parameter_and_a_row_per_run(tmp_path, podwire_cli):
    folder = tmp_path / "sweep"
    base = ["run.duration=3s", "run.warmup=1s"]
    df = podwire.sweep(podwire.load(SOURCE / "scenarios/default.yaml", base),
                       {"queueing.servers": [4, 5, 6], "run.seed": [1, 2]}, out_dir=folder, workers=1,
                       progress=False)
    assert len(df) == 6 and set(df["status"]) == {"ok"}
    r = podwire_cli("report", str(folder), "-o", str(tmp_path / "sweep.html"))
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "sweep.html").read_text()
    titles = [re.search(r'aria-label="([^"]+)"', c).group(1) for c in charts(text)]
    assert sorted(titles) == sorted(["Latency against queueing.servers", "CPU against queueing.servers",
                                     "Latency against run.seed", "CPU against run.seed"])
    table = text[text.index("<h3>Every run</h3>"):]
    assert table.count("<tr>") == 1 + 6
    # the p99 of a run, as its own summary has it
    row = df[(df["queueing.servers"] == 5) & (df["run.seed"] == 2)].iloc[0]
    assert _fmt_time(row["p99_s"]) in table
    # from the sweep's DataFrame, the same runs
    again = podwire.report(df, tmp_path / "df.html").read_text()
    assert again.count("<tr>") == text.count("<tr>")


def test_what_is_not_a_trace_is_named(tmp_path, podwire_cli):
    (tmp_path / "notes.txt").write_text("hello")
    r = podwire_cli("report", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "x.html"))
    assert r.returncode == 1 and "notes.txt: not a podwire trace" in r.stderr
    (tmp_path / "empty").mkdir()
    r = podwire_cli("report", str(tmp_path / "empty"), "-o", str(tmp_path / "x.html"))
    assert r.returncode == 1 and "no trace (*.h5)" in r.stderr
    assert not (tmp_path / "x.html").exists()
    r = podwire_cli("report", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "missing/x.html"))
    assert r.returncode == 4 and "the folder" in r.stderr and "does not exist" in r.stderr
    r = podwire_cli("report", str(tmp_path / "notes.txt"), "--top", "0")
    assert r.returncode == 2 and "--top" in r.stderr


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_gets_a_page(path, tmp_path):
    duration = SHORT.get(path.stem, "3s")
    warmup = "0s" if path.stem in SHORT else "1s"
    result = podwire.run(podwire.load(path, [f"run.duration={duration}", f"run.warmup={warmup}"]),
                         tmp_path / "run.h5")
    text = podwire.report(result, tmp_path / "run.html").read_text()
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")
    assert "trace complete" in text
    assert "Traceback" not in text and "cannot be loaded again" not in text
    # programming-5000-nodes sends no traffic; a queueing farm has its latency and its requests per second
    assert len(charts(text)) >= (1 if path.stem == "programming-5000-nodes" else 2 if path.stem == "default" else 3)
    if path.stem in SHORT:
        assert '<section id="churn">' in text and "Network programming latency" in text
    from_pods = [t for t in yaml.safe_load(path.read_text()).get("traffic", []) if t.get("from", "outside") != "outside"]
    if from_pods:  # explain follows a request from a pod
        assert '<section id="explain">' in text and text.count("The first packet") == len(from_pods)


def test_the_example_of_docs_cli_md_runs(tmp_path, source_dir):
    import os
    import subprocess
    import sys

    text = (source_dir / "docs/cli.md").read_text()
    section = text[text.index("## `podwire report"):text.index("## `podwire parameters`")]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S).group(1)
    (tmp_path / "scenarios").symlink_to(source_dir / "scenarios")
    podwire.sweep(podwire.load(source_dir / "scenarios/default.yaml", ["run.duration=2s", "run.warmup=1s"]),
                  {"queueing.servers": [4, 5]}, out_dir=tmp_path / "sweeps/modes", workers=1, progress=False)
    for line in block.strip().splitlines():
        command = line.split("#")[0].split()
        assert command[0] == "podwire", line
        r = subprocess.run([sys.executable, "-m", "podwire", *command[1:]], cwd=tmp_path, capture_output=True,
                           text=True, timeout=120, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                               str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)})
        assert r.returncode == 0, (line, r.stderr)
    assert "Latency against queueing.servers" in (tmp_path / "modes.html").read_text()
    assert "refused" in (tmp_path / "rolling-update.html").read_text()


def test_a_stopped_run_and_a_trace_without_requests_say_so(tmp_path, source_dir):
    import signal
    import subprocess
    import sys
    import time

    trace = tmp_path / "stopped.h5"
    proc = subprocess.Popen([sys.executable, "-m", "podwire", "run", "scenarios/seed-web.yaml", "--duration",
                             "100000s", "-o", str(trace)], cwd=source_dir, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    text = podwire.report(trace, tmp_path / "stopped.html").read_text()
    assert "stopped early: complete=false" in text and "trace complete" not in text
    assert "Client requests per traffic entry" in text  # what it simulated until then

    quiet = podwire.run(podwire.load(source_dir / "scenarios/seed-web.yaml",
                                     ["run.duration=2s", "run.warmup=1s", "outputs.requests=false"]),
                        tmp_path / "quiet.h5")
    text = quiet.report(tmp_path / "quiet.html").read_text()
    assert "no request rows" in text and "CPU of worker" in text
    assert f"<td class=n>{quiet['traffic'][0]['sent']:,}</td>" in text  # the summary still has them


@pytest.mark.parametrize("lo,hi", [(2e-4, 1.6), (3e-4, 0.03), (1e-6, 10), (1e-9, 10), (2e-3, 8e-3), (1.5e-3, 1.9e-3)])
def test_log_axis_labels_are_readable(lo, hi):
    from podwire.report_svg import Scale, fmt_seconds

    scale = Scale(lo, hi, 62, 346, log=True)
    ticks, _ = scale.ticks()
    assert len(ticks) >= 3, ticks
    assert all(lo <= t <= hi * 1.0001 for t in ticks)
    pixels = [scale(t) for t in ticks]
    assert min(b - a for a, b in zip(pixels, pixels[1:])) >= 40, [fmt_seconds(t) for t in ticks]
    labels = [fmt_seconds(t) for t in ticks]
    assert len(set(labels)) == len(labels) and all(len(x) <= 7 for x in labels), labels
