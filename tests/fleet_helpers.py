"""Helpers for the fleet server tests (tests/test_fleet_*.py): the server on its own asyncio
loop in a thread, configurations written to tmp_path, fake units on plain sockets, and the
pty side through pyserial.  Every wait is bounded."""
from __future__ import annotations

import asyncio
import json
import os
import select
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable

import serial

from tools.fleet.config import load
from tools.fleet.server import FleetServer, new_loop


class FleetThread:
    """A FleetServer running on a private event loop in a daemon thread."""

    def __init__(self, config: Path) -> None:
        self.cfg = load(config)
        self.lines: list[str] = []
        self.loop = new_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fleet", daemon=True)
        self.thread.start()
        self.srv = FleetServer(self.cfg, echo=self.lines.append)
        self.call(self.srv.start())

    def call(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def wait(self, pred: Callable[[FleetServer], bool], timeout: float = 10) -> bool:
        return bool(self.call(self.srv.wait_for(lambda: pred(self.srv), timeout), timeout + 2))

    def online(self, name: str, timeout: float = 10) -> bool:
        return self.wait(lambda s: name in s.units and s.units[name].conn is not None, timeout)

    def offline(self, name: str, timeout: float = 10) -> bool:
        return self.wait(lambda s: name in s.units and s.units[name].conn is None, timeout)

    def link(self, name: str) -> Path:
        return self.cfg.ports / name

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        if self.cfg.log is None:
            recs = [json.loads(x) for x in self.lines if x.startswith("{")]
        else:
            recs = [json.loads(x) for x in self.cfg.log.read_text().splitlines()]
        return [r for r in recs if kind is None or r["event"] == kind]

    def close(self) -> None:
        try:
            self.call(self.srv.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
            self.loop.close()


def write_config(tmp_path: Path, body: str, listen: str = "127.0.0.1:0") -> Path:
    p = tmp_path / "fleet.toml"
    p.write_text('[fleet]\nlisten = "%s"\nports = "ports"\nlog = "fleet.jsonl"\n%s' % (listen, body))
    return p


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unit_socket(port: int, hello: bytes = b"") -> socket.socket:
    """A fake client-mode unit: connects to the fleet server and sends ``hello`` first."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if hello:
        s.sendall(hello)
    return s


def recv_exact(s: socket.socket, n: int, timeout: float = 5) -> bytes:
    s.settimeout(timeout)
    out = b""
    while len(out) < n:
        try:
            chunk = s.recv(n - len(out))
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
    return out


def open_pty(path: Path, timeout: float = 5) -> serial.Serial:
    return serial.Serial(str(path), 115200, timeout=timeout)


def read_exact(port: serial.Serial, n: int) -> bytes:
    """Up to n bytes within the port's timeout (one bounded read)."""
    return port.read(n)


def nothing_more(port: serial.Serial, wait: float = 0.3) -> bytes:
    old = port.timeout
    port.timeout = wait
    try:
        return port.read(4096)
    finally:
        port.timeout = old


def open_raw(path: Path) -> int:
    """The pty opened without pyserial (which discards pending input when it opens)."""
    return os.open(str(path), os.O_RDWR | os.O_NOCTTY)


def fd_read(fd: int, n: int, timeout: float = 5) -> bytes:
    out = b""
    end = time.monotonic() + timeout
    while len(out) < n:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        out += os.read(fd, n - len(out))
    return out
