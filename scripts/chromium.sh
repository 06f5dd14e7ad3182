#!/usr/bin/env bash
# Installs Debian's chromium for the status page test (tests/test_fleet_web.py) when it is
# missing; needs root (apt-get).  Prints the browser's path.
set -euo pipefail
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then command -v "$b"; exit 0; fi
done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium.sh: chromium is not installed and this is not root on Debian: apt-get install chromium" >&2
  exit 1
fi
echo "chromium.sh: installing Debian's chromium (once, about a minute)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
command -v chromium
