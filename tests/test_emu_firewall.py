"""Conformance tests for the emulator's firewall (tools/emulator/net/firewall.py, #FRWL).

REFERENCE §7 (ATR10 §3.5.7.6.19, IPG10 §3.2.2.1) and §11 E: add / remove / remove-all / list;
general policy DROP; accepted only if incoming_ip & mask == ip & mask for some rule; incoming
(listening) connections only; empty after every boot; a dropped connection times out rather
than being refused.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import at, take
from tools.emulator import Module
from tools.emulator.net.firewall import AddressError, Firewall, format_ip, parse_ip

OK = b"\r\nOK\r\n"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    at(mod, 'AT+CGDCONT=1,"IP","internet"')
    at(mod, "AT#SGACT=1,1", timeout=10)
    yield mod
    mod.close()


# ----------------------------------------------------------------------- pure logic
def test_matching_rule_ref_7() -> None:
    """§7 matching: incoming & mask == ip & mask; DROP when nothing matches."""
    fw = Firewall()
    assert not fw.admits("197.158.1.1")  # empty list: DROP everything
    assert fw.add("197.158.1.1", "255.255.0.0")
    assert fw.admits("197.158.1.1") and fw.admits("197.158.255.255") and fw.admits("197.158.0.7")
    assert not fw.admits("197.159.0.1")
    assert fw.add("10.0.0.5", "255.255.255.255")
    assert fw.admits("10.0.0.5") and not fw.admits("10.0.0.6")
    assert fw.add("0.0.0.0", "0.0.0.0")  # IPG10 §4.3.3 writes a 0.0.0.0 mask: everyone
    assert fw.admits("8.8.8.8")


def test_remove_and_clear_ref_7() -> None:
    """§7 actions 0 (remove the selected chain) and 2 (remove all)."""
    fw = Firewall()
    fw.add("192.168.1.0", "255.255.255.0")
    fw.add("10.1.0.0", "255.255.0.0")
    assert fw.remove("192.168.1.77", "255.255.255.0")  # the same chain, written differently
    assert not fw.remove("192.168.1.0", "255.255.255.0")
    assert fw.lines() == ['#FRWL: "10.1.0.0","255.255.0.0"']
    fw.clear()
    assert fw.lines() == [] and not fw.admits("10.1.2.3")


def test_address_parsing() -> None:
    assert parse_ip("123.255.020.001") == parse_ip("123.255.20.1")  # ATR10 #SKTSET example
    assert format_ip(parse_ip(" 217.201.142.223")) == "217.201.142.223"
    for bad in ("1.2.3", "1.2.3.256", "a.b.c.d", "1.2.3.4.5", ""):
        with pytest.raises(AddressError):
            parse_ip(bad)


def test_rule_limit_is_a_setting_ref_12_q6() -> None:
    """§7/§12 q6: the maximum number of rules is n/d; unlimited unless configured."""
    fw = Firewall(max_rules=1)
    assert fw.add("1.1.1.1", "255.255.255.255")
    assert not fw.add("2.2.2.2", "255.255.255.255")


# ------------------------------------------------------------------------ AT command
def test_frwl_add_list_remove_ref_7(m: Module) -> None:
    """§7: '#FRWL: <ip>,<mask>' one line per rule (quoted: n/d, §12 q6)."""
    assert at(m, "AT#FRWL?") == OK
    assert at(m, 'AT#FRWL=1,"197.158.1.1","255.255.0.0"') == OK
    assert at(m, 'AT#FRWL=1,"10.0.0.1","255.255.255.255"') == OK
    assert at(m, "AT#FRWL?") == (b'\r\n#FRWL: "197.158.1.1","255.255.0.0"\r\n'
                                 b'#FRWL: "10.0.0.1","255.255.255.255"\r\n' + OK)
    assert at(m, "AT#FRWL") == at(m, "AT#FRWL?")  # ATR10: parameters omitted = the list
    assert at(m, 'AT#FRWL=0,"197.158.1.1","255.255.0.0"') == OK
    assert at(m, "AT#FRWL?") == b'\r\n#FRWL: "10.0.0.1","255.255.255.255"\r\n' + OK
    assert at(m, "AT#FRWL=2") == OK
    assert at(m, "AT#FRWL?") == OK
    assert at(m, "AT#FRWL=?") == b"\r\n#FRWL: (0-2)\r\n" + OK


def test_frwl_bad_input_ref_7(m: Module) -> None:
    assert at(m, 'AT#FRWL=1,"300.1.1.1","255.0.0.0"') == b"\r\nERROR\r\n"
    assert at(m, 'AT#FRWL=1,"1.1.1.1"') == b"\r\nERROR\r\n"
    assert at(m, 'AT#FRWL=3,"1.1.1.1","255.0.0.0"') == b"\r\nERROR\r\n"
    assert at(m, 'AT#FRWL=0,"9.9.9.9","255.255.255.255"') == b"\r\nERROR\r\n"


def test_rules_are_gone_after_reboot_ref_7(m: Module) -> None:
    """§7 persistence / §11 E: not stored in NVM; empty after every boot."""
    at(m, 'AT#FRWL=1,"197.158.1.1","255.255.0.0"')
    m.reboot()
    assert at(m, "AT#FRWL?") == OK
    assert not m.net.firewall.admits("197.158.1.1")


# ------------------------------------------------------------------ connections
def test_drop_by_default_times_out_ref_7(m: Module) -> None:
    """§7/§11 E: with no rule an incoming connection is dropped silently: no SRING, the
    listener stays in state 4, the client times out (it is not refused)."""
    assert at(m, "AT#SL=1,1,3000") == OK
    client = m.net.sim.connect("198.51.100.7", 3000, timeout=20)
    m.run(10)
    assert client.state == "connecting" and take(m) == b""
    m.run(11)
    assert client.state == "timeout"
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,4,10.20.30.40,3000\r\n" + OK
    assert m.net.firewall.log[-1][1:] == ("198.51.100.7", 3000, "dropped")


def test_admitted_by_mask_ref_7(m: Module) -> None:
    """§7: only hosts whose address matches a rule under its mask get through."""
    at(m, 'AT#FRWL=1,"198.51.100.0","255.255.255.128"')
    assert at(m, "AT#SL=1,1,3000") == OK
    outsider = m.net.sim.connect("198.51.100.200", 3000)
    m.run(1)
    assert take(m) == b""
    insider = m.net.sim.connect("198.51.100.100", 3000)
    m.run(1)
    assert take(m) == b"\r\n+SRING : 1\r\n"
    assert insider.state == "connected" and outsider.state == "connecting"
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,5,10.20.30.40,3000,198.51.100.100,40001\r\n" + OK


def test_remove_rule_stops_admitting_ref_7(m: Module) -> None:
    """§7: after 'remove' the DROP policy applies again."""
    at(m, 'AT#FRWL=1,"198.51.100.7","255.255.255.255"')
    at(m, 'AT#FRWL=0,"198.51.100.7","255.255.255.255"')
    at(m, "AT#SL=1,1,3000")
    c = m.net.sim.connect("198.51.100.7", 3000, timeout=5)
    m.run(6)
    assert c.state == "timeout"


def test_outgoing_connections_not_filtered_ref_7(m: Module) -> None:
    """§7 scope: remote hosts of outgoing #SD connections are admitted automatically."""
    srv = m.net.sim.listen("203.0.113.5", 5000)
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5",0,0,1', timeout=5) == OK
    conn = srv.accept_next(1)
    conn.send(b"reply")
    m.run(1)
    assert take(m) == b"\r\nSRING: 1\r\n"


def test_listener_after_reboot_drops_until_rules_return_ref_7(m: Module) -> None:
    """§7: 'A listener therefore drops every connection after a reboot until the script adds
    the rules again'."""
    at(m, 'AT#FRWL=1,"198.51.100.7","255.255.255.255"')
    m.reboot()
    at(m, "AT#SGACT=1,1", timeout=10)
    at(m, "AT#SL=1,1,3000")
    c = m.net.sim.connect("198.51.100.7", 3000, timeout=5)
    m.run(6)
    assert c.state == "timeout"
    at(m, 'AT#FRWL=1,"198.51.100.7","255.255.255.255"')
    c2 = m.net.sim.connect("198.51.100.7", 3000)
    m.run(1)
    assert c2.state == "connected" and take(m) == b"\r\n+SRING : 1\r\n"
