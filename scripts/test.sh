#!/usr/bin/env bash
# Runs the whole test suite in a local virtual environment (installed on first use).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/venv.sh"
cd "$root"
# The real CPython 1.5.2+ (../shared/cpython152), built once per machine and cached (about 45 s
# the first time); tests that need it skip, saying why, when it cannot be built.
"$root/.venv/bin/python" -m tools.py152 || echo "test.sh: the real 1.5.2+ is not available; its tests will skip" >&2
# Two workers (the machine has 2 cores); real-clock tests share one (tests/conftest.py).
exec "$root/.venv/bin/python" -m pytest -n 2 --dist loadgroup "$@"
