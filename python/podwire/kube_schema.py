"""The Kubernetes API schemas that manifests are checked against: the strict
JSON schemas that the ``kubernetes-validate`` package ships for each release."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
import re

from podwire import _core

#: The release checked against when none is named: the kube-proxy release a
#: scenario models by default (``cluster.proxy.version``).
DEFAULT_KUBE_VERSION = "1.36"


class KubeVersionError(ValueError):
    """A Kubernetes release with no schema here."""


def _schema_root() -> Path | None:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent / "kubernetes-json-schema"
    return root if root.is_dir() else None


def releases() -> list[str]:
    """The releases with a schema, oldest first ("1.25", ..., "1.37"); empty
    when kubernetes-validate is not installed."""
    root = _schema_root()
    if root is None:
        return []
    found = []
    for d in root.iterdir():
        m = re.fullmatch(r"v1\.(\d+)\.0-local-strict", d.name)
        if m and (d / "_definitions.json").is_file():
            found.append(int(m.group(1)))
    return [f"1.{minor}" for minor in sorted(found)]


def _normalise(version: str) -> str:
    m = re.fullmatch(r"v?1\.(\d+)(\.\d+)?", version.strip())
    if not m:
        raise KubeVersionError(f"'{version}' is not a Kubernetes release; expected one such as "
                               f"{DEFAULT_KUBE_VERSION}")
    return f"1.{int(m.group(1))}"


@functools.lru_cache(maxsize=4)
def _load(release: str) -> _core.KubeSchema:
    root = _schema_root()
    assert root is not None
    return _core.load_kube_schema(str(root / f"v{release}.0-local-strict" / "_definitions.json"), release)


def kube_schema(version: str | None = None) -> _core.KubeSchema | None:
    """The schema of Kubernetes ``version`` (``"1.31"``; default
    DEFAULT_KUBE_VERSION), read once per process; None when the
    kubernetes-validate package is not installed. ``KubeVersionError`` for a
    release it has no schema of."""
    release = _normalise(version or DEFAULT_KUBE_VERSION)
    known = releases()
    if not known:
        return None
    if release not in known:
        raise KubeVersionError(f"no schema of Kubernetes {release}: kubernetes-validate ships those of "
                               f"{known[0]} to {known[-1]}")
    return _load(release)


NOT_INSTALLED = ("manifests are not checked against the Kubernetes API schema: the kubernetes-validate "
                 "package is not installed (pip install kubernetes-validate)")
