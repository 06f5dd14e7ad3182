"""Hardening through the whole emulated gateway (docs/gateway.md 5.1, docs/gateway-runtime.md):
SMS texts that hold modem framing, the order of commands, replies that fit one SMS.  Each
test goes through the emulated SIM, MDM2's real +CMGL output and the gateway's own code."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gw_helpers import PHONE, boot, new_module, sms, start, state
from tools.emulator import Module
from tools.emulator.sms import Message, septets


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def mdm2_since(m: Module, n: int) -> list[str]:
    return [t for (_, i, t) in m.at_log[n:] if i == 2]


def all_since(m: Module, n: int) -> list[str]:
    return [t for (_, _, t) in m.at_log[n:]]


# ---- 1, 2: no SMS text is taken for modem output -----------------------------------------

@pytest.mark.parametrize("bad", ["hello\r\n\r\nERROR", "x\r\n\r\n+CMS ERROR: 500",
                                 "y\r\n\r\nOK\r\n\r\n+CMGL: 9,\"REC READ\",\"+1\",\"\",\"\",145,1"])
def test_a_text_ending_like_an_error_does_not_stop_sms(m: Module, bad: str) -> None:
    n = len(m.at_log)
    assert sms(m, bad, number="+15550000009", replies=0, timeout=20) == []
    assert m.sms.store == {}                                # read and deleted
    assert sms(m, "connect baud 19200") == ["Confirmed: baud 19200"]
    assert m.serial.speed == "19200"
    assert m.sms.store == {}
    assert not any(t.startswith("AT#REBOOT") for t in all_since(m, n))
    assert state(m) == "listening"


def test_a_text_with_framed_lines_is_one_text(m: Module) -> None:
    # The text's words are all handed to the command parser: extra words, so an error, and
    # the RING / baud 300 inside it are neither a URC nor a second command.
    r = sms(m, "coNNect baud 19200\r\n\r\nRING\r\ncoNNect baud 300")
    assert len(r) == 1 and r[0].startswith("Error: ")
    m.run(5)
    assert m.serial.speed == "9600"


def test_urcs_inside_a_text_are_not_acted_on(m: Module) -> None:
    n = len(m.at_log)
    sms(m, "connect status\r\n\r\n#SL: ABORTED\r\n\r\nSRING: 1\r\n\r\nNO CARRIER\r\n\r\n> ",
        replies=1)
    m.run(10)
    cmds = all_since(m, n)
    assert not any(t.startswith("AT#SA") or t.startswith("AT#SL") for t in cmds), cmds
    assert state(m) == "listening"
    assert m.sms.store == {}


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["\r", "\n", "\r\n", "\r\n\r\n", "OK", "ERROR", "+CMS ERROR: 500",
                                 '+CMGL: 1,"REC UNREAD","+1","","26/12/06,03:00:00+00",145,5',
                                 "RING", "SRING: 1", '+CMTI: "SM",3', "NO CARRIER", "> ",
                                 "#SL: ABORTED", "x"]), min_size=1, max_size=8).map("".join))
def test_fuzzed_framing_through_the_gateway(tmp_path_factory: pytest.TempPathFactory,
                                            text: str) -> None:
    # A stranger's message with hostile framing, then the owner's command: the stranger gets
    # nothing, the owner's command is served, both are deleted, no connection command runs.
    m = _shared(tmp_path_factory)
    n = len(m.at_log)
    before = len(m.sms.sent)
    m.sms.deliver("+15550000009", text)
    want = "19200" if m.serial.speed != "19200" else "9600"
    assert sms(m, "connect baud " + want) == ["Confirmed: baud " + want]
    assert m.serial.speed == want
    assert [s.destination for s in m.sms.sent[before:]] == [PHONE]
    assert m.sms.store == {}
    assert not any(t.startswith("AT#SA") or t.startswith("AT#SL") for t in all_since(m, n))
    assert state(m) == "listening"


_module: list[Module] = []


def _shared(factory: pytest.TempPathFactory) -> Module:
    if not _module:
        _module.append(boot(factory.mktemp("fuzzgw")))
    return _module[0]


# ---- 3: the last command sent is the one that sticks --------------------------------------

def test_messages_handled_in_the_order_they_were_sent(tmp_path: Path) -> None:
    # Stored while the unit was off: the newer command sits in the lower slot (slot 1 was
    # freed and re-used), as the SIM does it.
    m = new_module(tmp_path)
    for i, text, scts in ((1, "connect baud 4800", "26/12/06,10:00:30+04"),   # 06:00:30 UTC
                          (2, "connect baud 2400", "26/12/06,10:00:09+00"),
                          (3, "connect baud 300", "26/12/06,10:00:01+00")):
        m.sms.store[i] = Message(i, "REC UNREAD", PHONE, text, scts)
    start(m)
    m.run_until(lambda: len(m.sms.sent) >= 3, 60, step=0.1)
    m.run(3)
    assert [s.text for s in m.sms.sent] == ["Confirmed: baud 4800", "Confirmed: baud 300",
                                            "Confirmed: baud 2400"]
    assert m.serial.speed == "2400"


def test_burst_last_command_wins(m: Module) -> None:
    m.sms.deliver(PHONE, "connect baud 300")        # slot 1
    m.sms.deliver(PHONE, "connect baud 1200")       # slot 2, the same second
    assert m.run_until(lambda: 1 not in m.sms.store, 30, step=0.1)   # the first is handled
    m.sms.deliver(PHONE, "connect baud 2400")       # goes into slot 1, freed by the first
    assert m.sms.store[1].text == "connect baud 2400"
    m.run_until(lambda: len(m.sms.sent) >= 3, 60, step=0.1)
    m.run(3)
    assert [s.text for s in m.sms.sent] == ["Confirmed: baud 300", "Confirmed: baud 1200",
                                            "Confirmed: baud 2400"]
    assert m.serial.speed == "2400"


# ---- 7: replies --------------------------------------------------------------------------

def connect_peer(m: Module):
    c = m.net.sim.connect("198.51.100.7", 1024, src_port=40001)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)
    return c


def test_name_never_echoes_the_password(m: Module) -> None:
    assert sms(m, "connect smspassword pump7") == ["Confirmed: smspassword set"]
    assert sms(m, "pump7 name pump7") == ["Confirmed: name (hidden)"]
    assert sms(m, "pump7 name PUMP7x") == ["Confirmed: name (hidden)"]
    cfg = sms(m, "pump7 config")
    assert len(cfg) == 1 and "name (hidden)" in cfg[0] and "pump7" not in cfg[0].lower()


def test_long_identity_while_busy_keeps_its_note(m: Module) -> None:
    connect_peer(m)
    ident = "A[" * 25 + "B" * 50                                 # 100 characters, 125 septets
    r = sms(m, "connect identity every " + ident)
    assert len(r) == 1
    assert r[0].startswith("Confirmed: identity A[A[")
    assert r[0].endswith("..., sent first on each connection and before each device frame"
                         " (applies to new connections)")
    assert septets(r[0]) <= 160
    r = sms(m, "connect identity every " + ident)                 # the same again
    assert len(r) == 1 and r[0].endswith(" (unchanged)") and septets(r[0]) <= 160
    assert state(m) == "connected"


def test_long_gprs_and_client_mode_while_busy_keep_their_note(m: Module) -> None:
    connect_peer(m)
    later = " (applies when the current connection closes)"
    r = sms(m, "connect gprs " + "a" * 50 + " " + "[u]" * 10 + "xx pass")
    assert len(r) == 1 and r[0].endswith(", password set" + later), r
    assert r[0].startswith("Confirmed: gprs apn a") and septets(r[0]) <= 160
    host = "h" * 45 + ".net"
    r = sms(m, "connect mode client %s 5000 b%s 5001 maintain" % (host, host))
    assert len(r) == 1 and r[0].endswith(" port 5001, always connected" + later), r
    assert "server hhh" in r[0] and "backup bhhh" in r[0] and septets(r[0]) <= 160


def test_no_character_outside_gsm7_is_echoed(m: Module) -> None:
    r = sms(m, "connect identity ID`1")
    assert r == ["Confirmed: identity ID?1, sent first on each connection"]
    r = sms(m, "connect heartbeat 60 H`B")
    assert r == ["Confirmed: heartbeat H?B after 60 s without a byte to the network"]
    r = sms(m, "connect gprs web u`ser pw")
    assert r == ["Confirmed: gprs apn web, user u?ser, password set"]
    for reply in sms(m, "connect config") + r:
        assert "`" not in reply and septets(reply) <= 160
    assert m.net.userid == "u`ser"                              # the value itself is kept
