#!/bin/sh
# compile_pyo.sh [FILE.py ...] - check the dialect, compile to build/NAME.pyo
# (CPython 1.5.2 bytecode, as python -O), enforce the module's limits (name
# <= 16 characters, .pyo < 16 KB) and print a table of files and sizes.
# Default: every on-module file (*.py at the repository root).
# Exit status is non-zero on any problem.  POSIX sh; needs only Python 3.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
root=$(dirname -- "$here")

if [ -x "$root/.venv/bin/python" ]; then
    py="$root/.venv/bin/python"
elif command -v python3 >/dev/null 2>&1; then
    py=python3
else
    echo "compile_pyo.sh: no Python 3 found (looked for .venv/bin/python and python3)" >&2
    exit 2
fi

# Make relative FILE arguments absolute before changing directory.
n=$#
while [ "$n" -gt 0 ]; do
    f=$1
    shift
    case $f in
        /*|-*) ;;
        *) f="$PWD/$f" ;;
    esac
    set -- "$@" "$f"
    n=$((n - 1))
done

cd "$root"
exec "$py" -m tools.pyo15.build "$@"
