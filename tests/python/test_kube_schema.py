"""Manifests checked against the Kubernetes API schema (kubernetes-validate's
strict JSON schemas), as ``kubectl apply --validate=strict`` and kubeconform
check them: a field the schema does not name or a value of the wrong type is a
located warning, and an error under ``--strict``; the release is selectable.
Every shipped manifest is clean."""

from __future__ import annotations

from pathlib import Path

import pytest

import podwire
from podwire import _core
from podwire.kube_schema import DEFAULT_KUBE_VERSION, kube_schema, releases

SCENARIO = """\
run: {{seed: 1, duration: 1s, warmup: 0s}}
cluster:
  nodes:
    - {{name: worker, count: 2, cpus: 4, memory: 16GiB, nic: 25Gbps}}
manifests:
  - {manifest}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{{containerPort: 80, name: http}}]
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selecter: {app: web}
  ports: [{port: 80, targetPort: http}]
"""


def scenario(tmp_path: Path, manifest_text: str, name: str = "app.yaml") -> Path:
    manifest = tmp_path / name
    manifest.write_text(manifest_text)
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(manifest=manifest))
    return path


def lines(text: str, kind: str) -> list[str]:
    return [line for line in text.splitlines() if f": {kind}: " in line]


def test_the_schemas_are_installed():
    # Declared in pyproject.toml; without it manifests go unchecked (with a notice).
    assert DEFAULT_KUBE_VERSION in releases(), releases()
    assert kube_schema().kinds > 100


def test_a_misspelt_field_is_a_located_warning_and_strict_makes_it_an_error(podwire_cli, tmp_path):
    path = scenario(tmp_path, DEPLOYMENT.format(replicas="replcas: 3"))
    r = podwire_cli("validate", str(path), timeout=60)
    assert r.returncode == 0, r.stderr
    expected = (f"{tmp_path}/app.yaml:6:3: warning: spec.replcas: unknown field 'replcas'; did you mean "
                f"replicas? (the Kubernetes {DEFAULT_KUBE_VERSION} schema has no such field; it is ignored)")
    assert expected in r.stderr.splitlines(), r.stderr

    r = podwire_cli("validate", "--strict", str(path), timeout=60)
    assert r.returncode == 3, r.stderr
    assert lines(r.stderr, "error") == [
        f"{tmp_path}/app.yaml:6:3: error: spec.replcas: unknown field 'replcas'; did you mean replicas? "
        f"(the Kubernetes {DEFAULT_KUBE_VERSION} schema has no such field)"], r.stderr

    r = podwire_cli("run", "--strict", "--no-trace", str(path), timeout=60)
    assert r.returncode == 3, r.stderr
    assert "error: spec.replcas: unknown field 'replcas'" in r.stderr


def test_a_service_selector_typo(podwire_cli, tmp_path):
    path = scenario(tmp_path, DEPLOYMENT.format(replicas="replicas: 2") + "---\n" + SERVICE)
    r = podwire_cli("validate", str(path), timeout=60)
    assert (f"{tmp_path}/app.yaml:23:3: warning: spec.selecter: unknown field 'selecter'; did you mean "
            f"selector? (the Kubernetes {DEFAULT_KUBE_VERSION} schema has no such field; it is ignored)"
            in r.stderr.splitlines()), r.stderr


def test_a_wrong_type_is_located(podwire_cli, tmp_path):
    path = scenario(tmp_path, DEPLOYMENT.format(replicas='replicas: "three"'))
    r = podwire_cli("validate", str(path), timeout=60)
    # podwire reads replicas itself: its own error, not a second word from the schema.
    assert r.returncode == 3
    assert lines(r.stderr, "error") == [f"{tmp_path}/app.yaml:6:13: error: spec.replicas: expected an integer "
                                        "from 0 to 1000000, got 'three'"] or \
        any(line.startswith(f"{tmp_path}/app.yaml:6:13: error: spec.replicas: ") for line in r.stderr.splitlines()), \
        r.stderr
    assert lines(r.stderr, "warning") == [], r.stderr

    # A field podwire does not read is the schema's to check.
    path = scenario(tmp_path, DEPLOYMENT.format(replicas="replicas: 2\n  revisionHistoryLimit: soon"))
    r = podwire_cli("validate", str(path), timeout=60)
    assert r.returncode == 0, r.stderr
    assert (f"{tmp_path}/app.yaml:7:25: warning: spec.revisionHistoryLimit: expected an integer, got the string "
            f"'soon' (the Kubernetes {DEFAULT_KUBE_VERSION} schema)" in r.stderr.splitlines()), r.stderr


def test_the_release_is_selectable(podwire_cli, tmp_path):
    # Service.spec.trafficDistribution came with 1.30 (alpha in 1.30's API: it is in its schema);
    # 1.29 has no such field.
    text = DEPLOYMENT.format(replicas="replicas: 2") + "---\n" + SERVICE.replace(
        "selecter", "selector").replace("  ports:", "  trafficDistribution: PreferClose\n  ports:")
    path = scenario(tmp_path, text)
    r = podwire_cli("validate", "--kube-version", "1.29", str(path), timeout=60)
    assert ("warning: spec.trafficDistribution: unknown field 'trafficDistribution' (the Kubernetes 1.29 "
            "schema has no such field; it is ignored)") in r.stderr, r.stderr
    r = podwire_cli("validate", "--kube-version", "1.31", str(path), timeout=60)
    assert "trafficDistribution" not in r.stderr, r.stderr

    r = podwire_cli("validate", "--kube-version", "1.9", str(path), timeout=60)
    assert r.returncode == 3
    assert r.stderr.strip() == (f"podwire: no schema of Kubernetes 1.9: kubernetes-validate ships those of "
                                f"{releases()[0]} to {releases()[-1]}")
    r = podwire_cli("validate", "--kube-version", "latest", str(path), timeout=60)
    assert r.returncode == 3
    assert "'latest' is not a Kubernetes release" in r.stderr


def test_from_python(tmp_path):
    path = scenario(tmp_path, DEPLOYMENT.format(replicas="replcas: 3"))
    s = podwire.load(path, kube_version="1.31")
    found = [d for d in s.validate() if d["severity"] == "warning"]
    assert [(d["line"], d["column"], d["path"]) for d in found] == [(6, 3, "spec.replcas")]
    assert "Kubernetes 1.31 schema" in found[0]["message"]
    with pytest.raises(_core.ScenarioError, match="unknown field 'replcas'"):
        podwire.load(path, strict=True)
    with pytest.raises(podwire.KubeVersionError):
        podwire.load(path, kube_version="2.0")


def test_custom_resources_are_noticed_not_checked(podwire_cli, tmp_path):
    text = DEPLOYMENT.format(replicas="replicas: 2") + (
        "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {anything: goes}\n")
    r = podwire_cli("validate", "--strict", str(scenario(tmp_path, text)), timeout=60)
    assert r.returncode == 0, r.stderr
    assert "(a custom resource?), so its fields are not checked" in r.stderr


def shipped_manifests(source_dir: Path) -> list[Path]:
    root = source_dir / "scenarios" / "manifests"
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.name != "kustomization.yaml")


def test_every_shipped_manifest_is_clean(source_dir, tmp_path):
    files = shipped_manifests(source_dir)
    assert len(files) > 20
    said = []
    for f in files:
        path = tmp_path / "s.yaml"
        path.write_text(SCENARIO.format(manifest=f))
        scenario_ = podwire.Scenario(path, strict=True)
        said += [d["text"] for d in scenario_.validate() if "schema" in d["message"] and d["severity"] != "notice"]
    assert said == []


def test_every_shipped_scenario_is_clean_under_strict(source_dir):
    for path in sorted((source_dir / "scenarios").rglob("*.yaml")):
        if "manifests" in path.parts:
            continue
        said = [d["text"] for d in podwire.Scenario(path, strict=True).validate()
                if "schema" in d["message"] and d["severity"] != "notice"]
        assert said == [], path


@pytest.mark.parametrize("base, typo, where", [
    ("scenarios/seed-web.yaml", ("  cni: vxlan\n", "  cni: vxlan\n  cnii: native\n"), "cluster.cnii"),
    ("scenarios/default.yaml", ("  servers: 4\n", "  servers: 4\n  serverz: 5\n"), "queueing.serverz"),
])
def test_strict_makes_a_scenario_typo_an_error_too(podwire_cli, source_dir, tmp_path, base, typo, where):
    text = (source_dir / base).read_text()
    assert typo[0] in text
    path = tmp_path / Path(base).name
    path.write_text(text.replace(typo[0], typo[1], 1))
    if "seed-web" in base:
        (tmp_path / "seed").mkdir()
        (tmp_path / "seed/my-app.yaml").write_text((source_dir / "scenarios/seed/my-app.yaml").read_text())
    field, wrong = where.split(".")
    r = podwire_cli("validate", str(path), timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"warning: {where}: unknown field '{wrong}' is ignored; did you mean {field}." in r.stderr, r.stderr
    r = podwire_cli("validate", "--strict", str(path), timeout=60)
    assert r.returncode == 3, r.stderr
    assert f"error: {where}: unknown field '{wrong}'; did you mean {field}." in r.stderr, r.stderr
