"""The live status page (docs/fleet.md, "Status page"): every unit with its state, address,
since, bytes each way, last heartbeat, dropped bytes and ports, a small traffic graph per
unit and the tail of the log, updated once a second without reloading; the same as JSON at
``/api/units`` (and the log tail at ``/api/log``).  Served with aiohttp on ``web`` (default
127.0.0.1:8470: loopback, the page is for this machine; a default port that is busy only
gives a ``web_unavailable`` log line, a configured one is an error).  Read-only: nothing on
the page changes the server."""
from __future__ import annotations

import asyncio
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import FleetServer

HISTORY = 120       # one-second samples kept per unit for the graph
PAGE = Path(__file__).with_name("status.html")


class StatusPage:
    def __init__(self, server: "FleetServer") -> None:
        self.server = server
        self.history: dict[str, deque[tuple[int, int]]] = {}   # unit: bytes/s (to unit, from unit)
        self.last: dict[str, tuple[int, int]] = {}
        self.runner: web.AppRunner | None = None
        self.sampler: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self, host: str, port: int) -> None:
        app = web.Application()
        app.router.add_get("/", self.page)
        app.router.add_get("/api/units", self.units)
        app.router.add_get("/api/log", self.log)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        try:
            await site.start()
        except OSError:
            await self.runner.cleanup()
            self.runner = None
            raise
        bound = site._server.sockets[0].getsockname()[1] if site._server else port   # type: ignore[union-attr]
        self.url = "http://%s:%d/" % (host if ":" not in host else "[%s]" % host, bound)
        self.sample()
        self.sampler = asyncio.ensure_future(self._sample_forever())
        self.server.log.write("listen", way="web", address=self.url)

    async def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.cancel()
        if self.runner is not None:
            await self.runner.cleanup()

    def sample(self) -> None:
        for name, u in list(self.server.units.items()):
            now = (u.to_unit, u.from_unit)
            before = self.last.get(name, now)
            self.history.setdefault(name, deque([(0, 0)] * HISTORY, maxlen=HISTORY)).append(
                (now[0] - before[0], now[1] - before[1]))
            self.last[name] = now

    async def _sample_forever(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.sample()

    def snapshot(self) -> dict[str, Any]:
        rows = self.server.rows()
        for r in rows:
            r["history"] = list(self.history.get(r["unit"], ()))
        return {"time": time.time(), "listen": self.server.listen_port, "units": rows}

    async def page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(PAGE, headers={"Cache-Control": "no-store"})

    async def units(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot(), headers={"Cache-Control": "no-store"})

    async def log(self, request: web.Request) -> web.Response:
        try:
            n = max(1, min(1000, int(request.query.get("n", "50"))))
        except ValueError:
            return web.json_response({"error": "n must be a number of lines (1-1000)"}, status=400)
        return web.json_response(self.server.log.events[-n:], headers={"Cache-Control": "no-store"})


async def start(server: "FleetServer") -> list[Any]:
    cfg = server.cfg
    if cfg.web is None:
        return []
    p = StatusPage(server)
    try:
        await p.start(*cfg.web)
    except OSError as e:
        if cfg.web_set:
            raise OSError(e.errno, "status page: cannot listen on %s:%d: %s" % (cfg.web[0], cfg.web[1], e.strerror)) from None
        server.log.write("web_unavailable", address="%s:%d" % cfg.web, reason=e.strerror or str(e),
                         note='the default status page port is busy; set web = "host:port" in [fleet]')
        return []
    return [p]
