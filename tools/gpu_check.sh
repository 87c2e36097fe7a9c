#!/usr/bin/env bash
# The prepared GPU check (tools/gpu_check.py): one JSON summary on the last line.
#   bash tools/gpu_check.sh          on a GPU machine (under 9 minutes)
#   bash tools/gpu_check.sh --dry    on any CPU, every step at its smallest size (CI runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
[ -x "$PY" ] || { make setup >/dev/null && PY=.venv/bin/python; }
exec "$PY" -m tools.gpu_check "$@"
