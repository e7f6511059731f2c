"""Loading and running scenarios from Python."""

from __future__ import annotations

from dataclasses import dataclass, field
import errno
import os
from pathlib import Path
import shutil
import tempfile
import threading
import time
from typing import Any
import weakref

from podwire import _core
from podwire.kube_schema import NOT_INSTALLED, KubeVersionError, kube_schema
from podwire.result import Result


@dataclass
class Scenario:
    """A scenario file plus ``--set``-style overrides, checked on every load."""

    path: Path
    overrides: list[str] = field(default_factory=list)
    #: Manifest fields the Kubernetes API schema does not have, and values of
    #: the wrong type, are errors rather than warnings.
    strict: bool = False
    #: The Kubernetes release whose schema manifests are checked against
    #: (``"1.31"``); None: ``kube_schema.DEFAULT_KUBE_VERSION``.
    kube_version: str | None = None

    def set(self, path: str, value: object) -> "Scenario":
        """Override one field (same paths as ``podwire run --set path=value``;
        ``value`` is YAML text or a Python number, bool or string). Raises
        ``ScenarioError`` and leaves the scenario as it was if the value is wrong."""
        self.overrides.append(f"{path}={yaml_text(value)}")
        try:
            self._load()
        except BaseException:
            self.overrides.pop()
            raise
        return self

    def validate(self) -> list[dict[str, Any]]:
        """Every problem found, errors and warnings, each with file, line and column."""
        try:
            found = list(self._load().diagnostics)
        except _core.ScenarioError as e:
            return list(e.args[1])
        if kube_schema(self.kube_version) is None:
            found.append({"severity": "notice", "file": "", "line": 0, "column": 0, "path": "",
                          "message": NOT_INSTALLED, "text": f"notice: {NOT_INSTALLED}"})
        return found

    def _load(self) -> Any:
        schema = kube_schema(self.kube_version)
        if schema is None and self.strict:
            raise KubeVersionError(f"strict checking needs the Kubernetes API schema; {NOT_INSTALLED}")
        return _core.load_scenario(str(self.path), list(self.overrides), schema, self.strict)


def yaml_text(value: object) -> str:
    """A Python value as the YAML text of an override: ``True`` is ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def load(path: str | Path, overrides: list[str] | None = None, *, strict: bool = False,
         kube_version: str | None = None) -> Scenario:
    """Load a scenario; raises ``ScenarioError`` listing every problem in it.
    Its manifests are checked against the Kubernetes API schema of
    ``kube_version`` (``"1.31"``; default ``kube_schema.DEFAULT_KUBE_VERSION``):
    unknown fields and values of the wrong type are warnings, or errors when
    ``strict``. ``KubeVersionError`` for a release with no schema."""
    scenario = Scenario(Path(path), list(overrides or []), strict, kube_version)
    scenario._load()
    return scenario


class OutputPathError(OSError):
    """A trace cannot be written where it was asked to go; the message says
    why in plain words. Raised before anything is simulated."""


_WHY = {
    errno.EACCES: "no permission to write in the folder {folder}",
    errno.EPERM: "no permission to write in the folder {folder}",
    errno.EROFS: "the folder {folder} is on a read-only file system",
    errno.ENOSPC: "no space is left on the device of {folder}",
    errno.EDQUOT: "the disk quota of {folder} is used up",
    errno.ENAMETOOLONG: "the file name is too long",
}


def check_trace_path(out: str | Path) -> Path:
    """Checks that a trace can be written at ``out`` (as the run will: a file
    ``out.tmp-<pid>`` in its folder, renamed to ``out`` at the end) and returns
    it as a Path; ``OutputPathError`` says what is wrong otherwise."""
    out = Path(out)
    if out.is_dir():
        raise OutputPathError(f"cannot write the trace to {out}: it is a folder; name a file in it, "
                              f"e.g. {out / 'run.h5'}")
    folder = out.parent
    if not folder.exists():
        raise OutputPathError(f"cannot write the trace to {out}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputPathError(f"cannot write the trace to {out}: {folder} is a file, not a folder")
    probe = folder / f"{out.name}.tmp-{os.getpid()}"
    try:
        with open(probe, "wb"):
            pass
    except OSError as e:
        why = _WHY.get(e.errno or 0, f"cannot create a file in the folder {{folder}} ({(e.strerror or str(e)).lower()})")
        why = why.format(folder=folder)
        raise OutputPathError(f"cannot write the trace to {out}: {why}") from None
    probe.unlink()
    return out


def _read_number(path: str, key: str | None = None) -> int | None:
    """A number of bytes from /proc or cgroup files: the file's whole text, or a
    ``key: N kB`` line of it; None when absent or unlimited ("max")."""
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    if key is None:
        return int(text) if text.strip().isdigit() else None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name == key:
            number, *unit = value.split()
            return int(number) * (1024 if unit == ["kB"] else 1)
    return None


def memory_available() -> tuple[float, str]:
    """The memory a run may still take, in bytes, and where that figure comes
    from: the least of the machine's MemAvailable (/proc/meminfo), the room
    left under this process's RLIMIT_AS (its limit less its VmSize) and the
    room left in its cgroup (memory.max less memory.current). ``inf`` when
    none of them is known."""
    import resource

    room: list[tuple[float, str]] = []
    available = _read_number("/proc/meminfo", "MemAvailable")
    if available is not None:
        room.append((available, "MemAvailable"))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        used = _read_number("/proc/self/status", "VmSize") or 0
        room.append((max(0, soft - used), f"RLIMIT_AS {_bytes(soft)} less {_bytes(used)} in use"))
    limit = _read_number("/sys/fs/cgroup/memory.max")
    if limit is not None:
        used = _read_number("/sys/fs/cgroup/memory.current") or 0
        room.append((max(0, limit - used), f"cgroup memory.max {_bytes(limit)} less {_bytes(used)} in use"))
    return min(room) if room else (float("inf"), "no limit known")


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


class RunTooLarge(RuntimeError):
    """A run whose estimate (``estimate``, the dict of
    ``_core.estimate_run``) does not fit the memory ``available`` (bytes),
    refused before it ran; ``run(..., force=True)`` runs it anyway."""

    def __init__(self, estimate: dict[str, float], available: float, where: str) -> None:
        self.estimate, self.available = estimate, available
        parts = []
        queueing = estimate.get("kind") == "queueing"
        each = lambda key: f"{estimate[key + '_each_bytes']:,.0f} B each"
        if estimate["waiting_bytes"]:
            what = ("jobs left waiting in the queue (arriving faster than the servers finish them)" if queueing else
                    "requests left waiting (offered faster than a client's threads or a saturated Service serve them)")
            parts.append(f"{estimate['waiting']:,.0f} {what} at {each('waiting')}: {_bytes(estimate['waiting_bytes'])}")
        if estimate["time_wait_bytes"]:
            parts.append(f"{estimate['time_wait']:,.0f} connections in TIME_WAIT at {each('time_wait')}: "
                         f"{_bytes(estimate['time_wait_bytes'])}")
        if estimate["programming_bytes"]:
            parts.append(f"{estimate['programming_samples']:,.0f} (node, endpoint change) samples of "
                         f"{estimate['endpoint_changes']:,.0f} endpoint changes at {each('programming')}: "
                         f"{_bytes(estimate['programming_bytes'])}")
        super().__init__(
            f"this run would take about {_bytes(estimate['memory_bytes'])} of memory"
            + ("" if queueing else " beyond its cluster's model")
            + f", and {_bytes(available)} is available ({where}): " + "; ".join(parts)
            + f"; about {estimate['events']:.2g} events for {estimate['requests']:,.0f} "
            + ("jobs. " if queueing else "requests. ")
            + "Lower the rate or the duration, or run it anyway with --force (podwire.run(..., force=True))")


def _run_core(loaded: Any, out: str, progress: bool, force: bool = False) -> dict[str, Any]:
    """Runs in C++ (the GIL released); with ``progress``, a thread draws a
    tqdm bar of simulated time, events per second and the time left. Unless
    ``force``, a cluster run whose estimate does not fit memory_available()
    raises RunTooLarge before it runs."""
    available, where = (0.0, "") if force else memory_available()
    if available == float("inf"):
        available = 0.0  # unchecked
    try:
        return _run_core_checked(loaded, out, progress, available)
    except _core.RunTooLarge as e:
        raise RunTooLarge(e.args[1], available, where) from None


def _run_core_checked(loaded: Any, out: str, progress: bool, available: float) -> dict[str, Any]:
    if not progress:
        return _core.run_scenario(loaded, out, None, available)
    state = _core.RunProgress()
    done = threading.Event()

    def draw() -> None:
        from tqdm import tqdm

        total = float(loaded.duration_s)
        with tqdm(total=total, unit="s", unit_scale=True, desc="simulated", leave=False,
                  bar_format="{desc} {n:.3g}/{total:.3g} s {bar}{postfix} [{elapsed}<{remaining}]") as bar:
            last_events, last_time = 0, time.monotonic()
            while not done.wait(0.25):
                now = time.monotonic()
                events = state.events
                bar.set_postfix_str(f"{(events - last_events) / max(now - last_time, 1e-9) / 1e6:.1f} M events/s")
                last_events, last_time = events, now
                bar.update(max(0.0, state.simulated_s - bar.n))

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        return _core.run_scenario(loaded, out, state, available)
    finally:
        done.set()
        thread.join()


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT), SIGTERM, SIGQUIT or SIGHUP arrived while a run was going. The run
    stopped cleanly at the next slice of simulated time: its trace is closed
    with ``complete=false`` and everything written so far, and ``result``
    holds what it measured until then."""

    def __init__(self, result: Result) -> None:
        super().__init__(f"the run was stopped at {result.get('simulated_s', 0):g} s simulated; "
                         f"its trace {result.path} says complete=false")
        self.result = result


def run(scenario: Scenario | str | Path, out: str | Path | None = None, progress: bool = False, *,
        trace: bool = True, force: bool = False) -> Result:
    """Run a scenario to its end and return its ``Result``.

    The trace goes to ``out`` (HDF5); ``OutputPathError`` before anything is
    simulated when it cannot be written there. Without ``out`` it goes to a file in a
    new temporary folder (``tempfile``, so ``TMPDIR`` decides where), which is
    removed when the Result is garbage-collected: pass ``out`` to keep it.
    ``trace=False`` writes nothing; the Result is then only the summary.
    ``progress`` draws a progress bar on standard error.

    Ctrl-C stops the run cleanly and raises ``RunInterrupted`` (a
    ``KeyboardInterrupt``) whose ``result`` is the partial Result, its trace
    closed with ``complete=false``; one while a cluster is being built raises
    a plain ``KeyboardInterrupt`` (nothing ran, no trace begun).

    A cluster run whose estimated memory (docs/cli.md) exceeds what the
    machine has left raises ``RunTooLarge`` before it runs, unless ``force``;
    running out of memory during a run raises ``RuntimeError`` saying when,
    its trace left readable as its last checkpoint wrote it.
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    loaded = scenario._load()
    folder = None
    if out is not None:
        out = check_trace_path(out)
    if out is None and trace:
        folder = tempfile.mkdtemp(prefix="podwire-")
        out = Path(folder) / (Path(loaded.file).stem + ".h5")
    try:
        summary = _run_core(loaded, str(out) if out is not None else "", progress, force)
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    summary["scenario"] = _scenario_dict(loaded)
    result = Result(summary, out)
    if folder is not None:
        weakref.finalize(result, shutil.rmtree, folder, True)
    if not result.complete:
        raise RunInterrupted(result)
    return result


def _scenario_dict(loaded: Any) -> dict[str, Any]:
    if getattr(loaded, "kind", "queueing") == "cluster":
        return {
            "file": loaded.file,
            "seed": loaded.seed,
            "duration_s": loaded.duration_s,
            "warmup_s": loaded.warmup_s,
            "nodes": loaded.nodes,
            "objects": loaded.objects,
            "resolved_text": loaded.resolved_text,
        }
    return {
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
