#!/usr/bin/env bash
# The project's test command: installs what it needs, then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the database and browser the store and report tests use
bash scripts/setup_system.sh
.venv/bin/ruff check relief_ner tests scripts
.venv/bin/ruff format --check relief_ner tests scripts
.venv/bin/python -m pytest -q "$@"
