"""Who gets in on the fleet port (docs/fleet.md, "Who gets in"): hostile loopback peers
(scanners, floods, impostors, slow senders, key guessers) against a fleet server with
configured units; nothing of theirs reaches a unit's pty or creates one."""
from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Iterator

import pytest

from fleet_helpers import FleetThread, nothing_more, open_pty, recv_exact, unit_socket, write_config

CONFIG = """
identify_ms = 400
max_per_address = 3
web = ""

[unit.pump3]
identity = "pump3:%KEY%0D%0A"
key = "s3cretKey42"

[unit.meter9]
identity = "meter9%0D%0A"
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[FleetThread]:
    f = FleetThread(write_config(tmp_path, CONFIG))
    yield f
    f.close()


def closed_within(s: socket.socket, timeout: float) -> bool:
    s.settimeout(timeout)
    try:
        return s.recv(10) == b""
    except socket.timeout:
        return False
    except ConnectionError:
        return True


def test_scanner_and_unknown_peers_are_refused_no_pty_is_made(fleet: FleetThread) -> None:
    pty = open_pty(fleet.link("pump3"))
    try:
        for hello in (b"", b"GET / HTTP/1.0\r\n\r\n", b"\x16\x03\x01\x02\x00", b"pump3\r\n"):
            s = unit_socket(fleet.srv.listen_port, hello)
            assert closed_within(s, 3)
            s.close()
        assert sorted(fleet.srv.units) == ["meter9", "pump3"]       # no ip-127.0.0.1
        assert nothing_more(pty, 0.2) == b""
        assert all(r["reason"].startswith("no configured identity") for r in fleet.events("refused"))
    finally:
        pty.close()


def refusal_s(port: int, guess: bytes) -> float:
    """Seconds from the connect to the server's close: never less than identify_ms (its
    deadline counts from the accept, after the connect), more only by the machine's load."""
    t0 = time.monotonic()
    s = unit_socket(port, guess)
    try:
        assert closed_within(s, 3)
        return time.monotonic() - t0
    finally:
        s.close()


def test_refusal_takes_identify_ms_whatever_part_of_the_key_was_right(fleet: FleetThread) -> None:
    # The leak this is about: a guess refused before identify_ms, or refused later the more of
    # the key it had right.  Load only ever adds time, so the lower bound is exact and each
    # guess keeps its best of up to 3 tries (a second round only when the first looks uneven).
    identify_s = fleet.cfg.identify_ms / 1000
    guesses = (b"pump3:x", b"pump3:s3cretKey4", b"zzz")
    best = {g: refusal_s(fleet.srv.listen_port, g) for g in guesses}
    for _ in range(2):
        if max(best.values()) - min(best.values()) < 0.75 * identify_s:
            break
        best = {g: min(t, refusal_s(fleet.srv.listen_port, g)) for g, t in best.items()}
    assert all(0.95 * identify_s <= t < identify_s + 1.1 for t in best.values()), best
    assert max(best.values()) - min(best.values()) < 0.75 * identify_s, best


def test_the_key_lets_the_unit_in_and_only_after_it_do_bytes_pass(fleet: FleetThread) -> None:
    pty = open_pty(fleet.link("pump3"))
    try:
        imp = unit_socket(fleet.srv.listen_port, b"pump3:wrongkey999\r\nEVIL")
        assert closed_within(imp, 3)
        u = unit_socket(fleet.srv.listen_port, b"pump3:s3cretKey42\r\nGOOD")
        assert fleet.online("pump3")
        assert pty.read(4) == b"GOOD" and nothing_more(pty, 0.2) == b""
        u.close()
    finally:
        pty.close()


def test_slow_sender_is_cut_at_identify_ms(fleet: FleetThread) -> None:
    s = unit_socket(fleet.srv.listen_port)
    t0 = time.monotonic()
    closed = False
    for b in b"meter9\r\n":               # a byte every 150 ms: the identity is not done in 400 ms
        try:
            s.sendall(bytes([b]))
        except OSError:
            closed = True
            break
        time.sleep(0.15)
    assert closed or closed_within(s, 2)
    assert time.monotonic() - t0 < 2.5
    assert fleet.srv.units["meter9"].connections == 0
    s.close()


def test_flood_from_one_address_is_capped_and_logged_once(fleet: FleetThread) -> None:
    socks = [unit_socket(fleet.srv.listen_port) for _ in range(20)]
    try:
        # 17 over the cap at once, the 3 admitted when identify_ms has passed
        assert fleet.wait(lambda s: s.guard.refusals >= 20, 5)
        assert sum(1 for s in socks if closed_within(s, 0.5)) == 20
        capped = [r for r in fleet.events("refused") if "max_per_address" in r["reason"]]
        unknown = [r for r in fleet.events("refused") if "no configured identity" in r["reason"]]
        assert len(capped) == 1 and len(unknown) == 1             # one line each, not 20
    finally:
        for s in socks:
            s.close()
    # once they are gone the real unit gets in
    assert fleet.wait(lambda s: not s.guard.open, 5)
    u = unit_socket(fleet.srv.listen_port, b"meter9\r\n")
    assert fleet.online("meter9")
    u.close()


def test_identified_units_do_not_count_in_the_per_address_cap(fleet: FleetThread) -> None:
    """Units behind one carrier NAT address: once a connection is known as a configured unit
    it leaves max_per_address (3 here), which caps only peers not yet proven."""
    a = unit_socket(fleet.srv.listen_port, b"meter9\r\n")
    b = unit_socket(fleet.srv.listen_port, b"pump3:s3cretKey42\r\n")
    try:
        assert fleet.online("meter9") and fleet.online("pump3")
        idle = [unit_socket(fleet.srv.listen_port) for _ in range(3)]   # identifying: the cap
        assert fleet.wait(lambda s: s.guard.refusals >= 3, 5)             # each refused as unknown
        assert not [r for r in fleet.events("refused") if "max_per_address" in r["reason"]]
        for s in idle:
            s.close()
    finally:
        a.close()
        b.close()


def test_second_connection_for_an_online_unit_replaces_it_with_a_log_line(fleet: FleetThread) -> None:
    a = unit_socket(fleet.srv.listen_port, b"meter9\r\n")
    assert fleet.online("meter9")
    b = unit_socket(fleet.srv.listen_port, b"meter9\r\n")
    assert fleet.wait(lambda s: s.units["meter9"].connections == 2 and s.units["meter9"].conn is not None)
    assert closed_within(a, 3)
    t = fleet.events("takeover")
    assert len(t) == 1 and t[0]["unit"] == "meter9" and t[0]["old"] != t[0]["new"]
    a.close(), b.close()


def test_takeover_keep_refuses_the_second_connection(tmp_path: Path) -> None:
    f = FleetThread(write_config(tmp_path, CONFIG.replace("web = \"\"", 'web = ""\ntakeover = "keep"')))
    try:
        pty = open_pty(f.link("meter9"))
        a = unit_socket(f.srv.listen_port, b"meter9\r\n")
        assert f.online("meter9")
        b = unit_socket(f.srv.listen_port, b"meter9\r\nIMPOSTOR")
        assert closed_within(b, 3)
        a.sendall(b"real")
        assert pty.read(4) == b"real" and nothing_more(pty, 0.2) == b""
        assert f.srv.units["meter9"].connections == 1
        assert any("takeover = keep" in r["reason"] for r in f.events("refused"))
        a.close(), b.close(), pty.close()
    finally:
        f.close()


def test_address_policy_is_capped_by_max_units(tmp_path: Path) -> None:
    f = FleetThread(write_config(tmp_path, 'identify_ms = 200\nunknown = "address"\nmax_units = 0\nweb = ""\n'))
    try:
        s = unit_socket(f.srv.listen_port, b"hello")
        assert closed_within(s, 3)
        assert not f.srv.units
        assert "max_units" in f.events("refused")[0]["reason"]
        s.close()
    finally:
        f.close()
