import os
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("PODWIRE_SOURCE_DIR", Path(__file__).resolve().parents[2]))


@pytest.fixture
def source_dir() -> Path:
    return SOURCE_DIR


@pytest.fixture
def podwire_cli():
    """Runs `python -m podwire ...` in a child process, as a user would."""

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "podwire", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=SOURCE_DIR,
        )

    return run
