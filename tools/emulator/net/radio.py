"""The path between a module socket and its peer: the GPRS radio (shared, rate-capped in each
direction) plus a one-way network latency, as timed events on the kernel clock.

A ``Wire`` is one TCP connection. Module -> peer: packets from the socket's packetiser queue for
the uplink radio (one at a time, ``(len + overhead) * 8 / uplink_bps``), then travel ``latency``
to the peer; the peer's ACK comes back another ``latency`` later (``#SI`` ack_waiting).
Peer -> module: data is cut into segments of ``mss`` bytes, travels ``latency`` to the network,
then waits for the downlink radio; a segment is taken only while the socket's receive window is
open (the module keeps at most ``rx_window`` unread bytes). FIN travels in order behind data;
RST overtakes it. While ``net.gprs_suspended`` (class B: a CSD call is up) nothing new starts on
the radio in either direction.

GPRS multislot class 10 (REFERENCE §10.1, SWUG6): up to 4+1 or 3+2 slots, i.e. about
28.8 kbit/s up and 57.6 kbit/s down at best; those are the defaults.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network
    from .sockets import Socket


class Peer(Protocol):
    """The far end of a Wire: a simulated peer or a real host socket."""

    def on_packet(self, data: bytes) -> None: ...  # a module packet reached the peer

    def on_fin(self) -> None: ...  # the module closed the connection (FIN reached the peer)

    def on_reset(self) -> None: ...  # the module reset the connection

    def on_lost(self, reason: str) -> None: ...  # the module vanished without a word


class RadioChannel:
    """One direction of the radio: transmissions are serialised at ``bps`` (None: no limit)."""

    def __init__(self, net: "Network", bps: int | None) -> None:
        self.net = net
        self.bps = bps
        self.free_us = 0  # when the channel is free again (microseconds of module time)
        self.bytes = 0  # total payload carried

    def claim(self, nbytes: int) -> int:
        """Reserve the channel for one packet starting as soon as it is free; returns the module
        time (ms) at which the packet's last bit has left."""
        now_us = self.net.kernel.now() * 1000
        # Module time is whole milliseconds: a packet queued right behind the previous one
        # (woken at the ceiling of its end) starts where that one ended, so rounding does not
        # accumulate over a burst.
        start = self.free_us if self.free_us > now_us - 1000 else now_us
        if self.bps:
            bits = (nbytes + self.net.packet_overhead) * 8
            dur = -(-bits * 1_000_000 // self.bps)
        else:
            dur = 0
        self.free_us = start + dur
        self.bytes += nbytes
        return -(-self.free_us // 1000)


class Wire:
    def __init__(self, net: "Network", peer: Any, latency_ms: int | None = None) -> None:
        self.net = net
        self.k = net.kernel
        self.peer = peer
        self.latency = net.latency_ms if latency_ms is None else int(latency_ms)
        self.sock: "Socket | None" = None
        self.up_q: deque[tuple[str, bytes]] = deque()
        self.up_busy = False
        self.up_bytes = 0  # queued for the uplink radio, not yet transmitted
        self.down_q: deque[tuple[int, str, bytes]] = deque()  # (ready_at, kind, data)
        self.down_busy = False
        self.down_bytes = 0  # on its way down, not yet in the module
        self._down_timer: Any = None
        self.unacked = 0
        self.half_open = False  # the peer stopped answering (no FIN): packets vanish
        self.dead = False
        self.lost_bytes = 0  # module packets that reached nobody (half-open peer)
        self.fin_sent = False

    # ------------------------------------------------------------- module -> peer
    def send(self, data: bytes) -> None:
        if self.dead or self.fin_sent or not data:
            return
        self.up_q.append(("data", bytes(data)))
        self.up_bytes += len(data)
        self._pump_up()

    def close(self) -> None:
        """Graceful close from the module: FIN after the queued packets."""
        if self.dead or self.fin_sent:
            return
        self.fin_sent = True
        self.up_q.append(("fin", b""))
        self._pump_up()

    def reset(self) -> None:
        """Abortive close from the module: RST now, queued data discarded."""
        if self.dead:
            return
        self.dead = True
        self.up_q.clear()
        self.down_q.clear()
        if not self.half_open:
            self.k.call_later(self.latency, self.peer.on_reset)

    def abandon(self, reason: str) -> None:
        """The module side disappears without telling the peer (reboot, context lost)."""
        if self.dead:
            return
        self.dead = True
        self.up_q.clear()
        self.down_q.clear()
        self.peer.on_lost(reason)

    def _pump_up(self) -> None:
        if self.up_busy or not self.up_q or self.dead or self.net.gprs_suspended:
            return
        kind, data = self.up_q.popleft()
        if kind == "fin":
            if not self.half_open:
                self.k.call_later(self.latency, self._fin_arrives)
            return
        self.up_busy = True
        end = self.net.uplink.claim(len(data))
        self.k.call_at(end, lambda: self._up_done(data))

    def _up_done(self, data: bytes) -> None:
        self.up_busy = False
        self.up_bytes -= len(data)
        if self.dead:
            return
        n = len(data)
        self.unacked += n
        sock = self.sock
        if sock is not None:
            sock.on_sent(n)
        if self.half_open:
            self.lost_bytes += n
            if sock is not None:
                sock.on_unacked()
        else:
            self.k.call_later(self.latency, lambda: self._arrives(data))
            self.k.call_later(2 * self.latency, lambda: self._acked(n))
        self._pump_up()
        if sock is not None:
            sock.on_uplink_room()

    def _arrives(self, data: bytes) -> None:
        if self.dead and not self.fin_sent:
            return
        if self.half_open:
            self.lost_bytes += len(data)
            return
        self.peer.on_packet(data)

    def _acked(self, n: int) -> None:
        if self.half_open:
            if self.sock is not None:
                self.sock.on_unacked()
            return
        self.unacked = max(0, self.unacked - n)

    def _fin_arrives(self) -> None:
        if not self.half_open:
            self.peer.on_fin()

    # ------------------------------------------------------------- peer -> module
    def peer_send(self, data: bytes) -> None:
        if self.dead or self.half_open or not data:
            return
        if self.fin_sent and self.sock is None:
            self.lost_bytes += len(data)  # the module's socket is closed: nobody reads it
            return
        ready = self.k.now() + self.latency
        mss = max(1, self.net.mss)
        for i in range(0, len(data), mss):
            seg = bytes(data[i:i + mss])
            self.down_q.append((ready, "data", seg))
            self.down_bytes += len(seg)
        self._pump_down()

    def peer_close(self) -> None:
        if self.dead or self.half_open:
            return
        self.down_q.append((self.k.now() + self.latency, "fin", b""))
        self._pump_down()

    def peer_reset(self) -> None:
        if self.dead:
            return
        self.k.call_later(self.latency, self._rst_arrives)

    def _rst_arrives(self) -> None:
        if self.dead:
            return
        self.dead = True
        self.up_q.clear()
        self.down_q.clear()
        if self.sock is not None:
            self.sock.on_peer_reset()

    def kick(self) -> None:
        """Something changed (window opened, radio resumed, socket accepted): move data."""
        self._pump_up()
        self._pump_down()

    def _pump_down(self) -> None:
        if self.down_busy or not self.down_q or self.dead or self.net.gprs_suspended:
            return
        sock = self.sock
        if sock is None:
            return  # not accepted yet: the peer's data waits in the network
        ready, kind, data = self.down_q[0]
        now = self.k.now()
        if ready > now:
            if self._down_timer is None or self._down_timer.cancelled:
                self._down_timer = self.k.call_at(ready, self._down_timer_fired)
            return
        if kind == "fin":
            self.down_q.popleft()
            sock.on_peer_fin()
            return
        if sock.rx_room() <= 0:
            return  # receive window closed; the socket kicks us when it drains
        self.down_q.popleft()
        self.down_busy = True
        end = self.net.downlink.claim(len(data))
        self.k.call_at(end, lambda: self._down_done(data))

    def _down_timer_fired(self) -> None:
        self._down_timer = None
        self._pump_down()

    def _down_done(self, data: bytes) -> None:
        self.down_busy = False
        self.down_bytes -= len(data)
        if self.dead:
            return
        if self.sock is not None:
            self.sock.on_data(data)
        self._pump_down()
