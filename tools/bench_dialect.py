"""Benchmark: how fast the dialect checker reads the on-module files and the golden corpus.

    .venv/bin/python -m tools.bench_dialect

Prints lines per second; a speed figure, not a pass/fail test.
"""
from __future__ import annotations

import time

from tools.dialect import check_file
from tools.paths import on_module_files, shared_dir


def measure(paths: list) -> tuple[int, int, float]:
    lines = sum(len(p.read_text(encoding="latin-1").splitlines()) for p in paths)
    t0 = time.perf_counter()
    for p in paths:
        check_file(p)
    return len(paths), lines, time.perf_counter() - t0


def main() -> None:
    sets = [("on-module files", on_module_files())]
    shared = shared_dir()
    if shared is not None:
        sets.append(("golden pyo15 corpus", sorted((shared / "golden" / "pyo15").glob("*.py"))))
    for name, paths in sets:
        n, lines, secs = measure(paths)
        rate = lines / secs if secs else 0.0
        print("%-22s %3d files %6d lines %7.3f s %9.0f lines/s" % (name, n, lines, secs, rate))


if __name__ == "__main__":
    main()
