"""A lock file that names its holder: an exclusive ``flock`` held while the descriptor is
open, with the holder's pid inside, so that a second run can say which process has it
(the emulator's flash folder, tools/emulator/cli.py; the fleet server's ports and status
socket, tools/fleet/lock.py)."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


class Held(Exception):
    """Another process holds the lock; ``holder`` is its pid as written ("unknown" if none)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def take(path: Path) -> int:
    """Lock ``path`` (created, with its folder, when missing) and write this pid into it;
    returns the open descriptor, which holds the lock until it is closed.  Raises Held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise Held(holder) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, b"%d\n" % os.getpid(), 0)
    return fd
