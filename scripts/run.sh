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
# --names-limit 0: the names table is counted, not enforced, until every boot of the
# gateway fits it (an update's does not yet: python -m tools.bench_names)
exec "$root/.venv/bin/python" -m tools.emulator.cli --flash "$root" --main gateway.py --names-limit 0 "${serial[@]}" "$@"
