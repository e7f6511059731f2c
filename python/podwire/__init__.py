"""podwire: a packet-level discrete-event simulator of Kubernetes cluster networking.

The simulation runs in the C++ core (``podwire._core``); this package loads
scenarios, runs them with the GIL released and presents what they measured.
"""

from __future__ import annotations

from podwire._core import ScenarioError, __version__
from podwire.api import OutputPathError, RunInterrupted, Scenario, load, run
from podwire.result import Result, open
from podwire.summary import NotATraceError, read_summary
from podwire.sweep import sweep

__all__ = [
    "NotATraceError",
    "OutputPathError",
    "Result",
    "RunInterrupted",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load",
    "open",
    "read_summary",
    "run",
    "sweep",
]
