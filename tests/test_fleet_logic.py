"""The fleet server's pure logic (issue 12): %HH escapes, the configuration and its error
messages, identity matching, heartbeat stripping, the offline buffer (docs/fleet.md)."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.fleet.config import ConfigError, parse
from tools.fleet.escapes import EscapeError, expand, show
from tools.fleet.stream import MATCH, NONE, WAIT, Stripper, OfflineBuffer, match_identity

VALUES = {"IMEI": "356000000000003", "CCID": "8939000000000000003", "ID": "pump3"}


@pytest.mark.parametrize("text,want", [
    ("%0D%0A", b"\r\n"), ("%25", b"%"), ("a%20b", b"a b"), ("%ff%00", b"\xff\x00"),
    ("%ID:%IMEI%0D%0A", b"pump3:356000000000003\r\n"), ("%CCID", b"8939000000000000003"),
    ("%CC%49D", b"\xccID"), ("plain", b"plain"), ("", b""),
])
def test_escapes(text: str, want: bytes) -> None:
    assert expand(text, VALUES) == want


@pytest.mark.parametrize("text,col,words", [
    ("ab%G0", 2, "bad escape"), ("%", 0, "bad escape"), ("x%4", 1, "bad escape"),
    ("%IMEI", 0, "needs the unit's imei"), ("\u20ac", 0, "not a single byte"),
])
def test_bad_escapes(text: str, col: int, words: str) -> None:
    with pytest.raises(EscapeError) as e:
        expand(text, {})
    assert e.value.column == col and words in str(e.value)


@given(st.binary(max_size=64))
def test_show_reads_back(data: bytes) -> None:
    assert expand(show(data), {}) == data


GOOD = """
[fleet]
listen = "127.0.0.1:7100"
ports = "ports"
log = "fleet.jsonl"
identify_ms = 500

[defaults]
heartbeat = "%0D%0AHB%0D%0A"
offline = "buffer"

[unit.pump3]
identity = "%ID:%IMEI%0D%0A"
imei = "356000000000003"

[unit.meter9]
connect = "127.0.0.1:1024"
offline = "drop"
backoff_min = 0.5
"""


def test_config_example(tmp_path: Path) -> None:
    cfg = parse(GOOD, tmp_path / "fleet.toml")
    assert cfg.listen == ("127.0.0.1", 7100) and cfg.identify_ms == 500
    assert cfg.ports == tmp_path / "ports" and cfg.status == tmp_path / "ports" / ".status"
    assert cfg.log == tmp_path / "fleet.jsonl"
    p, m = cfg.units["pump3"], cfg.units["meter9"]
    assert p.identity == b"pump3:356000000000003\r\n" and p.heartbeat == b"\r\nHB\r\n"
    assert p.offline == "buffer" and p.offline_buffer == 4096 and p.connect is None
    assert m.connect == ("127.0.0.1", 1024) and m.offline == "drop" and m.backoff_min == 0.5
    u = cfg.unknown_unit("ip-10.0.0.1")
    assert u.heartbeat == b"\r\nHB\r\n" and u.offline == "buffer" and not u.configured


def test_shipped_example_config_is_valid() -> None:
    from tools.paths import ROOT
    cfg = parse((ROOT / "tools/fleet/fleet.example.toml").read_text(), ROOT / "fleet.toml")
    assert cfg.units and all(u.configured for u in cfg.units.values())


@pytest.mark.parametrize("change,line,words", [
    (("offline = \"drop\"", "offline = \"keep\""), 18, 'unit.meter9.offline must be "drop" or "buffer", not \'keep\''),
    (("identify_ms = 500", "identify_ms = \"500\""), 6, "fleet.identify_ms must be a number from 0 to 60000"),
    (("%IMEI%0D%0A", "%IMEI%0G"), 13, "unit.pump3.identity bad escape '%0G'"),
    (("imei = \"356000000000003\"", "imeii = \"1\""), 14, "unit.pump3.imeii is not a known key"),
    (("connect = \"127.0.0.1:1024\"", "connect = \"127.0.0.1\""), 17, "unit.meter9.connect must be \"host:port\""),
    (("backoff_min = 0.5", "backoff_min = 0.5\nbackoff_max = 0.1"), 20, "must not be less than backoff_min"),
    (("[unit.meter9]", "[unit.meter9]\nidentity = \"pump3:356000000000003%0D%0A\""), 17, "is the same as unit pump3's"),
    (("[unit.meter9]", "[unit.\".hidden\"]"), 16, "is not a usable unit name"),
    (("listen = \"127.0.0.1:7100\"", "listen = \"127.0.0.1:70000\""), 3, "port must be 0-65535"),
    (("heartbeat = \"%0D%0AHB%0D%0A\"", "heartbeat = \"%0D%0AHB%0D%0A"), 9, "not valid TOML"),
    (("[unit.meter9]", "[unit.meter9]\nidentity = \"\""), 17, "is empty"),
])
def test_config_errors_name_the_line(tmp_path: Path, change: tuple[str, str], line: int, words: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(ConfigError) as e:
        parse(text, tmp_path / "fleet.toml")
    msg = str(e.value)
    assert msg.startswith("%s:%d: " % (tmp_path / "fleet.toml", line)), msg
    assert words in msg, msg


IDS = {b"pump3:1\r\n": "pump3", b"pump33:1\r\n": "pump33", b"M9": "meter9"}


@pytest.mark.parametrize("first,final,want", [
    (b"", False, (WAIT, None, 0)),
    (b"pump3", False, (WAIT, None, 0)),
    (b"pump3:1\r\nDATA", False, (MATCH, "pump3", 9)),
    (b"pump33:1\r\n", False, (MATCH, "pump33", 10)),
    (b"M9", False, (MATCH, "meter9", 2)),
    (b"M9 and data", True, (MATCH, "meter9", 2)),
    (b"pump3", True, (NONE, None, 0)),
    (b"\x01\x03\x00\x00", False, (NONE, None, 0)),
])
def test_match_identity(first: bytes, final: bool, want: tuple[str, str | None, int]) -> None:
    assert match_identity(first, IDS, final) == want


def test_match_identity_prefers_the_longest() -> None:
    ids = {b"U1": "one", b"U12": "twelve"}
    assert match_identity(b"U1", ids, False) == (WAIT, None, 0)       # U12 may follow
    assert match_identity(b"U1", ids, True) == (MATCH, "one", 2)
    assert match_identity(b"U12x", ids, False) == (MATCH, "twelve", 3)
    assert match_identity(b"U13", ids, False) == (MATCH, "one", 2)


HB = b"\r\nHB\r\n"


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.binary(max_size=40), max_size=8), beats=st.lists(st.booleans(), max_size=9),
       cuts=st.lists(st.integers(0, 400), max_size=10))
def test_heartbeats_removed_at_any_segmentation(parts: list[bytes], beats: list[bool], cuts: list[int]) -> None:
    # Device bytes that do not contain the text, heartbeats between them, cut into TCP segments
    # anywhere: what comes out is the device bytes, once the held tail is flushed.
    parts = [p.replace(b"\r\n", b"\n") for p in parts]
    stream = b""
    n = 0
    for i, p in enumerate(parts):
        if i < len(beats) and beats[i]:
            stream += HB
            n += 1
        stream += p
    bounds = sorted({c for c in cuts if c < len(stream)} | {0, len(stream)})
    s = Stripper(HB)
    out = b"".join(s.feed(stream[x:y]) for x, y in zip(bounds, bounds[1:])) + s.flush()
    assert out == b"".join(parts) and s.count == n


def test_stripper_holds_only_a_possible_start() -> None:
    s = Stripper(HB)
    assert s.feed(b"abc\r") == b"abc" and s.held == b"\r"
    assert s.feed(b"x") == b"\rx" and s.held == b""
    assert s.feed(b"\r\nH") == b"" and s.held == b"\r\nH"
    assert s.feed(b"B\r\n") == b"" and s.count == 1
    assert s.feed(b"\r\n\r\nHB\r\n") == b"\r\n" and s.count == 2
    assert Stripper(b"").feed(b"\r\nHB\r\n") == b"\r\nHB\r\n"


def test_offline_buffer() -> None:
    b = OfflineBuffer("buffer", 10)
    assert b.add(b"0123456") == 0 and b.add(b"789abc") == 3
    assert b.take() == (b"0123456789", 3) and b.take() == (b"", 0)
    d = OfflineBuffer("drop", 10)
    assert d.add(b"abc") == 3 and d.take() == (b"", 3)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.binary(max_size=30), max_size=8), marks=st.lists(st.integers(0, 2), max_size=9),
       cuts=st.lists(st.integers(0, 400), max_size=10))
def test_heartbeat_and_every_identity_removed(parts: list[bytes], marks: list[int], cuts: list[int]) -> None:
    ident = b"pump3:1\r\n"
    parts = [p.replace(b"\r", b"") for p in parts]   # device bytes without the texts
    stream = b""
    for i, p in enumerate(parts):
        stream += (b"", HB, ident)[marks[i]] if i < len(marks) else b""
        stream += p
    bounds = sorted({c for c in cuts if c < len(stream)} | {0, len(stream)})
    s = Stripper(HB, ident)
    out = b"".join(s.feed(stream[x:y]) for x, y in zip(bounds, bounds[1:])) + s.flush()
    assert out == b"".join(parts)
    assert s.counts == [marks[:len(parts)].count(1), marks[:len(parts)].count(2)] and s.count == s.counts[0]
