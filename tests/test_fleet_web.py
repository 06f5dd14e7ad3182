"""The fleet server's live status page (docs/fleet.md, "Status page") in a real headless
browser: Debian's chromium, driven over the DevTools protocol (aiohttp's websocket client).
The page shows a unit online, then, without a reload, offline when its connection ends.
scripts/chromium.sh installs chromium when missing (as root); the test skips, saying why,
when that cannot be done."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from fleet_helpers import FleetThread, unit_socket, write_config
from tools.paths import ROOT

aiohttp = pytest.importorskip("aiohttp")

CONFIG = """
identify_ms = 500
web = "127.0.0.1:0"

[unit.pump3]
identity = "pump3%0D%0A"
rfc2217 = "127.0.0.1:0"
raw = "127.0.0.1:0"
modbus = "127.0.0.1:0"

[unit.meter9]
identity = "meter9%0D%0A"
"""


def chromium() -> str:
    r = subprocess.run(["bash", str(ROOT / "scripts" / "chromium.sh")], capture_output=True, text=True, timeout=600)
    path = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    if r.returncode != 0 or not path:
        pytest.skip("no headless browser: %s" % (r.stderr.strip() or "scripts/chromium.sh failed"))
    return path


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[FleetThread]:
    f = FleetThread(write_config(tmp_path, CONFIG))
    yield f
    f.close()


def page_url(fleet: FleetThread) -> str:
    return next(w.url for w in fleet.srv.ways if getattr(w, "url", ""))


def test_api_units_json(fleet: FleetThread) -> None:
    u = unit_socket(fleet.srv.listen_port, b"pump3\r\nabc")
    assert fleet.online("pump3")
    with urllib.request.urlopen(page_url(fleet) + "api/units", timeout=5) as r:
        data = json.load(r)
    rows = {x["unit"]: x for x in data["units"]}
    assert rows["pump3"]["state"] == "online" and rows["pump3"]["from_unit"] == 3
    assert rows["meter9"]["state"] == "offline"
    assert set(rows["pump3"]["ports"]) == {"pty", "rfc2217", "raw", "modbus"}
    assert len(rows["pump3"]["history"]) == 120
    with urllib.request.urlopen(page_url(fleet) + "api/log?n=3", timeout=5) as r:
        assert len(json.load(r)) == 3
    u.close()


class Browser:
    """Headless chromium with its DevTools websocket."""

    def __init__(self, exe: str, profile: Path, url: str) -> None:
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
             "--user-data-dir=%s" % profile, "--window-size=1280,560", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.ws_url = ""
        end = time.monotonic() + 60
        assert self.proc.stderr is not None
        while time.monotonic() < end:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                self.ws_url = m.group(1)
                break
            if not line and self.proc.poll() is not None:
                break
        assert self.ws_url, "chromium did not start"
        self.port = int(self.ws_url.split(":")[2].split("/")[0])

    async def page_socket(self, session: Any) -> Any:
        for _ in range(100):
            async with session.get("http://127.0.0.1:%d/json/list" % self.port) as r:
                pages = [t for t in await r.json() if t["type"] == "page"]
            if pages:
                return await session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)
            await asyncio.sleep(0.1)
        raise AssertionError("no page in chromium")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def cdp(ws: Any, ids: list[int], method: str, **params: Any) -> Any:
    ids[0] += 1
    await ws.send_json({"id": ids[0], "method": method, "params": params})
    while True:
        msg = await ws.receive_json(timeout=20)
        if msg.get("id") == ids[0]:
            assert "error" not in msg, msg
            return msg["result"]


async def row_state(ws: Any, ids: list[int], unit: str) -> str | None:
    r = await cdp(ws, ids, "Runtime.evaluate", returnByValue=True,
                  expression="(document.getElementById('unit-%s') || {dataset: {}}).dataset.state || null" % unit)
    return r["result"].get("value")


async def wait_state(ws: Any, ids: list[int], unit: str, want: str, timeout: float = 10) -> str | None:
    end = time.monotonic() + timeout
    got = None
    while time.monotonic() < end:
        got = await row_state(ws, ids, unit)
        if got == want:
            break
        await asyncio.sleep(0.2)
    return got


def test_status_page_in_headless_chromium_row_goes_offline_without_reload(fleet: FleetThread, tmp_path: Path) -> None:
    exe = chromium()
    u = unit_socket(fleet.srv.listen_port, b"pump3\r\n")
    assert fleet.online("pump3")
    u.sendall(b"x" * 5000)
    b = Browser(exe, tmp_path / "profile", page_url(fleet))
    shot = os.environ.get("FLEET_SCREENSHOT")        # set to write the docs' screenshot

    async def run() -> None:
        async with aiohttp.ClientSession() as session:
            ws = await b.page_socket(session)
            ids = [0]
            await cdp(ws, ids, "Runtime.enable")
            assert await wait_state(ws, ids, "pump3", "online") == "online"
            assert await wait_state(ws, ids, "meter9", "offline") == "offline"
            nav = await cdp(ws, ids, "Runtime.evaluate", expression="performance.getEntriesByType('navigation').length",
                            returnByValue=True)
            if shot:
                for i in range(12):
                    u.sendall(b"y" * (200 * (i % 4 + 1)))
                    await asyncio.sleep(0.25)
                png = await cdp(ws, ids, "Page.captureScreenshot", format="png",       # the table (the log
                                clip={"x": 0, "y": 0, "width": 1280, "height": 262, "scale": 1})  # shows test paths)
                Path(shot).write_bytes(base64.b64decode(png["data"]))
            u.close()                                       # the unit goes offline
            assert fleet.offline("pump3")
            assert await wait_state(ws, ids, "pump3", "offline") == "offline"
            text = await cdp(ws, ids, "Runtime.evaluate", returnByValue=True,
                             expression="document.getElementById('log').textContent")
            assert '"event": "disconnect"' in text["result"]["value"] or '"disconnect"' in text["result"]["value"]
            again = await cdp(ws, ids, "Runtime.evaluate", expression="performance.getEntriesByType('navigation').length",
                              returnByValue=True)
            assert nav["result"]["value"] == again["result"]["value"] == 1      # no reload
            await ws.close()

    try:
        asyncio.run(run())
    finally:
        b.close()
