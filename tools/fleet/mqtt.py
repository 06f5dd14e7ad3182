"""The fleet server past one machine: an MQTT bridge (docs/fleet-scale.md, "MQTT").

With an ``[mqtt]`` section the fleet server publishes every unit's device bytes and events
to a broker and takes bytes for the unit from it, so several fleet servers (each unit
connected to one of them) share one broker and a consumer anywhere sees every unit:

* ``<prefix>/<unit>/rx``   device bytes from the unit, raw (heartbeats and identities removed)
* ``<prefix>/<unit>/tx``   bytes for the unit, raw; the server holding the unit writes them
* ``<prefix>/<unit>/status``  retained JSON: ``{"state": "online"|"offline", "server", "address", "time"}``
* ``<prefix>/servers/<server_id>/status``  retained JSON ``{"state": "online"}``; the last will
  (``{"state": "offline"}``) replaces it when the server is lost.

MQTT 5 (paho-mqtt through aiomqtt).  QoS 1 by default, both ways.  Every rx and tx message
carries the user properties ``src`` (the sender: ``<server id>.<start time>``, new for
each run, or the consumer's own) and ``seq`` (1, 2, ... per unit and sender): a message sent again after a broker outage has the same ``seq`` and
a receiver drops it and puts what a broker restart reordered back in order (``Sequencer``),
so bytes arrive exactly once and in order.  Order: one
message per unit is in flight at a time, the next only after the broker acknowledged it
(bytes that came meanwhile are coalesced into it), so a unit's bytes cannot overtake each
other, across reconnects included.  What is waiting for the broker is bounded per unit
(``queue``, default 1 MiB); beyond it bytes are dropped and counted (log ``mqtt_dropped``).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import select
import socket
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

if TYPE_CHECKING:
    from .server import FleetServer, Unit

MAX_MESSAGE = 64 * 1024     # bytes of one rx message (coalesced while the previous is in flight)
RETRY = 0.5                 # s between attempts to reach the broker
# small messages go at once (Nagle's algorithm with delayed ACKs held them 40 ms a hop);
# set the broker's side too: Mosquitto's set_tcp_nodelay true (docs/fleet-scale.md)
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


@dataclass
class MqttConfig:
    broker: tuple[str, int]
    prefix: str = "fleet"
    server_id: str = ""            # default: the host name
    qos: int = 1
    username: str | None = None
    password: str | None = None
    keepalive: int = 30
    queue: int = 1 << 20           # bytes per unit waiting for the broker before drops


def parse_mqtt(r: Any, m: dict[str, Any]) -> MqttConfig:
    """The ``[mqtt]`` table (tools/fleet/config.py's reader ``r`` for errors with lines)."""
    w = ("mqtt",)
    if "broker" not in m:
        raise r.error(w, 'needs broker = "host:port"')
    c = MqttConfig(r.address(w + ("broker",), m["broker"], True))
    if "prefix" in m:
        c.prefix = r.string(w + ("prefix",), m["prefix"]).strip("/")
        if not c.prefix or any(ch in c.prefix for ch in "+#\0"):
            raise r.error(w + ("prefix",), "must be a topic without + # or NUL, not %r" % m["prefix"])
    c.server_id = r.string(w + ("server_id",), m["server_id"]) if "server_id" in m else socket.gethostname()
    if not c.server_id or any(ch in c.server_id for ch in "/+#\0"):
        raise r.error(w + ("server_id",), "must be a word without / + # or NUL, not %r" % c.server_id)
    if "qos" in m:
        c.qos = int(r.number(w + ("qos",), m["qos"], 0, 2))
        if c.qos != m["qos"]:
            raise r.error(w + ("qos",), "must be 0, 1 or 2")
    if "username" in m:
        c.username = r.string(w + ("username",), m["username"])
    if "password" in m:
        c.password = r.string(w + ("password",), m["password"])
    if "keepalive" in m:
        c.keepalive = int(r.number(w + ("keepalive",), m["keepalive"], 5, 3600))
    if "queue" in m:
        c.queue = int(r.number(w + ("queue",), m["queue"], 1024, 1 << 30))
    return c


_TEMPLATE = Properties(PacketTypes.PUBLISH)


def props(src: str, seq: int) -> Properties:
    """PUBLISH properties with the user properties ``src`` and ``seq``.  Built from a
    template: paho's Properties() builds its tables anew and validates every attribute
    (about 150 us, most of the bridge's cost per message); the result packs the same bytes
    (tests/test_fleet_mqtt.py)."""
    p = object.__new__(Properties)
    p.__dict__.update(_TEMPLATE.__dict__)      # the tables are only read
    object.__setattr__(p, "UserProperty", [("src", src), ("seq", str(seq))])
    return p


class FastClient(aiomqtt.Client):
    """aiomqtt's Client without the count of all pending calls it makes at every publish
    (a scan of every publish awaiting its acknowledgement, only to log a warning: with one
    in flight per unit, quadratic in the units).  Overrides a private method of the pinned
    aiomqtt 2.5.1 (requirements-test.txt); tests/test_fleet_mqtt.py runs through it."""

    @contextlib.contextmanager
    def _pending_call(self, mid: int, value: Any, pending_dict: dict[int, Any]) -> Iterator[None]:
        if mid in pending_dict:
            raise RuntimeError('There already exists a pending call for message ID "%d"' % mid)
        pending_dict[mid] = value
        try:
            yield
        finally:
            pending_dict.pop(mid, None)

    def _on_socket_open(self, client: Any, userdata: Any, sock: Any) -> None:
        """Read every packet that is there at each readiness, not one: paho's loop_read
        reads at most (messages in flight) packets, one for a consumer that only receives,
        which then got one message per turn of a busy event loop (400 messages/s with
        1 000 units in the same process)."""
        super()._on_socket_open(client, userdata, sock)

        def callback() -> None:
            try:
                for _ in range(1024):       # bounded: the loop's other callbacks get their turn
                    client.loop_read()
                    if client.socket() is None or not select.select([sock], [], [], 0)[0]:
                        break
            except Exception as exc:  # as aiomqtt's own callback: the connection is broken
                if not self._disconnected.done():
                    self._disconnected.set_exception(exc)

        self._loop.call_soon_threadsafe(self._loop.add_reader, sock.fileno(), callback)

    def _on_socket_register_write(self, client: Any, userdata: Any, sock: Any) -> None:
        """As aiomqtt's, but the writer is added only if the socket is still the client's
        when the loop gets to it: after a broker restart aiomqtt's added it to a closed
        descriptor ("Exception in callback ... add_writer", Bad file descriptor)."""

        def callback() -> None:
            try:
                client.loop_write()
            except Exception as exc:  # as aiomqtt's own callback: the connection is broken
                if not self._disconnected.done():
                    self._disconnected.set_exception(exc)

        def register() -> None:
            if client.socket() is sock and sock.fileno() >= 0:
                self._loop.add_writer(sock.fileno(), callback)

        self._loop.call_soon_threadsafe(register)


def seq_of(message: aiomqtt.Message) -> tuple[str, int] | None:
    """The (src, seq) user properties of a received message, or None (a plain publisher)."""
    up = dict(getattr(message.properties, "UserProperty", None) or [])
    try:
        return up["src"], int(up["seq"])
    except (KeyError, ValueError):
        return None


def direct_queue(handler: Callable[[aiomqtt.Message], None]) -> type[asyncio.Queue[aiomqtt.Message]]:
    """An aiomqtt ``queue_type`` that hands each message to ``handler`` at once, inside
    paho's callback, which paho runs before it acknowledges a QoS 1 message (PUBACK after
    on_message).  With aiomqtt's own queue a message was acknowledged, queued, and lost
    when the connection dropped before it was taken (its iterator gives up on what is queued
    once disconnected): bytes missing after a broker restart."""

    class DirectQueue(asyncio.Queue):  # type: ignore[type-arg]
        def put_nowait(self, item: aiomqtt.Message) -> None:
            handler(item)

    return DirectQueue


class Sequencer:
    """Puts a sender's messages back in ``seq`` order and drops the ones seen before (sent
    again after a broker outage), per topic and ``src``; ``deliver`` gets each once, in
    order.  A message ahead of a gap waits for it at most ``hold`` seconds (a broker
    restarted mid-stream delivered a message after its successor: tests/test_fleet_mqtt.py);
    then the gap is given up (``gaps`` counts the missing messages) and delivery goes on.
    The first message seen from a sender starts its sequence; messages without the
    properties pass at once."""

    def __init__(self, deliver: Callable[[aiomqtt.Message], None], hold: float = 5.0) -> None:
        self.deliver = deliver
        self.hold = hold
        self.next: dict[tuple[str, str], int] = {}
        self.held: dict[tuple[str, str], dict[int, aiomqtt.Message]] = {}
        self.timers: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self.gaps = 0

    def feed(self, message: aiomqtt.Message) -> None:
        s = seq_of(message)
        if s is None:
            self.deliver(message)
            return
        key, n = (str(message.topic), s[0]), s[1]
        want = self.next.setdefault(key, n)
        if n < want:
            return                              # seen already
        if n > want:
            self.held.setdefault(key, {}).setdefault(n, message)
            if key not in self.timers:
                self.timers[key] = asyncio.get_running_loop().call_later(self.hold, self._give_up, key)
            return
        self.deliver(message)
        self.next[key] = n + 1
        self._release(key)

    def _release(self, key: tuple[str, str]) -> None:
        held = self.held.get(key, {})
        while self.next[key] in held:
            self.deliver(held.pop(self.next[key]))
            self.next[key] += 1
        if not held:
            self.held.pop(key, None)
            t = self.timers.pop(key, None)
            if t is not None:
                t.cancel()

    def _give_up(self, key: tuple[str, str]) -> None:
        self.timers.pop(key, None)
        held = self.held.get(key)
        if held:
            first = min(held)
            self.gaps += first - self.next[key]
            self.next[key] = first
            self._release(key)
            if self.held.get(key):
                self.timers[key] = asyncio.get_running_loop().call_later(self.hold, self._give_up, key)


class Outbox:
    """One unit's messages waiting for the broker, in order; rx bytes coalesce into the last
    rx message not yet in flight."""

    def __init__(self) -> None:
        self.items: deque[list[Any]] = deque()    # [topic-suffix, payload, retain, seq|None]
        self.bytes = 0                            # rx bytes waiting (the bound: queue)
        self.busy = False                         # a sender task owns the head
        self.dropped = 0                          # bytes dropped since the last message went


class MqttBridge:
    def __init__(self, server: "FleetServer", cfg: MqttConfig) -> None:
        self.server = server
        self.cfg = cfg
        self.client: aiomqtt.Client | None = None
        self.connected = asyncio.Event()
        self.gone: asyncio.Future[None] | None = None   # resolved when this connection ends
        self.boxes: dict[str, Outbox] = {}
        self.seq: dict[str, int] = {}
        # the sender's name in the seq property: new for each run, so that a restarted
        # server's seq 1, 2, ... is not taken for repeats of its previous run's
        self.src = "%s.%x" % (cfg.server_id, time.time_ns())
        self.sequencer = Sequencer(self._to_unit)
        self.holders: dict[str, tuple[str, str]] = {}  # unit -> (server, state) of its last status
        self.task: asyncio.Task[None] | None = None
        self.senders: set[asyncio.Task[None]] = set()
        self.dropped = 0
        self.published = 0
        self.received = 0
        self.stopping = False

    def topic(self, unit: str, leaf: str) -> str:
        return "%s/%s/%s" % (self.cfg.prefix, unit, leaf)

    @property
    def server_topic(self) -> str:
        return "%s/servers/%s/status" % (self.cfg.prefix, self.cfg.server_id)

    # the fleet server's hooks
    def attach(self) -> None:
        self.server.on_data.append(self.on_data)
        self.server.on_event.append(self.on_event)
        self.task = asyncio.ensure_future(self.run())

    def on_data(self, unit: "Unit", data: bytes) -> None:
        self._put(unit.name, "rx", data, False)

    def on_event(self, unit: "Unit", event: str, fields: dict[str, Any]) -> None:
        state = "online" if event == "connect" else "offline"
        if state == "offline" and unit.conn is None:
            other = self.holders.get(unit.name)
            if other is not None and other[0] != self.cfg.server_id and other[1] == "online":
                # the unit called another server since (a load balancer sent it there) and
                # this one only now saw its old connection end: its status stays that one's
                self.server.log.write("mqtt", unit=unit.name, note="offline not published: online on %s" % other[0])
                return
        body = {"state": state, "server": self.cfg.server_id, "time": time.time(), **fields}
        self._put(unit.name, "status", json.dumps(body).encode(), True)

    def _put(self, unit: str, leaf: str, data: bytes, retain: bool) -> None:
        box = self.boxes.setdefault(unit, Outbox())
        if box.bytes + len(data) > self.cfg.queue and leaf == "rx":
            self.dropped += len(data)
            if not box.dropped:         # the first drop of an outage is logged, the rest counted
                self.server.log.write("mqtt_dropped", unit=unit, bytes=len(data),
                                      note="more than %d bytes waiting for the broker; later drops "
                                           "until it is back are counted in the bridge" % self.cfg.queue)
            box.dropped += len(data)
            return
        last = box.items[-1] if box.items else None
        # never into a message that has its seq (sent, perhaps received): it goes again unchanged
        if (leaf == "rx" and last is not None and last[0] == "rx" and last[3] is None
                and len(last[1]) + len(data) <= MAX_MESSAGE):
            last[1] += data
        else:
            box.items.append([leaf, bytearray(data), retain, None])
        if leaf == "rx":
            box.bytes += len(data)
        self._kick(unit, box)

    def _kick(self, unit: str, box: Outbox) -> None:
        if not box.busy and box.items and self.connected.is_set():
            box.busy = True
            t = asyncio.ensure_future(self._send(unit, box))
            self.senders.add(t)
            t.add_done_callback(self.senders.discard)

    async def _send(self, unit: str, box: Outbox) -> None:
        """Publish the unit's messages one at a time, each after the previous was
        acknowledged; a message that failed is sent again unchanged (same seq)."""
        try:
            while box.items and not self.stopping:
                await self.connected.wait()
                client, gone = self.client, self.gone
                if client is None or gone is None:
                    await asyncio.sleep(RETRY)
                    continue
                item = box.items[0]
                leaf, payload, retain, seq = item
                if leaf == "rx" and seq is None:
                    seq = item[3] = self.seq[unit] = self.seq.get(unit, 0) + 1
                pub = asyncio.ensure_future(client.publish(
                    self.topic(unit, leaf), bytes(payload), qos=self.cfg.qos, retain=retain,
                    properties=props(self.src, seq) if seq else None, timeout=60))
                # the broker's acknowledgement, or the connection's end (then the same again)
                await asyncio.wait((pub, gone), return_when=asyncio.FIRST_COMPLETED)
                if not pub.done() or pub.cancelled() or pub.exception() is not None:
                    pub.cancel()
                    await asyncio.sleep(0)
                    continue
                box.items.popleft()
                if leaf == "rx":
                    box.bytes -= len(payload)
                box.dropped = 0
                self.published += 1
        finally:
            box.busy = False

    # the connection to the broker
    async def run(self) -> None:
        will = aiomqtt.Will(self.server_topic, json.dumps({"state": "offline", "server": self.cfg.server_id,
                                                           "reason": "lost"}), qos=1, retain=True)
        connect_props = Properties(PacketTypes.CONNECT)
        connect_props.SessionExpiryInterval = 3600     # tx queued by the broker across our reconnects
        while not self.stopping:
            try:
                async with FastClient(self.cfg.broker[0], self.cfg.broker[1], identifier="fleet-" + self.cfg.server_id,
                                          protocol=aiomqtt.ProtocolVersion.V5, will=will, clean_start=False,
                                          properties=connect_props, keepalive=self.cfg.keepalive,
                                          username=self.cfg.username, password=self.cfg.password,
                                          # 0: no limit; with one paho scans every queued message at
                                          # each acknowledgement (5 000 units: 2.3 ms per frame)
                                          max_inflight_messages=0, socket_options=NODELAY, timeout=10,
                                          queue_type=direct_queue(self._tx)) as client:
                    client.pending_calls_threshold = 1 << 30    # one publish in flight per unit is normal
                    self.client = client
                    self.gone = asyncio.get_running_loop().create_future()
                    await client.subscribe("%s/+/tx" % self.cfg.prefix, qos=self.cfg.qos)
                    await client.subscribe("%s/+/status" % self.cfg.prefix, qos=1)
                    await client.publish(self.server_topic, json.dumps({"state": "online", "server": self.cfg.server_id,
                                                                        "time": time.time()}), qos=1, retain=True)
                    self.server.log.write("mqtt", state="connected", broker="%s:%d" % self.cfg.broker)
                    self.connected.set()
                    for unit, box in self.boxes.items():
                        self._kick(unit, box)
                    async for _ in client.messages:     # never yields (direct_queue): ends with
                        pass                            # MqttError when the connection does
            except aiomqtt.MqttError as e:
                if self.connected.is_set():
                    self.server.log.write("mqtt", state="disconnected", reason=str(e))
            finally:
                self.connected.clear()
                self.client = None
                if self.gone is not None and not self.gone.done():
                    self.gone.set_result(None)
            if not self.stopping:
                await asyncio.sleep(RETRY)

    def _tx(self, message: aiomqtt.Message) -> None:
        """Bytes for a unit: written to it when it is connected to this server (another
        server holds it otherwise, or nobody: then they are dropped, as a pty's ``drop``)."""
        parts = str(message.topic).split("/")
        if len(parts) >= 3 and parts[-1] == "status":
            try:
                st = json.loads(message.payload)  # type: ignore[arg-type]
                self.holders[parts[-2]] = (str(st["server"]), str(st["state"]))
            except (ValueError, TypeError, KeyError):
                pass
            return
        if len(parts) < 3 or parts[-1] != "tx":
            return
        u = self.server.units.get(parts[-2])
        if u is None or u.conn is None or not isinstance(message.payload, (bytes, bytearray)):
            return
        self.sequencer.feed(message)

    def _to_unit(self, message: aiomqtt.Message) -> None:
        u = self.server.units.get(str(message.topic).split("/")[-2])
        if u is not None and isinstance(message.payload, (bytes, bytearray)):
            self.received += 1
            u.from_program(bytes(message.payload))

    async def stop(self) -> None:
        """What is queued goes (2 s at most), the units connected here offline and the
        server's status offline (retained, 5 s at most), then disconnect.  Called by the
        fleet server before it closes the units' connections."""
        client = self.client
        if client is not None and self.connected.is_set():
            try:
                if self.senders:
                    await asyncio.wait(list(self.senders), timeout=2)
                self.stopping = True
                body = json.dumps({"state": "offline", "server": self.cfg.server_id, "time": time.time(),
                                   "reason": "fleet server stopping"})
                pubs = [client.publish(self.topic(u.name, "status"), body, qos=1, retain=True)
                        for u in self.server.units.values() if u.conn is not None]
                pubs.append(client.publish(self.server_topic, json.dumps(
                    {"state": "offline", "server": self.cfg.server_id, "reason": "stopped"}), qos=1, retain=True))
                await asyncio.wait_for(asyncio.gather(*pubs), 5)
            except (aiomqtt.MqttError, TimeoutError):
                pass
        self.stopping = True
        for t in list(self.senders):
            t.cancel()
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, aiomqtt.MqttError):
                pass
