"""Every notebook in notebooks/ runs from top to bottom, scaled down by
PODWIRE_NOTEBOOK_SCALE, in a kernel of this very interpreter; and ships
without outputs."""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import podwire

SOURCE = Path(os.environ.get("PODWIRE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
NOTEBOOKS = sorted((SOURCE / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["01-quickstart", "02-capacity-planning", "03-proxy-modes", "04-rollouts"]


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    """A kernel spec for the interpreter running the tests, found first on JUPYTER_PATH."""
    data = tmp_path_factory.mktemp("jupyter")
    spec = data / "kernels" / "podwire-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "podwire (tests)",
        "language": "python",
    }))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(data))
        yield "podwire-test"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, kernel_name, tmp_path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code), "ship notebooks without outputs"
    # The kernel runs in notebooks/: it finds the package and the scenarios by absolute paths.
    package = str(Path(podwire.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([package, *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.setenv("PODWIRE_SOURCE_DIR", str(SOURCE))
    monkeypatch.setenv("PODWIRE_NOTEBOOK_SCALE", "0.1")
    monkeypatch.setenv("PODWIRE_NOTEBOOK_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(nb, timeout=120, kernel_name=kernel_name, resources={"metadata": {"path": str(path.parent)}}).execute()
