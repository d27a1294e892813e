#!/usr/bin/env bash
# The whole test suite, on SQLite and PostgreSQL, with real Redis and real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d .venv ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 "$@"
