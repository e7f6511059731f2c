"""Loading and running scenarios from Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podwire import _core


@dataclass
class Scenario:
    """A scenario file plus ``--set``-style overrides, checked on every load."""

    path: Path
    overrides: list[str] = field(default_factory=list)

    def set(self, path: str, value: object) -> "Scenario":
        """Override one field (same paths as ``podwire run --set path=value``)."""
        self.overrides.append(f"{path}={value}")
        self._load()
        return self

    def validate(self) -> list[dict[str, Any]]:
        """Every problem found, errors and warnings, each with file, line and column."""
        try:
            return list(self._load().diagnostics)
        except _core.ScenarioError as e:
            return list(e.args[1])

    def _load(self) -> Any:
        return _core.load_scenario(str(self.path), list(self.overrides))


def load(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load a scenario; raises ``ScenarioError`` listing every problem in it."""
    scenario = Scenario(Path(path), list(overrides or []))
    scenario._load()
    return scenario


def run(scenario: Scenario) -> dict[str, Any]:
    """Run a scenario to its end; Ctrl-C stops it cleanly with ``complete`` False."""
    loaded = scenario._load()
    result = _core.run_scenario(loaded)
    result["scenario"] = {
        "file": loaded.file,
        "name": loaded.name,
        "seed": loaded.seed,
        "duration_s": loaded.duration_s,
        "warmup_s": loaded.warmup_s,
        "servers": loaded.servers,
        "arrival_rate": loaded.arrival_rate,
        "service": loaded.service,
        "resolved_text": loaded.resolved_text,
    }
    return result
