"""podwire: a packet-level discrete-event simulator of Kubernetes cluster networking.

The simulation runs in the C++ core (``podwire._core``); this package loads
scenarios, runs them with the GIL released and presents what they measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podwire._core import ScenarioError, __version__
from podwire.api import OutputPathError, RunInterrupted, RunTooLarge, Scenario, load, run
from podwire.kube_schema import KubeVersionError
from podwire.result import Result, open
from podwire.summary import NotATraceError, read_summary
from podwire.sweep import sweep


def report(sources: Any, out: str | Path = "report.html", **options: Any) -> Path:
    """Writes one self-contained HTML page (``podwire report``) of a trace, a
    ``Result``, a sweep's folder or the DataFrame ``sweep`` returned, and
    returns its path. ``top``: Services and links drawn; ``explain=False``
    leaves out the hop-by-hop tables."""
    from podwire.report_html import write_report

    return write_report(sources, out, **options)


__all__ = [
    "NotATraceError",
    "OutputPathError",
    "Result",
    "RunInterrupted",
    "RunTooLarge",
    "Scenario",
    "ScenarioError",
    "KubeVersionError",
    "__version__",
    "load",
    "open",
    "read_summary",
    "report",
    "run",
    "sweep",
]
