"""The fleet server at scale (docs/fleet-scale.md): N simulated units, lightweight asyncio
clients that behave like the gateway on the wire (identity first, heartbeats, request/echo
traffic, drops), against ONE fleet server process on loopback.  For each N it prints:

* memory per unit (the server's RSS, /proc/<pid>/status) and CPU per unit at the stated
  traffic rate (its utime+stime, /proc/<pid>/stat),
* the round trip of a 16-byte frame unit -> server -> program side -> server -> unit, p50/p99,
* the reconnect storm: every unit opens a new connection at the same instant (the old one is
  abandoned half-open, as after a GPRS outage): the time until all are back and bridging,
  connect attempts refused or lost, and bytes lost or reordered among those the server
  accepted (must be 0).

The program side is the server's own observer hook (``FleetServer.on_data``) echoing each
unit's device bytes back to it: the bench mode without endpoints, since the kernel gives
at most /proc/sys/kernel/pty/max ptys (4096 by default) to everybody on the machine.
``--ptys`` measures with a real pty per unit instead (each echoed by the bench through the
pty), up to that limit.

    python -m tools.bench_fleet                       # N = 100, 1000, 5000
    python -m tools.bench_fleet --units 1000 --ptys   # the same through 1000 ptys
    python -m tools.bench_fleet --single              # one unit through a pty: latency, MB/s

Bounded: every phase has a deadline (--phase-timeout), the unit count is capped by the
file-descriptor limit, everything is on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FRAME = 16                      # b"u00042 00000017;" : unit number, sequence number
HEARTBEAT = b"\r\nHB\r\n"       # the units' heartbeat text, stripped by the server
FD_SPARE = 64


def frame(unit: int, seq: int) -> bytes:
    return b"u%05d %08d;" % (unit, seq)


def config_text(n: int, ptys: bool, mqtt_port: int | None = None) -> str:
    lines = ['[fleet]', 'listen = "127.0.0.1:0"', 'ports = "ports"', 'log = "fleet.jsonl"',
             'ptys = %s' % ("true" if ptys else "false"), 'web = ""',
             # every simulated unit calls from 127.0.0.1: a storm identifies them all at once
             'max_per_address = %d' % max(256, 2 * n),
             '[defaults]', 'heartbeat = "%0D%0AHB%0D%0A"']
    if mqtt_port is not None:
        lines += ['[mqtt]', 'broker = "127.0.0.1:%d"' % mqtt_port, 'prefix = "bench"', 'server_id = "bench"']
    for i in range(n):
        lines.append('[unit.u%05d]\nidentity = "%%ID%%0D%%0A"' % i)
    return "\n".join(lines) + "\n"


def raise_fd_limit(need: int) -> tuple[int, int]:
    """Raise this process's soft RLIMIT_NOFILE towards ``need`` (never above the hard
    limit, which only root can raise).  Returns (soft, hard) as they are now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def pty_limits() -> tuple[int, int]:
    """(/proc/sys/kernel/pty/max, /proc/sys/kernel/pty/nr): the machine's pty ceiling and
    how many are in use now (-1 when unknown)."""
    out = []
    for name in ("max", "nr"):
        try:
            out.append(int(Path("/proc/sys/kernel/pty/%s" % name).read_text()))
        except (OSError, ValueError):
            out.append(-1)
    return out[0], out[1]


# ---------------------------------------------------------------- the server process
class LinearIdentities:
    """--before: the identity matching as it was (tools/fleet/stream.py match_identity, a
    scan of every identity for every read of a new connection)."""

    def __init__(self, identities: dict[bytes, str]) -> None:
        self.names = identities
        self.longest = max((len(i) for i in identities), default=0)

    def __bool__(self) -> bool:
        return bool(self.names)

    def match(self, first: bytes, final: bool) -> tuple[str, str | None, int]:
        from tools.fleet.stream import match_identity
        return match_identity(first, self.names, final)


def serve(config: str, echo: bool, before: bool = False) -> None:
    """The fleet server process: the server with an echo as its program side (the hook), a
    line ``ready <port>`` on stdout, then it runs until stdin closes.  ``before``: the
    listen backlog and identity matching as they were before docs/fleet-scale.md."""
    from tools.fleet import server as fleet_server
    from tools.fleet.config import load
    from tools.fleet.server import FleetServer, new_loop

    if before:
        fleet_server.BACKLOG = 100      # asyncio's default
        fleet_server.Identities = LinearIdentities  # type: ignore[assignment,misc]

    cfg = load(config)
    raise_fd_limit(len(cfg.units) * (3 if cfg.ptys else 1) * 2 + FD_SPARE)

    async def main() -> None:
        srv = FleetServer(cfg, echo=None)
        if echo:
            srv.on_data.append(lambda u, data: u.from_program(data))
        await srv.start()
        print("ready %d" % srv.listen_port, flush=True)
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        loop.add_reader(sys.stdin.fileno(), done.set)
        await done.wait()
        await srv.stop()

    prof = os.environ.get("BENCH_FLEET_PROFILE")     # a file: the server's cProfile statistics
    if prof:
        import cProfile
        with cProfile.Profile() as p, asyncio.Runner(loop_factory=new_loop) as r:
            r.run(main())
        p.dump_stats(prof)
        return
    with asyncio.Runner(loop_factory=new_loop) as r:
        r.run(main())


def start_mosquitto(d: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A Mosquitto broker (Debian package mosquitto) on a free loopback port, temp config."""
    import shutil
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.path.exists(exe):
        raise SystemExit("bench_fleet: --mqtt needs the mosquitto broker (apt-get install mosquitto)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = d / "mosquitto.conf"
    conf.write_text("listener %d 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\nset_tcp_nodelay true\n" % port)
    proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if time.monotonic() > end:
                proc.kill()
                raise SystemExit("bench_fleet: mosquitto did not start")
            time.sleep(0.05)


async def mqtt_echo(port: int, ready: asyncio.Event) -> None:
    """--mqtt: the program side is an MQTT consumer that writes every unit's rx back to
    its tx (unit -> fleet server -> broker -> consumer -> broker -> fleet server -> unit)."""
    import aiomqtt
    from tools.fleet.mqtt import NODELAY, FastClient, direct_queue
    pubs: set[asyncio.Task[None]] = set()
    client: list[Any] = []

    def echo(m: aiomqtt.Message) -> None:
        t = asyncio.ensure_future(client[0].publish(str(m.topic)[:-2] + "tx", m.payload, qos=1))
        pubs.add(t)
        t.add_done_callback(pubs.discard)

    async with FastClient("127.0.0.1", port, identifier="bench-echo", max_inflight_messages=0,
                          protocol=aiomqtt.ProtocolVersion.V5, socket_options=NODELAY,
                          queue_type=direct_queue(echo)) as c:
        client.append(c)
        await c.subscribe("bench/+/rx", qos=1)
        ready.set()
        async for _ in c.messages:
            pass


def proc_figures(pid: int) -> tuple[int, float]:
    """(RSS in bytes, CPU seconds) of a process, from /proc: the scheduler's nanoseconds on
    CPU of all its threads (``/proc/<pid>/schedstat``, proc(5)) where the kernel has them,
    else user+system clock ticks (10 ms steps: a one-second smoke run may see none)."""
    rss = 0
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
    try:
        ns = sum(int((t / "schedstat").read_text().split()[0])
                 for t in Path("/proc/%d/task" % pid).iterdir())
        if ns > 0:              # all zeros where the kernel keeps no schedstats
            return rss, ns / 1e9
    except (OSError, ValueError, IndexError):
        pass
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return rss, (int(fields[11]) + int(fields[12])) / tick


# ---------------------------------------------------------------- the simulated units
@dataclass
class SimUnit:
    index: int
    port: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    seq: int = 0                  # the next frame's sequence number
    echoed: int = -1              # the last sequence number echoed back
    rtts: list[float] = field(default_factory=list)
    bad: int = 0                  # echoes that were not the frame in flight (loss, reorder)
    late: int = 0                 # echoes of frames sent before a drop, come after it
    failures: int = 0             # connect attempts refused, reset or timed out
    in_flight: int = 0            # frames sent just before a drop (their echo lost with it)
    abandoned: list[asyncio.StreamWriter] = field(default_factory=list)

    @property
    def name(self) -> bytes:
        return b"u%05d" % self.index

    async def connect(self, deadline: float) -> None:
        """Connect and send the identity first, retrying (0.05-1 s, growing, jittered) until
        ``deadline`` (loop time): a gateway in client mode ``maintain`` does the same."""
        loop = asyncio.get_running_loop()
        delay = 0.05
        while True:
            try:
                self.reader, self.writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port), 10)
                self.writer.write(self.name + b"\r\n")
                return
            except (OSError, TimeoutError):
                self.failures += 1
                if loop.time() + delay > deadline:
                    raise
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)

    async def exchange(self, timeout: float) -> bool:
        """One request/echo: send the next frame (sometimes after a heartbeat), wait for the
        same 16 bytes back.  Returns False on a timeout or a dropped connection."""
        assert self.reader is not None and self.writer is not None
        f = frame(self.index, self.seq)
        hb = HEARTBEAT if self.seq % 10 == 9 else b""
        t0 = time.perf_counter()
        try:
            self.writer.write(hb + f)
            while True:
                back = await asyncio.wait_for(self.reader.readexactly(FRAME), timeout)
                if back == f or not back.startswith(self.name + b" ") or not back[7:15].isdigit():
                    break
                if int(back[7:15]) >= self.seq:
                    break
                # the program's late reply to a frame sent before a drop, come on the new
                # connection (the program writes to the unit, whichever connection it has)
                self.late += 1
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            return False
        if back != f:
            self.bad += 1
            return False
        self.rtts.append(time.perf_counter() - t0)
        self.echoed = self.seq
        self.seq += 1
        return True

    def drop(self, in_flight: bool = False) -> None:
        """The outage: this connection is abandoned as it is (half-open for the server,
        which learns of it only when the unit calls again).  ``in_flight``: a frame is sent
        just before, its echo goes down with the connection; the next frame has the next
        number, so an echo of it arriving on the new connection is seen as reordered."""
        if self.writer is not None:
            if in_flight:
                self.writer.write(frame(self.index, self.seq))
                self.seq += 1
                self.in_flight += 1
            self.abandoned.append(self.writer)
        self.reader = self.writer = None

    def close(self) -> None:
        for w in self.abandoned + ([self.writer] if self.writer else []):
            w.close()
        self.abandoned.clear()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


async def traffic(units: list[SimUnit], seconds: float, rate: float) -> int:
    """Every unit sends one frame every 1/rate s (random phase) for ``seconds`` and waits
    for its echo; returns how many exchanges failed."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    failed = 0

    async def one(u: SimUnit) -> None:
        nonlocal failed
        if u.writer is None:        # not back after the storm: counted there
            return
        await asyncio.sleep(random.random() / rate)
        while loop.time() < end:
            t = loop.time()
            if not await u.exchange(10):
                failed += 1
                return
            await asyncio.sleep(max(0.0, 1.0 / rate - (loop.time() - t)))

    await asyncio.gather(*(one(u) for u in units))
    return failed


async def storm(units: list[SimUnit], deadline_s: float) -> dict[str, Any]:
    """Every unit drops its connection and calls again at the same instant; done when each
    has had a frame echoed on its new connection."""
    loop = asyncio.get_running_loop()
    fail0 = sum(u.failures for u in units)
    t0 = loop.time()
    deadline = t0 + deadline_s
    back: list[float] = []

    async def one(u: SimUnit) -> None:
        u.drop(in_flight=True)
        while loop.time() < deadline:
            try:
                await u.connect(deadline)
            except (OSError, TimeoutError):
                return
            if await u.exchange(max(0.1, deadline - loop.time())):
                back.append(loop.time() - t0)
                return
            u.failures += 1     # connected but the echo never came (connection lost)
            u.drop()

    await asyncio.gather(*(one(u) for u in units))
    for u in units:
        for w in u.abandoned:
            w.close()
        u.abandoned.clear()
    return {"back": len(back), "seconds": max(back) if back else float("nan"),
            "p50 s": pct(back, 50), "failures": sum(u.failures for u in units) - fail0}


async def run_units(n: int, port: int, pid: int, rate: float, seconds: float, phase_timeout: float,
                    ptys: Path | None, mqtt_port: int | None = None, broker_pid: int | None = None) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    rss0, cpu0 = proc_figures(pid)
    units = [SimUnit(i, port) for i in range(n)]
    echo_tasks = start_pty_echo(ptys, n) if ptys is not None else []
    if mqtt_port is not None:
        ready = asyncio.Event()
        echo_tasks.append(asyncio.ensure_future(mqtt_echo(mqtt_port, ready)))
        await asyncio.wait_for(ready.wait(), 10)
    t0 = loop.time()
    deadline = t0 + phase_timeout
    # connect in waves of 500 (a fleet does not power up in one millisecond)
    for k in range(0, n, 500):
        await asyncio.gather(*(u.connect(deadline) for u in units[k:k + 500]))
    t_up = loop.time() - t0
    warm = await traffic(units, 1.0, 2.0)    # every unit once bridging
    await asyncio.sleep(0.5)
    rss1, cpu1 = proc_figures(pid)
    me1 = time.process_time()
    b1 = proc_figures(broker_pid)[1] if broker_pid else 0.0
    for u in units:
        u.rtts.clear()
    failed = await traffic(units, seconds, rate)
    rss2, cpu2 = proc_figures(pid)
    me2 = time.process_time()
    b2 = proc_figures(broker_pid)[1] if broker_pid else 0.0
    rtts = [r for u in units for r in u.rtts]
    _, cpu_s0 = proc_figures(pid)
    me_s0 = time.process_time()
    st = await storm(units, phase_timeout)
    _, cpu_s1 = proc_figures(pid)
    st["server cpu s"] = cpu_s1 - cpu_s0
    st["units cpu s"] = time.process_time() - me_s0
    await asyncio.sleep(0.2)
    after = await traffic(units, 1.0, 2.0)
    rss3, _ = proc_figures(pid)
    bad = sum(u.bad for u in units)
    for u in units:
        u.close()
    for t in echo_tasks:
        t.cancel()
    return {"units": n, "connect s": t_up, "rss idle MB": rss0 / 1e6, "rss connected MB": rss1 / 1e6,
            "KB per unit": (rss1 - rss0) / n / 1e3, "rss traffic MB": rss2 / 1e6, "rss after storm MB": rss3 / 1e6,
            "cpu %": (cpu2 - cpu1) / seconds * 100, "units cpu %": (me2 - me1) / seconds * 100,
            "broker cpu %": (b2 - b1) / seconds * 100 if broker_pid else None, "cpu us per unit-s": (cpu2 - cpu1) / seconds / n * 1e6,
            "cpu us per frame": (cpu2 - cpu1) / max(1, len(rtts)) * 1e6, "frames": len(rtts),
            "p50 ms": pct(rtts, 50) * 1e3, "p99 ms": pct(rtts, 99) * 1e3, "max ms": max(rtts or [0]) * 1e3,
            "failed exchanges": failed + warm + after, "bad echoes": bad, "late echoes": sum(u.late for u in units), "storm": st,
            "in flight at the storm": sum(u.in_flight for u in units)}


def start_pty_echo(ports: Path, n: int) -> list[asyncio.Task[None]]:
    """--ptys: the program side is a real pty per unit; echo what comes out of each."""
    loop = asyncio.get_running_loop()
    fds = []
    for i in range(n):
        fd = os.open(ports / ("u%05d" % i), os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        fds.append(fd)

        def readable(fd: int = fd) -> None:
            try:
                data = os.read(fd, 65536)
                os.write(fd, data)
            except OSError:
                pass
        loop.add_reader(fd, readable)

    async def hold() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            for fd in fds:
                loop.remove_reader(fd)
                os.close(fd)
    return [asyncio.ensure_future(hold())]


def server_log_check(log: Path) -> dict[str, int]:
    """From the server's log: connects, disconnects, refused, dropped (offline) bytes."""
    counts = {"connect": 0, "disconnect": 0, "refused": 0, "dropped B": 0, "replaced": 0}
    for line in log.read_text().splitlines():
        r = json.loads(line)
        e = r["event"]
        if e in counts:
            counts[e] += 1
        if e == "connect":
            counts["dropped B"] += r.get("dropped_while_offline", 0)
        if e == "disconnect" and r.get("reason", "").startswith("replaced"):
            counts["replaced"] += 1
    return counts


def measure(n: int, rate: float, seconds: float, phase_timeout: float, ptys: bool,
            before: bool = False, mqtt: bool = False) -> dict[str, Any]:
    """One size: a fresh server process with ``n`` configured units, the units in this
    process.  Returns the figures (printed by ``report``)."""
    pmax, pnr = pty_limits()
    if ptys and pmax >= 0 and n + pnr + 8 > pmax:
        raise SystemExit("bench_fleet: %d ptys wanted, the kernel allows %d (%d in use): "
                         "/proc/sys/kernel/pty/max; run without --ptys" % (n, pmax, pnr))
    soft, hard = raise_fd_limit(3 * n + FD_SPARE)
    if soft < 2 * n + FD_SPARE:
        raise SystemExit("bench_fleet: %d units need %d file descriptors here, the limit is %d "
                         "(hard %d): ulimit -n" % (n, 2 * n + FD_SPARE, soft, hard))
    with tempfile.TemporaryDirectory() as d:
        broker, mqtt_port = start_mosquitto(Path(d)) if mqtt else (None, None)
        cfgp = Path(d) / "fleet.toml"
        cfgp.write_text(config_text(n, ptys, mqtt_port))
        proc = subprocess.Popen([sys.executable, "-m", "tools.bench_fleet", "--serve", str(cfgp)]
                                + ([] if ptys or mqtt else ["--echo"]) + (["--before"] if before else []),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parent.parent)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().split()
            if not line or line[0] != "ready":
                raise SystemExit("bench_fleet: the server process did not start")
            res = asyncio.run(run_units(n, int(line[1]), proc.pid, rate, seconds, phase_timeout,
                                        Path(d) / "ports" if ptys else None, mqtt_port,
                                        broker.pid if broker else None))
        finally:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if broker is not None:
                broker.terminate()
                broker.wait(10)
        res["server log"] = server_log_check(Path(d) / "fleet.jsonl")
        res["program side"] = ("MQTT consumer echoing rx to tx through Mosquitto" if mqtt else
                               "pty per unit" if ptys else "echo hook, no pty")
        res["rate"] = rate
    return res


def report(r: dict[str, Any]) -> None:
    st, lg = r["storm"], r["server log"]
    print("N = %d units (%s), one fleet server process, loopback" % (r["units"], r["program side"]))
    print("  all connected (in waves of 500) in %.2f s" % r["connect s"])
    print("  memory: RSS %.1f MB configured, %.1f MB connected -> %.1f KB per connected unit; "
          "%.1f MB under traffic, %.1f MB after the storm"
          % (r["rss idle MB"], r["rss connected MB"], r["KB per unit"], r["rss traffic MB"], r["rss after storm MB"]))
    print("  CPU at %.3g frames/s per unit (16 B each way + a heartbeat every 10th): %.1f %% of a core, "
          "%.0f us per unit-second, %.0f us per frame (the simulated units' process: %.0f %%)"
          % (r["rate"], r["cpu %"], r["cpu us per unit-s"], r["cpu us per frame"], r["units cpu %"]))
    if r.get("broker cpu %") is not None:
        print("  the broker (Mosquitto) meanwhile: %.1f %% of a core" % r["broker cpu %"])
    print("  round trip unit -> server -> program -> server -> unit: p50 %.2f ms, p99 %.2f ms, max %.1f ms (%d frames)"
          % (r["p50 ms"], r["p99 ms"], r["max ms"], r["frames"]))
    print("  reconnect storm: %d of %d back and bridging in %.2f s (p50 %.2f s); connect attempts refused or lost %d; "
          "CPU meanwhile: server %.2f s (%.0f us per unit), simulated units %.2f s"
          % (st["back"], r["units"], st["seconds"], st["p50 s"], st["failures"], st["server cpu s"],
             st["server cpu s"] / r["units"] * 1e6, st["units cpu s"]))
    print("  bytes lost or reordered among those the server accepted: %d (echoes not the frame sent: %d, failed "
          "exchanges %d); frames in flight at the drop: %d, their echo came late on the new connection: %d"
          % (r["bad echoes"] * FRAME, r["bad echoes"], r["failed exchanges"], r["in flight at the storm"],
             r["late echoes"]))
    print("  server log: %d connect, %d disconnect (%d replaced by the new connection), %d refused; "
          "%d B the program side wrote while its unit was offline (the in-flight frames' echoes)"
          % (lg["connect"], lg["disconnect"], lg["replaced"], lg["refused"], lg["dropped B"]))


def limits_line() -> str:
    pmax, pnr = pty_limits()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        somax = Path("/proc/sys/net/core/somaxconn").read_text().strip()
        ports = " - ".join(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except OSError:
        somax = ports = "?"
    return ("limits: ptys %d max (%d in use, /proc/sys/kernel/pty/max); file descriptors %d soft, %d hard "
            "(raised per process as needed); listen backlog somaxconn %s; ephemeral ports %s; %d CPUs"
            % (pmax, pnr, soft, hard, somax, ports, os.cpu_count() or 0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, nargs="*", default=[100, 1000, 5000])
    ap.add_argument("--rate", type=float, default=1.0, help="frames per unit per second (default 1)")
    ap.add_argument("--seconds", type=float, default=10.0, help="traffic phase (default 10 s)")
    ap.add_argument("--phase-timeout", type=float, default=60.0, help="bound of each phase (default 60 s)")
    ap.add_argument("--ptys", action="store_true", help="a pty per unit as the program side")
    ap.add_argument("--mqtt", action="store_true",
                    help="the program side is an MQTT consumer through a Mosquitto started here (no ptys)")
    ap.add_argument("--max-units", type=int, default=10000, help="refuse larger N (default 10000)")
    ap.add_argument("--single", action="store_true", help="one unit through a pty: latency and MB/s")
    ap.add_argument("--frames", type=int, default=500)
    ap.add_argument("--megabytes", type=float, default=4)
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    ap.add_argument("--echo", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--before", action="store_true",
                    help="the server's listen backlog and identity matching as they were before the scale work")
    a = ap.parse_args()
    if a.serve:
        serve(a.serve, a.echo, a.before)
        return
    if a.single:
        single(a.frames, int(a.megabytes * 1e6))
        return
    print(limits_line())
    for n in a.units:
        if not 1 <= n <= a.max_units:
            raise SystemExit("bench_fleet: N must be 1-%d (--max-units)" % a.max_units)
        report(measure(n, a.rate, a.seconds, a.phase_timeout, a.ptys, a.before, a.mqtt))


# ---------------------------------------------------------------- one unit through a pty
SINGLE = """
[fleet]
listen = "127.0.0.1:0"
ports = "ports"
log = "fleet.jsonl"
[unit.bench]
identity = "BENCH%0D%0A"
heartbeat = "%0D%0AHB%0D%0A"
"""


def single(frames: int, size: int) -> None:
    """Round trip of a small frame from a serial program on a unit's pty through the fleet
    server to a unit that echoes it, and throughput each way (docs/fleet.md, "Measured")."""
    import serial

    from tools.fleet.config import parse
    from tools.fleet.server import FleetServer, new_loop

    with tempfile.TemporaryDirectory() as d:
        cfg = parse(SINGLE, Path(d) / "fleet.toml")
        loop = new_loop()
        threading.Thread(target=loop.run_forever, daemon=True).start()
        srv = FleetServer(cfg, echo=None)
        asyncio.run_coroutine_threadsafe(srv.start(), loop).result(10)
        try:
            port = serial.Serial(str(srv.cfg.ports / "bench"), 115200, timeout=5)
            unit = socket.create_connection(("127.0.0.1", srv.listen_port or 0), timeout=5)
            unit.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            unit.sendall(b"BENCH\r\n")
            ok = asyncio.run_coroutine_threadsafe(srv.wait_for(lambda: srv.units["bench"].conn is not None, 5), loop)
            assert ok.result(6)
            msg = bytes([1, 3, 0, 0, 0, 10, 0xC5, 0xCD])   # a Modbus RTU read request
            rtts = []
            for _ in range(frames):
                t0 = time.perf_counter()
                port.write(msg)
                got = b""
                while len(got) < len(msg):
                    got += unit.recv(64)
                unit.sendall(got)
                back = port.read(len(msg))
                rtts.append(time.perf_counter() - t0)
                assert back == msg
            print("round trip pty -> fleet -> TCP -> echo -> fleet -> pty, %d frames of 8 bytes:" % frames)
            print("  median %.3f ms, p95 %.3f ms, max %.3f ms" % (
                statistics.median(rtts) * 1e3, pct(rtts, 95) * 1e3, max(rtts) * 1e3))
            payload = os.urandom(size)
            t0 = time.perf_counter()
            th = threading.Thread(target=lambda: unit.sendall(payload))
            th.start()
            got2 = bytearray()
            while len(got2) < size:
                got2 += port.read(min(65536, size - len(got2)))
            th.join()
            dt = time.perf_counter() - t0
            assert bytes(got2) == payload
            print("unit -> program: %.1f MB in %.2f s, %.1f MB/s" % (size / 1e6, dt, size / 1e6 / dt))
            t0 = time.perf_counter()
            th = threading.Thread(target=lambda: port.write(payload))
            th.start()
            got2 = bytearray()
            while len(got2) < size:
                got2 += unit.recv(65536)
            th.join()
            dt = time.perf_counter() - t0
            assert bytes(got2) == payload
            print("program -> unit: %.1f MB in %.2f s, %.1f MB/s" % (size / 1e6, dt, size / 1e6 / dt))
            port.close()
            unit.close()
        finally:
            asyncio.run_coroutine_threadsafe(srv.stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)


if __name__ == "__main__":
    main()
