"""Pure logic of a unit's byte streams (no I/O): which unit called (identity matching), the
heartbeat texts removed from what it sends, and what the program writes while it is offline.
The rules are in docs/fleet.md ("Identity", "Heartbeats", "Offline")."""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

WAIT, MATCH, NONE = "wait", "match", "none"


def match_identity(first: bytes, identities: dict[bytes, str], final: bool) -> tuple[str, str | None, int]:
    """Decide which unit sent ``first`` (the bytes received so far on a new connection).

    Returns ``(WAIT, None, 0)`` while some identity could still match once more bytes
    arrive (and ``final`` is false: the wait or the length bound is not reached),
    ``(MATCH, name, n)`` when ``first`` starts with that unit's identity (the longest one that
    fits; its ``n`` bytes are not device data), ``(NONE, None, 0)`` otherwise."""
    if not final and any(len(i) > len(first) and i.startswith(first) for i in identities):
        return WAIT, None, 0
    best = max((i for i in identities if first.startswith(i)), key=len, default=None)
    if best is None:
        return NONE, None, 0
    return MATCH, identities[best], len(best)


class Identities:
    """``match_identity`` for many units: the same verdicts, in time independent of the
    number of identities (a sorted list and a set instead of a scan of all of them).  The
    scan cost a whole second of the fleet server's CPU per 1 000 reconnecting units at 5 000
    configured ones (docs/fleet-scale.md)."""

    def __init__(self, identities: dict[bytes, str]) -> None:
        self.names = dict(identities)
        self.sorted = sorted(identities)
        self.longest = max((len(i) for i in identities), default=0)

    def __bool__(self) -> bool:
        return bool(self.names)

    def match(self, first: bytes, final: bool) -> tuple[str, str | None, int]:
        if not final:
            k = bisect_left(self.sorted, first)
            # the identities that start with ``first`` follow it in sorted order
            while k < len(self.sorted) and self.sorted[k].startswith(first):
                if len(self.sorted[k]) > len(first):
                    return WAIT, None, 0
                k += 1
        for n in range(min(len(first), self.longest), 0, -1):
            name = self.names.get(first[:n])
            if name is not None:
                return MATCH, name, n
        return NONE, None, 0


class Stripper:
    """Removes every occurrence of each of ``texts`` (the heartbeat; with ``identity every``
    also the identity) from a byte stream.  A chunk that ends with the start of a text holds
    those bytes back until the next chunk says whether the text completes; ``flush()``
    (called when the hold time passes or the connection ends) releases them as data.
    ``counts[i]`` is how many times ``texts[i]`` was removed.  The texts should not contain
    one another."""

    def __init__(self, *texts: bytes) -> None:
        self.texts = [t for t in texts if t]
        self.counts = [0] * len(texts)
        self.index = [i for i, t in enumerate(texts) if t]
        self.held = b""

    @property
    def count(self) -> int:
        return self.counts[0] if self.counts else 0

    def feed(self, data: bytes) -> bytes:
        if not self.texts:
            return data
        buf = self.held + data
        out = bytearray()
        i = 0
        while True:
            found = [(j, -len(t), n) for n, t in enumerate(self.texts) if (j := buf.find(t, i)) >= 0]
            if not found:
                break
            j, neg, n = min(found)
            out += buf[i:j]
            i = j - neg
            self.counts[self.index[n]] += 1
        rest = buf[i:]
        keep = 0
        for t in self.texts:
            k = min(len(rest), len(t) - 1)
            while k > keep and not rest.endswith(t[:k]):
                k -= 1
            keep = max(keep, k)
        out += rest[:len(rest) - keep]
        self.held = rest[len(rest) - keep:]
        return bytes(out)

    def flush(self) -> bytes:
        out, self.held = self.held, b""
        return out


@dataclass
class OfflineBuffer:
    """What the program writes while its unit is offline.  ``drop``: nothing is kept;
    ``buffer``: the first ``limit`` bytes are kept (a clean prefix of what was written),
    later ones dropped.  ``dropped`` counts the bytes lost in this offline period."""

    policy: str
    limit: int
    data: bytearray | None = None
    dropped: int = 0

    def __post_init__(self) -> None:
        self.data = bytearray()

    def add(self, chunk: bytes) -> int:
        """Keep what fits; returns the number of bytes dropped from ``chunk``."""
        assert self.data is not None
        room = self.limit - len(self.data) if self.policy == "buffer" else 0
        keep = chunk[:max(room, 0)]
        self.data += keep
        lost = len(chunk) - len(keep)
        self.dropped += lost
        return lost

    def take(self) -> tuple[bytes, int]:
        """The kept bytes and the dropped count; the buffer starts a new offline period."""
        assert self.data is not None
        out, lost = bytes(self.data), self.dropped
        self.data = bytearray()
        self.dropped = 0
        return out, lost
