#!/usr/bin/env python3
"""A mutation fuzzer over the shipped scenarios and the manifests they read.

Each input is one shipped scenario with one to three YAML-aware mutations, in
the scenario itself or in one of its manifest files: keys deleted, duplicated
and retyped; numbers made huge, negative, zero, denormal or NaN; units changed;
anchors, aliases and aliases inside their own anchor; deep nesting; bytes that
are not UTF-8; and plain byte damage. It goes through the loader
(``_core.parse_scenario``) and, when it loads as a cluster scenario, the model
build (``_core.build_scenario``).

The oracle: no crash (a signal), no input taking more than ``--timeout``
seconds (2) of CPU time (or five times that of wall time), no exception other than ``_core.ScenarioError``, and every
diagnostic, of the loader and of the build, with a file and a line.

Inputs run in worker processes, many per process; a worker that dies or hangs
is replaced and the input it was on is kept. Input ``i`` of seed ``s`` is the
same on every run, so a finding is reproduced by its number::

    scripts/fuzz.py --inputs 20000 --seed 1        # a bounded run
    scripts/fuzz.py --seconds 600 --workers 2      # ten minutes on two cores
    scripts/fuzz.py                                # until Ctrl-C
    scripts/fuzz.py --replay build/fuzz/findings/crash-SIGSEGV-1234

Findings are written to ``--findings`` (build/fuzz/findings): one folder per
input with the scenario text, the manifest text when a manifest was mutated,
and ``input.json`` saying how it was run. The exit status is 1 when there
was a finding.
"""

from __future__ import annotations

import argparse
import json
import mmap
import os
from pathlib import Path
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"

# --- the corpus -----------------------------------------------------------------------


class Seed:
    """A shipped scenario, its manifest references and the files they name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = path.read_bytes()
        self.refs: list[tuple[str, list[Path]]] = []  # (reference as written, its files)
        for m in re.finditer(rb"^\s*-\s+([\w./-]+\.ya?ml|[\w./-]+/)\s*$", self.text, re.M):
            ref = m.group(1).decode()
            target = (path.parent / ref)
            if target.is_dir():
                files = sorted(p for p in target.rglob("*.y*ml") if p.is_file())
            elif target.is_file():
                files = [target]
            else:
                continue
            if files:
                self.refs.append((ref, files))
        # Small scenarios are drawn more often: an input's cost grows with the
        # text read and with the nodes built.
        size = len(self.text) + sum(f.stat().st_size for _, fs in self.refs for f in fs)
        nodes = sum(int(n) for n in re.findall(rb"\bcount:\s*(\d+)", self.text))
        self.weight = 1.0 / (1.0 + size / 3000.0) / (1.0 + nodes / 50.0)


def corpus() -> tuple[list[Seed], list[Path]]:
    seeds = []
    for p in sorted(SCENARIOS.rglob("*.yaml")):
        rel = p.relative_to(SCENARIOS).as_posix()
        if rel.startswith(("manifests/", "seed/")):
            continue
        seeds.append(Seed(p))
    manifests = sorted(p for p in (SCENARIOS / "manifests").rglob("*.y*ml") if p.is_file())
    manifests += sorted((SCENARIOS / "seed").rglob("*.y*ml"))
    return seeds, manifests


# --- mutations ------------------------------------------------------------------------

KEY_LINE = re.compile(rb"^([ \t]*)(- )?([^\s:#\-\[\]{}][^:#\n]*?):(?:[ \t]+([^\n#]*?))?[ \t]*(#.*)?$", re.M)
NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
UNIT = re.compile(rb"(?<=\d)(ms|us|ns|s|m|h|d|Gbps|Mbps|Kbps|bps|Tbps|KiB|MiB|GiB|Ki|Mi|Gi|B|KB|MB|GB|/s|/m|/h|%)(?![\w])")

NUMBERS = [b"0", b"-0", b"-1", b"-1000", b"1", b"2147483647", b"2147483648", b"4294967296",
           b"9223372036854775807", b"9223372036854775808", b"18446744073709551616",
           b"99999999999999999999", b"1e308", b"1e309", b"-1e309", b"1.7976931348623157e308",
           b"1e-320", b"5e-324", b"4.9e-324", b"1e-30", b"1e-9", b"0.5", b"-0.5", b"0.0",
           b"nan", b"NaN", b".nan", b"inf", b".inf", b"-.inf", b"-inf", b"0x10", b"0o17", b"1_000",
           b"1e3", b"1E+2", b"01", b"00", b"+1", b"1.", b".5"]
UNITS = [b"ms", b"us", b"ns", b"s", b"m", b"h", b"d", b"Gbps", b"Mbps", b"Kbps", b"bps", b"Tbps",
         b"KiB", b"MiB", b"GiB", b"Ki", b"Mi", b"B", b"KB", b"/s", b"/m", b"/h", b"/d", b"%", b"",
         b"xs", b" s", b"s/s", b"Gbit", b"/0s", b"e5", b"ps", b"fs", b"y", b"GB/s"]
VALUES = [b"[]", b"{}", b"null", b"~", b"", b"true", b"false", b"yes", b"\"x\"", b"''", b"[1, 2]",
          b"{a: 1}", b"-", b"?", b"*", b"|", b">", b"!!binary aGVsbG8=", b"!!int 3", b"!!str 3",
          b"!!float x", b"!!map {}", b"!foo x", b"!!null ''", b"\"\\u0000\"", b"\"a\\nb\"",
          b"\"\\xff\"", b"'\t'", b"a" * 1000, b"/", b"//", b".", b"..", b"../..", b"/dev/null",
          b"http://", b"http://web:99999/", b"http://web:0/", b"http://web:-1/", b"http://[::1]/",
          b"http://web:80:80/", b"tcp://web", b"web", b"-1827822671Tbps", b"1e-320/s", b"0B",
          b"0s", b"-1s", b"-1", b"NaN/s", b"1/0s", b"0/s", b"1e400/s", b"1e-400s", b"0Gbps",
          b"1Ei", b"18446744073709551616B", b"my-app/", b"/client", b"a/b/c", b"default/",
          b"\"\"", b"[[]]", b"[{}]", b"{distribution: exponential}", b"{distribution: x, mean: 1ms}",
          b"{distribution: constant, value: 0s}", b"{distribution: lognormal, mean: 1ms, sd: -1ms}"]
BAD_BYTES = [b"\x80", b"\xff", b"\xfe", b"\xc0\x80", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
             b"\xe2\x82", b"\x00", b"\x01", b"\x1b[0m", b"\xef\xbb\xbf", b"\xff\xfe", b"\r", b"\t",
             b"\x85", b"\xe2\x80\xa8", b"\x7f"]
BOMB = (b"&l0 [x, x, x, x, x, x, x, x, x, x]", b"&l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p},"
        b" *l{p}, *l{p}, *l{p}]")
PATHS = [b"/", b"//", b".", b"..", b"/dev/null", b"missing.yaml", b"", b"seed", b"seed/",
         b"manifests/sock-shop", b"/tmp/../", b"~", b"-", b"*.yaml", b"seed/my-app.yaml/x",
         b"seed//my-app.yaml", b"./seed/../seed/my-app.yaml"]


class Text:
    """A file's bytes with its key lines found."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._keys: list[re.Match[bytes]] | None = None

    @property
    def keys(self) -> list[re.Match[bytes]]:
        if self._keys is None:
            self._keys = list(KEY_LINE.finditer(self.data))
        return self._keys

    def set(self, data: bytes) -> None:
        self.data = data
        self._keys = None


def block_end(data: bytes, m: re.Match[bytes]) -> int:
    """The end of a key's block: its line and the lines indented deeper."""
    indent = len(m.group(1)) + (2 if m.group(2) else 0)
    pos = m.end()
    while pos < len(data):
        nl = data.find(b"\n", pos + 1)
        line_end = len(data) if nl < 0 else nl
        line = data[pos + 1:line_end]
        stripped = line.lstrip(b" ")
        if stripped and not stripped.startswith(b"#") and len(line) - len(stripped) <= indent:
            break
        pos = line_end
    return pos


def pick_key(t: Text, rng: random.Random) -> re.Match[bytes] | None:
    return rng.choice(t.keys) if t.keys else None


def pick_value(t: Text, rng: random.Random) -> re.Match[bytes] | None:
    with_values = [m for m in t.keys if m.group(4)]
    return rng.choice(with_values) if with_values else None


def replace_value(t: Text, m: re.Match[bytes], value: bytes) -> None:
    if m.group(4):
        t.set(t.data[:m.start(4)] + value + t.data[m.end(4):])
    else:
        colon = m.end(3) + 1
        t.set(t.data[:colon] + b" " + value + t.data[colon:])


def m_delete_key(t: Text, rng: random.Random) -> str:
    m = pick_key(t, rng)
    if m is None:
        return "none"
    end = block_end(t.data, m)
    start = m.start() if not m.group(2) else m.start(3)
    t.set(t.data[:start] + t.data[end + (0 if m.group(2) else 1):])
    return "delete key"


def m_duplicate_key(t: Text, rng: random.Random) -> str:
    m = pick_key(t, rng)
    if m is None:
        return "none"
    end = block_end(t.data, m)
    block = t.data[m.start():end]
    if m.group(2):  # a list item's first key: repeat it without the dash
        block = m.group(1) + b"  " + t.data[m.start(3):end]
    times = rng.choice([1, 1, 1, 2, 50])
    t.set(t.data[:end] + (b"\n" + block) * times + t.data[end:])
    return "duplicate key"


def m_retype(t: Text, rng: random.Random) -> str:
    m = pick_key(t, rng)
    if m is None:
        return "none"
    if not m.group(4) and rng.random() < 0.5:  # a block: replace it all
        end = block_end(t.data, m)
        t.set(t.data[:m.end(3) + 1] + b" " + rng.choice(VALUES) + t.data[end:])
    else:
        replace_value(t, m, rng.choice(VALUES))
    return "retype"


KEYS = [b"1", b"-1", b"1.5", b"true", b"null", b"~", b"''", b"\"\"", b"[a]", b"{a: 1}", b"? [x]\n", b"&k x",
        b"*k", b"!!int 1", b"<<", b"a b", b"\"a\\nb\"", b"\"\\u00e9\"", b"-", b".", b"$", b"\"key:\""]


def m_key(t: Text, rng: random.Random) -> str:
    """A key retyped (a number, null, a list, a mapping, ...), or misspelt."""
    m = pick_key(t, rng)
    if m is None:
        return "none"
    key = m.group(3)
    if rng.random() < 0.5 and len(key) > 1:  # a typo: two letters swapped, one dropped or doubled
        i = rng.randrange(len(key) - 1)
        k = rng.random()
        new = (key[:i] + key[i + 1:i + 2] + key[i:i + 1] + key[i + 2:] if k < 0.4 else
               key[:i] + key[i + 1:] if k < 0.7 else key[:i] + key[i:i + 1] + key[i:])
    elif rng.random() < 0.2:
        new = key.upper()
    else:
        new = rng.choice(KEYS)
    t.set(t.data[:m.start(3)] + new + t.data[m.end(3):])
    return "key retyped"


def m_number(t: Text, rng: random.Random) -> str:
    found = list(NUMBER.finditer(t.data))
    if not found:
        return "none"
    n = rng.choice(found)
    new = rng.choice(NUMBERS) if rng.random() < 0.8 else str(rng.randint(-10**6, 10**6)).encode()
    t.set(t.data[:n.start()] + new + t.data[n.end():])
    return "number"


def m_unit(t: Text, rng: random.Random) -> str:
    found = list(UNIT.finditer(t.data))
    if not found:
        return "none"
    u = rng.choice(found)
    t.set(t.data[:u.start()] + rng.choice(UNITS) + t.data[u.end():])
    return "unit"


def m_alias(t: Text, rng: random.Random) -> str:
    keys = t.keys
    if len(keys) < 2:
        return "none"
    a, b = sorted(rng.sample(range(len(keys)), 2))
    ma, mb = keys[a], keys[b]
    kind = rng.random()
    if kind < 0.4:  # an anchor and a later alias to it
        # the later one first, so the earlier match's offsets stay valid
        replace_value(t, mb, b"*a")
        replace_value(t, ma, b"&a " + (ma.group(4) or b""))
    elif kind < 0.6:  # an alias to no anchor
        replace_value(t, mb, b"*nowhere")
    elif kind < 0.8:  # a block whose child is an alias to the block itself
        if ma.group(4):
            replace_value(t, ma, b"&s [*s]")
        else:
            end = block_end(t.data, ma)
            indent = len(ma.group(1)) + (2 if ma.group(2) else 0) + 2
            t.set(t.data[:end] + b"\n" + b" " * indent + b"again: *s" + t.data[end:])
            t.set(t.data[:ma.end(3) + 1] + b" &s" + t.data[ma.end(3) + 1:])
    else:  # a merge key
        replace_value(t, mb, b"{<<: *a}")
        replace_value(t, ma, b"&a " + (ma.group(4) or b"{}"))
    return "alias"


def m_bomb(t: Text, rng: random.Random) -> str:
    m = pick_key(t, rng)
    if m is None:
        return "none"
    levels = rng.choice([3, 6, 9])
    parts = [BOMB[0]] + [BOMB[1].replace(b"{i}", str(i).encode()).replace(b"{p}", str(i - 1).encode())
                         for i in range(1, levels)]
    replace_value(t, m, b"[" + b", ".join(parts) + b"]")
    return "alias bomb"


def m_nest(t: Text, rng: random.Random) -> str:
    m = pick_key(t, rng)
    if m is None:
        return "none"
    depth = rng.choice([50, 99, 100, 101, 999, 1000, 1001, 5000, 50000])
    inner = m.group(4) or b"1"
    if rng.random() < 0.5:
        value = b"[" * depth + inner + b"]" * depth
    else:
        value = b"{a: " * depth + inner + b"}" * depth
    replace_value(t, m, value)
    return "deep nesting"


def m_block_nest(t: Text, rng: random.Random) -> str:
    m = pick_key(t, rng)
    if m is None:
        return "none"
    depth = rng.choice([99, 101, 300])
    base = len(m.group(1)) + 2
    lines = b"".join(b"\n" + b" " * (base + i) + b"k:" for i in range(depth)) + b" 1"
    t.set(t.data[:m.end(3) + 1] + lines + t.data[block_end(t.data, m):])
    return "deep block nesting"


def m_bad_bytes(t: Text, rng: random.Random) -> str:
    m = pick_key(t, rng)
    where = rng.random()
    if m is not None and where < 0.4:
        pos = rng.randint(m.start(3), m.end(3))  # in a key
    elif m is not None and m.group(4) and where < 0.8:
        pos = rng.randint(m.start(4), m.end(4))  # in a value
    else:
        pos = rng.randint(0, len(t.data))
    t.set(t.data[:pos] + rng.choice(BAD_BYTES) + t.data[pos:])
    return "bytes not UTF-8"


def m_bytes(t: Text, rng: random.Random) -> str:
    d = t.data
    if not d:
        return "none"
    k = rng.random()
    i = rng.randrange(len(d))
    if k < 0.25:
        t.set(d[:i] + bytes([d[i] ^ (1 << rng.randrange(8))]) + d[i + 1:])
    elif k < 0.5:
        t.set(d[:i] + d[i + rng.randint(1, 64):])
    elif k < 0.7:
        t.set(d[:i])
    elif k < 0.85:
        j = min(len(d), i + rng.randint(1, 200))
        t.set(d[:j] + d[i:j] + d[j:])
    else:
        t.set(d[:i] + rng.choice([b":", b"-", b"[", b"{", b"&", b"*", b"!", b"|", b"\"", b"'", b"#",
                                  b"%YAML 1.2\n", b"---\n", b"...\n", b"? ", b"\t", b"\n"]) + d[i:])
    return "bytes"


def m_lines(t: Text, rng: random.Random) -> str:
    """Duplicate or move a line (a key repeated or put at another level)."""
    lines = t.data.split(b"\n")
    i = rng.randrange(len(lines))
    j = rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines.insert(j, lines[i])
    else:
        lines.insert(j, lines.pop(i))
    t.set(b"\n".join(lines))
    return "line moved"


def m_items(t: Text, rng: random.Random) -> str:
    """Repeat a list item many times (thousands of node groups, of traffic)."""
    items = [m for m in t.keys if m.group(2)]
    if not items:
        return "none"
    m = rng.choice(items)
    end = block_end(t.data, m)
    times = rng.choice([2, 2, 10, 10, 100, 1000])
    times = max(1, min(times, 1_000_000 // max(1, end - m.start())))  # inputs stay under a MB or so
    t.set(t.data[:end] + (b"\n" + t.data[m.start():end]) * times + t.data[end:])
    return "list item repeated"


MUTATIONS = [(m_delete_key, 10), (m_duplicate_key, 8), (m_retype, 14), (m_key, 8), (m_number, 16), (m_unit, 10),
             (m_alias, 7), (m_bomb, 2), (m_nest, 3), (m_block_nest, 1), (m_bad_bytes, 6),
             (m_bytes, 10), (m_lines, 6), (m_items, 2)]
MUTATION_FNS = [f for f, _ in MUTATIONS]
MUTATION_CUM = []
_total = 0
for _, _w in MUTATIONS:
    _total += _w
    MUTATION_CUM.append(_total)


def mutate(t: Text, rng: random.Random) -> list[str]:
    done = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        f = rng.choices(MUTATION_FNS, cum_weights=MUTATION_CUM)[0]
        done.append(f(t, rng))
    return done


OVERRIDES = [b"run.duration={}", b"run.seed={}", b"traffic[0].rate={}", b"traffic[0].url={}",
             b"cluster.nodes[0].count={}", b"cluster.nodes[0].nic={}", b"cluster.cni={}",
             b"apps={}", b"traffic[99999999999999999999].rate={}", b"traffic[-1].rate={}",
             b"run..seed={}", b"={}", b"run.seed", b"traffic[0]={}", b"cluster.nodes[1000000].count={}",
             b"run.warmup={}", b"queueing.servers={}", b"queueing.arrival_rate={}"]


# --- one input ------------------------------------------------------------------------


class Input:
    def __init__(self, index: int, seed: Seed, scenario: bytes, manifest: tuple[str, Path, bytes] | None,
                 overrides: list[bytes], mutations: list[str]) -> None:
        self.index = index
        self.seed = seed
        self.scenario = scenario
        self.manifest = manifest  # (reference replaced, file it came from, its mutated bytes)
        self.overrides = overrides
        self.mutations = mutations


class Generator:
    def __init__(self, run_seed: int) -> None:
        self.run_seed = run_seed
        self.seeds, self.manifests = corpus()
        self.seed_weights = [s.weight for s in self.seeds]
        self.texts: dict[Path, bytes] = {}

    def read(self, p: Path) -> bytes:
        if p not in self.texts:
            self.texts[p] = p.read_bytes()
        return self.texts[p]

    def input(self, index: int) -> Input:
        rng = random.Random(self.run_seed * 1_000_003 + index)
        seed = rng.choices(self.seeds, weights=self.seed_weights)[0]
        scenario = seed.text
        manifest = None
        overrides: list[bytes] = []
        r = rng.random()
        if seed.refs and r < 0.3:  # a manifest mutated
            ref, files = rng.choice(seed.refs)
            if rng.random() < 0.2:  # or another shipped one in its place
                source = rng.choice(self.manifests)
            else:
                source = rng.choice(files)
            t = Text(self.read(source))
            mutations = ["manifest: " + m for m in mutate(t, rng)]
            manifest = (ref, source, t.data)
        elif seed.refs and r < 0.33:  # a manifest path changed
            ref, _ = rng.choice(seed.refs)
            new = rng.choice(PATHS)
            scenario = re.sub(rb"(?m)^(\s*-\s+)" + re.escape(ref.encode()) + rb"\s*$",
                              lambda m: m.group(1) + new, scenario, count=1)
            mutations = ["manifest path"]
        else:
            t = Text(scenario)
            mutations = mutate(t, rng)
            scenario = t.data
        if rng.random() < 0.04:
            o = rng.choice(OVERRIDES)
            v = rng.choice(VALUES + NUMBERS)
            overrides.append(o.replace(b"{}", v))
            mutations.append("override")
        return Input(index, seed, scenario, manifest, overrides, mutations)


# --- running an input (in a worker) ---------------------------------------------------

SHOWN = re.compile(r"^\d+ more \w+ not shown$")
LOCATED = re.compile(r"^.+?:[1-9]\d*:\d+: (error|warning|notice): ")


def materialize(inp: Input, folder: Path) -> tuple[str, str]:
    """The scenario's text and the file name it is parsed under; a mutated
    manifest is written into `folder` and the scenario points at it."""
    text = inp.scenario
    if inp.manifest is not None:
        ref, source, data = inp.manifest
        target = folder / ("m" + source.suffix)
        target.write_bytes(data)
        text = re.sub(rb"(?m)^(\s*-\s+)" + re.escape(ref.encode()) + rb"\s*$",
                      lambda m: m.group(1) + str(target).encode(), text, count=1)
    # Bytes reach the loader as they are (pybind11 takes bytes for std::string).
    return text, str(inp.seed.path)


def check(core, text: bytes, file: str, overrides: list[bytes]) -> list[tuple[str, str]]:
    """Runs one input; returns its problems as (kind, detail)."""
    problems = []

    def located(diags, where: str) -> None:
        for d in diags:
            file = d.get("file") or ""
            if file.startswith("--set ") or SHOWN.match(d.get("message") or ""):
                continue  # an override is located by its --set; the count of those not shown
            if not file or int(d.get("line", 0)) < 1:
                problems.append(("unlocated diagnostic", f"{where}: {d.get('text')}"))

    try:
        s = core.parse_scenario(text, file, overrides)
    except core.ScenarioError as e:
        located(e.args[1] if len(e.args) > 1 else [{"text": str(e)}], "load")
        return problems
    except BaseException as e:  # noqa: BLE001 - the oracle
        problems.append(("exception", f"load: {type(e).__name__}: {e}"))
        return problems
    try:
        located(s.diagnostics, "load")
        _ = s.resolved_text
    except BaseException as e:  # noqa: BLE001
        problems.append(("exception", f"loaded scenario: {type(e).__name__}: {e}"))
        return problems
    if type(s).__name__ != "ClusterScenario":
        return problems
    try:
        notices = core.build_scenario(s)
        for n in notices:
            if not LOCATED.match(n) and not n.startswith("--set "):  # an override's, by its --set
                problems.append(("unlocated diagnostic", f"build notice: {n}"))
    except core.ScenarioError as e:
        located(e.args[1] if len(e.args) > 1 else [{"text": str(e)}], "build")
    except BaseException as e:  # noqa: BLE001
        problems.append(("exception", f"build: {type(e).__name__}: {e}"))
    return problems


SLOT = struct.Struct("<qdd")  # the input a worker is on, when it began it, the CPU time then
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """A process's CPU time (user and system), as the kernel counts it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def worker_main(args: argparse.Namespace) -> None:
    import podwire._core as core

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its workers
    gen = Generator(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="podwire-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    slot = mmap.mmap(os.open(args.slot, os.O_RDWR), SLOT.size)
    out = sys.stdout
    deadline = args.deadline
    index = args.start
    done = 0
    slowest = (0.0, -1)
    try:
        while index < args.stop:
            slot.seek(0)
            slot.write(SLOT.pack(index, time.monotonic(), time.process_time()))
            if index == args.inject_crash:  # the fuzzer's own test: a crash it must catch
                os.kill(os.getpid(), signal.SIGSEGV)
            while index == args.inject_hang:  # and a hang
                pass
            began = time.monotonic()
            inp = gen.input(index)
            text, file = materialize(inp, folder)
            for kind, detail in check(core, text, file, inp.overrides):
                out.write(json.dumps({"index": index, "kind": kind, "detail": detail}) + "\n")
            took = time.monotonic() - began
            if took > slowest[0]:
                slowest = (took, index)
            done += 1
            index += args.step
            if done % 256 == 0:
                out.write(json.dumps({"done": done, "slowest": slowest}) + "\n")
                out.flush()
                if deadline and time.time() > deadline:
                    break
        slot.seek(0)
        slot.write(SLOT.pack(-1, time.monotonic(), 0.0))
        out.write(json.dumps({"done": done, "end": index, "slowest": slowest}) + "\n")
        out.flush()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the parent: workers, findings ----------------------------------------------------


def signature(kind: str, detail: str) -> str:
    """Findings of one cause share a signature: numbers, quoted text and file
    names taken out."""
    s = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", detail)
    s = re.sub(r"\S+\.ya?ml(:\d+)*(:\d+)?", "FILE", s)
    s = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", s)
    s = re.sub(r"\[N\]", "", s)
    return kind + ": " + s[:160]


class Findings:
    def __init__(self, folder: Path, gen: Generator, keep: int) -> None:
        self.folder = folder
        self.gen = gen
        self.keep = keep
        self.by_signature: dict[str, list[int]] = {}
        self.details: dict[str, str] = {}

    def add(self, index: int, kind: str, detail: str) -> None:
        sig = signature(kind, detail)
        seen = self.by_signature.setdefault(sig, [])
        seen.append(index)
        if len(seen) == 1:
            self.details[sig] = detail
            print(f"finding: input {index}: {kind}: {detail[:300]}", flush=True)
        if len(seen) <= self.keep:
            self.save(index, kind, detail)

    def save(self, index: int, kind: str, detail: str) -> None:
        inp = self.gen.input(index)
        name = re.sub(r"[^\w-]+", "-", kind) + f"-{index}"
        d = self.folder / name
        d.mkdir(parents=True, exist_ok=True)
        (d / "scenario.yaml").write_bytes(inp.scenario)
        info = {"index": index, "seed": self.gen.run_seed, "kind": kind, "detail": detail,
                "file": str(inp.seed.path.relative_to(REPO)), "mutations": inp.mutations,
                "overrides": [o.decode("utf-8", "backslashreplace") for o in inp.overrides]}
        if inp.manifest is not None:
            ref, source, data = inp.manifest
            (d / ("manifest" + source.suffix)).write_bytes(data)
            info["manifest"] = {"replaces": ref, "from": str(source.relative_to(REPO)),
                                "file": "manifest" + source.suffix}
        (d / "input.json").write_text(json.dumps(info, indent=2) + "\n")

    def count(self) -> int:
        return sum(len(v) for v in self.by_signature.values())


class Worker:
    def __init__(self, args: argparse.Namespace, start: int, step: int, stop: int, deadline: float) -> None:
        self.start = start
        self.step = step
        fd, self.slot_path = tempfile.mkstemp(prefix="podwire-fuzz-slot-")
        os.write(fd, SLOT.pack(-1, 0.0, 0.0))
        os.close(fd)
        self.slot = mmap.mmap(os.open(self.slot_path, os.O_RDWR), SLOT.size)
        cmd = [sys.executable, __file__, "--worker", "--seed", str(args.seed), "--start", str(start),
               "--step", str(step), "--stop", str(stop), "--slot", self.slot_path,
               "--deadline", str(deadline)]
        cmd += ["--inject-crash", str(args.inject_crash), "--inject-hang", str(args.inject_hang)]
        if args.nice:
            cmd = ["nice", "-n", str(args.nice)] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1,
                                     stdin=subprocess.DEVNULL)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buffer = ""
        self.reported = 0  # inputs done, as the worker said
        self.end: int | None = None

    def current(self) -> tuple[int, float, float]:
        return SLOT.unpack(self.slot[:SLOT.size])

    def read(self) -> list[dict]:
        try:
            chunk = self.proc.stdout.read()
        except (BlockingIOError, TypeError):
            chunk = None
        if chunk:
            self.buffer += chunk
        messages = []
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            if line.strip():
                try:
                    messages.append(json.loads(line))
                except json.JSONDecodeError:
                    print(line, file=sys.stderr)
        return messages

    def close(self) -> None:
        self.slot.close()
        os.unlink(self.slot_path)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def parent_main(args: argparse.Namespace) -> int:
    # Ctrl-C, or SIGTERM, ends the run with its summary (also in the background,
    # where a shell starts a job with SIGINT ignored).
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    gen = Generator(args.seed)
    findings = Findings(Path(args.findings), gen, args.keep)
    stop = args.first + args.inputs if args.inputs else 1 << 62
    deadline = time.time() + args.seconds if args.seconds else 0.0
    workers: list[Worker] = []
    done_total = 0
    crashes = 0
    hangs = 0
    slowest = (0.0, -1)  # the slowest input that ended, and its number
    t0 = time.monotonic()
    last_print = t0
    for k in range(args.workers):
        workers.append(Worker(args, args.first + k, args.workers, stop, deadline))
    try:
        while workers:
            time.sleep(0.05)
            for w in list(workers):
                for msg in w.read():
                    if "kind" in msg:
                        findings.add(msg["index"], msg["kind"], msg["detail"])
                    if "done" in msg:
                        done_total += msg["done"] - w.reported
                        w.reported = msg["done"]
                    if "end" in msg:
                        w.end = msg["end"]
                    if "slowest" in msg and msg["slowest"][0] > slowest[0]:
                        slowest = tuple(msg["slowest"])
                rc = w.proc.poll()
                index, began, cpu_began = w.current()
                restart_at = None
                # A hang: more than --timeout of CPU time on one input (so that a
                # busy machine does not make one), or five times that of wall time.
                wall = time.monotonic() - began
                if rc is None and index >= 0 and wall > args.timeout and (
                        wall > 5 * args.timeout or cpu_seconds(w.proc.pid) - cpu_began > args.timeout):
                    w.proc.kill()
                    w.proc.wait()
                    for msg in w.read():
                        if "kind" in msg:
                            findings.add(msg["index"], msg["kind"], msg["detail"])
                    hangs += 1
                    findings.add(index, "hang", f"more than {args.timeout:g} s of CPU time (or {5 * args.timeout:g} s)")
                    restart_at = index + w.step
                elif rc is not None:
                    for msg in w.read():
                        if "kind" in msg:
                            findings.add(msg["index"], msg["kind"], msg["detail"])
                        if "done" in msg:
                            done_total += msg["done"] - w.reported
                            w.reported = msg["done"]
                    if rc != 0 and index >= 0:
                        name = signal.Signals(-rc).name if rc < 0 else f"exit status {rc}"
                        crashes += 1
                        findings.add(index, "crash", name)
                        restart_at = index + w.step
                if rc is None and restart_at is None:
                    continue
                if restart_at is not None:  # it ended on `index`: count up to it
                    ran = (index - w.start) // w.step + 1
                    done_total += ran - w.reported
                workers.remove(w)
                w.close()
                if restart_at is not None and restart_at < stop and (not deadline or time.time() < deadline):
                    workers.append(Worker(args, restart_at, w.step, stop, deadline))
            now = time.monotonic()
            if now - last_print >= args.report_every:
                last_print = now
                rate = done_total / (now - t0)
                print(f"{done_total} inputs, {rate:.0f}/s, {len(findings.by_signature)} distinct findings "
                      f"({findings.count()} inputs; {crashes} crashes, {hangs} hangs)", flush=True)
    except KeyboardInterrupt:
        for w in workers:
            w.proc.kill()
            w.proc.wait()
            w.close()
    elapsed = time.monotonic() - t0
    print(f"{done_total} inputs in {elapsed:.1f} s: {done_total / max(elapsed, 1e-9):.0f} inputs/s "
          f"(seed {args.seed}, {args.workers} worker{'s' if args.workers != 1 else ''}); "
          f"the slowest took {slowest[0]:.3f} s (input {slowest[1]})")
    if findings.by_signature:
        print(f"{len(findings.by_signature)} distinct findings in {findings.count()} inputs "
              f"(kept in {args.findings}):")
        for sig, indices in sorted(findings.by_signature.items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(indices):7d} x  first input {indices[0]}: {findings.details[sig][:300]}")
        return 1
    print("no findings")
    return 0


def replay_main(args: argparse.Namespace) -> int:
    """Runs a kept input in this process (a crash crashes it)."""
    import podwire._core as core

    d = Path(args.replay)
    info = json.loads((d / "input.json").read_text())
    seed = Seed(REPO / info["file"])
    manifest = None
    if "manifest" in info:
        m = info["manifest"]
        manifest = (m["replaces"], REPO / m["from"], (d / m["file"]).read_bytes())
    # (an override's bytes that are not UTF-8 are kept as \\x escapes)
    overrides = [o.encode().decode("unicode_escape").encode("latin-1") if "\\x" in o else o.encode()
                 for o in info["overrides"]]
    inp = Input(info["index"], seed, (d / "scenario.yaml").read_bytes(), manifest, overrides,
                info["mutations"])
    folder = Path(tempfile.mkdtemp(prefix="podwire-fuzz-"))
    try:
        text, file = materialize(inp, folder)
        t0 = time.monotonic()
        problems = check(core, text, file, inp.overrides)
        print(f"{time.monotonic() - t0:.3f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for kind, detail in problems:
        print(f"{kind}: {detail}")
    return 1 if problems else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--inputs", type=int, default=0, help="run this many inputs (0: no limit)")
    p.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: no limit)")
    p.add_argument("--seed", type=int, default=1, help="the run's seed (input i of a seed is always the same)")
    p.add_argument("--first", type=int, default=0, help="the first input's number")
    p.add_argument("-j", "--workers", type=int, default=1, help="worker processes")
    p.add_argument("--timeout", type=float, default=2.0,
                   help="CPU seconds an input may take (and five times that of wall time)")
    p.add_argument("--findings", default=str(REPO / "build" / "fuzz" / "findings"),
                   help="folder for the inputs that found something")
    p.add_argument("--keep", type=int, default=3, help="inputs kept per distinct finding")
    p.add_argument("--nice", type=int, default=0, help="run the workers with this niceness")
    p.add_argument("--report-every", type=float, default=10.0, help="seconds between progress lines")
    p.add_argument("--replay", help="run one kept input (a findings folder) in this process")
    p.add_argument("--inject-crash", type=int, default=-1, help="crash on this input (to test the fuzzer)")
    p.add_argument("--inject-hang", type=int, default=-1, help="hang on this input (to test the fuzzer)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--step", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--stop", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--slot", help=argparse.SUPPRESS)
    p.add_argument("--deadline", type=float, default=0.0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker_main(args)
        return 0
    if args.replay:
        return replay_main(args)
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
