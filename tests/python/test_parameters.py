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
    assert "| `cluster.datapath.veth` | time | 600ns |" in out


def test_the_scenario_format_page_leaves_every_parameter_to_the_generated_page():
    # A default written in two places drifts: scenario-format.md names the
    # parameters and links to parameters.md, but gives none of them a row.
    import re

    page = (SOURCE / "docs/scenario-format.md").read_text()
    paths = re.findall(r"^\| `((?:cluster|churn)\.[a-z_.]+)` \|", _core.parameters_markdown(), re.M)
    assert len(paths) > 50
    rows = set(re.findall(r"^\| `([a-z_.\[\]]+)`", page, re.M))
    for path in paths:
        key = path.split(".", 1)[1]
        assert key not in rows, f"docs/scenario-format.md repeats {path}, which parameters.md gives"
        assert key.split(".")[0] in page, f"docs/scenario-format.md never names {path}"
