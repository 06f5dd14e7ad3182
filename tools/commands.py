"""The installed console commands (``pip install .``, pyproject.toml ``[project.scripts]``);
each works from any directory:

* ``gc864-emu``: the emulated module; with no ``--flash``, ``--main`` or ``--in-place`` it runs
  the gateway (as ``bash scripts/run.sh``): the on-module files from the repository, or from
  the installed copy when installed, copied into ``./flash-run``; otherwise exactly
  ``python -m tools.emulator.cli``.
* ``gc864-fleet``: ``python -m tools.fleet``; ``gc864-upload``: ``python -m tools.upload``;
  ``gc864-release``: ``python -m tools.release``; ``gc864-compile``: ``python -m
  tools.pyo15.build`` (``tools/compile_pyo.sh``: dialect check, compile to ``build/*.pyo``).
"""
from __future__ import annotations

import sys


def emu() -> int:
    from tools.emulator.cli import main
    from tools.paths import ROOT

    argv = sys.argv[1:]
    if not any(a.split("=")[0] in ("--flash", "--main", "--in-place") for a in argv) and "-h" not in argv \
            and "--help" not in argv:
        argv = ["--flash", str(ROOT), "--main", "gateway.py"] + argv
    return main(argv)


def fleet() -> int:
    from tools.fleet.__main__ import main

    return main(sys.argv[1:])


def upload() -> int:
    from tools.upload import main

    return main(sys.argv[1:])


def release() -> int:
    from tools.release import main

    return main(sys.argv[1:])


def compile_pyo() -> int:
    from tools.pyo15.build import main

    return main(sys.argv[1:])
