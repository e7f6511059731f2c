"""Makes docs/report-rolling-update.png, the screenshot of `podwire report`
that the README shows: runs scenarios/churn/rolling-update.yaml, writes its
report and photographs its figures in headless Chromium.

    PYTHONPATH=build/release/python .venv/bin/python scripts/report_screenshot.py
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
import tempfile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/python"))

import podwire  # noqa: E402
from headless_browser import Browser, find_chromium  # noqa: E402
from PIL import Image  # noqa: E402


def main() -> None:
    out = ROOT / "docs/report-rolling-update.png"
    with tempfile.TemporaryDirectory() as folder:
        result = podwire.run(ROOT / "scenarios/churn/rolling-update.yaml", Path(folder) / "rolling-update.h5")
        page = result.report(Path(folder) / "report.html")
        chromium = find_chromium()
        if chromium is None:
            sys.exit("headless Chromium is not installed (scripts/setup.sh installs it)")
        with Browser(chromium, width=1366, height=900) as browser:
            browser.open(page.as_uri())
            # From the latency figures to the end of the node figures.
            top, bottom = json.loads(browser.evaluate(
                "JSON.stringify([document.querySelector('#latency').getBoundingClientRect().top + scrollY,"
                " document.querySelector('#nodes').getBoundingClientRect().bottom + scrollY])"))
            shot = browser.screenshot(Path(folder) / "page.png")
        image = Image.open(shot).convert("RGB").crop((0, int(top) - 8, 1366, int(bottom) + 8))
        image = image.resize((1100, round(image.height * 1100 / 1366)), Image.LANCZOS)
        image.quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(out, optimize=True)
    print(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
