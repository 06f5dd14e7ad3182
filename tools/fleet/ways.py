"""The registration hook of the ways into a unit besides its pty (docs/fleet.md, "Ways in").

Each way is a module with ``async start(server) -> list`` of objects that have ``async
stop()``; the server calls ``start_ways`` once its units and listeners are up and stops what
it returned before it closes the ptys.  A way reaches a unit through ``Unit.from_program``
(the bytes a program writes: same offline policy as the pty), ``Unit.taps`` (the device
bytes the pty gets, identity and heartbeats already removed) and ``Unit.watchers`` (called
when the unit goes on- or offline)."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FleetServer

# module names under tools.fleet; another way adds its own line
WAYS = ["tcpports", "modbus", "web"]


async def start_ways(server: "FleetServer") -> list[Any]:
    started: list[Any] = []
    try:
        for name in WAYS:
            mod = importlib.import_module("." + name, __package__)
            started += await mod.start(server)
    except BaseException:
        for w in reversed(started):
            await w.stop()
        raise
    return started
