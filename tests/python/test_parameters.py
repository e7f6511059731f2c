"""docs/parameters.md is generated from the parameter table: `podwire
parameters` prints it, and the checked-in page must be what it prints."""

from __future__ import annotations

import os
from pathlib import Path

from podwire import _core
from podwire.cli import main

SOURCE = Path(os.environ.get("PODWIRE_SOURCE_DIR", Path(__file__).resolve().parents[2]))


def test_the_checked_in_parameters_page_is_the_generated_one():
    page = (SOURCE / "docs/parameters.md").read_text()
    assert page == _core.parameters_markdown(), (
        "docs/parameters.md differs from the parameter table: regenerate it with "
        "`.venv/bin/podwire parameters > docs/parameters.md`")


def test_podwire_parameters_prints_the_page(capsys):
    assert main(["parameters"]) == 0
    out = capsys.readouterr().out
    assert out == _core.parameters_markdown()
    assert "| `cluster.datapath.veth` | 600ns |" in out
