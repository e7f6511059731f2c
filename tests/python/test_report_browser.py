"""The report as a person sees it: headless Chromium opens the page of a
rolling update and of a sweep, with a laptop's screen and for print. The
page logs no error, fetches nothing, draws every figure at its size with its
data in it, and its screenshot is not blank. Skipped, saying why, only where
Chromium is not installed (scripts/setup.sh installs Debian's package)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import podwire
from headless_browser import Browser, find_chromium

SOURCE = Path(__file__).resolve().parents[2]
CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (scripts/setup.sh installs Debian's chromium "
                             "package; PODWIRE_CHROMIUM names another browser)")

# What each figure is in the page: its size as drawn, and how much of it the data covers.
FIGURES = """JSON.stringify([...document.querySelectorAll('svg.chart')].map(s => {
  const r = s.getBoundingClientRect(), g = s.querySelector('g[clip-path]'), b = g ? g.getBBox() : null;
  return {title: s.getAttribute('aria-label'), width: r.width, height: r.height,
          w: +s.getAttribute('width'), h: +s.getAttribute('height'),
          marks: g ? g.querySelectorAll('polyline,polygon,path,circle').length : 0,
          drawn: b ? [b.width, b.height] : [0, 0], visible: r.bottom > 0 && getComputedStyle(s).display != 'none'};
}))"""


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM, width=1366, height=900) as b:
        yield b


@pytest.fixture(scope="module")
def rollout_page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    result = podwire.run(podwire.load(SOURCE / "scenarios/churn/rolling-update.yaml", ["run.duration=16s"]),
                         folder / "rolling-update.h5")
    return result.report(folder / "rolling-update.html")


def check_figures(browser: Browser, expected: int) -> list[dict]:
    import json

    figures = json.loads(browser.evaluate(FIGURES))
    assert len(figures) == expected, [f["title"] for f in figures]
    for f in figures:
        assert f["visible"], f
        # at its size on a laptop screen (the page is wider than two figures side by side)
        assert abs(f["width"] - f["w"]) < 1 and abs(f["height"] - f["h"]) < 1, f
        # data drawn inside the axes
        assert f["marks"] > 0 and f["drawn"][0] > 20 and f["drawn"][1] > 10, f
    return figures


def test_the_rollout_page_in_a_browser(browser, rollout_page, tmp_path):
    import json

    from PIL import Image

    browser.open(rollout_page.as_uri())
    assert browser.errors() == []
    assert browser.requests() == [rollout_page.as_uri()]  # nothing fetched: it works offline
    figures = check_figures(browser, 9)
    titles = [f["title"] for f in figures]
    assert "Failed requests per second, by status" in titles and "Network programming latency" in titles
    shot = browser.screenshot(tmp_path / "page.png")
    image = np.asarray(Image.open(shot).convert("L"))
    assert image.shape[1] == 1366 and image.shape[0] > 3000  # the whole page
    ink = np.mean(image[:900] < 200)
    assert 0.01 < ink < 0.5, ink  # text and lines on white: neither blank nor a block
    # every figure has ink where the page put it
    boxes = json.loads(browser.evaluate(
        "JSON.stringify([...document.querySelectorAll('svg.chart')].map(s => {const r = s.getBoundingClientRect();"
        " return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY]}))"))
    for left, top, right, bottom in boxes:
        assert np.sum(image[int(top):int(bottom), int(left):int(right)] < 128) > 500, (left, top)
    # in print, on A4 (794 px at 96 dpi), nothing is wider than the paper, and the page prints
    browser.send("Emulation.setEmulatedMedia", session=True, media="print")
    browser.send("Emulation.setDeviceMetricsOverride", session=True, width=794, height=1123, deviceScaleFactor=1,
                 mobile=False)
    widths = json.loads(browser.evaluate(
        "JSON.stringify([document.documentElement.scrollWidth, Math.max(...[...document.querySelectorAll("
        "'svg.chart')].map(s => s.getBoundingClientRect().right))])"))
    assert widths[0] <= 794 and widths[1] <= 794, widths
    pdf = browser.pdf(tmp_path / "page.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + \
        pdf.count(b"/Type/Page") >= 3
    browser.send("Emulation.setEmulatedMedia", session=True, media="")
    browser.send("Emulation.setDeviceMetricsOverride", session=True, width=1366, height=900, deviceScaleFactor=1,
                 mobile=False)
    assert browser.errors() == []


def test_a_sweep_page_in_a_browser(browser, tmp_path):
    base = podwire.load(SOURCE / "scenarios/seed-web.yaml", ["run.duration=2s", "run.warmup=1s"])
    df = podwire.sweep(base, {"cluster.proxy.mode": ["iptables", "ipvs", "nftables"], "traffic[0].rate": ["200/s", "400/s"]},
                       out_dir=tmp_path / "sweep", workers=1, progress=False)
    page = podwire.report(df, tmp_path / "sweep.html")
    browser.open(page.as_uri())
    assert browser.errors() == []
    figures = check_figures(browser, 4)
    assert {f["title"] for f in figures} == {"Latency against cluster.proxy.mode", "CPU against cluster.proxy.mode",
                                             "Latency against traffic[0].rate", "CPU against traffic[0].rate"}
    rows = browser.evaluate("document.querySelectorAll('table tbody tr').length")
    assert rows == 6
