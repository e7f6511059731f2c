"""The examples of docs/scenario-format.md that say what they do: a YAML block
whose first line is `# example: runs` runs short with every request answered;
`# example: error TEXT` fails `podwire validate` with TEXT in its message.
Each runs from a folder where `seed/` and `manifests/` are the shipped ones."""

import re
from pathlib import Path

import pytest

import podwire

SOURCE = Path(__file__).resolve().parents[2]
PAGE = SOURCE / "docs/scenario-format.md"


def examples():
    text = PAGE.read_text()
    found = []
    for m in re.finditer(r"^```yaml\n(# example: (runs|error ([^\n]*))\n.*?)^```", text, flags=re.S | re.M):
        line = text.count("\n", 0, m.start()) + 2
        found.append(pytest.param(m.group(1), m.group(2) == "runs", m.group(3), id=f"line-{line}"))
    return found


def test_the_page_has_examples_that_say_what_they_do():
    assert len(examples()) >= 7


@pytest.mark.parametrize("text,runs,message", examples())
def test_each_example_does_what_it_says(text, runs, message, tmp_path, podwire_cli):
    (tmp_path / "seed").symlink_to(SOURCE / "scenarios/seed")
    (tmp_path / "manifests").symlink_to(SOURCE / "scenarios/manifests")
    path = tmp_path / "example.yaml"
    path.write_text(text)
    if runs:
        result = podwire.run(podwire.load(path, ["run.duration=2s", "run.warmup=0.5s"]))
        assert result["complete"]
        for t in result["traffic"]:
            assert t["ok"] > 0 and t["failed"] == 0, t
    else:
        r = podwire_cli("validate", str(path))
        assert r.returncode == 3, r.stdout + r.stderr
        assert message in r.stderr, r.stderr
