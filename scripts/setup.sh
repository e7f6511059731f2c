#!/usr/bin/env bash
# Installs what podwire needs on Debian 12 or Ubuntu: the C++ build tools and
# libraries (apt-get, with sudo when not root; skipped when already there) and a
# virtual environment .venv with the Python build and runtime dependencies that
# pyproject.toml declares. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

debian_packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libeigen3-dev libboost-graph-dev libhdf5-dev libyaml-cpp-dev libyaml-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang-format
)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Python's venv module and headers: only when the python3 on PATH lacks them.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
if ! python3 -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  missing+=(python3-dev)
fi

if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages: all present"
fi

# Headless Chromium, in which the test suite opens `podwire report`'s pages as
# a reader would (tests/python/test_report_browser.py). Debian's package; where
# it cannot be installed (Ubuntu ships it only as a snap) that test is skipped
# and says why, and nothing else needs it.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  say "installing Debian package: chromium (headless, for the report's browser test)"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq || true
  if ! DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium; then
    say "chromium could not be installed: the report's browser test will be skipped"
  fi
fi

# The Python side. Dependencies come from pyproject.toml alone (build requirements,
# runtime dependencies and the test extra); a stamp skips pip when it has not changed.
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.podwire-deps
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python dependencies from pyproject.toml into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python - <<'PY' > .venv/requirements.txt
import tomllib
with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)
reqs = project["build-system"]["requires"] + project["project"]["dependencies"]
for extra in project["project"].get("optional-dependencies", {}).values():
    reqs += extra
print("\n".join(dict.fromkeys(reqs)))
PY
  .venv/bin/python -m pip install -q -r .venv/requirements.txt
  echo "$want" > "$stamp"
else
  say "Python dependencies: up to date"
fi
