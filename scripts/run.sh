#!/usr/bin/env bash
# Runs the gateway on the emulated module.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/venv.sh"
cd "$root"
if [ ! -f "$root/gateway.py" ] || [ ! -f "$root/tools/emulator/cli.py" ]; then
  echo "run.sh: the gateway (gateway.py) or the emulator CLI (tools/emulator/cli.py) is not built yet" >&2
  exit 2
fi
# The device side of the serial port is the stable link ./ttyGW (the /dev/pts/N behind it
# changes at every start), unless --serial is given.  One run per flash folder: a second
# run.sh is refused (give it its own with --scratch flash-run2 --serial pty:ttyGW2).
serial=(--serial pty:ttyGW)
for a in "$@"; do
  case $a in --serial|--serial=*) serial=() ;; esac
done
# The names table is enforced (the emulator's default, 682: ES13 7.1): every boot of the
# gateway fits it (python -m tools.bench_names), so an import past it fails as on a unit.
exec "$root/.venv/bin/python" -m tools.emulator.cli --flash "$root" --main gateway.py "${serial[@]}" "$@"
