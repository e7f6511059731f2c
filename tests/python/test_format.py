"""Every C++ file reads as .clang-format says (Google style, 100 columns, regrouped
includes): `clang-format -i` on a file leaves it as it is."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(os.environ.get("PODWIRE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
FOLDERS = ("engine", "models", "python/src", "tests", "bench")


def cpp_files() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (SOURCE / folder).rglob("*") if p.suffix in (".cpp", ".hpp"))


def test_every_cpp_file_is_formatted():
    clang_format = shutil.which("clang-format")
    assert clang_format, "clang-format is missing: scripts/setup.sh installs it (Debian package clang-format)"
    files = cpp_files()
    assert len(files) > 100
    r = subprocess.run([clang_format, "--dry-run", "--Werror", f"--style=file:{SOURCE / '.clang-format'}",
                        *map(str, files)], capture_output=True, text=True)
    unformatted = sorted({line.split(":")[0] for line in r.stderr.splitlines() if ": error:" in line})
    assert r.returncode == 0, "not formatted (run clang-format -i on them):\n" + "\n".join(unformatted[:20])
