"""The fuzzer's own machinery (scripts/fuzz.py): a worker that crashes or hangs is
caught, its input kept and replayable, and the run goes on to the end."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys


def fuzz(source_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(source_dir / "scripts" / "fuzz.py"), *args],
                          capture_output=True, text=True, timeout=120, cwd=source_dir)


def test_a_crash_and_a_hang_are_caught_and_their_inputs_kept(source_dir, tmp_path):
    r = fuzz(source_dir, "--inputs", "60", "--seed", "3", "--timeout", "0.5", "--inject-crash", "7",
             "--inject-hang", "20", "--findings", str(tmp_path))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "finding: input 7: crash: SIGSEGV" in r.stdout
    assert "finding: input 20: hang: more than 0.5 s of CPU time" in r.stdout
    assert "60 inputs in " in r.stdout  # every input ran, the two that ended their workers too
    kept = tmp_path / "crash-7"
    info = json.loads((kept / "input.json").read_text())
    assert info["index"] == 7 and info["seed"] == 3 and info["detail"] == "SIGSEGV"
    assert (kept / "scenario.yaml").is_file()
    assert (tmp_path / "hang-20" / "input.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crash-7", "hang-20"]


def test_a_kept_input_replays(source_dir, tmp_path):
    fuzz(source_dir, "--inputs", "12", "--seed", "3", "--inject-crash", "11", "--findings", str(tmp_path))
    # Without the injected crash the input runs (the loader's findings, if any, are printed).
    r = fuzz(source_dir, "--replay", str(tmp_path / "crash-11"))
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    assert r.stdout.splitlines()[0].endswith(" s")


def test_the_same_seed_gives_the_same_inputs(source_dir):
    sys.path.insert(0, str(source_dir / "scripts"))
    try:
        import fuzz as f
    finally:
        sys.path.pop(0)
    a, b = f.Generator(5), f.Generator(5)
    for i in (0, 1, 999, 123456):
        x, y = a.input(i), b.input(i)
        assert (x.seed.path, x.scenario, x.manifest, x.overrides) == (y.seed.path, y.scenario, y.manifest, y.overrides)
    assert a.input(0).scenario != f.Generator(6).input(0).scenario or a.input(1).scenario != f.Generator(6).input(1).scenario
