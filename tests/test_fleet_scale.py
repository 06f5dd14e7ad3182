"""The fleet server at scale (docs/fleet-scale.md): the indexed identity matching gives the
same verdicts as the scan it replaced; a tiny run of the scale bench (tools/bench_fleet.py)
with its storm (through the server's observer hook, ptys = false); the order of bytes
when a connection replaces another."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tools import bench_fleet
from tools.fleet.stream import Identities, match_identity



@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from([b"a", b"ab", b"abc", b"b", b"ba", b"U1", b"U12", b"U2\r\n", b"\r\n"]),
                       st.sampled_from(["p", "q", "r", "s"]), max_size=6),
       st.lists(st.sampled_from([b"a", b"b", b"U", b"1", b"2", b"\r", b"\n"]), max_size=6).map(b"".join),
       st.booleans())
def test_indexed_identities_match_like_the_scan(ids: dict[bytes, str], first: bytes, final: bool) -> None:
    assert Identities(ids).match(first, final) == match_identity(first, ids, final)


def test_identities_with_thousands_of_units() -> None:
    ids = {b"u%05d\r\n" % i: "u%05d" % i for i in range(5000)}
    ix = Identities(ids)
    assert ix.match(b"u0", False) == ("wait", None, 0)
    assert ix.match(b"u04999\r\nrest", False) == ("match", "u04999", 8)
    assert ix.match(b"u04999\r", True) == ("none", None, 0)
    assert ix.match(b"x", False) == ("none", None, 0)


def test_scale_bench_smoke_storm_loses_nothing() -> None:
    r = bench_fleet.measure(20, rate=5.0, seconds=1.0, phase_timeout=20.0, ptys=False)
    # every unit bridged in the traffic second (how many frames depends on the machine's load)
    assert r["frames"] >= 20 and r["p50 ms"] > 0 and r["p99 ms"] >= r["p50 ms"], r
    assert r["KB per unit"] > 0 and r["cpu us per frame"] > 0
    st_ = r["storm"]
    assert st_["back"] == 20 and st_["seconds"] < 20, r
    assert r["bad echoes"] == 0 and r["failed exchanges"] == 0, r
    log = r["server log"]
    assert log["replaced"] == 20            # each unit's new connection replaced its half-open one
    assert log["connect"] == 40 and log["refused"] == 0


def test_a_replacing_connection_comes_after_the_old_ones_bytes(tmp_path) -> None:
    """The old connection's bytes the server had already read (held while the program does
    not read its pty) reach the program before the new connection's: before the fix they
    came after (a reorder at every reconnect of a busy unit)."""
    import os
    import threading
    import time

    from tests.fleet_helpers import FleetThread, open_raw, unit_socket, write_config

    f = FleetThread(write_config(tmp_path, '[unit.a]\nidentity = "A%0D%0A"\n'))
    try:
        fd = open_raw(f.link("a"))                  # opened, not read yet: the backlog grows
        old = unit_socket(f.srv.listen_port or 0, b"A\r\n")
        x = bytes(i % 251 for i in range(700_000))   # never contains b"NEW"
        threading.Thread(target=lambda: _send_quietly(old, x), daemon=True).start()
        assert f.wait(lambda s: s.units["a"].pty.blocked(), 10)   # the server holds bytes back
        time.sleep(0.3)
        new = unit_socket(f.srv.listen_port or 0, b"A\r\nNEW")
        time.sleep(0.5)
        got = bytearray()
        os.set_blocking(fd, False)
        end = time.monotonic() + 15
        while not got.endswith(b"NEW") and time.monotonic() < end:
            try:
                got += os.read(fd, 65536)
            except BlockingIOError:
                time.sleep(0.01)
        time.sleep(0.3)
        try:
            got += os.read(fd, 65536)
        except BlockingIOError:
            pass
        assert got.endswith(b"NEW"), bytes(got[-20:])
        assert len(got) > 64 * 1024 and bytes(got[:-3]) == x[:len(got) - 3]   # a prefix, then the new bytes
        os.close(fd)
        old.close()
        new.close()
    finally:
        f.close()


def _send_quietly(s, data: bytes) -> None:
    try:
        s.sendall(data)
    except OSError:
        pass
