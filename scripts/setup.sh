#!/usr/bin/env bash
# Creates .venv (if missing) and installs relief_ner with its test tools.
# torch==2.13.0 is the CPU build (served from local disk on the project's machines);
# GPU users: see README "GPU".
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "torch==2.13.0" -e ".[test]"
