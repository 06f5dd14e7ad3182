"""Conformance tests for the emulator's GPRS side (tools/emulator/net): PDP context definition,
credentials, #SGACT / #GPRS activation, registration, loss of the context.

Each test names the REFERENCE section it follows (../shared/telit/REFERENCE.md §6.1, §6.4,
§5.8, §5.10, §11 D2, §11 J). Details REFERENCE leaves open follow ATR10 §3.5.7.4.3 (#SGACT),
§3.5.7.6 (#USERID #PASSW #GPRS), §3.3 (what is stored in NVM) and IPG10 §3.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import at, feed, take
from tools.emulator import Module

OK = b"\r\nOK\r\n"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    at(mod, "AT+CMEE=1")
    yield mod
    mod.close()


def define(m: Module, cid: int = 1, apn: str = "internet") -> None:
    assert at(m, 'AT+CGDCONT=%d,"IP","%s"' % (cid, apn)) == OK


def activate(m: Module, cid: int = 1, inst: int = 1) -> bytes:
    return at(m, "AT#SGACT=%d,1" % cid, inst, timeout=10)


# ------------------------------------------------------------------ §6.1 context definition
def test_cgdcont_read_format_and_nvm_ref_6_1(m: Module) -> None:
    """§6.1 (JANUS form) and ATR10 §3.3: +CGDCONT is stored in NVM automatically."""
    assert at(m, 'AT+CGDCONT=1,"IP","internet","0.0.0.0",0,0') == OK
    assert at(m, 'AT+CGDCONT=3,"IP","apn.two"') == OK
    expect = (b'\r\n+CGDCONT: 1,"IP","internet","0.0.0.0",0,0\r\n'
              b'+CGDCONT: 3,"IP","apn.two","0.0.0.0",0,0\r\n' + OK)
    assert at(m, "AT+CGDCONT?") == expect
    m.reboot()
    at(m, "AT+CMEE=1")
    assert at(m, "AT+CGDCONT?") == expect


def test_cgdcont_cid_only_undefines_and_ranges_ref_6_1(m: Module) -> None:
    """§6.1: cid 1-5 (27.007: a set with only <cid> undefines the context)."""
    define(m, 2, "x")
    assert at(m, "AT+CGDCONT=2") == OK
    assert at(m, "AT+CGDCONT?") == OK
    assert at(m, 'AT+CGDCONT=6,"IP","x"') == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, 'AT+CGDCONT=1,"PPP","x"') == b"\r\nERROR\r\n"


def test_userid_passw_forms_ref_6_1(m: Module) -> None:
    """§6.1: #USERID/#PASSW factory "" with a maximum length in =?; #PASSW has no read form
    (ATR10 §3.5.7.6.2); #SGACTAUTH 0-2, factory 1 (PAP), not in NVM."""
    assert at(m, "AT#USERID?") == b'\r\n#USERID: ""\r\n' + OK
    assert at(m, 'AT#USERID="myName"') == OK
    assert at(m, "AT#USERID?") == b'\r\n#USERID: "myName"\r\n' + OK
    assert at(m, 'AT#PASSW="secret"') == OK
    assert at(m, "AT#PASSW?") == b"\r\nERROR\r\n"
    assert at(m, "AT#PASSW=?") == b"\r\n#PASSW: 50\r\n" + OK
    assert at(m, "AT#SGACTAUTH?") == b"\r\n#SGACTAUTH: 1\r\n" + OK
    assert at(m, "AT#SGACTAUTH=2") == OK
    assert at(m, "AT#SGACTAUTH=3") == b"\r\n+CME ERROR: 4\r\n"
    m.reboot()
    assert at(m, "AT#SGACTAUTH?") == b"\r\n#SGACTAUTH: 1\r\n" + OK
    assert at(m, "AT#USERID?") == b'\r\n#USERID: ""\r\n' + OK  # lost: no #SKTSAV


def test_sktsav_keeps_credentials_over_reboot_ref_6_1(m: Module) -> None:
    """§6.1: #SKTSAV saves the credentials to NVM; #SKTRST restores the defaults."""
    at(m, 'AT#USERID="u1"')
    assert at(m, "AT#SKTSAV") == OK
    m.reboot()
    assert at(m, "AT#USERID?") == b'\r\n#USERID: "u1"\r\n' + OK
    assert at(m, "AT#SKTRST") == OK
    assert at(m, "AT#USERID?") == b'\r\n#USERID: ""\r\n' + OK


# --------------------------------------------------------------------- §6.4 activation
def test_sgact_answers_ip_after_seconds_ref_6_4(m: Module) -> None:
    """§6.4: '#SGACT: <ip>' then OK; activation takes seconds (§5.10: up to 150 s)."""
    define(m)
    t0 = m.kernel.now()
    feed(m, "AT#SGACT=1,1\r")
    m.run(2.0)
    assert take(m) == b""
    m.run(1.0)
    assert take(m) == b"\r\n#SGACT: 10.20.30.40\r\n" + OK
    assert m.net.activation_ms == 2500 and m.kernel.now() - t0 >= 2500
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,1\r\n" + OK


def test_sgact_read_lists_defined_contexts_ref_6_4(m: Module) -> None:
    """§6.4: one '#SGACT: <cid>,<stat>' line per defined context."""
    define(m, 1)
    define(m, 3, "other")
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,0\r\n#SGACT: 3,0\r\n" + OK
    assert at(m, "AT#SGACT=?") == b"\r\n#SGACT: (0-5),(0,1)\r\n" + OK


def test_module_ip_is_configurable_and_quoting_optional_ref_6_4(m: Module) -> None:
    """§6.4: the network assigns the address; IPG10 shows it quoted and unquoted."""
    define(m)
    m.net.module_ip = "10.64.1.2"
    m.net.sgact_quote_ip = True
    assert activate(m) == b'\r\n#SGACT: "10.64.1.2"\r\n' + OK


def test_sgact_needs_a_socket_on_the_context_ref_6_4(m: Module) -> None:
    """§6.4 / §11 D2: ERROR when no connId is mapped to that cid in #SCFG."""
    define(m, 3)
    assert activate(m, 3) == b"\r\nERROR\r\n"
    assert at(m, "AT#SCFG=4,3,300,90,600,50") == OK
    assert activate(m, 3) == b"\r\n#SGACT: 10.20.30.42\r\n" + OK


def test_sgact_twice_context_already_activated_ref_5_8(m: Module) -> None:
    """§5.8: a real log shows '+CME ERROR: context already activated' (553)."""
    define(m)
    activate(m)
    assert activate(m) == b"\r\n+CME ERROR: 553\r\n"
    at(m, "AT+CMEE=2")
    assert activate(m) == b"\r\n+CME ERROR: context already activated\r\n"


def test_at_most_two_contexts_ref_6_4(m: Module) -> None:
    """§6.4 (IPG10 §3.1): no more than two contexts up at the same time."""
    for cid in (1, 2, 3):
        define(m, cid)
    at(m, "AT#SCFG=6,3,300,90,600,50")
    assert activate(m, 1).startswith(b"\r\n#SGACT: ")
    assert activate(m, 2).startswith(b"\r\n#SGACT: ")
    assert activate(m, 3) == b"\r\n+CME ERROR: 550\r\n"
    assert at(m, "AT#SGACT=2,0") == OK
    assert activate(m, 3).startswith(b"\r\n#SGACT: ")


def test_deactivate_and_deactivate_idle_ref_6_4(m: Module) -> None:
    """§6.4: #SGACT=<cid>,0 deactivates; on an inactive context it is OK."""
    define(m)
    activate(m)
    assert at(m, "AT#SGACT=1,0") == OK
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,0\r\n" + OK
    assert at(m, "AT#SGACT=1,0") == OK


def test_wrong_apn_fails_like_the_network_ref_5_8(m: Module) -> None:
    """§5.8 IP Easy codes: a wrong APN gives 567 'wrong APN' (chosen by name, §12 q9)."""
    m.net.apn_credentials = {"internet": ("", "")}
    define(m, 1, "intrenet")
    assert activate(m) == b"\r\n+CME ERROR: 567\r\n"
    at(m, "AT+CMEE=2")
    assert activate(m) == b"\r\n+CME ERROR: wrong APN\r\n"
    define(m, 1, "internet")
    assert activate(m) == b"\r\n#SGACT: 10.20.30.40\r\n" + OK


def test_wrong_credentials_fail_149_ref_5_8(m: Module) -> None:
    """§5.8: 149 'PDP authentication failure'; credentials are #SGACT's arguments (ATR10
    §3.5.7.4.3, p.415).  #USERID/#PASSW belong to the old #GPRS (IPG10 §3.4): a bare #SGACT
    does not use them."""
    m.net.apn_credentials = {"web": ("user", "pw")}
    define(m, 1, "web")
    assert activate(m) == b"\r\n+CME ERROR: 149\r\n"
    assert at(m, 'AT#SGACT=1,1,"user","bad"', timeout=10) == b"\r\n+CME ERROR: 149\r\n"
    assert at(m, 'AT#SGACT=1,1,"user","pw"', timeout=10) == b"\r\n#SGACT: 10.20.30.40\r\n" + OK
    at(m, "AT#SGACT=1,0")
    at(m, 'AT#USERID="user"')
    at(m, 'AT#PASSW="pw"')
    assert activate(m) == b"\r\n+CME ERROR: 149\r\n"
    assert at(m, "AT#GPRS=1", timeout=10).startswith(b"\r\n+IP: ")  # the old pair's user


def test_sgactauth_none_sends_no_credentials_ref_6_1(m: Module) -> None:
    """§6.1: #SGACTAUTH=0 (no authentication): a network that wants credentials refuses."""
    m.net.apn_credentials = {"web": ("user", "pw")}
    define(m, 1, "web")
    at(m, "AT#SGACTAUTH=0")
    assert at(m, 'AT#SGACT=1,1,"user","pw"', timeout=10) == b"\r\n+CME ERROR: 149\r\n"


def test_injected_activation_failure_ref_11_J(m: Module) -> None:
    """§11 J: +CME ERROR 555 as an injectable fault (one-shot)."""
    define(m)
    m.net.fail_activation()
    assert activate(m) == b"\r\n+CME ERROR: 555\r\n"
    assert activate(m).startswith(b"\r\n#SGACT: ")


# ------------------------------------------------------------------- §6.4 legacy #GPRS
def test_legacy_gprs_answers_plus_ip_ref_6_4(m: Module) -> None:
    """§6.4: AT#GPRS=1 prints '+IP: <ip>' then OK; #GPRS? 0/1/2 (2 = pending)."""
    define(m)
    assert at(m, "AT#GPRS?") == b"\r\n#GPRS: 0\r\n" + OK
    feed(m, "AT#GPRS=1\r")
    m.run(0.5)
    assert take(m) == b""
    assert at(m, "AT#GPRS?", inst=2) == b"\r\n#GPRS: 2\r\n" + OK
    m.run(3)
    assert take(m) == b"\r\n+IP: 10.20.30.40\r\n" + OK
    assert at(m, "AT#GPRS?") == b"\r\n#GPRS: 1\r\n" + OK
    at(m, "AT+CMEE=2")
    assert at(m, "AT#GPRS=1") == b"\r\n+CME ERROR: context already activated\r\n"
    assert at(m, "AT#GPRS=0") == OK
    assert at(m, "AT#GPRS?") == b"\r\n#GPRS: 0\r\n" + OK


def test_legacy_gprs_needs_socket_on_cid1_ref_6_4(m: Module) -> None:
    """§6.4: #GPRS works only if some connId is mapped to cid 1."""
    for i in (1, 2, 3):
        at(m, "AT#SCFG=%d,2,300,90,600,50" % i)
    assert at(m, "AT#GPRS=1") == b"\r\nERROR\r\n"


# -------------------------------------------------------------------- registration
def test_registration_states_and_urc_ref_11_J(m: Module) -> None:
    """§11 J (deregistration fault), 27.007 +CGREG/+CREG: read form and '+CGREG: <stat>' URC
    with +CGREG=1; +CGATT? follows."""
    assert at(m, "AT+CGREG?") == b"\r\n+CGREG: 0,1\r\n" + OK
    assert at(m, "AT+CGATT?") == b"\r\n+CGATT: 1\r\n" + OK
    at(m, "AT+CGREG=1")
    m.net.set_registration(2)
    assert take(m) == b"\r\n+CGREG: 2\r\n"
    assert at(m, "AT+CGREG?") == b"\r\n+CGREG: 1,2\r\n" + OK
    assert at(m, "AT+CGATT?") == b"\r\n+CGATT: 0\r\n" + OK
    m.net.set_registration(5)
    assert take(m) == b"\r\n+CGREG: 5\r\n"


def test_activation_fails_when_not_registered_ref_6_4(m: Module) -> None:
    """§6.4: no GPRS service, no context: 555 'activation failed'."""
    define(m)
    m.net.set_registration(0)
    assert activate(m) == b"\r\n+CME ERROR: 555\r\n"


def test_deregistration_drops_context_and_online_socket_ref_11_J(m: Module) -> None:
    """§11 J and §6.6: losing registration deactivates the context; the online socket ends
    with NO CARRIER and DCD drops."""
    define(m)
    activate(m)
    m.net.sim.listen("203.0.113.5", 5000)
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5"', timeout=10) == b"\r\nCONNECT\r\n"
    assert m.instances[1].dcd() == 1
    m.net.set_registration(3)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert m.instances[1].dcd() == 0
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,0\r\n" + OK
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,0\r\n" + OK


def test_network_drops_context_ref_6_6(m: Module) -> None:
    """§6.6 (a socket closes when the network deactivates the context), §11 J: online socket
    -> NO CARRIER, listener -> '#SL: ABORTED' (ATR10 #SL), the peer is not told."""
    define(m)
    activate(m)
    srv = m.net.sim.listen("203.0.113.5", 5000)
    assert at(m, "AT#SL=2,1,3000", inst=2) == OK
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5"', timeout=10) == b"\r\nCONNECT\r\n"
    conn = srv.accept_next(1)
    m.net.drop_context(1)
    assert take(m, 1) == b"\r\nNO CARRIER\r\n"
    assert take(m, 2) == b"\r\n#SL: ABORTED\r\n"
    assert conn.state == "connected" and conn.lost == "network" and not conn.eof
    status = m.net.status()
    assert status["contexts"][0]["state"] == "inactive"
    assert [s["state"] for s in status["sockets"]] == [0] * 6
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5"') == b"\r\n+CME ERROR: 556\r\n"


def test_contexts_are_ram_ref_6_4(m: Module) -> None:
    """§6.4 / design: a reboot loses the contexts (RAM); the definition (NVM) stays."""
    define(m)
    activate(m)
    m.reboot()
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,0\r\n" + OK


def test_cgact_cgpaddr_minimal_ref_6_4(m: Module) -> None:
    """§6.4: +CGACT? reports the contexts; #CGPADDR shows the address (IPG10 §4.3.3 note)."""
    define(m)
    activate(m)
    assert at(m, "AT+CGACT?") == b"\r\n+CGACT: 1,1\r\n" + OK
    assert at(m, "AT#CGPADDR=1") == b'\r\n#CGPADDR: 1,"10.20.30.40"\r\n' + OK


def test_qdns_uses_the_dns_table_ref_6_5(m: Module) -> None:
    """§6.5 (DNS names are accepted): #QDNS resolves through m.net.dns; unknown -> 558."""
    define(m)
    activate(m)
    m.net.dns["gw.example.net"] = "203.0.113.5"
    assert at(m, 'AT#QDNS="gw.example.net"') == b'\r\n#QDNS: "gw.example.net","203.0.113.5"\r\n' + OK
    assert at(m, 'AT#QDNS="nowhere.example"') == b"\r\n+CME ERROR: 558\r\n"


def test_dialect_script_activates_and_reads_ip_ref_6_4(m: Module) -> None:
    """§6.4 through a dialect script (MDM.send / MDM.receive), as the gateway does."""
    m.flash.write("main.py", (
        "import MDM\n"
        "MDM.send('AT+CGDCONT=1,\"IP\",\"internet\"\\r', 5)\n"
        "r = MDM.receive(20)\n"
        "MDM.send('AT#SGACT=1,1\\r', 5)\n"
        "r = ''\n"
        "n = 0\n"
        "while r.find('OK') == -1 and n < 10:\n"
        "    r = r + MDM.receive(10)\n"
        "    n = n + 1\n"
        "print(r)\n").encode())
    m.nvm["escript"] = "main.py"
    m.reboot()
    m.run(10)
    assert m.script_state == "ended", m.trace_text()
    assert "#SGACT: 10.20.30.40" in m.trace_text()
