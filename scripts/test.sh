#!/usr/bin/env bash
# Runs the whole test suite in a local virtual environment (installed on first use).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/venv.sh"
cd "$root"
# Two workers (the machine has 2 cores); real-clock tests share one (tests/conftest.py).
exec "$root/.venv/bin/python" -m pytest -n 2 --dist loadgroup "$@"
