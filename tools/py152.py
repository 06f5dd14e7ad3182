"""The real CPython 1.5.2+ (``../shared/cpython152/``), built once and cached.

``interpreter()`` gives the path of the 32-bit 1.5.2+ built from ``../shared/cpython152``
(run it with ``-X`` for Telit's string exceptions, ES13 §5.2.27); ``interpreter(count=True)``
the same build with ``sys.interned()`` (the size of the names table, ES13 §7.1). Builds go
to a cache keyed by the source tarball's digest, so every clone and worktree on a machine
shares one build (about 25 s each, no network). None when ``../shared/`` is absent or the
machine cannot build 32-bit programs (the reason is in ``why_not()``).

    python -m tools.py152            # build both, print their paths
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tools.paths import shared_dir

_why: list[str] = []


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gc864-py152"


def _source() -> Path | None:
    d = shared_dir()
    if d is None:
        return None
    p = d / "cpython152" / "build.sh"
    return p if p.is_file() else None


def why_not() -> str:
    """Why the last ``interpreter()`` call gave None ('' when it did not)."""
    return _why[-1] if _why else ""


def interpreter(count: bool = False) -> Path | None:
    """Path of the built 1.5.2+ (``count``: with ``sys.interned()``), building it when needed."""
    build = _source()
    if build is None:
        _why.append("../shared/cpython152/ is not next to this clone")
        return None
    tarball = build.parent / "py152plus-src.tar.gz"
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()[:12]
    prefix = _cache_root() / digest / ("count" if count else "plain")
    exe = prefix / "bin" / "python"
    if exe.is_file():
        return exe
    prefix.parent.mkdir(parents=True, exist_ok=True)
    with open(prefix.parent / ".lock", "w") as lock:  # one build at a time per machine
        fcntl.flock(lock, fcntl.LOCK_EX)
        if exe.is_file():
            return exe
        args = ["bash", str(build), str(prefix)] + (["--count-interned"] if count else [])
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0 or not exe.is_file():
            _why.append("building the real 1.5.2+ failed: " + (r.stderr.strip() or r.stdout.strip())[-400:])
            return None
    return exe


def main() -> int:
    ok = True
    for count in (False, True):
        exe = interpreter(count)
        label = "count" if count else "plain"
        if exe is None:
            print(f"1.5.2+ {label}: not available: {why_not()}", file=sys.stderr)
            ok = False
        else:
            print(f"1.5.2+ {label}: {exe}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
