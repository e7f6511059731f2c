"""The layering of docs/architecture.json holds in the code: no C++ file of a
part includes a header of a part it must never know (and no part below the
bindings includes pybind11)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

SOURCE = Path(os.environ.get("PODWIRE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)


def parts() -> dict[str, list[str]]:
    picture = json.loads((SOURCE / "docs/architecture.json").read_text())
    return {name: part["is"] for name, part in picture["parts"].items()}, picture["never"]


def owner(path: str, folders: dict[str, list[str]]) -> str | None:
    best = None
    for name, prefixes in folders.items():
        for prefix in prefixes:
            if path.startswith(prefix) and (best is None or len(prefix) > len(best[1])):
                best = (name, prefix)
    return best[0] if best else None


def test_no_forbidden_arrow_in_the_includes():
    folders, never = parts()
    forbidden = {(a, b): why for a, b, why in never}
    broken = []
    for name, prefixes in folders.items():
        for prefix in prefixes:
            for f in sorted((SOURCE / prefix).rglob("*")):
                if f.suffix not in {".cpp", ".hpp", ".h"}:
                    continue
                for target in INCLUDE.findall(f.read_text(errors="replace")):
                    to = "Python" if target.startswith("pybind11") else owner(target, folders)
                    if to and to != name and (name, to) in forbidden:
                        broken.append(f"{f.relative_to(SOURCE)} includes {target}: {forbidden[(name, to)]}")
    assert not broken, "\n".join(broken)


def test_the_picture_names_folders_that_exist():
    folders, _ = parts()
    for name, prefixes in folders.items():
        for prefix in prefixes:
            assert (SOURCE / prefix).is_dir(), f"{name}: {prefix} is no folder"
