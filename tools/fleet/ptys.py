"""One pseudo-terminal per unit, served from the asyncio loop.

The fleet server holds the master side and keeps its own descriptor of the slave open, so
the pty survives while no program has it open and while the unit is offline (Linux answers a
master read with EIO once no slave descriptor is left).  The slave is put in raw mode (no
echo, no CR/LF translation, 8 bits): bytes pass unchanged both ways.  ``<link>`` is a
symlink to the slave's /dev path, replaced atomically, removed on close.
"""
from __future__ import annotations

import asyncio
import os
import tty
from pathlib import Path
from typing import Callable

OUT_LIMIT = 1 << 20  # bytes waiting for the program to read; beyond, they are dropped
HIGH, LOW = 64 * 1024, 16 * 1024  # backlog at which the unit is no longer read, and read again


class UnitPty:
    def __init__(self, link: Path, on_data: Callable[[bytes], None]) -> None:
        self.link = link
        self.on_data = on_data
        self.master = self.slave = -1
        self.path = ""
        self.out = bytearray()
        self.dropped = 0
        self.reading = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.room: asyncio.Event | None = None  # set while the backlog is below LOW

    def open(self) -> str:
        self.loop = asyncio.get_running_loop()
        self.room = asyncio.Event()
        self.room.set()
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.link.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.link.with_name("." + self.link.name + ".new")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(self.path, tmp)
        os.replace(tmp, self.link)
        self.resume_reading()
        return self.path

    def resume_reading(self) -> None:
        if not self.reading and self.loop is not None and self.master >= 0:
            self.loop.add_reader(self.master, self._readable)
            self.reading = True

    def pause_reading(self) -> None:
        if self.reading and self.loop is not None:
            self.loop.remove_reader(self.master)
            self.reading = False

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # EIO: no slave descriptor (cannot happen while we hold one)
            return
        if data:
            self.on_data(data)

    def write(self, data: bytes) -> int:
        """Queue bytes for the program; returns how many were dropped (queue full)."""
        room = OUT_LIMIT - len(self.out)
        keep = data[:max(room, 0)]
        lost = len(data) - len(keep)
        self.dropped += lost
        waiting = bool(self.out)
        self.out += keep
        if not waiting:
            self._flush()
        self._update_room()
        return lost

    def _flush(self) -> None:
        assert self.loop is not None
        while self.out:
            try:
                n = os.write(self.master, self.out)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.out.clear()
                break
            del self.out[:n]
        if self.out:
            self.loop.add_writer(self.master, self._writable)
        self._update_room()

    def _update_room(self) -> None:
        if self.room is not None:
            if len(self.out) >= HIGH:
                self.room.clear()
            elif len(self.out) <= LOW:
                self.room.set()

    def blocked(self) -> bool:
        """The program is behind: the unit's socket is not read until it catches up."""
        return self.room is not None and not self.room.is_set()

    async def drained(self) -> None:
        """Returns once the program has read the backlog down to LOW bytes: the fleet
        server stops reading the unit's socket meanwhile (TCP flow control, not loss)."""
        if self.room is not None and len(self.out) >= HIGH:
            await self.room.wait()

    def _writable(self) -> None:
        assert self.loop is not None
        self.loop.remove_writer(self.master)
        self._flush()

    def close(self) -> None:
        if self.master < 0:
            return
        if self.loop is not None:
            self.pause_reading()
            self.loop.remove_writer(self.master)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self.master = self.slave = -1
        try:
            if os.readlink(self.link) == self.path:
                self.link.unlink()
        except OSError:
            pass


class NoPty:
    """A unit without a pty (``ptys = false`` in ``[fleet]``): its bytes reach only the
    fleet server's observers (the MQTT bridge, tools/fleet/mqtt.py).  For fleets past the
    kernel's pty limit (/proc/sys/kernel/pty/max, 4096 by default: docs/fleet-scale.md)."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.path = ""
        self.dropped = 0

    def open(self) -> str:
        return ""

    def write(self, data: bytes) -> int:
        return 0

    async def drained(self) -> None:
        return None

    def blocked(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def close(self) -> None:
        pass
