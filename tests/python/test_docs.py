"""The Python examples of docs/python.md run as written, in order, from a
folder that looks like the repository root."""

import os
import re
from pathlib import Path

SOURCE = Path(os.environ.get("PODWIRE_SOURCE_DIR", Path(__file__).resolve().parents[2]))


def test_the_examples_of_docs_python_md_run(tmp_path, monkeypatch):
    text = (SOURCE / "docs/python.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) >= 8
    (tmp_path / "scenarios").symlink_to(SOURCE / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/python.md, example {i + 1}", "exec"), namespace)
    assert (tmp_path / "rollout.png").stat().st_size > 0
    assert len(list((tmp_path / "sweeps/modes").glob("*.h5"))) == 8
