"""``module.net``: the GPRS world of the emulated module.

It holds the PDP contexts, the socket table (connIds 1-6), the firewall, the radio model and
the transports: ``sim`` (peers simulated in this process, always present) and ``real``
(loopback TCP with host sockets, only with the real clock). A connection to an address that a
simulated server listens on stays simulated; anything else goes to the real transport when it
is enabled, else it is unreachable.

Everything here changes with ``kernel.lock`` held (docs/emulator-design.md "One lock"); the
public methods take it themselves so tests, the control interface and transport threads can call
them directly.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .config import CONN_IDS, load_config
from .firewall import Firewall, is_ip
from .radio import RadioChannel, Wire
from .sim import SimTransport
from .sockets import CLOSED, CONNECTED, CONNECTING, INCOMING, LISTENING, Socket
from .ftp import FtpWorld
from .mail import MailWorld
from .udp import UdpTransport

if TYPE_CHECKING:  # pragma: no cover
    from ..at import AtInstance
    from ..module import Module

REGISTERED = (1, 5)  # +CREG/+CGREG stat: home, roaming


@dataclass
class Context:
    cid: int
    state: str = "inactive"  # inactive | activating | active | deactivating
    ip: str = ""
    owner: Any = None  # the AT instance that activated it
    family: str = ""  # sgact | gprs

    @property
    def active(self) -> bool:
        return self.state == "active"


class Attempt:
    """One outgoing connection attempt (#SD) between the command and CONNECT/OK/error."""

    def __init__(self, on_ok: Callable[[Wire, str, int], None], on_fail: Callable[[int], None]) -> None:
        self._ok = on_ok
        self._fail = on_fail
        self.done = False
        self.on_cancel: Callable[[], None] | None = None

    def succeed(self, wire: Wire, ip: str, port: int) -> bool:
        if self.done:
            return False
        self.done = True
        self._ok(wire, ip, port)
        return True

    def fail(self, code: int) -> None:
        if self.done:
            return
        self.done = True
        if self.on_cancel is not None:
            self.on_cancel()
        self._fail(code)

    def cancel(self, code: int = 556) -> None:
        self.fail(code)


# The +CME ERROR each failure produces. The manuals list the codes by name only (ATR10
# §3.2.2.1, REFERENCE §5.8: "which code each #SD failure produces is not tabulated", §12 q9);
# these are chosen by name and can be changed per test.
DEFAULT_ERRORS = {
    "wrong_apn": 567,  # 'wrong APN'
    "auth": 149,  # 'PDP authentication failure' (27.007 / ATR10 GPRS activation errors)
    "activation": 555,  # 'activation failed' (no GPRS service, injected failure)
    "already_active": 553,  # 'context already activated' (real log, REFERENCE §5.8)
    "too_many_contexts": 550,  # IPG10 §3.1: at most two contexts; code n/d
    "no_context": 556,  # 'context not opened': #SD/#SL with the socket's context down
    "dns": 558,  # 'cannot resolve DN'
    "timeout": 559,  # 'time-out in opening socket': connTo expired
    "refused": 562,  # 'connection failed': the peer answered with RST
    "state": 551,  # 'wrong state': busy connId, #SA without SRING, #SRECV with nothing ...
    "wrong_instance": 551,  # #SO/#SH from another instance (REFERENCE §11 D5: n/d)
    "resume": 566,  # 'can not resume socket' (#SO on a listening socket)
    "listening": 564,  # 'already listening' on that port
    "tx": 563,  # 'tx error'
}


class Network:
    def __init__(self, module: "Module") -> None:
        self.module = module
        self.kernel = module.kernel
        # --- the network the module sees (world state: survives module reboots)
        self.module_ip = "10.20.30.40"  # address the network gives the first context
        self.context_ips: dict[int, str] = {}  # per-cid override
        self.apn_credentials: dict[str, tuple[str, str] | None] | None = None  # None: accept all
        self.dns: dict[str, str] = {}
        self.activation_ms = 2500  # #SGACT / #GPRS: context activation takes seconds
        self.deactivation_ms = 500
        self.dns_ms = 400
        self.latency_ms = 300  # one-way, module <-> peer
        self.uplink_bps: int | None = 28800  # GPRS class 10 (REFERENCE §10.1)
        self.downlink_bps: int | None = 57600
        self.packet_overhead = 40  # TCP/IP header bytes charged on the radio per packet
        self.mss = 1460  # downlink segment size
        self.tx_buffer = 4096  # bytes a socket takes from the DTE before flow control
        self.rx_window = 8192  # unread bytes a socket buffers before the peer must wait
        self.tcp_give_up_ms = 120_000  # unacknowledged data to a silent peer: connection lost
        self.keepalive_probe_ms = 30_000
        self.errors = dict(DEFAULT_ERRORS)
        self.sgact_quote_ip = False  # IPG10 shows both "#SGACT: 1.2.3.4" and quoted forms
        # The listener's URC as ATR10 #SL (p.424) documents it; #SA (p.426) and IPG10 write
        # 'SRING: <id>' (REFERENCE §12: which one a unit sends is open).
        self.listen_sring = "+SRING : %d"
        self.activation_faults: list[int] = []  # injected: next activations fail with these codes
        self.connect_faults: list[int] = []  # injected: next #SD attempts fail with these codes
        self.uplink = RadioChannel(self, self.uplink_bps)
        self.downlink = RadioChannel(self, self.downlink_bps)
        self._gprs_suspended = False
        self.sim = SimTransport(self)
        self.udp = UdpTransport(self)  # UDP peers (#SD <txProt> 1, #SLUDP): net/udp.py
        self.ftp = FtpWorld(self)  # simulated FTP servers and the #FTPOPEN session: net/ftp.py
        self.mail = MailWorld(self)  # simulated SMTP servers (#SEMAIL, #EMAILD): net/mail.py
        self.on_context_lost: list[Callable[[int], None]] = []  # called after drop_context(cid)
        self.on_context_up: list[Callable[[int], None]] = []  # a context activated (#GDATAVOL)
        self.on_volume: list[Callable[[int, int, int], None]] = []  # (cid, sent, received) bytes
        self.real: Any = None
        # --- module RAM (rebuilt by on_boot)
        self.firewall = Firewall()
        self.contexts: dict[int, Context] = {}
        self.sockets: dict[int, Socket] = {}
        self.userid = ""
        self.passw = ""
        self.auth_type = 1  # #SGACTAUTH factory default PAP (ATR10 §3.5.7.4.16); not in NVM
        self._next_port = 1025
        self.activations = 0
        self._synthetic: dict[str, str] = {}
        self.discarded_rx = 0  # unread bytes thrown away when a socket closed (RST, #SH ...)
        self.sockets = {i: Socket(self, i) for i in CONN_IDS}

    # -------------------------------------------------------------- extension
    def on_boot(self) -> None:
        """RAM state is gone at every boot: contexts down, sockets closed, firewall empty
        (ATR10 #FRWL: 'Rules are not saved in NVM, at startup the rules list will be empty')."""
        with self.kernel.lock:
            for s in self.sockets.values():
                s.lost("reboot", urc=False)
                s.sent = s.received = 0
            self.sockets = {i: Socket(self, i) for i in CONN_IDS}
            self.contexts = {}
            self.firewall.clear()
            saved = self.module.nvm.get("sktsav", {})
            self.userid = saved.get("userid", "")
            self.passw = saved.get("passw", "")
            self.auth_type = 1
            self._next_port = 1025

    def links(self) -> list[Any]:
        return [s for s in self.sockets.values() if s.state == CONNECTED]

    def close(self) -> None:
        if self.real is not None:
            self.real.close()
        self.udp.close()

    # ----------------------------------------------------------- radio, class B
    @property
    def gprs_suspended(self) -> bool:
        """True while a CSD call is up (class B, REFERENCE §9): no GPRS data moves."""
        return self._gprs_suspended

    @gprs_suspended.setter
    def gprs_suspended(self, value: bool) -> None:
        with self.kernel.lock:
            self._gprs_suspended = bool(value)
            if not value:
                for w in self._wires():
                    w.kick()
            self.kernel.notify()

    def set_rates(self, uplink_bps: int | None = None, downlink_bps: int | None = None) -> None:
        self.uplink_bps = self.uplink.bps = uplink_bps
        self.downlink_bps = self.downlink.bps = downlink_bps

    def _wires(self) -> list[Wire]:
        out = []
        for s in self.sockets.values():
            if s.wire is not None:
                out.append(s.wire)
            if s.pending is not None:
                out.append(s.pending[0])
        return out

    # ------------------------------------------------------------ registration
    @property
    def registration(self) -> int:
        return self.module.radio.greg

    def registered(self) -> bool:
        return self.module.radio.greg in REGISTERED

    def set_registration(self, stat: int, gsm: int | None = None) -> None:
        """Network registration (+CREG/+CGREG stat 0-5). Leaving 1/5 detaches from GPRS: every
        context drops and its sockets close (fault: deregistration). URCs ``+CREG: <stat>`` /
        ``+CGREG: <stat>`` go to the instances that enabled them (ATR10 +CREG/+CGREG n=1)."""
        with self.kernel.lock:
            radio = self.module.radio
            old_reg, old_greg = radio.reg, radio.greg
            radio.greg = stat
            radio.reg = stat if gsm is None else gsm
            for inst in self.module.instances.values():
                if radio.reg != old_reg and inst.settings.get("+CREG", 0):
                    inst.urc("+CREG: %d" % radio.reg)
                if radio.greg != old_greg and inst.settings.get("+CGREG", 0):
                    inst.urc("+CGREG: %d" % radio.greg)
            if stat not in REGISTERED:
                for cid in list(self.contexts):
                    self.drop_context(cid)
            self.kernel.notify()

    # ---------------------------------------------------------------- contexts
    def context(self, cid: int) -> Context:
        c = self.contexts.get(cid)
        if c is None:
            c = self.contexts[cid] = Context(cid)
        return c

    def ip_for(self, cid: int) -> str:
        if cid in self.context_ips:
            return self.context_ips[cid]
        if cid == 1:
            return self.module_ip
        base = int(ipaddress.IPv4Address(self.module_ip))
        return str(ipaddress.IPv4Address((base + cid - 1) & 0xFFFFFFFF))

    def pdp(self, cid: int) -> dict[str, Any] | None:
        return self.module.nvm.get("cgdcont", {}).get(str(cid))

    def cid_has_socket(self, cid: int) -> bool:
        return any(load_config(self.module.nvm, i).cid == cid for i in CONN_IDS)

    def active_count(self) -> int:
        return sum(1 for c in self.contexts.values() if c.state in ("active", "activating"))

    def activation_verdict(self, cid: int, user: str, pwd: str) -> int | None:
        """None if the network accepts the activation, else the +CME ERROR code."""
        if self.activation_faults:
            return self.activation_faults.pop(0)
        if not self.registered() or self._gprs_suspended:
            return self.errors["activation"]  # no GPRS service (or class B during a call)
        accepted = self.apn_credentials
        if accepted is None:
            return None
        pdp = self.pdp(cid)
        apn = pdp["apn"] if pdp else ""
        if apn not in accepted:
            return self.errors["wrong_apn"]
        want = accepted[apn]
        if want is None:
            return None
        if self.auth_type == 0:
            user, pwd = "", ""  # #SGACTAUTH=0: no credentials are sent
        if (user, pwd) != tuple(want):
            return self.errors["auth"]
        return None

    def start_activation(self, cid: int, inst: "AtInstance", family: str, user: str, pwd: str,
                         done: Callable[[int | None, str], None]) -> None:
        c = self.context(cid)
        c.state = "activating"
        c.owner = inst
        c.family = family

        def finish() -> None:
            if c.state != "activating":
                done(self.errors["activation"], "")
                return
            code = self.activation_verdict(cid, user, pwd)
            if code is not None:
                c.state = "inactive"
                done(code, "")
                return
            c.state = "active"
            c.ip = self.ip_for(cid)
            self.activations += 1
            for hook in list(self.on_context_up):
                hook(cid)  # a new session (#GDATAVOL, catalog_more.py)
            done(None, c.ip)

        self.kernel.call_later(self.activation_ms, finish)

    def deactivate(self, cid: int, reason: str = "deactivated") -> None:
        """Local deactivation (#SGACT=cid,0 / #GPRS=0): its sockets close."""
        c = self.contexts.get(cid)
        if c is None:
            return
        self._close_context_sockets(cid, reason, urc=False)
        c.state = "inactive"
        c.ip = ""

    def drop_context(self, cid: int) -> None:
        """Fault: the network deactivates the context. Sockets on it close (NO CARRIER on an
        instance online with one, ``#SL: ABORTED`` for listeners); peers are not told."""
        with self.kernel.lock:
            c = self.contexts.get(cid)
            if c is None or c.state == "inactive":
                return
            c.state = "inactive"
            c.ip = ""
            self._close_context_sockets(cid, "network", urc=True)
            for hook in list(self.on_context_lost):
                hook(cid)  # #SGACTCFG reactivation (catalog_net.py)
            self.kernel.notify()

    def _close_context_sockets(self, cid: int, reason: str, urc: bool) -> None:
        for s in self.sockets.values():
            if s.state != CLOSED and s.cid == cid:
                if s.state == CONNECTING and s.attempt is not None:
                    s.attempt.cancel(self.errors["no_context"])
                else:
                    s.lost(reason, urc=urc)

    # ---------------------------------------------------------------- sockets
    def next_local_port(self) -> int:
        p = self._next_port
        self._next_port = 1025 if p >= 65535 else p + 1
        return p

    def resolve(self, host: str) -> str | None:
        """Name resolution for #SD/#QDNS: dotted quads as they are, names through ``dns``.
        With real TCP enabled (and ``real.resolve_names``), an unknown name gets an address
        from 198.18.0.0/15 (RFC 2544, never routed) so that ``connect_map`` entries keyed by
        the name (or the default 127.0.0.1:<port>) apply; ``#SS`` shows that address."""
        if is_ip(host):
            return ".".join(str(int(x)) for x in host.strip().split("."))
        ip = self.dns.get(host) or self.dns.get(host.lower())
        if ip is None and self.real is not None and self.real.resolve_names:
            n = len(self._synthetic) + 1
            ip = self._synthetic.setdefault(host, "198.18.%d.%d" % (n // 254, n % 254 + 1))
            self.dns[host] = ip
            self.real.alias(host, ip)
        return ip

    def open_connection(self, sock: Socket, ip: str, port: int, attempt: Attempt) -> None:
        """Route an outgoing TCP connection: simulated server, else real loopback, else
        unreachable (no answer: the attempt ends by connTo)."""
        if self.connect_faults:
            code = self.connect_faults.pop(0)
            self.kernel.call_later(2 * self.latency_ms, lambda: attempt.fail(code))
            return
        if sock.proto == 1:
            self.udp.connect_out(sock, ip, port, attempt)
        elif self.sim.handles(ip, port) or self.real is None:
            self.sim.connect_out(sock, ip, port, attempt)
        else:
            self.real.connect_out(sock, ip, port, attempt)

    def find_listener(self, port: int, dst_ip: str | None, proto: int = 0) -> Socket | None:
        for s in self.sockets.values():
            if s.state in (LISTENING, INCOMING) and s.listen_port == port and s.proto == proto:
                if dst_ip is None or dst_ip == s.local_ip:
                    return s
        return None

    def module_reachable(self, dst_ip: str | None) -> bool:
        return any(c.active and (dst_ip is None or c.ip == dst_ip) for c in self.contexts.values())

    def incoming(self, port: int, src_ip: str, src_port: int, dst_ip: str | None,
                 make_wire: Callable[[], Wire], proto: int = 0) -> str:
        """A remote host's SYN reaches the module. Returns 'accept', 'refuse' or 'drop'
        (REFERENCE §6.11, §7: the firewall is checked first; DROP is silent)."""
        if not self.module.power or not self.module_reachable(dst_ip):
            return "drop"
        lst = self.find_listener(port, dst_ip, proto)
        if lst is None:
            self.firewall.log.append((self.kernel.now(), src_ip, port, "refused"))
            return "refuse"
        if not self.firewall.admits(src_ip):
            self.firewall.log.append((self.kernel.now(), src_ip, port, "dropped"))
            return "drop"
        if lst.state == INCOMING:
            # One pending connection per listener; a second SYN finds no free listener (n/d).
            self.firewall.log.append((self.kernel.now(), src_ip, port, "refused"))
            return "refuse"
        self.firewall.log.append((self.kernel.now(), src_ip, port, "accepted"))
        wire = make_wire()
        if isinstance(getattr(wire.peer, "remote", None), tuple):
            wire.peer.remote = (lst.local_ip, port)  # the client now knows whom it reached
        lst.state = INCOMING
        lst.pending = (wire, src_ip, src_port)
        lst.remote_ip, lst.remote_port = src_ip, src_port
        owner = lst.owner
        if lst.legacy_listen and owner is not None:
            owner.urc("+CONN FROM: %s" % src_ip)  # ATR10 #SKTL p.473: then CONNECT (net/legacy.py)
        if (lst.cfg.listen_auto or lst.legacy_listen) and owner is not None:
            # ATR10 #SL: with ListenAutoRsp the connection is accepted at once, CONNECT is
            # given and the instance goes online (if it is idle in command mode; otherwise the
            # connection waits suspended).
            online = owner.mode == "cmd" and not owner.frozen
            self.accept(lst, owner, online)
            if online:
                owner.result_code("CONNECT")
                owner.go_online(lst)
        elif owner is not None:
            owner.urc(self.listen_sring % lst.conn_id)
        self.kernel.notify()
        return "accept"

    def accept(self, sock: Socket, inst: "AtInstance", online: bool) -> None:
        wire, src_ip, src_port = sock.pending
        sock.pending = None
        sock.owner = inst
        listen_port = sock.listen_port
        if sock.real_listener is not None:
            sock.real_listener.close()  # the connId now carries the connection
            sock.real_listener = None
        sock.established(wire, listen_port, src_ip, src_port)
        sock.listen_port = listen_port
        if wire.dead:
            # The client reset the connection while it waited for #SA: CONNECT, then it ends.
            self.kernel.call_later(1, sock.on_peer_reset)

    # ----------------------------------------------------------------- faults
    def fail_activation(self, code: int | None = None, count: int = 1) -> None:
        """Fault: the next ``count`` activations fail with ``code`` (default 555)."""
        with self.kernel.lock:
            self.activation_faults.extend([code or self.errors["activation"]] * count)

    def fail_connect(self, code: int = 562, count: int = 1) -> None:
        """Fault: the next ``count`` #SD attempts fail with +CME ERROR ``code``."""
        with self.kernel.lock:
            self.connect_faults.extend([code] * count)

    def peer_reset(self, conn_id: int) -> None:
        """Fault: the peer of socket ``conn_id`` resets the connection (RST)."""
        with self.kernel.lock:
            s = self.sockets[conn_id]
            if s.wire is not None:
                s.wire.peer_reset()

    def peer_close(self, conn_id: int) -> None:
        with self.kernel.lock:
            s = self.sockets[conn_id]
            if s.wire is not None:
                s.wire.peer_close()

    def peer_half_open(self, conn_id: int) -> None:
        """Fault: the peer of ``conn_id`` stops answering without FIN (half-open)."""
        with self.kernel.lock:
            s = self.sockets[conn_id]
            if s.wire is not None:
                s.wire.half_open = True

    # ----------------------------------------------------------------- status
    def status(self) -> dict[str, Any]:
        with self.kernel.lock:
            return {
                "registration": self.module.radio.greg,
                "gprs_suspended": self._gprs_suspended,
                "contexts": [{"cid": c.cid, "state": c.state, "ip": c.ip,
                              "apn": (self.pdp(c.cid) or {}).get("apn", "")}
                             for c in sorted(self.contexts.values(), key=lambda c: c.cid)],
                "sockets": [s.status() for s in self.sockets.values()],
                "firewall": self.firewall.lines(),
                "firewall_log": list(self.firewall.log[-50:]),
                "radio": {"uplink_bps": self.uplink.bps, "downlink_bps": self.downlink.bps,
                          "uplink_bytes": self.uplink.bytes, "downlink_bytes": self.downlink.bytes},
                "losses": {
                    "half_open_bytes": sum(s.wire.lost_bytes for s in self.sockets.values()
                                           if s.wire is not None),
                    "unread_bytes_discarded": self.discarded_rx,
                    "firewall_drops": sum(1 for e in self.firewall.log if e[3] == "dropped"),
                },
                "real": self.real is not None,
            }

    # ------------------------------------------------------------------ real
    def enable_real(self, **kw: Any) -> Any:
        """Back unmatched #SD and every #SL with host TCP sockets on loopback (real clock
        only). Keyword arguments go to RealTransport (connect_map, listen_map, listen_host)."""
        from .realtcp import RealTransport

        if self.kernel.virtual:
            raise RuntimeError("real TCP needs the real clock: Module(..., virtual=False)")
        with self.kernel.lock:
            if self.real is None:
                self.real = RealTransport(self, **kw)
                for s in self.sockets.values():
                    if s.state == LISTENING and s.real_listener is None:
                        self.real.listen(s)
            return self.real
