#!/usr/bin/env python3
"""Same-seed traces of every shipped scenario, recorded and compared cell by cell.

A change that should not alter behaviour (a restructuring, a speed-up) is
checked by recording the traces before it and after it and comparing them:

    python scripts/same_seed.py record before/            # with the old build's podwire
    ...change, rebuild...
    python scripts/same_seed.py record after/
    python scripts/same_seed.py compare before/ after/    # exit 1 and a list of differences

`record` runs each scenario under `scenarios/` (and the variants below, which
reach the code paths that scenarios leave at their defaults) with seed 1,
shortened to at most `--duration`, and writes its trace and the text that
`podwire explain` prints for each traffic entry's first hop. `compare` holds
every dataset, every attribute and every explain text of one folder against
the other; only what depends on the wall clock, the version or the path of
the scenario file is left out.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

# Variants of shipped scenarios: (name, scenario, overrides).
VARIANTS = [
    (f"proxy-modes-{mode}", "proxy-modes/http.yaml", [f"cluster.proxy.mode={mode}"])
    for mode in ("iptables", "ipvs", "nftables", "ebpf")
] + [
    ("proxy-modes-ipvs-lc", "proxy-modes/http.yaml", ["cluster.proxy.mode=ipvs", "cluster.proxy.ipvs_scheduler=lc"]),
    ("seed-web-native", "seed-web.yaml", ["cluster.cni=native"]),
    ("nodeport-ebpf-dsr", "nodeport.yaml", ["cluster.proxy.mode=ebpf", "cluster.proxy.ebpf_dsr=true"]),
    ("loadbalancer-cluster-ebpf-maglev", "loadbalancer-cluster.yaml",
     ["cluster.proxy.mode=ebpf", "cluster.proxy.ebpf_lb=maglev"]),
    ("networkpolicy-ebpf", "networkpolicy.yaml", ["cluster.proxy.mode=ebpf"]),
    ("rolling-update-ipvs", "churn/rolling-update.yaml", ["cluster.proxy.mode=ipvs"]),
    ("rolling-update-nftables", "churn/rolling-update.yaml", ["cluster.proxy.mode=nftables"]),
    ("rolling-update-ebpf", "churn/rolling-update.yaml", ["cluster.proxy.mode=ebpf"]),
]

# What may differ between two runs of the same scenario and seed.
VOLATILE_ATTRS = {"podwire_version", "start_wall_clock", "end_wall_clock", "scenario_file", "wall_s"}


def is_scenario(path: Path) -> bool:
    """A scenario has a top-level `run:`; manifests under scenarios/ do not."""
    if "manifests" in path.relative_to(SCENARIOS).parts:
        return False
    return any(line.startswith("run:") for line in path.read_text().splitlines())


def shipped() -> list[tuple[str, str, list[str]]]:
    runs = []
    for path in sorted(SCENARIOS.rglob("*.yaml")):
        if is_scenario(path):
            rel = path.relative_to(SCENARIOS).as_posix()
            runs.append((rel.removesuffix(".yaml").replace("/", "-"), rel, []))
    return runs + VARIANTS


def traffic_entries(podwire: str, scenario: Path) -> list[tuple[str, str]]:
    """(from pod, URL host) of each traffic entry that comes from a pod."""
    import yaml  # PyYAML comes with the project's Python dependencies

    doc = yaml.safe_load(scenario.read_text())
    out = []
    for t in doc.get("traffic") or []:
        src, url = t.get("from"), t.get("url")
        if isinstance(src, str) and "/" in src and isinstance(url, str) and "://" in url:
            host = url.split("://", 1)[1].split("/", 1)[0]
            out.append((src, host))
    return out


def record(out: Path, podwire: str, duration: str) -> int:
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name, rel, overrides in shipped():
        scenario = SCENARIOS / rel
        sets = [arg for o in overrides for arg in ("--set", o)]
        cmd = [podwire, "run", str(scenario), "--seed", "1", "-q", "-o", str(out / f"{name}.h5"), *sets]
        if duration and "queueing:" not in scenario.read_text():  # queueing runs are quick at full length
            cmd += ["--duration", min_duration(scenario, duration)]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        status = "ok" if r.returncode == 0 else f"exit {r.returncode}"
        print(f"{name:40} {status}", flush=True)
        if r.returncode != 0:
            failures += 1
            (out / f"{name}.err").write_text(r.stdout + r.stderr)
        if "queueing:" in scenario.read_text():
            continue
        explains = []
        for src, host in traffic_entries(podwire, scenario):
            e = subprocess.run([podwire, "explain", str(scenario), "--from", src, "--to", host, *sets],
                               capture_output=True, text=True, cwd=ROOT)
            explains.append(f"$ explain --from {src} --to {host}\n{e.stdout}{e.stderr}exit {e.returncode}\n")
        if explains:
            (out / f"{name}.explain.txt").write_text("".join(explains))
    return 1 if failures else 0


def min_duration(scenario: Path, cap: str) -> str:
    """The scenario's own duration when shorter than the cap (both in seconds)."""
    import yaml

    def seconds(text: str) -> float:
        for unit, scale in (("ms", 1e-3), ("us", 1e-6), ("s", 1.0)):
            if text.endswith(unit):
                return float(text[: -len(unit)]) * scale
        raise ValueError(text)

    own = (yaml.safe_load(scenario.read_text()).get("run") or {}).get("duration")
    if isinstance(own, str) and seconds(own) <= seconds(cap):
        return own
    return cap


def equal(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.names:
            return all(equal(a[n], b[n]) for n in a.dtype.names)
        if a.dtype.kind == "f":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def first_difference(a: np.ndarray, b: np.ndarray) -> str:
    if a.shape != b.shape:
        return f"shape {a.shape} against {b.shape}"
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} against {b.dtype}"
    names = a.dtype.names or (None,)
    for n in names:
        ca, cb = (a[n], b[n]) if n else (a, b)
        if not equal(ca, cb):
            flat_a, flat_b = np.atleast_1d(ca).ravel(), np.atleast_1d(cb).ravel()
            same = (flat_a == flat_b)
            if flat_a.dtype.kind == "f":
                same |= np.isnan(flat_a) & np.isnan(flat_b)
            i = int(np.argmin(same))
            return f"column {n!r} row {i}: {flat_a[i]!r} against {flat_b[i]!r}" if n else \
                   f"element {i}: {flat_a[i]!r} against {flat_b[i]!r}"
    return "?"


def compare_files(a: Path, b: Path) -> list[str]:
    import h5py

    diffs = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        for n in sorted(set(names_a) ^ set(names_b)):
            diffs.append(f"/{n}: only in {'the first' if n in names_a else 'the second'}")
        for n in [""] + sorted(set(names_a) & set(names_b)):
            oa, ob = (fa, fb) if n == "" else (fa[n], fb[n])
            for k in sorted(set(oa.attrs) | set(ob.attrs)):
                if k in VOLATILE_ATTRS:
                    continue
                if k not in oa.attrs or k not in ob.attrs:
                    diffs.append(f"/{n} attribute {k}: only in one")
                elif not equal(oa.attrs[k], ob.attrs[k]):
                    diffs.append(f"/{n} attribute {k}: {oa.attrs[k]!r} against {ob.attrs[k]!r}")
            if isinstance(oa, h5py.Dataset) and isinstance(ob, h5py.Dataset):
                da, db = oa[()], ob[()]
                if not equal(da, db):
                    diffs.append(f"/{n}: {first_difference(np.asarray(da), np.asarray(db))}")
    return diffs


def compare(a: Path, b: Path) -> int:
    bad = 0
    files = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    for name in files:
        pa, pb = a / name, b / name
        if not pa.exists() or not pb.exists():
            print(f"{name}: only in {a if pa.exists() else b}")
            bad += 1
            continue
        if name.endswith(".h5"):
            diffs = compare_files(pa, pb)
        else:
            diffs = [] if pa.read_text() == pb.read_text() else ["text differs"]
        print(f"{name:48} {'same' if not diffs else f'{len(diffs)} differences'}")
        for d in diffs[:20]:
            print(f"    {d}")
        bad += bool(diffs)
    print(f"{len(files) - bad} of {len(files)} files the same")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="verb", required=True)
    r = sub.add_parser("record", help="run every scenario with seed 1 into a folder")
    r.add_argument("out", type=Path)
    r.add_argument("--podwire", default=str(ROOT / ".venv/bin/podwire"), help="the podwire command to run")
    r.add_argument("--duration", default="20s", help="cap on each run's simulated time ('' for none)")
    c = sub.add_parser("compare", help="compare two recorded folders cell by cell")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args(argv)
    if args.verb == "record":
        return record(args.out, args.podwire, args.duration)
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
