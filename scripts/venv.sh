#!/usr/bin/env bash
# Creates .venv (once) and installs the pinned dependencies. Sourced by test.sh and run.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
stamp="$venv/.requirements.sha"
want=$(sha256sum "$root/requirements-test.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  echo "first run: creating .venv/ and installing the pinned dependencies (requirements-test.txt, about 20-60 s)" >&2
  python3 -m venv "$venv" || {
    echo "python3 -m venv failed; on Debian install it with: apt-get install python3-venv" >&2
    exit 1
  }
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing the pinned dependencies into .venv/ (requirements-test.txt changed or first run) ..." >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/requirements-test.txt"
  echo "$want" > "$stamp"
fi
