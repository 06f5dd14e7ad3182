"""Who gets in on the fleet port (docs/fleet.md, "Who gets in").

The fleet server listens on the internet for its units, so every peer is checked before the
port of a unit carries one of its bytes:

* at most ``max_per_address`` connections at once from one peer address (identifying or
  serving); more are closed at once;
* a connection whose first bytes are no configured identity within ``identify_ms`` is,
  by the ``unknown`` policy, named from its address (``ip-<address>``, at most
  ``max_units`` such units) or refused; refused by default once units are configured;
* a refusal, and with keyed units every failed identification, comes only when
  ``identify_ms`` has passed since the connection opened, so the time it takes says nothing
  about how many bytes of a secret were right;
* a second connection for a unit that is online replaces the first (``takeover =
  "replace"``, the default: what a unit does after a GPRS drop left its old connection
  half-open) with a ``takeover`` log line naming both addresses, or is refused (``"keep"``);
* refusals are logged, at most one line per peer address per ``LOG_EVERY`` seconds (with the
  number left out), so a flood does not flood the log.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from .stream import Identities

if TYPE_CHECKING:
    from .server import FleetServer, Unit

LOG_EVERY = 10.0


class Guard:
    def __init__(self, server: "FleetServer") -> None:
        self.server = server
        self.cfg = server.cfg
        self.open: Counter[str] = Counter()                  # connections now, per peer ip
        self.logged: dict[tuple[str, str], tuple[float, int]] = {}   # (ip, kind): (last line, refusals since)
        self.refusals = 0

    def refuse(self, kind: str, ip: str, address: str, reason: str, **fields: Any) -> None:
        """Log a refusal: at most one line per peer address and kind per LOG_EVERY s, the
        next one says how many were not logged."""
        self.refusals += 1
        now = time.monotonic()
        last, quiet = self.logged.get((ip, kind), (-LOG_EVERY, 0))
        self.server.changed()
        if now - last < LOG_EVERY:
            self.logged[(ip, kind)] = (last, quiet + 1)
            return
        if quiet:
            fields["not_logged_before"] = quiet
        self.logged[(ip, kind)] = (now, 0)
        self.server.log.write("refused", address=address, reason=reason, **fields)

    def admit(self, ip: str, address: str, writer: asyncio.StreamWriter) -> bool:
        if self.open[ip] >= self.cfg.max_per_address:
            self.refuse("cap", ip, address, "%d connections from %s already (max_per_address)" % (self.open[ip], ip))
            writer.close()
            return False
        self.open[ip] += 1
        return True

    def done(self, ip: str) -> None:
        self.open[ip] -= 1
        if self.open[ip] <= 0:
            del self.open[ip]

    async def identify(self, reader: asyncio.StreamReader, ip: str, address: str,
                       fixed: "Unit | None") -> tuple["Unit | None", bytes, str]:
        """The unit this connection belongs to (None: refused, logged), the device bytes
        read after its identity, and how it was known."""
        srv = self.server
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cfg.identify_ms / 1000.0
        if fixed is not None:
            ident = {fixed.cfg.identity: fixed.name} if fixed.cfg.identity else {}
            name, rest = await srv._identify(reader, Identities(ident))
            if name is None and fixed.cfg.key:
                await _until(loop, deadline)
                self.refuse("key", ip, address, "no identity with the key of unit %s on its own port" % fixed.name)
                return None, b"", ""
            return fixed, rest, "port"
        name, rest = await srv._identify(reader, srv.identities)  # an index: a storm of
        if name is not None:                                     # thousands stays linear
            return srv.units[name], rest, "identity"
        refuse = self.cfg.unknown_policy() == "refuse"
        if srv.keyed or refuse:
            await _until(loop, deadline)         # the same time whatever part of a key was right
        if refuse:
            self.refuse("unknown", ip, address, "no configured identity (unknown = refuse)", bytes_read=len(rest))
            return None, b"", ""
        auto = "ip-" + ip.replace(":", "-")
        if auto not in srv.units:
            named = sum(1 for u in srv.units.values() if not u.cfg.configured)
            if named >= self.cfg.max_units:
                self.refuse("units", ip, address, "%d units named from their address already (max_units)" % named)
                return None, b"", ""
            srv._add_unit(self.cfg.unknown_unit(auto))
        return srv.units[auto], rest, "address"

    def take_over(self, unit: "Unit", address: str) -> bool:
        """A connection for ``unit`` that is online: replace (logged) or refuse (logged)."""
        old = unit.conn
        if old is None or old.writer.transport.is_closing():
            return True
        if self.cfg.takeover == "keep":
            self.refuse("takeover", address.rsplit(":", 1)[0], address,
                        "unit %s is online from %s (takeover = keep)" % (unit.name, old.address), unit=unit.name)
            return False
        self.server.log.write("takeover", unit=unit.name, old=old.address, new=address,
                              note="the new connection replaces the old one (takeover = replace)")
        return True


async def _until(loop: asyncio.AbstractEventLoop, deadline: float) -> None:
    left = deadline - loop.time()
    if left > 0:
        await asyncio.sleep(left)
