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
from tools.emulator.names_table import LIMIT
from upd_helpers import (UPDATE, URL, WEB_IP, change_config, config_answers_changed, file_count, pointer,
                         release, running, sent_texts, serve, slot_file, update, wait_text)


@pytest.fixture(scope="module")
def rels(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("releases")
    return {
        "good": release(tmp, "1.3"),
        "next": release(tmp, "1.4"),
        # raises while it loads
        "raises": release(tmp, "1.4-imp", {"gwmode.py": ("", "raise ValueError\n")}),
        # starts, but never brings GPRS up (and never fails either)
        "nogprs": release(tmp, "1.4-gprs", {"gwloop.py": ("def do_gprs():\n",
                                                       "def do_listening_never():\n    pass\n\n\n"
                                                       "def do_gprs():\n    return\n")}),
        # reaches the listener, then raises at every turn: restarts every few seconds
        "crash": release(tmp, "1.4-crash", {"gwmode.py": ("def do_listening():\n",
                                                       "def do_listening():\n    raise ValueError\n")}),
        # reaches the listener, then hangs: only the watchdog ends it
        "wedge": release(tmp, "1.4-wedge", {"gwmode.py": ("def do_listening():\n",
                                                       "def do_listening():\n    while 1:\n"
                                                       "        MOD.sleep(100)\n")}),
    }


def configured(tmp_path: Path, monkeypatch) -> Module:
    # A unit with a changed configuration and SMS password: both must survive.
    fast_boots(monkeypatch)
    return change_config(boot(tmp_path))


def config_kept(m: Module) -> None:
    assert wait_state(m, "listening", 120)
    config_answers_changed(m)
    assert m.serial.speed == "19200"


def test_good_update_switches_then_confirms(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    web = serve(m, rels["good"])
    t0 = m.kernel.now()
    since = update(m)
    assert m.run_until(lambda: len(web.requests) >= 4, 300)
    assert sms(m, "secret1 baud 19200") == ["Confirmed: baud 19200 (unchanged)"]  # meanwhile
    assert m.boots == 1 and len(web.requests) <= file_count(rels["good"])
    assert m.run_until(lambda: m.boots == 2, 600), m.trace_text()[-3000:]
    t_switch = m.kernel.now()
    text = wait_text(m, "running, was", 600, since)
    assert text == "Confirmed: update 1.3 running, was factory", sent_texts(m, since)
    p = pointer(m)
    assert (p["cur"], p["ver"], p["prev"], p["pver"], p["state"]) == ("a", "1.3", "", "factory", "good")
    assert running(m) == "1.3"
    flashed = m.script_run.flash_modules  # type: ignore[attr-defined]
    assert slot_file(rels["good"], "a", "gwloop") in flashed and "gwloop.py" not in flashed
    assert web.requests[0] == "/rel/manifest.txt" and len(web.requests) == 1 + file_count(rels["good"])
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


@pytest.mark.parametrize("kind", ["truncate", "reset", "vanish"])
def test_a_short_download_is_refused_and_nothing_changes(tmp_path: Path, monkeypatch, rels, kind) -> None:
    # truncate: the server sends 3000 bytes of atc.pyo and closes; reset: it is killed
    # half-way (RST); vanish: it goes silent half-way (no FIN, nothing more).
    m = configured(tmp_path, monkeypatch)
    web = serve(m, rels["good"])
    web.faults["/rel/atc.pyo"] = (kind, 3000)
    since = update(m)
    text = wait_text(m, "failed", 600, since)
    size = len(web.files["/rel/atc.pyo"])
    if kind == "vanish":
        assert text == "Error: update 1.3 failed: no data from the server for 60 s, still running factory"
    else:
        assert text.startswith("Error: update 1.3 failed: atc.pyo truncated, ") and \
            text.endswith(" of %d bytes, still running factory" % size), text
    assert m.boots == 1 and pointer(m) == {} and not any(n.startswith("ua") for n in m.flash.names())
    config_kept(m)
    m.close()


def test_flash_full_is_refused_before_anything_is_written(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    serve(m, rels["good"])
    m.flash.write("logdata.bin", b"x" * (m.flash.free() - 60000))
    before = set(m.flash.names())
    since = update(m)
    text = wait_text(m, "failed", 600, since)
    assert text.startswith("Error: update 1.3 failed: flash full, needs "), text
    assert set(m.flash.names()) == before and m.boots == 1 and pointer(m) == {}
    config_kept(m)
    m.close()


def rolled_back(m: Module, since: int, version: str, why: str) -> None:
    text = wait_text(m, "rolled back", 4000, since)
    assert text == "Error: update %s rolled back: %s" % (version, why), (sent_texts(m, since),
                                                                       m.trace_text()[-3000:])
    p = pointer(m)
    assert (p["cur"], p["ver"], p["prev"], p["pver"], p["state"]) == ("", "factory", "a", version, "good")
    assert running(m) == "factory"
    assert "gwloop.py" in m.script_run.flash_modules  # type: ignore[attr-defined]
    config_kept(m)


def test_a_version_that_raises_at_import_is_rolled_back(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    serve(m, rels["raises"])
    since = update(m)
    rolled_back(m, since, "1.4-imp", "it raised ValueError at start")
    assert m.boots == 3                                 # the switch, the rollback
    m.close()


def test_a_version_that_never_gets_gprs_is_rolled_back(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    serve(m, rels["nogprs"])
    since = update(m)
    assert m.run_until(lambda: m.boots == 2, 600)
    t_switch = m.kernel.now()
    m.run(300)
    assert state(m) == "gprs" and running(m) == "1.4-gprs"  # up, SMS work, no GPRS
    assert sms(m, UPDATE.replace("connect", "secret1")) == [
        "Error: update 1.4-gprs is not confirmed yet, try again later"]
    rolled_back(m, since, "1.4-gprs", "not healthy within 900 s")
    assert m.boots == 3 and 900 < (m.kernel.now() - t_switch) / 1000 < 1200
    m.close()


def test_a_version_that_crash_loops_is_rolled_back(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    serve(m, rels["crash"])
    since = update(m)
    rolled_back(m, since, "1.4-crash", "restarted 3 times before it was healthy")
    assert m.boots == 5                                 # the switch, 3 restarts of the trial
    assert m.boot_reasons[-1] == "watchdog"
    m.close()


def test_update_waits_for_the_open_connection(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    web = serve(m, rels["good"])
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert wait_state(m, "connected", 30)
    since = len(m.sms.sent)
    assert sms(m, UPDATE.replace("connect", "secret1")) == [
        "Confirmed: update from %s started (starts when the current connection closes)" % URL]
    m.run(120)
    assert web.requests == [] and m.boots == 1 and state(m) == "connected"
    c.close()
    assert wait_text(m, "running, was", 900, since) == "Confirmed: update 1.3 running, was factory"
    config_kept(m)
    m.close()


def test_a_connection_during_the_download_pauses_it(tmp_path: Path, monkeypatch, rels) -> None:
    # The download gives way to a connection that comes in meanwhile (the busy rule): the
    # file being fetched is fetched again once the connection is over.  SMS work throughout.
    m = configured(tmp_path, monkeypatch)
    web = serve(m, rels["good"])
    since = update(m)
    assert m.run_until(lambda: len(web.requests) >= 4, 300)
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert wait_state(m, "connected", 30)
    n = len(web.requests)
    c.send(b"ping")
    m.run(30)
    assert len(web.requests) == n and m.boots == 1
    assert sms(m, "secret1 baud 19200") == ["Confirmed: baud 19200 (unchanged)"]
    c.close()
    assert wait_text(m, "running, was", 900, since) == "Confirmed: update 1.3 running, was factory"
    assert web.requests.count(web.requests[n - 1]) == 2        # that file again
    config_kept(m)
    m.close()


def test_update_command_replies_and_wrong_password(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    web = serve(m, rels["good"])
    assert sms(m, "secret1 update ftp://203.0.113.80/rel/manifest.txt") == [
        "Error: url must be http://<server>[:<port>]/<path>"]
    assert sms(m, "secret1 update") == [
        "Error: use update http://<server>[:<port>]/<path>/manifest.txt"]
    before = len(m.sms.sent)
    m.sms.deliver("+15551230001", UPDATE)            # the old password: silence, nothing
    m.run(60)
    assert len(m.sms.sent) == before and web.requests == []
    assert sms(m, "secret1 update http://203.0.113.80/rel/missing.txt") == [
        "Confirmed: update from http://203.0.113.80/rel/missing.txt started"]
    assert wait_text(m, "failed", 120, before) == (
        "Error: update failed: the server answered 404 for the manifest, still running factory")
    m.close()


def test_a_version_that_hangs_is_rolled_back_after_watchdog_resets(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    serve(m, rels["wedge"])
    since = update(m)
    rolled_back(m, since, "1.4-wedge", "restarted 3 times before it was healthy")
    assert m.boot_reasons[2:5] == ["watchdog"] * 3 and m.boots == 5
    m.close()


def test_update_of_a_factory_install_of_pyo_files(tmp_path: Path, monkeypatch, rels) -> None:
    # As the uploader installs it: gateway.py and build/*.pyo only (README); the emulator
    # runs each .pyo from its source in the repository (module.source_dirs).
    from tools.paths import ROOT
    from tools.pyo15.api import compile_to_bytes
    from gw_helpers import GW_FILES, start

    fast_boots(monkeypatch)
    m = Module(tmp_path / "flash")
    m.source_dirs = [ROOT]
    for name in GW_FILES:
        if name == "gateway.py":
            m.flash.write(name, (ROOT / name).read_bytes())
        else:
            m.flash.write(name[:-3] + ".pyo", compile_to_bytes(ROOT / name, check_dialect=False))
    m.nvm["escript"] = "gateway.py"
    m.names_limit = LIMIT  # as gw_helpers.flash_gateway: every boot fits the table
    start(m)
    serve(m, rels["good"])
    since = len(m.sms.sent)
    assert sms(m, UPDATE) == ["Confirmed: update from %s started" % URL]
    assert "updater.pyo" in m.script_run.flash_modules      # type: ignore[attr-defined]
    assert wait_text(m, "running, was", 900, since) == "Confirmed: update 1.3 running, was factory"
    assert running(m) == "1.3" and pointer(m)["state"] == "good"
    m.close()


def test_updates_alternate_slots_and_a_rollback_returns_to_the_last_good_one(
        tmp_path: Path, monkeypatch, rels) -> None:
    # factory -> 1.3 (slot a) -> 1.4 (slot b) -> a broken version (slot a again, over 1.3)
    # that goes back to 1.4 in slot b, not to the factory files.
    m = configured(tmp_path, monkeypatch)
    for rel, text in ((rels["good"], "Confirmed: update 1.3 running, was factory"),
                      (rels["next"], "Confirmed: update 1.4 running, was 1.3")):
        serve(m, rel)
        since = update(m)
        assert wait_text(m, "running, was", 900, since) == text
    p = pointer(m)
    assert (p["cur"], p["ver"], p["prev"], p["pver"]) == ("b", "1.4", "a", "1.3")
    serve(m, rels["raises"])
    since = update(m)
    text = wait_text(m, "rolled back", 900, since)
    assert text == "Error: update 1.4-imp rolled back: it raised ValueError at start"
    p = pointer(m)
    assert (p["cur"], p["ver"], p["prev"], p["pver"], p["state"]) == ("b", "1.4", "a", "1.4-imp", "good")
    assert running(m) == "1.4"
    assert slot_file(rels["next"], "b", "gwloop") in m.script_run.flash_modules  # type: ignore[attr-defined]
    config_kept(m)
    m.close()


def test_a_damaged_confirmed_slot_falls_back_to_the_factory_files(tmp_path: Path, monkeypatch, rels) -> None:
    m = configured(tmp_path, monkeypatch)
    serve(m, rels["good"])
    since = update(m)
    assert wait_text(m, "running, was", 900, since)
    m.flash.write("ua.man", m.flash.read("ua.man")[:-5])       # the flash lost a few bytes
    since = len(m.sms.sent)
    m.reboot()
    text = wait_text(m, "rolled back", 900, since)
    assert text == "Error: update 1.3 rolled back: it raised IOError at start"
    assert running(m) == "factory" and pointer(m)["state"] == "good"
    config_kept(m)
    m.close()


def test_slow_dns_and_connect_within_the_open_wait(tmp_path: Path, monkeypatch, rels) -> None:
    # #SD takes the DNS lookup (up to 20 s, REFERENCE 5.10) plus connTo: OPEN_WAIT was 20 s,
    # so a slow resolver plus a slow network answered after the updater had given up (and
    # the late OK met its next command).  Now 35 s.
    m = configured(tmp_path, monkeypatch)
    serve(m, rels["good"])
    m.net.dns["updates.example.net"] = WEB_IP
    m.net.dns_ms = 19000
    m.net.latency_ms = 1500                             # SYN, SYN-ACK: 3 s more
    before = len(m.sms.sent)
    url = "http://updates.example.net/rel/manifest.txt"
    assert sms(m, "secret1 update " + url) == ["Confirmed: update from %s started" % url]
    text = wait_text(m, "running, was", 900, before)
    assert text == "Confirmed: update 1.3 running, was factory"
    m.close()
