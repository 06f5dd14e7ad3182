"""One fleet server per ports folder and status socket (docs/fleet.md, "One server per
configuration").  A second server started with the same configuration would repoint the
first one's ``ports/`` links and, on exit, delete them and the status socket; it takes an
exclusive ``flock`` on ``<ports>/.lock`` (and on ``<status>.lock`` when the status socket is
elsewhere) first and refuses to start, saying which server holds it, when it cannot."""
from __future__ import annotations

import os
from pathlib import Path

from ..pidlock import Held, take
from .config import FleetConfig


class LockError(OSError):
    """Another fleet server uses these ports or this status socket."""


class Lock:
    def __init__(self, files: list[tuple[Path, int]]) -> None:
        self.files = files

    def release(self) -> None:
        for path, fd in self.files:
            try:
                os.ftruncate(fd, 0)
                os.close(fd)
            except OSError:
                pass
        self.files = []


def _take(path: Path, what: str) -> int:
    try:
        return take(path)
    except Held as e:
        raise LockError("another fleet server (pid %s) is using %s (lock %s); stop it first, or give this "
                        "one its own ports and status in its configuration" % (e.holder, what, path)) from None


def acquire(cfg: FleetConfig) -> Lock:
    """Lock the configuration's ports folder (and status socket); raises LockError."""
    files: list[tuple[Path, int]] = []
    try:
        p = cfg.ports / ".lock"
        files.append((p, _take(p, "the ports in %s" % cfg.ports)))
        if cfg.status.parent.resolve() != cfg.ports.resolve():
            q = cfg.status.with_name(cfg.status.name + ".lock")
            files.append((q, _take(q, "the status socket %s" % cfg.status)))
    except BaseException:
        Lock(files).release()
        raise
    return Lock(files)
