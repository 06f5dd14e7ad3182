"""The remote update against a real HTTP server (Python's http.server) on loopback, real clock
(docs/update.md): the release folder from tools/release.py served as it is, the module's
#SD to the server's name mapped to the host port (docs/emulator-network.md)."""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from gw_helpers import flash_gateway, sms, state, wait_state
from tools.emulator import Module
from upd_helpers import URL, WEB_IP, pointer, register, release, running, wait_text


class Handler(http.server.SimpleHTTPRequestHandler):
    cut: dict[str, int] = {}        # path -> bytes of the body sent before the server dies

    def log_message(self, *a) -> None:  # quiet
        pass

    def copyfile(self, source, outputfile) -> None:
        n = self.cut.get(self.path)
        if n is None:
            return super().copyfile(source, outputfile)
        outputfile.write(source.read(n))
        outputfile.flush()
        self.close_connection = True
        raise ConnectionAbortedError("server gone half-way")


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:  # the cut is on purpose
        pass


@pytest.fixture
def real(tmp_path: Path, tmp_path_factory):
    www = tmp_path / "www"
    rel = release(tmp_path_factory.mktemp("rel"), "1.3")
    shutil.copytree(rel, www / "rel")
    Handler.cut = {}
    srv = Server(("127.0.0.1", 0),
                                          functools.partial(Handler, directory=str(www)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    m = Module(tmp_path / "flash", virtual=False)
    flash_gateway(m)
    register(m, rel)
    m.net.activation_ms = 200           # keep the real-clock test short
    m.net.latency_ms = 20
    m.net.set_rates(None, None)         # the GPRS rates are measured in test_update.py
    m.sms.send_delay_ms = 200
    m.net.enable_real(connect_map={(WEB_IP, 80): srv.server_address[1]})
    m.power_on()
    assert wait_state(m, "listening", 60)       # real clock: a loaded machine is slower
    yield m
    m.close()
    srv.shutdown()
    srv.server_close()


def test_real_http_server_good_update(real) -> None:
    m = real
    since = len(m.sms.sent)
    assert sms(m, "connect update " + URL, timeout=10) == ["Confirmed: update from %s started" % URL]
    assert m.run_until(lambda: m.boots == 2, 120), m.trace_text()[-3000:]
    assert wait_state(m, "listening", 30) and running(m) == "1.3"
    m.script_run.modules["gwboot"].LIMITS["stable"] = 2  # type: ignore[attr-defined]  # not 120 s
    text = wait_text(m, "running, was", 30, since)
    assert text == "Confirmed: update 1.3 running, was factory"
    assert pointer(m)["state"] == "good" and state(m) == "listening"


def test_real_http_server_gone_half_way(real) -> None:
    m = real
    Handler.cut["/rel/gwmode.pyo"] = 4000
    since = len(m.sms.sent)
    assert sms(m, "connect update " + URL, timeout=10)[0].startswith("Confirmed: update from")
    text = wait_text(m, "failed", 120, since)
    assert text.startswith("Error: update 1.3 failed: gwmode.pyo truncated, 4000 of "), text
    assert m.boots == 1 and pointer(m) == {} and running(m) == "factory"
    assert not any(n.startswith("ua") for n in m.flash.names())
    assert sms(m, "connect baud 9600", timeout=10) == ["Confirmed: baud 9600 (unchanged)"]
