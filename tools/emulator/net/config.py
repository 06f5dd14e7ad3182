"""Per-socket configuration kept in NVM, SRING formatting and the packetiser (pure logic).

Sources:
* ``#SCFG`` ATR10 §3.5.7.4.5: connId 1..6, cid 0..5, pktSz 0 (auto = 300) or 1..1500 bytes,
  maxTo 0 (none) or 1..65535 s (default 90), connTo 10..1200 in 100 ms (default 600),
  txTo 0 (none) or 1..255 in 100 ms (default 50); "automatically saved in NVM". Default cid:
  connIds 1-3 -> context 1, 4-6 -> context 2 (ATR10 #SCFGEXT2 example, IPG10 #SGACTCFG note).
* ``#SCFGEXT`` ATR10 §3.5.7.4.6: srMode 0..2, recvDataMode 0..1, keepalive 0..240 min,
  ListenAutoRsp 0..1, sendDataMode 0..1; saved in NVM. Read form
  ``#SCFGEXT: <connId>,<srMode>,<recvDataMode>,<keepalive>,<ListenAutoRsp>,<sendDataMode>``
  (the ATR10 example shows sendDataMode in the sixth field; it is 0 by default either way).
* ``#SCFGEXT2`` ATR10 §3.5.7.4.7: bufferStart 0..1 (1: txTo restarts on every new byte),
  abortConnAttempt 0..1; saved in NVM. Read form ``#SCFGEXT2: <connId>,<bufferStart>,0,0,0,0``
  (the ATR10 example prints abortConnAttempt as 0 too; we print it in the third field).
* SRING forms (ATR10 #SCFGEXT, #SRECV examples; IPG10 §5.2.2): srMode 0 ``SRING: <id>`` once
  until the data is read; 1 ``SRING: <id>,<pending bytes>`` for every arrival; 2
  ``SRING: <id>,<n>,<data>`` with up to 64 bytes taken out of the buffer per URC, repeated
  until the buffer is empty, data in text or hex per recvDataMode.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CONN_IDS = range(1, 7)
AUTO_PKT_SZ = 300
SRING_VIEW_MAX = 64  # IPG10 §5.3.3: "a string (up to 64 chars) with the dump of data"


@dataclass
class SocketConfig:
    """One connId's NVM settings (#SCFG + #SCFGEXT + #SCFGEXT2)."""

    cid: int
    pkt_sz: int = 300
    max_to: int = 90  # s
    conn_to: int = 600  # 100 ms
    tx_to: int = 50  # 100 ms
    sr_mode: int = 0
    recv_hex: int = 0
    keepalive: int = 0  # minutes
    listen_auto: int = 0
    send_hex: int = 0
    buffer_start: int = 0
    abort_conn: int = 0

    @property
    def packet_size(self) -> int:
        return self.pkt_sz or AUTO_PKT_SZ

    def scfg_line(self, conn_id: int) -> str:
        return "#SCFG: %d,%d,%d,%d,%d,%d" % (conn_id, self.cid, self.packet_size, self.max_to,
                                            self.conn_to, self.tx_to)

    def scfgext_line(self, conn_id: int) -> str:
        return "#SCFGEXT: %d,%d,%d,%d,%d,%d" % (conn_id, self.sr_mode, self.recv_hex,
                                               self.keepalive, self.listen_auto, self.send_hex)

    def scfgext2_line(self, conn_id: int) -> str:
        return "#SCFGEXT2: %d,%d,%d,0,0,0" % (conn_id, self.buffer_start, self.abort_conn)


def load_config(nvm: dict[str, Any], conn_id: int) -> SocketConfig:
    """The socket configurations live in ``module.nvm['sockets']`` as plain JSON-able dicts
    keyed by the connId as a string, so they survive reboots and can be saved by any tool."""
    table = nvm.setdefault("sockets", {})
    raw = table.get(str(conn_id))
    if not isinstance(raw, dict):
        return SocketConfig(cid=1 if conn_id <= 3 else 2)
    return SocketConfig(**raw)


def save_config(nvm: dict[str, Any], conn_id: int, cfg: SocketConfig) -> None:
    nvm.setdefault("sockets", {})[str(conn_id)] = asdict(cfg)


# Ranges (inclusive) of the #SCFG fields after connId: cid, pktSz, maxTo, connTo, txTo.
SCFG_RANGES = ((0, 5), (0, 1500), (0, 65535), (10, 1200), (0, 255))
SCFGEXT_RANGES = ((0, 2), (0, 1), (0, 240), (0, 1), (0, 1))
SCFGEXT2_RANGES = ((0, 1), (0, 1))


def to_hex(data: bytes) -> str:
    return data.hex().upper()


def from_hex(text: str) -> bytes:
    """Each octet as two IRA hex characters (ATR10 #SCFGEXT sendDataMode=1)."""
    text = text.strip()
    if len(text) % 2:
        raise ValueError("odd number of hex digits")
    return bytes.fromhex(text)


def sring_lines(conn_id: int, mode: int, pending: bytes, new_bytes: int, armed: bool,
                hex_view: bool) -> tuple[list[str], int, bool]:
    """SRING URCs for ``new_bytes`` that just arrived on a socket whose buffer now holds
    ``pending``. Returns (urc texts, bytes consumed from the buffer by data-view URCs, armed)."""
    if new_bytes <= 0:
        return [], 0, armed
    if mode == 0:
        if not armed:
            return [], 0, False
        return ["SRING: %d" % conn_id], 0, False
    if mode == 1:
        return ["SRING: %d,%d" % (conn_id, len(pending))], 0, armed
    out = []
    used = 0
    while used < len(pending):
        chunk = pending[used:used + SRING_VIEW_MAX]
        used += len(chunk)
        view = to_hex(chunk) if hex_view else chunk.decode("latin-1")
        out.append("SRING: %d,%d,%s" % (conn_id, len(chunk), view))
    return out, used, armed


@dataclass
class Packetiser:
    """What the module does to bytes on their way out (ATR10 #SCFG pktSz/txTo, #SCFGEXT2
    bufferStart): a packet leaves as soon as ``pkt_sz`` bytes are waiting, and whatever is left
    leaves ``tx_to_ms`` after the timer started — at the first byte into an empty buffer
    (bufferStart 0), or at the latest byte (bufferStart 1). ``tx_to_ms`` 0: no timer, bytes wait
    for a full packet. Times are module milliseconds; nothing here reads a clock."""

    pkt_sz: int
    tx_to_ms: int
    restart_on_byte: bool = False
    buf: bytearray = field(default_factory=bytearray)
    started: int | None = None  # when the txTo timer was (re)started

    def push(self, data: bytes, now: int) -> list[bytes]:
        """Add bytes; return the full packets that leave now."""
        if not data:
            return []
        if not self.buf or self.restart_on_byte:
            self.started = now
        self.buf += data
        out = []
        while len(self.buf) >= self.pkt_sz:
            out.append(bytes(self.buf[:self.pkt_sz]))
            del self.buf[:self.pkt_sz]
        if not self.buf:
            self.started = None
        return out

    def deadline(self) -> int | None:
        if not self.buf or self.tx_to_ms <= 0 or self.started is None:
            return None
        return self.started + self.tx_to_ms

    def expire(self, now: int) -> list[bytes]:
        """Packets that leave because the timer ran out at ``now``."""
        dl = self.deadline()
        if dl is None or now < dl:
            return []
        return self.flush()

    def flush(self) -> list[bytes]:
        out = [bytes(self.buf[i:i + self.pkt_sz]) for i in range(0, len(self.buf), self.pkt_sz)]
        self.buf.clear()
        self.started = None
        return out

    def __len__(self) -> int:
        return len(self.buf)
