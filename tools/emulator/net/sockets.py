"""A module socket (connId 1-6) and the data link it offers the AT instances.

Sources: ATR10 §3.5.7.4 (#SS #SI #SH #SCFG #SCFGEXT #SD #SO #SL #SA #SRECV #SSEND #SSENDEXT),
IPG10 §3.2 and §5 (multisocket, suspend/resume, command-mode connections, SRING modes),
REFERENCE §6.5-§6.11 and §11 C/D.

The socket implements the link protocol of docs/emulator-design.md (attach, write, escaped,
hangup_local, room_available, owner, connected, kind) so that online mode, the +++ suspend,
``#SO`` resume with buffered data first, and ``NO CARRIER`` plus DCD drop all go through at.py.

States (``#SS``, ATR10 §3.5.7.4.1; the manuals for this firmware stop at 5):
0 closed, 1 online (active data transfer), 2 suspended, 3 suspended with pending data,
4 listening, 5 incoming connection waiting for ``#SA``/``#SH``. A socket opened in command mode
(``#SD ...,1`` / ``#SA=n,1``) shows 2 or 3 (IPG10 §5.2.1 example: "opened in suspended state").
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import variants
from .config import Packetiser, SocketConfig, load_config, sring_lines

if TYPE_CHECKING:  # pragma: no cover
    from ..at import AtInstance
    from .network import Network
    from .radio import Wire

CLOSED, CONNECTING, CONNECTED, LISTENING, INCOMING = (
    "closed", "connecting", "connected", "listening", "incoming")


class Socket:
    kind = "gprs"
    only_ath = False

    def __init__(self, net: "Network", conn_id: int) -> None:
        self.net = net
        self.k = net.kernel
        self.conn_id = conn_id
        self.sent = 0
        self.received = 0
        self.close_reason = ""
        self.closes: list[tuple[int, str]] = []  # (ms, reason) history, for tests and status
        self._timers: list[Any] = []
        self._clear()

    def _clear(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers = []
        self.state = CLOSED
        self.owner: "AtInstance | None" = None
        self.proto = 0
        self.closure = 0
        self.cid = 0
        self.local_ip = ""
        self.local_port = 0
        self.remote_ip = ""
        self.remote_port = 0
        self.wire: "Wire | None" = None
        self.rx = bytearray()
        self.pk: Packetiser | None = None
        self.peer_closed = False
        self.sring_armed = True
        self.listen_port = 0
        self.pending: Any = None  # (wire, src_ip, src_port) while INCOMING
        self.attempt: Any = None  # the connect attempt while CONNECTING
        self.cfg: SocketConfig = load_config(self.net.module.nvm, self.conn_id)
        self._tx_timer: Any = None
        self._idle_timer: Any = None
        self._ka_timer: Any = None
        self._giveup_timer: Any = None
        self.last_activity = 0
        self.last_rx = 0
        self.real_listener: Any = None
        self.legacy_listen = False  # #SKTL (net/legacy.py): +CONN FROM, then CONNECT at once

    # ------------------------------------------------------------------ status
    @property
    def connected(self) -> bool:
        return self.state == CONNECTED

    def online(self) -> bool:
        o = self.owner
        return self.state == CONNECTED and o is not None and o.link is self and o.mode == "online"

    def ss_state(self) -> int:
        if self.state == CONNECTED:
            if self.online():
                return 1
            return 3 if self.rx else 2
        if self.state == LISTENING:
            return 4
        if self.state == INCOMING:
            return 5
        return 0

    def ss_line(self) -> str:
        st = self.ss_state()
        if st == 0:
            return "#SS: %d,0" % self.conn_id
        if st == 4:
            return "#SS: %d,4,%s,%d" % (self.conn_id, self.local_ip, self.local_port)
        return "#SS: %d,%d,%s,%d,%s,%d" % (self.conn_id, st, self.local_ip, self.local_port,
                                           self.remote_ip, self.remote_port)

    def ack_waiting(self) -> int:
        if self.wire is None or self.proto == 1:
            return 0
        return self.wire.unacked

    def si_line(self) -> str:
        # ATR10 §3.5.7.4.2: sent, received, buff_in, ack_waiting; counters since the last open.
        # <sent> counts bytes gone to the network, or (variant si_sent=accepted) also those
        # still queued in the socket and in the owner's input buffer (MDM's, online).
        sent = self.sent
        if variants.choice(self.net.module, "si_sent") == "accepted":
            sent += self.tx_pending()
            if self.online() and self.owner is not None:
                sent += len(self.owner.inbuf)
        return "#SI: %d,%d,%d,%d,%d" % (self.conn_id, sent, self.received, len(self.rx),
                                        self.ack_waiting())

    def status(self) -> dict[str, Any]:
        return {
            "conn_id": self.conn_id, "state": self.ss_state(), "phase": self.state,
            "owner": self.owner.index if self.owner is not None else None,
            "local": [self.local_ip, self.local_port], "remote": [self.remote_ip, self.remote_port],
            "sent": self.sent, "received": self.received, "buff_in": len(self.rx),
            "ack_waiting": self.ack_waiting(), "tx_pending": self.tx_pending(),
            "close_reason": self.close_reason,
            "lost_bytes": self.wire.lost_bytes if self.wire is not None else 0,
        }

    def tx_pending(self) -> int:
        n = len(self.pk) if self.pk is not None else 0
        if self.wire is not None:
            n += self.wire.up_bytes
        return n

    # --------------------------------------------------------------- opening
    def begin_open(self, owner: "AtInstance", cid: int, local_ip: str) -> None:
        """Counters restart at every open (ATR10 #SI: 'since the last time the socket ... has
        been opened')."""
        self._clear()
        self.owner = owner
        self.cid = cid
        self.local_ip = local_ip
        self.sent = 0
        self.received = 0
        self.close_reason = ""

    def established(self, wire: "Wire", local_port: int, remote_ip: str, remote_port: int) -> None:
        self.state = CONNECTED
        self.wire = wire
        wire.sock = self
        self.local_port = local_port
        self.remote_ip = remote_ip
        self.remote_port = remote_port
        self.cfg = load_config(self.net.module.nvm, self.conn_id)
        self.pk = Packetiser(self.cfg.packet_size, self.cfg.tx_to * 100, bool(self.cfg.buffer_start))
        now = self.k.now()
        self.last_activity = now
        self.last_rx = now
        if self.cfg.max_to:
            self._idle_timer = self._later(self.cfg.max_to * 1000, self._idle_check)
        if self.cfg.keepalive and self.proto == 0:
            self._ka_timer = self._later(self.cfg.keepalive * 60000, self._keepalive_check)
        wire.kick()

    def _later(self, ms: int, fn: Any) -> Any:
        t = self.k.call_later(ms, fn)
        self._timers.append(t)
        if len(self._timers) > 64:
            self._timers = [x for x in self._timers if not x.cancelled]
        return t

    # ----------------------------------------------------------- link protocol
    def attach(self, inst: "AtInstance") -> None:
        self.owner = inst
        self.sring_armed = True
        self._deliver()

    def write(self, data: bytes) -> int:
        """Online bytes from the DTE for the peer (flow control: returns how many fit)."""
        if self.state != CONNECTED or self.pk is None or self.wire is None:
            return len(data)  # nowhere to go: the link is being torn down
        room = self.net.tx_buffer - self.tx_pending()
        if room <= 0:
            return 0
        take = bytes(data[:room])
        now = self.k.now()
        from ..catalog_more import pad_forward

        cut = pad_forward(self.net.module, take)  # #PADCMD/#PADFWD: the character flushes
        for pkt in self.pk.push(take[:cut], now) + (self.pk.flush() if cut else []):
            self.wire.send(pkt)
        for pkt in self.pk.push(take[cut:], now):
            self.wire.send(pkt)
        self._arm_tx_timer()
        return len(take)

    def escaped(self, inst: "AtInstance") -> None:
        # REFERENCE §6.6: +++ suspends, it does not close ... unless the peer already closed and
        # closureType 255 kept the socket open until this escape (ATR10 #SD <closureType>).
        if self.peer_closed:
            self.k.call_later(0, lambda: self._finish_remote_close())
            return
        if self.rx:
            # Data that the instance had no room for: announce it after the OK.
            self.k.call_later(1, lambda: self._announce(len(self.rx)))

    def hangup_local(self) -> None:
        """&D2 DTR drop: close the connection (REFERENCE §6.8)."""
        self.close_local("dtr")

    def room_available(self) -> None:
        self._deliver()

    # ------------------------------------------------------------- packetiser
    def _arm_tx_timer(self) -> None:
        if self.pk is None:
            return
        dl = self.pk.deadline()
        if self._tx_timer is not None:
            if dl is not None and self._tx_timer.when == dl and not self._tx_timer.cancelled:
                return
            self._tx_timer.cancel()
            self._tx_timer = None
        if dl is not None:
            self._tx_timer = self._later(max(0, dl - self.k.now()), self._tx_expired)

    def _tx_expired(self) -> None:
        self._tx_timer = None
        if self.pk is None or self.wire is None:
            return
        for pkt in self.pk.expire(self.k.now()):
            self.wire.send(pkt)
        self._arm_tx_timer()

    def send_now(self, data: bytes) -> None:
        """#SSEND / #SSENDEXT: the bytes leave at once (IPG10 §5.2.3), in packets of pktSz."""
        if self.pk is None or self.wire is None:
            return
        for pkt in self.pk.flush():
            self.wire.send(pkt)
        size = self.pk.pkt_sz
        for i in range(0, len(data), size):
            self.wire.send(data[i:i + size])
        self._arm_tx_timer()

    # --------------------------------------------------------- wire callbacks
    def on_sent(self, n: int) -> None:
        self.sent += n
        self.last_activity = self.k.now()
        for hook in self.net.on_volume:
            hook(self.cid, n, 0)  # #GDATAVOL (catalog_more.py)

    def on_uplink_room(self) -> None:
        o = self.owner
        if self.online() and o is not None and o.inbuf:
            o.pump()
        self.k.notify()

    def on_unacked(self) -> None:
        """Data is outstanding to a peer that does not answer: TCP gives up after
        ``net.tcp_give_up_ms`` and the connection is lost (an assumption: n/d for Telit)."""
        if self._giveup_timer is None and self.net.tcp_give_up_ms:
            self._giveup_timer = self._later(self.net.tcp_give_up_ms, lambda: self._abort("retransmission"))

    def rx_room(self) -> int:
        return self.net.rx_window - len(self.rx)

    def on_data(self, data: bytes) -> None:
        if not self.net.module.power or self.state != CONNECTED:
            return
        now = self.k.now()
        self.received += len(data)
        for hook in self.net.on_volume:
            hook(self.cid, 0, len(data))
        self.last_activity = now
        self.last_rx = now
        self.rx += data
        if self.online():
            self._deliver()
        else:
            self._announce(len(data))
        self.k.notify()

    def _announce(self, new_bytes: int) -> None:
        """SRING in the srMode format, only in command mode (at.py buffers URCs while busy)."""
        o = self.owner
        if o is None or self.state != CONNECTED or self.online():
            return
        cfg = self.cfg
        texts, used, self.sring_armed = sring_lines(
            self.conn_id, cfg.sr_mode, bytes(self.rx), new_bytes, self.sring_armed, bool(cfg.recv_hex))
        if used:
            del self.rx[:used]
        for t in texts:
            o.urc(t)
        if used:
            self._drained()

    def _deliver(self) -> None:
        o = self.owner
        if not self.online() or o is None:
            return
        if self.rx:
            n = o.deliver(bytes(self.rx))
            if n:
                del self.rx[:n]
                self._drained()
        elif self.peer_closed:
            self._finish_remote_close()

    def take(self, max_bytes: int) -> bytes:
        """#SRECV: read buffered bytes in command mode."""
        data = bytes(self.rx[:max_bytes])
        del self.rx[:len(data)]
        if data:
            self._drained()
        return data

    def _drained(self) -> None:
        if not self.rx:
            self.sring_armed = True
        if self.wire is not None:
            self.wire.kick()
        if not self.rx and self.peer_closed:
            if self.online() and self.closure == 255:
                return
            self._finish_remote_close()

    def on_peer_fin(self) -> None:
        self.peer_closed = True
        if self.closure == 255:
            # ATR10 #SD closureType 255 (p.422): "local host closes after an escape
            # sequence": online, at the local escape; in command mode (no escape there) once
            # the local side has read what was received [L: n/d], then #SS says 0.
            if self.online() or self.rx:
                return
            self._finish_remote_close()
            return
        if not self.online() and variants.choice(self.net.module, "read_after_close") == "drop":
            # closureType 0 (p.422): "local host closes immediately when remote host has
            # closed": data not yet read with #SRECV goes with the socket.
            # (the variant read_after_close=keep: #SRECV still reads it, docs/emulator-fidelity.md)
            self.rx.clear()
        if not self.rx:
            self._finish_remote_close()

    def _finish_remote_close(self) -> None:
        if self.state != CONNECTED:
            return
        if self.wire is not None:
            self.wire.close()  # our FIN answers theirs
        self._teardown("remote")

    def on_peer_reset(self) -> None:
        if self.state not in (CONNECTED, INCOMING):
            return
        self._teardown("reset")

    # ------------------------------------------------------------- timers
    def _idle_check(self) -> None:
        """maxTo: no data exchanged for maxTo seconds closes the socket (ATR10 #SCFG)."""
        if self.state != CONNECTED or not self.cfg.max_to:
            return
        due = self.last_activity + self.cfg.max_to * 1000
        if self.k.now() >= due:
            if self.wire is not None:
                self.wire.close()
            self._teardown("inactivity")
        else:
            self._idle_timer = self._later(due - self.k.now(), self._idle_check)

    def _keepalive_check(self) -> None:
        """#SCFGEXT keepalive (minutes): after that much silence the stack probes the peer; a
        peer that does not answer is given up ``net.keepalive_probe_ms`` later."""
        if self.state != CONNECTED or self.wire is None:
            return
        period = self.cfg.keepalive * 60000
        due = self.last_rx + period
        now = self.k.now()
        if now < due:
            self._ka_timer = self._later(due - now, self._keepalive_check)
            return
        if self.wire.half_open:
            self._ka_timer = self._later(self.net.keepalive_probe_ms, lambda: self._abort("keepalive"))
        else:
            self.last_rx = now  # the probe was answered
            self._ka_timer = self._later(period, self._keepalive_check)

    def _abort(self, reason: str) -> None:
        if self.state != CONNECTED:
            return
        if self.wire is not None:
            self.wire.reset()
        self._teardown(reason)

    # ------------------------------------------------------------- closing
    def close_local(self, reason: str = "local") -> None:
        """#SH (and &D2): pending packetiser bytes go out, then FIN; buffered input is dropped."""
        if self.state == CONNECTED:
            if self.pk is not None and self.wire is not None:
                for pkt in self.pk.flush():
                    self.wire.send(pkt)
            if self.wire is not None:
                self.wire.close()
            self._teardown(reason)
        elif self.state == INCOMING:
            # IPG10 §3.2.2.2: rejecting closes the listening socket too.
            self._reject_pending()
            self._teardown(reason)
        elif self.state == LISTENING:
            self._teardown(reason)
        elif self.state == CONNECTING:
            if self.attempt is not None:
                self.attempt.cancel()
            self._teardown(reason)

    def _reject_pending(self) -> None:
        if self.pending is not None:
            wire = self.pending[0]
            wire.reset()
            self.pending = None

    def lost(self, reason: str, urc: bool = True) -> None:
        """The network took the context away (or the module rebooted): the peer is not told."""
        if self.state == CONNECTED and self.wire is not None:
            self.wire.abandon(reason)
        elif self.state == INCOMING and self.pending is not None:
            self.pending[0].abandon(reason)
        elif self.state == CONNECTING and self.attempt is not None:
            self.attempt.cancel()
        was_listening = self.state in (LISTENING, INCOMING)
        owner = self.owner
        self._teardown(reason)
        if urc and was_listening and owner is not None:
            owner.urc("#SL: ABORTED")  # ATR10 #SL: listener closed by the network

    def _teardown(self, reason: str) -> None:
        if self.state == CLOSED:
            return
        owner = self.owner
        # A connection open in command mode (or suspended) that the peer, the network or a
        # timer ends: ATR10 gives no URC for it (n/d); the variant cmd_close_urc prints one.
        quiet_end = (self.state == CONNECTED and owner is not None and not self.online()
                     and reason not in ("local", "listen off", "dtr"))
        if self.real_listener is not None:
            self.real_listener.close()
            self.real_listener = None
        if self.pending is not None:
            self.pending[0].reset()
            self.pending = None
        if self.wire is not None:
            self.wire.sock = None
        self.close_reason = reason
        self.closes.append((self.k.now(), reason))
        self.net.discarded_rx += len(self.rx)
        sent, received = self.sent, self.received
        self._clear()
        self.sent, self.received = sent, received  # #SI keeps them until the next open
        self.close_reason = reason
        if owner is not None:
            owner.link_closed(self)  # NO CARRIER + DCD low if it was online with us
            if quiet_end and variants.choice(self.net.module, "cmd_close_urc") == "no_carrier":
                owner.urc("NO CARRIER")
        self.k.notify()
