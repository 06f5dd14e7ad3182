"""The fleet server's MQTT bridge (tools/fleet/mqtt.py, docs/fleet-scale.md) on a real
Mosquitto: two fleet server processes, units split between them, one consumer that reads
and writes every unit with every byte value in order, and the broker restarted mid-stream.

The broker is the Debian package ``mosquitto`` (scripts/venv.sh installs it when missing and
running as root); without it these tests skip, saying so.  Everything is on 127.0.0.1."""
from __future__ import annotations

import asyncio
import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.fleet_helpers import free_port
from tools.fleet.config import ConfigError, parse

aiomqtt = pytest.importorskip("aiomqtt", reason="aiomqtt is not installed (requirements-test.txt)")
from tools.fleet.mqtt import Sequencer, direct_queue, props  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)
needs_broker = pytest.mark.skipif(MOSQUITTO is None, reason="no Mosquitto broker: apt-get install mosquitto "
                                  "(scripts/venv.sh does it when running as root)")
UNITS = {"u0": "A", "u1": "A", "u2": "B", "u3": "B"}
PATTERN = bytes(range(256))


class Broker:
    """Mosquitto on a free loopback port with a temp config, persistence on (what a broker
    acknowledged survives a restart)."""

    def __init__(self, d: Path) -> None:
        self.dir = d
        self.port = free_port()
        self.conf = d / "mosquitto.conf"
        # ``user``: mosquitto started as root drops to the user "mosquitto" otherwise, which
        # cannot write the persistence database into this test's directory (nothing survives
        # a restart then)
        self.conf.write_text("user %s\nlistener %d 127.0.0.1\nallow_anonymous true\npersistence true\n"
                             "persistence_location %s/\nmax_queued_messages 0\nmax_inflight_messages 0\nset_tcp_nodelay true\nlog_dest file %s\n"
                             % (getpass.getuser(), self.port, d, d / "mosquitto.log"))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert MOSQUITTO is not None
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not start: %s" % (self.dir / "mosquitto.log").read_text())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)   # saves its database on the way out
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Fleet:
    """A fleet server process (``python -m tools.fleet``) without ptys, bridged to MQTT."""

    def __init__(self, d: Path, name: str, broker: int, extra: str = "") -> None:
        self.dir = d / name
        self.dir.mkdir()
        self.port = free_port()
        units = "".join('[unit.%s]\nidentity = "%%ID%%0D%%0A"\n' % u for u, s in UNITS.items())
        (self.dir / "fleet.toml").write_text(
            '[fleet]\nlisten = "127.0.0.1:%d"\nports = "ports"\nlog = "fleet.jsonl"\nptys = false\n'
            '[mqtt]\nbroker = "127.0.0.1:%d"\nprefix = "t/fleet"\nserver_id = "%s"\n%s%s'
            % (self.port, broker, name, extra, units))
        self.proc = subprocess.Popen([sys.executable, "-m", "tools.fleet", "-c", str(self.dir / "fleet.toml")],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.stdout is not None
        return self.proc.stdout.read().decode(errors="replace")

    def log(self) -> list[dict[str, Any]]:
        p = self.dir / "fleet.jsonl"
        return [json.loads(x) for x in p.read_text().splitlines()] if p.exists() else []


class Consumer:
    """The operator's side anywhere: every unit's rx and status, bytes to every unit's tx.
    A persistent MQTT 5 session (the broker queues for it while it reconnects), at-least-once
    publishing with the same seq on a retry, duplicates dropped and order restored (tools/fleet/mqtt.Sequencer)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.rx: dict[str, bytearray] = {u: bytearray() for u in UNITS}
        self.status: dict[str, dict[str, Any]] = {}
        self.servers: dict[str, dict[str, Any]] = {}
        self.sequencer = Sequencer(self.on_rx)
        self.client: Any = None
        self.up = asyncio.Event()
        self.seq: dict[str, int] = {}
        self.reconnects = 0
        self.task = asyncio.ensure_future(self.run())

    async def run(self) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties
        cp = Properties(PacketTypes.CONNECT)
        cp.SessionExpiryInterval = 600
        while True:
            try:
                async with aiomqtt.Client("127.0.0.1", self.port, identifier="consumer-1", clean_start=False,
                                          protocol=aiomqtt.ProtocolVersion.V5, properties=cp, timeout=5,
                                          queue_type=direct_queue(self.on_message)) as c:
                    await c.subscribe("t/fleet/+/rx", qos=1)
                    await c.subscribe("t/fleet/+/status", qos=1)
                    await c.subscribe("t/fleet/servers/+/status", qos=1)
                    self.client = c
                    self.reconnects += 1
                    self.up.set()
                    async for _ in c.messages:     # direct_queue: handled in on_message
                        pass
            except aiomqtt.MqttError:
                pass
            self.up.clear()
            self.client = None
            await asyncio.sleep(0.2)

    def on_message(self, m: Any) -> None:
        parts = str(m.topic).split("/")
        if parts[2] == "servers":
            self.servers[parts[3]] = json.loads(m.payload)
        elif parts[3] == "status":
            self.status[parts[2]] = json.loads(m.payload)
        elif parts[3] == "rx":
            self.sequencer.feed(m)

    def on_rx(self, m: Any) -> None:
        self.rx[str(m.topic).split("/")[2]] += m.payload

    async def send(self, unit: str, data: bytes) -> None:
        """At least once, the same seq on every attempt: exactly once after the Sequencer."""
        seq = self.seq[unit] = self.seq.get(unit, 0) + 1
        while True:
            await asyncio.wait_for(self.up.wait(), 30)
            try:
                await self.client.publish("t/fleet/%s/tx" % unit, data, qos=1, properties=props("consumer-1", seq),
                                          timeout=10)
                return
            except (aiomqtt.MqttError, AttributeError, TimeoutError):
                await asyncio.sleep(0.1)

    async def close(self) -> None:
        self.task.cancel()
        try:
            await self.task
        except (asyncio.CancelledError, aiomqtt.MqttError):
            pass


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker started in the test's directory, stopped at the end whatever happened."""
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


async def until(pred: Any, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        await asyncio.sleep(0.05)


def test_mqtt_config_is_checked(tmp_path: Path) -> None:
    base = '[fleet]\nlisten = "127.0.0.1:0"\nptys = false\n[mqtt]\n'
    cfg = parse(base + 'broker = "127.0.0.1:1883"\nserver_id = "a1"\n', tmp_path / "f.toml")
    assert cfg.mqtt.broker == ("127.0.0.1", 1883) and cfg.mqtt.prefix == "fleet" and cfg.mqtt.qos == 1
    assert cfg.ptys is False
    for body, msg in [("", "needs broker"), ('broker = "x:1"\nqos = 3\n', "qos"),
                      ('broker = "x:1"\nprefix = "a/#"\n', "prefix"), ('broker = "x:1"\nserver_id = "a/b"\n', "server_id"),
                      ('broker = "x:1"\nretain = true\n', "not a known key")]:
        with pytest.raises(ConfigError, match=msg):
            parse(base + body, tmp_path / "f.toml")
    with pytest.raises(ConfigError, match="ptys must be true or false"):
        parse('[fleet]\nptys = "no"\n', tmp_path / "f.toml")


@needs_broker
def test_two_servers_one_consumer_every_byte_in_order_across_a_broker_restart(tmp_path: Path, broker: Broker) -> None:
    fleets = {s: Fleet(tmp_path, s, broker.port) for s in ("A", "B")}
    try:
        asyncio.run(asyncio.wait_for(scenario(broker, fleets), 90))
    finally:
        outs = {s: f.stop() for s, f in fleets.items()}
    for s, f in fleets.items():
        assert "Traceback" not in outs[s], outs[s]
        assert not [r for r in f.log() if r["event"] == "mqtt_dropped"]


async def scenario(broker: Broker, fleets: dict[str, Fleet]) -> None:
    con = Consumer(broker.port)
    await until(lambda: con.servers.get("A", {}).get("state") == "online"
                and con.servers.get("B", {}).get("state") == "online", 20, "both servers online on MQTT")
    units: dict[str, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
    for u, s in UNITS.items():
        r, w = await asyncio.open_connection("127.0.0.1", fleets[s].port)
        w.write(u.encode() + b"\r\n")       # the identity first, as the gateway does
        units[u] = (r, w)
    await until(lambda: all(con.status.get(u, {}).get("state") == "online" for u in UNITS), 20, "units online")
    assert {u: con.status[u]["server"] for u in UNITS} == UNITS   # which server holds each unit

    got: dict[str, bytearray] = {u: bytearray() for u in UNITS}

    async def read(u: str) -> None:
        r = units[u][0]
        while True:
            b = await r.read(65536)
            if not b:
                return
            got[u] += b

    readers = [asyncio.ensure_future(read(u)) for u in UNITS]
    rounds = 8
    sent_up = {u: bytearray() for u in UNITS}
    sent_down = {u: bytearray() for u in UNITS}

    async def unit_side(u: str) -> None:          # every byte value, in 64-byte pieces
        w = units[u][1]
        for k in range(rounds):
            for i in range(0, 256, 64):
                piece = PATTERN[i:i + 64]
                w.write(piece)
                sent_up[u] += piece
                await w.drain()
                await asyncio.sleep(0.02)

    async def consumer_side(u: str) -> None:
        for k in range(rounds):
            for i in range(0, 256, 32):
                piece = PATTERN[i:i + 32]
                await con.send(u, piece)
                sent_down[u] += piece
                await asyncio.sleep(0.01)

    async def restart_broker() -> None:
        await until(lambda: sum(map(len, con.rx.values())) >= 4 * 256, 20, "traffic under way")
        await asyncio.get_running_loop().run_in_executor(None, broker.stop)
        await asyncio.sleep(0.5)                 # bytes keep coming from the units meanwhile
        await asyncio.get_running_loop().run_in_executor(None, broker.start)

    await asyncio.gather(restart_broker(), *(unit_side(u) for u in UNITS), *(consumer_side(u) for u in UNITS))
    try:
        await until(lambda: all(len(con.rx[u]) >= len(sent_up[u]) for u in UNITS), 30, "every unit's bytes at the consumer")
    except AssertionError:
        for u in UNITS:
            g, w = bytes(con.rx[u]), bytes(sent_up[u])
            k = next((i for i in range(min(len(g), len(w))) if g[i] != w[i]), min(len(g), len(w)))
            print("rx", u, len(g), len(w), "first difference at", k, g[k - 4:k + 40].hex(), w[k - 4:k + 40].hex())
        raise
    try:
        await until(lambda: all(len(got[u]) >= len(sent_down[u]) for u in UNITS), 30, "every byte at the units")
    except AssertionError:
        for u in UNITS:
            g, w = bytes(got[u]), bytes(sent_down[u])
            k = next((i for i in range(min(len(g), len(w))) if g[i] != w[i]), min(len(g), len(w)))
            print(u, len(g), len(w), "first difference at", k, g[k - 4:k + 40].hex(), w[k - 4:k + 40].hex())
        raise
    for u in UNITS:
        assert bytes(con.rx[u]) == bytes(sent_up[u]) == PATTERN * rounds, u
        assert bytes(got[u]) == bytes(sent_down[u]) == PATTERN * rounds, u
    assert con.reconnects >= 2          # the consumer did see the broker go away
    # a unit that goes away: its retained status says offline, with the server
    units["u2"][1].close()
    await until(lambda: con.status.get("u2", {}).get("state") == "offline", 20, "u2 offline")
    assert con.status["u2"]["server"] == "B"
    for u in UNITS:
        units[u][1].close()
    for t in readers:
        t.cancel()
    await con.close()


@needs_broker
def test_a_lost_server_leaves_its_last_will(tmp_path: Path, broker: Broker) -> None:
    f = Fleet(tmp_path, "A", broker.port)

    async def go() -> None:
        con = Consumer(broker.port)
        await until(lambda: con.servers.get("A", {}).get("state") == "online", 20, "server online")
        f.proc.kill()                       # no goodbye: the broker publishes the will
        await until(lambda: con.servers.get("A", {}).get("state") == "offline", 60, "the last will")
        assert con.servers["A"]["reason"] == "lost"
        await con.close()

    try:
        asyncio.run(asyncio.wait_for(go(), 90))
    finally:
        f.stop()


def test_fast_properties_pack_like_pahos() -> None:
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    slow = Properties(PacketTypes.PUBLISH)
    slow.UserProperty = [("src", "A"), ("seq", "42")]
    fast = props("A", 42)
    assert fast.pack() == slow.pack() and fast.UserProperty == [("src", "A"), ("seq", "42")]
    assert Properties(PacketTypes.PUBLISH).pack() == b"\x00"   # the template is left empty


@needs_broker
def test_a_unit_that_moved_to_another_server_is_not_reported_offline_by_the_old_one(tmp_path: Path, broker: Broker) -> None:
    """Behind a load balancer a unit calls server B while server A still holds its old,
    half-open connection; when A finally sees that one end, the unit's retained status must
    still say online on B (before the fix A published offline over it)."""
    fleets = {s: Fleet(tmp_path, s, broker.port) for s in ("A", "B")}

    async def go() -> None:
        con = Consumer(broker.port)
        await until(lambda: all(con.servers.get(s, {}).get("state") == "online" for s in fleets), 20, "servers")
        r1, w1 = await asyncio.open_connection("127.0.0.1", fleets["A"].port)
        w1.write(b"u0\r\n")
        await until(lambda: con.status.get("u0", {}).get("server") == "A", 20, "u0 online on A")
        r2, w2 = await asyncio.open_connection("127.0.0.1", fleets["B"].port)
        w2.write(b"u0\r\n")
        await until(lambda: con.status.get("u0", {}).get("server") == "B", 20, "u0 online on B")
        w1.close()                                  # A now sees the old connection end
        await until(lambda: any(r.get("note", "").startswith("offline not published")
                                for r in fleets["A"].log()), 20, "A's decision in its log")
        await asyncio.sleep(0.5)
        assert con.status["u0"]["state"] == "online" and con.status["u0"]["server"] == "B"
        w2.close()
        await until(lambda: con.status.get("u0", {}).get("state") == "offline", 20, "u0 offline from B")
        assert con.status["u0"]["server"] == "B"
        await con.close()

    try:
        asyncio.run(asyncio.wait_for(go(), 90))
    finally:
        for f in fleets.values():
            f.stop()


@needs_broker
def test_broker_away_at_start_bytes_wait_up_to_the_queue_bound(tmp_path: Path, broker: Broker) -> None:
    """The broker is down when the server starts and its unit talks: the first ``queue``
    bytes wait and reach the consumer (a persistent session, restored by the broker from
    its database) in order once the broker is back; the rest are dropped, logged once."""

    async def subscribe_then_leave() -> None:
        con = Consumer(broker.port)
        await asyncio.wait_for(con.up.wait(), 20)
        await con.close()

    asyncio.run(subscribe_then_leave())
    broker.stop()
    f = Fleet(tmp_path, "A", broker.port, extra="queue = 1024\n")

    async def go() -> None:
        await until(lambda: any(x["event"] == "start" for x in f.log()), 20, "the fleet server started")
        r, w = await asyncio.open_connection("127.0.0.1", f.port)
        w.write(b"u0\r\n")
        data = bytes(range(256)) * 12                # 3 072 bytes while no broker is there
        for i in range(0, len(data), 256):
            w.write(data[i:i + 256])
            await w.drain()
            await asyncio.sleep(0.05)
        await until(lambda: any(x["event"] == "mqtt_dropped" for x in f.log()), 20, "the drop logged")
        await asyncio.get_running_loop().run_in_executor(None, broker.start)
        con = Consumer(broker.port)
        await until(lambda: len(con.rx["u0"]) >= 1024, 30, "the queued bytes")
        await asyncio.sleep(0.5)
        assert bytes(con.rx["u0"]) == data[:1024]   # the prefix that fitted, nothing after it
        assert len([x for x in f.log() if x["event"] == "mqtt_dropped"]) == 1
        w.close()
        await con.close()

    try:
        asyncio.run(asyncio.wait_for(go(), 90))
    finally:
        f.stop()


def test_sequencer_restores_order_drops_repeats_and_gives_up_a_gap() -> None:
    from types import SimpleNamespace

    def msg(seq: int | None, src: str = "c", topic: str = "t/fleet/u0/tx") -> Any:
        p = SimpleNamespace(UserProperty=[("src", src), ("seq", str(seq))] if seq else None)
        return SimpleNamespace(topic=topic, properties=p, payload=b"%d" % (seq or 0))

    async def go() -> None:
        out: list[bytes] = []
        sq = Sequencer(lambda m: out.append(m.payload), hold=0.2)
        for n in (3, 5, 4, 4, 3, 6):              # 3 starts the sequence; 5 waits for 4
            sq.feed(msg(n))
        assert out == [b"3", b"4", b"5", b"6"]
        sq.feed(msg(None))                         # a plain publisher: at once
        sq.feed(msg(1, src="other"))               # another sender: its own sequence
        assert out[-2:] == [b"0", b"1"]
        sq.feed(msg(9))                            # 7 and 8 never come
        assert out[-1] == b"1"                     # 9 waits for them ...
        await until(lambda: out[-1] == b"9", 5, "the gap given up")   # ... for hold s
        assert sq.gaps == 2
        sq.feed(msg(8))                            # too late: dropped
        assert out[-1] == b"9"

    asyncio.run(go())


@needs_broker
def test_a_restarted_server_is_a_new_sender(tmp_path: Path, broker: Broker) -> None:
    """The fleet server restarts (same server_id) under a consumer that stays: its new
    messages start a new sequence and arrive (before, seq 1, 2 ... again were dropped as
    repeats of the previous run's)."""
    (tmp_path / "second").mkdir()
    first = Fleet(tmp_path, "A", broker.port)

    async def talk(f: Fleet, data: bytes) -> None:
        await until(lambda: any(x["event"] == "start" for x in f.log()), 20, "the fleet server started")
        r, w = await asyncio.open_connection("127.0.0.1", f.port)
        w.write(b"u0\r\n" + data)
        await w.drain()
        await asyncio.sleep(0.3)
        w.close()

    async def go() -> None:
        con = Consumer(broker.port)
        await until(lambda: con.servers.get("A", {}).get("state") == "online", 20, "server online")
        await talk(first, b"before")
        await until(lambda: bytes(con.rx["u0"]) == b"before", 20, "the first run's bytes")
        await asyncio.get_running_loop().run_in_executor(None, first.stop)
        # a clean stop says so (the will says "lost")
        await until(lambda: con.servers["A"].get("reason") == "stopped", 20, "the server's stop")
        again = Fleet(tmp_path / "second", "A", broker.port)
        try:
            await talk(again, b"after")
            await until(lambda: bytes(con.rx["u0"]) == b"beforeafter", 20, "the second run's bytes")
        finally:
            again.stop()
        await con.close()

    try:
        asyncio.run(asyncio.wait_for(go(), 90))
    finally:
        first.stop()
