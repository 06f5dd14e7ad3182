"""The module's flash file system (NVM), backed by a host directory.

Limits from REFERENCE §3 (ES13 §2.1, §7.1): flat namespace, names of at most 16 characters,
case-sensitive, at most 255 files, at most 16 open at once, about 2 MB in total, no truncate,
``rename`` silently overwrites the target, ``flashflush()`` waits for pending writes.

Power cuts: ``arm_power_cut(n)`` lets exactly ``n`` more bytes of script file writes reach the
flash; the byte that would be number ``n + 1`` cuts the power. What was written before stays,
nothing after does (writes are write-through, one byte at a time in effect): the write that hits
the cut stores its first bytes up to the cut and raises ``PowerCut`` in the script thread, the
module loses power (``module.power_restore_ms`` later it boots again) and the dead script never
runs another operation. Metadata operations (open for writing, which empties the file, unlink,
rename) are atomic: they happen entirely before the cut or not at all. An armed cut stays armed
across reboots until it fires or ``disarm_power_cut()``.

Script-side operations go through a *guard* (``guard`` argument of ``builtin_open`` etc.): the
script runner passes one that takes the kernel lock and freezes a killed script thread, so a
script killed by the watchdog or a reboot cannot touch the flash any more, even in the middle of
a line of code.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Callable, ContextManager

Guard = Callable[[], ContextManager[object]]


def _no_guard() -> ContextManager[object]:
    return contextlib.nullcontext()

MAX_NAME = 16
MAX_FILES = 255
MAX_OPEN = 16
CAPACITY = 2 * 1024 * 1024


class PowerCut(BaseException):
    """The power went off in the middle of a flash operation (never caught by a script's
    ``except:``: it derives from BaseException and the kernel freezes the thread)."""


class FlashError(IOError):
    pass


def valid_name(name: str) -> bool:
    return 0 < len(name) <= MAX_NAME and "/" not in name and "\\" not in name and name not in (".", "..") and "\0" not in name


class Flash:
    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.open_files: list["FlashFile"] = []
        self._cut_budget: int | None = None  # bytes still allowed before the cut
        self.on_power_cut: Callable[[], None] | None = None
        self.bytes_written = 0
        self._used: tuple[int, int] | None = None
        self.hidden: set[str] = set()

    # ------------------------------------------------------------- host side
    def names(self) -> list[str]:
        return sorted(p.name for p in self.dir.iterdir() if p.is_file())

    def read(self, name: str) -> bytes:
        return (self.dir / name).read_bytes()

    def write(self, name: str, data: bytes) -> None:
        """Host-side write (test set-up, #WSCRIPT): checked against the limits, no power cut."""
        self._check_new(name, len(data))
        (self.dir / name).write_bytes(data)
        self._changed()

    def exists(self, name: str) -> bool:
        return valid_name(name) and (self.dir / name).is_file()

    def used(self) -> int:
        """Bytes in all files. Cached between changes made through this object (a directory
        listing per 1-byte write would make tight write loops slow); the cache is dropped when
        the directory itself changes."""
        stamp = self.dir.stat().st_mtime_ns
        if self._used is None or self._used[0] != stamp:
            self._used = (stamp, sum((self.dir / n).stat().st_size for n in self.names()))
        return self._used[1]

    def _grew(self, n: int) -> None:
        if self._used is not None:
            self._used = (self._used[0], self._used[1] + n)

    def _changed(self) -> None:
        self._used = None

    def free(self) -> int:
        return max(0, CAPACITY - self.used())

    def delete(self, name: str) -> None:
        if not self.exists(name):
            raise FlashError("no such file: %s" % name)
        (self.dir / name).unlink()
        self.hidden.discard(name)
        self._changed()

    def _check_new(self, name: str, size: int) -> None:
        if not valid_name(name):
            raise FlashError("bad file name (1-16 characters, no '/'): %r" % name)
        existing = self.exists(name)
        if not existing and len(self.names()) >= MAX_FILES:
            raise FlashError("flash full: 255 files")
        old = (self.dir / name).stat().st_size if existing else 0
        if self.used() - old + size > CAPACITY:
            raise FlashError("flash full: %d bytes" % CAPACITY)

    # ------------------------------------------------------------ power cuts
    def arm_power_cut(self, after_bytes: int) -> None:
        self._cut_budget = after_bytes

    def disarm_power_cut(self) -> None:
        self._cut_budget = None

    def reset_after_boot(self) -> None:
        """Open files are RAM state: gone at a reboot (an armed power cut stays armed)."""
        for f in list(self.open_files):
            f._close_silently()
        self.open_files.clear()

    def power_cut_armed(self) -> int | None:
        """Bytes still allowed before the armed cut, or None."""
        return self._cut_budget

    def _allow(self, n: int) -> int:
        """How many of n bytes may still be written before the armed cut."""
        if self._cut_budget is None:
            return n
        return min(n, self._cut_budget)

    def _consume(self, n: int) -> None:
        self.bytes_written += n
        if self._cut_budget is not None:
            self._cut_budget -= n

    def _cut(self) -> None:
        self._cut_budget = None
        if self.on_power_cut is not None:
            self.on_power_cut()
        raise PowerCut()

    # ------------------------------------------------------- script built-ins
    # ES13 §5.2.28 open(filename[, mode[, bufsize]]), §6.1 unlink/rename/flashflush; the limits
    # of REFERENCE §3. Errors are IOError (MODEMG expects IOError for a missing file).
    def builtin_open(self, name: str, mode: str = "r", bufsize: int = -1, guard: Guard = _no_guard) -> "FlashFile":
        with guard():
            if not isinstance(name, str) or not isinstance(mode, str):
                raise TypeError("open: file name and mode must be strings")
            if not valid_name(name):
                raise IOError(2, "No such file or directory: %r" % name)
            base = mode.replace("b", "").replace("t", "")
            if base not in ("r", "w", "a", "r+", "w+", "a+"):
                raise IOError(22, "invalid mode: %s" % mode)
            if len(self.open_files) >= MAX_OPEN:
                raise IOError(24, "Too many open files")
            path = self.dir / name
            if base.startswith("r") and not path.is_file():
                raise IOError(2, "No such file or directory: %r" % name)
            if not path.is_file() and len(self.names()) >= MAX_FILES:
                raise IOError(28, "No space left on device")
            if base.startswith("w"):
                path.write_bytes(b"")  # open for write empties the file at once
                self._changed()
            elif base.startswith("a") and not path.is_file():
                path.write_bytes(b"")
                self._changed()
            f = FlashFile(self, name, base, guard)
            self.open_files.append(f)
            return f

    def builtin_unlink(self, name: str, guard: Guard = _no_guard) -> None:
        with guard():
            if not isinstance(name, str) or not self.exists(name):
                raise IOError(2, "No such file or directory: %r" % (name,))
            (self.dir / name).unlink()
            self.hidden.discard(name)
            self._changed()

    def builtin_rename(self, old: str, new: str, guard: Guard = _no_guard) -> None:
        # ES13 §6.1: rename silently overwrites an existing target.
        with guard():
            if not isinstance(old, str) or not isinstance(new, str) or not self.exists(old):
                raise IOError(2, "No such file or directory: %r" % (old,))
            if not valid_name(new):
                raise IOError(22, "Invalid argument: %r" % (new,))
            os.replace(self.dir / old, self.dir / new)
            self._changed()
            if old in self.hidden:
                self.hidden.discard(old)
                self.hidden.add(new)
            else:
                self.hidden.discard(new)

    def builtin_flashflush(self, guard: Guard = _no_guard) -> None:
        # ES13 §6.1: blocks until pending flash writes are done. Writes are write-through in the
        # emulator, so nothing is pending.
        with guard():
            return None


class FlashFile:
    """A file object as the script sees it: str data (latin-1), no truncate (ES13 §5.2.13)."""

    def __init__(self, flash: Flash, name: str, mode: str, guard: Guard = _no_guard) -> None:
        self._flash = flash
        self.name = name
        self.mode = mode
        self.closed = 0
        self._guard = guard
        self._pos = (flash.dir / name).stat().st_size if mode.startswith("a") else 0

    def _path(self) -> Path:
        return self._flash.dir / self.name

    def _check(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def read(self, n: int = -1) -> str:
        with self._guard():
            self._check()
            if self.mode in ("w", "a"):
                raise IOError(9, "Bad file descriptor")
            data = self._path().read_bytes()
            end = len(data) if n is None or n < 0 else min(len(data), self._pos + n)
            out = data[self._pos:end]
            self._pos = max(self._pos, end)
            return out.decode("latin-1")

    def readline(self) -> str:
        with self._guard():
            self._check()
            if self.mode in ("w", "a"):
                raise IOError(9, "Bad file descriptor")
            data = self._path().read_bytes()
            i = data.find(b"\n", self._pos)
            end = len(data) if i < 0 else i + 1
            out = data[self._pos:end]
            self._pos = max(self._pos, end)
            return out.decode("latin-1")

    def readlines(self) -> list[str]:
        out = []
        while True:
            line = self.readline()
            if not line:
                return out
            out.append(line)

    def write(self, s: str) -> None:
        with self._guard():
            self._check()
            if self.mode == "r":
                raise IOError(9, "Bad file descriptor")
            if not isinstance(s, str):
                raise TypeError("write() argument must be string")
            data = s.encode("latin-1")
            flash = self._flash
            path = self._path()
            size = path.stat().st_size
            pos = size if self.mode.startswith("a") else self._pos
            grow = max(0, pos + len(data) - size)
            if grow and flash.used() + grow > CAPACITY:
                raise IOError(28, "No space left on device")
            allowed = flash._allow(len(data))
            if allowed:
                with open(path, "r+b") as fh:
                    if pos > size:
                        fh.seek(size)
                        fh.write(b"\0" * (pos - size))  # a seek past the end leaves a hole
                    fh.seek(pos)
                    fh.write(data[:allowed])
                self._pos = pos + allowed
                flash._consume(allowed)
                flash._grew(max(0, pos + allowed - size))
            if allowed < len(data):
                flash._cut()

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def seek(self, offset: int, whence: int = 0) -> None:
        with self._guard():
            self._check()
            size = self._path().stat().st_size
            base = 0 if whence == 0 else self._pos if whence == 1 else size
            self._pos = max(0, base + offset)

    def tell(self) -> int:
        with self._guard():
            return self._pos

    def flush(self) -> None:
        with self._guard():
            self._check()

    def isatty(self) -> int:
        return 0

    def fileno(self) -> int:
        return 3 + self._flash.open_files.index(self) if self in self._flash.open_files else -1

    def close(self) -> None:
        with self._guard():
            if not self.closed:
                self._close_silently()

    def _close_silently(self) -> None:
        self.closed = 1
        if self in self._flash.open_files:
            self._flash.open_files.remove(self)
