"""Figures for the fleet server (docs/fleet.md, "Measured"): round-trip latency of a small
frame from a serial program on a unit's pty, through the fleet server and loopback TCP, to a
unit that echoes it, and back; and throughput each way.

    python -m tools.bench_fleet [--frames 500] [--megabytes 4]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import serial

from tools.fleet.config import parse
from tools.fleet.server import FleetServer, new_loop

CONFIG = """
[fleet]
listen = "127.0.0.1:0"
ports = "ports"
log = "fleet.jsonl"
[unit.bench]
identity = "BENCH%0D%0A"
heartbeat = "%0D%0AHB%0D%0A"
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=500)
    ap.add_argument("--megabytes", type=float, default=4)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        cfg = parse(CONFIG, Path(d) / "fleet.toml")
        loop = new_loop()
        threading.Thread(target=loop.run_forever, daemon=True).start()
        srv = FleetServer(cfg, echo=None)
        asyncio.run_coroutine_threadsafe(srv.start(), loop).result(10)
        try:
            run(srv, loop, a.frames, int(a.megabytes * 1e6))
        finally:
            asyncio.run_coroutine_threadsafe(srv.stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)


def run(srv: FleetServer, loop: asyncio.AbstractEventLoop, frames: int, size: int) -> None:
    port = serial.Serial(str(srv.cfg.ports / "bench"), 115200, timeout=5)
    unit = socket.create_connection(("127.0.0.1", srv.listen_port or 0), timeout=5)
    unit.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    unit.sendall(b"BENCH\r\n")
    ok = asyncio.run_coroutine_threadsafe(srv.wait_for(lambda: srv.units["bench"].conn is not None, 5), loop)
    assert ok.result(6)
    frame = bytes([1, 3, 0, 0, 0, 10, 0xC5, 0xCD])   # a Modbus RTU read request
    rtts = []
    for _ in range(frames):
        t0 = time.perf_counter()
        port.write(frame)
        got = b""
        while len(got) < len(frame):
            got += unit.recv(64)
        unit.sendall(got)
        back = port.read(len(frame))
        rtts.append(time.perf_counter() - t0)
        assert back == frame
    rtts.sort()
    print("round trip pty -> fleet -> TCP -> echo -> fleet -> pty, %d frames of 8 bytes:" % frames)
    print("  median %.3f ms, p95 %.3f ms, max %.3f ms" % (
        statistics.median(rtts) * 1e3, rtts[int(len(rtts) * 0.95) - 1] * 1e3, rtts[-1] * 1e3))
    payload = os.urandom(size)

    def sender() -> None:
        unit.sendall(payload)

    t0 = time.perf_counter()
    th = threading.Thread(target=sender)
    th.start()
    got = bytearray()
    while len(got) < size:
        got += port.read(min(65536, size - len(got)))
    th.join()
    dt = time.perf_counter() - t0
    assert bytes(got) == payload
    print("unit -> program: %.1f MB in %.2f s, %.1f MB/s" % (size / 1e6, dt, size / 1e6 / dt))
    t0 = time.perf_counter()
    th = threading.Thread(target=lambda: port.write(payload))
    th.start()
    got = bytearray()
    while len(got) < size:
        got += unit.recv(65536)
    th.join()
    dt = time.perf_counter() - t0
    assert bytes(got) == payload
    print("program -> unit: %.1f MB in %.2f s, %.1f MB/s" % (size / 1e6, dt, size / 1e6 / dt))
    port.close()
    unit.close()


if __name__ == "__main__":
    main()
