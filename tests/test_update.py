"""The remote update (docs/update.md) on the emulated module, virtual clock, with the release
served by a simulated HTTP server over the emulated GPRS rates: a good update, every way a
download can go wrong (nothing changes), and every way a new version can fail after the
switch (the unit goes back by itself and says so). The configuration, SMS password included,
survives all of it."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import boot, fast_boots, gw, sms, state, wait_state
from tools.emulator import Module
from upd_helpers import UPDATE, URL, pointer, release, running, sent_texts, serve, wait_text


@pytest.fixture(scope="module")
def rels(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("releases")
    return {
        "good": release(tmp, "1.3"),
        "raises": release(tmp, "1.4-imp", {"gwmode.py": ("\nimport MOD\n", "\nraise ValueError('broken')\nimport MOD\n")}),
        "nogprs": release(tmp, "1.4-gprs", {"gwnet.py": ("    bad = run(MDM2, context_lines(cfg), 5)\n",
                                                      "    return '', 'broken on purpose'\n")}),
        "crash": release(tmp, "1.4-crash", {"gwmode.py": ("def do_listening():\n",
                                                       "def do_listening():\n    raise ValueError('crash')\n")}),
    }


def configured(tmp_path: Path, monkeypatch) -> Module:
    # A unit with a changed configuration and SMS password: both must survive.
    fast_boots(monkeypatch)
    m = boot(tmp_path)
    assert sms(m, "connect baud 19200") == ["Confirmed: baud 19200"]
    assert sms(m, "connect smspassword secret1") == ["Confirmed: smspassword set"]
    return m


def config_kept(m: Module) -> None:
    assert wait_state(m, "listening", 120)
    out = sms(m, "secret1 config")
    assert len(out) == 1 and "baud 19200" in out[0] and "smspassword changed" in out[0], out
    assert m.serial.speed == "19200"


def update(m: Module) -> str:
    before = len(m.sms.sent)
    out = sms(m, UPDATE.replace("connect", "secret1"))
    assert out == ["Confirmed: update from %s started" % URL]
    return before


def test_good_update_switches_then_confirms(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    web = serve(m, rels["good"])
    t0 = m.kernel.now()
    since = update(m)
    assert m.run_until(lambda: m.boots == 2, 600), m.trace_text()[-3000:]
    t_switch = m.kernel.now()
    text = wait_text(m, "running, was", 600, since)
    assert text == "Confirmed: update 1.3 running, was factory", sent_texts(m, since)
    p = pointer(m)
    assert (p["cur"], p["ver"], p["prev"], p["pver"], p["state"]) == ("a", "1.3", "", "factory", "good")
    assert running(m) == "1.3"
    flashed = m.script_run.flash_modules  # type: ignore[attr-defined]
    assert "ua10.pyo" in flashed and "gwloop.py" not in flashed      # the slot's files run
    assert web.requests[0] == "/rel/manifest.txt" and len(web.requests) == 13
    config_kept(m)
    print("\nwhole-software update: %.1f s from the SMS to the switch, %.1f s to the confirmation"
          " (module time)" % ((t_switch - t0) / 1000, (m.kernel.now() - t0) / 1000))
    m.close()


def test_wrong_md5_is_refused_and_nothing_changes(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    web = serve(m, rels["good"])
    body = bytearray(web.files["/rel/gwmode.pyo"])
    body[100] ^= 0xFF                                   # same size, other bytes
    web.files["/rel/gwmode.pyo"] = bytes(body)
    since = update(m)
    text = wait_text(m, "failed", 600, since)
    assert text == "Error: update 1.3 failed: gwmode.pyo md5 mismatch, still running factory"
    assert m.boots == 1 and pointer(m) == {} and not any(n.startswith("ua") for n in m.flash.names())
    config_kept(m)
    m.close()
