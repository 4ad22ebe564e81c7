#!/usr/bin/env bash
# The pinned build tools of `make package` (cargo-lambda, zig, checkov) in .venv-package, once
# (again when infra/package/requirements.txt changes). `.ci/run` installs them while the tests
# run: the install waits on the network, the tests on the CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=.venv-package/.installed
if [ ! -f "$stamp" ] || [ infra/package/requirements.txt -nt "$stamp" ]; then
  echo "creating .venv-package with the pinned build tools (cargo-lambda, zig, checkov)"
  python3 -m venv .venv-package
  .venv-package/bin/pip install -q --disable-pip-version-check -r infra/package/requirements.txt
  touch "$stamp"
fi
