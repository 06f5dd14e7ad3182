"""The gateway on the emulated module: boot sequence and SMS commands end to end (issue 5,
order of work 1).  Each SMS goes into the emulated SIM, the gateway reads it on MDM2, and
the test checks the exact reply that went out (m.sms.sent), what changed on the module
(serial port, context, #SCFG, #FRWL, listener) and what is on the flash."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import (MODULE_IP, PHONE, boot, config_on_flash, gw, new_module, silent, sms,
                        start, state, wait_state)
from emu_helpers import at
from tools.emulator import Module


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def at_lines(m: Module, inst: int) -> list[str]:
    return [t for (_, i, t) in m.at_log if i == inst]


# ---- boot --------------------------------------------------------------------------------

def test_boot_sequence_sets_up_both_instances_in_order(tmp_path: Path) -> None:
    # Messages that arrived while the module was off are in the SIM store at boot.
    m = new_module(tmp_path)
    m.sms.write(PHONE, "connect baud 19200", "REC UNREAD")
    m.sms.write("+15550000002", "hello there", "REC UNREAD")
    start(m)
    mdm, mdm2 = at_lines(m, 1), at_lines(m, 2)
    # MDM: the data instance (REFERENCE 5.3, 6.7, 6.8): no echo, numeric errors, DCD
    # follows the connection, no auto-answer, +++ not forwarded, 5.1 s guard time.
    assert mdm[:7] == ["ATE0", "AT+CMEE=1", "AT&C1", "AT&D0", "ATS0=0", "AT#SKIPESC=1",
                       "ATS12=255"]
    # MDM2: the control instance with text-mode SMS and +CMTI (8.1, 8.2).
    # The SMS part only once the SIM is ready (#QSS: 2,3, ATR10 p.324).
    # #SELINT checked (2 for multisocket, ATR10 p.42), then the SMS part only once the SIM
    # is ready (#QSS: 2,3, ATR10 p.324).
    assert mdm2[:6] == ["ATE0", "AT+CMEE=1", "ATS0=0", "AT#SELINT?", "AT#QSS=2", "AT#QSS?"]
    polled = [t for t in mdm2 if t != "AT#QSS?"]
    assert polled[5:7] == ["AT#SMSMODE?", "AT#SMSMODE=1"]  # ATR10 p.10-11, read first (NVM)
    # the data path: #SSENDEXT probed once (ATR10 §1.7; REFERENCE 6.10), then the SMS part
    assert polled[7] == "AT#SSENDEXT=?"
    mdm2 = [t for t in mdm2 if not t.startswith(("AT#QSS", "AT#SELINT", "AT#SMSMODE", "AT#SSENDEXT"))]
    assert mdm2[:7] == ["ATE0", "AT+CMEE=1", "ATS0=0", "AT+CMGF=1", 'AT+CPMS="SM","SM","SM"',
                        "AT+CSDH=1", "AT+CNMI=2,1,0,0,0"]
    order = [t for t in mdm2 if t in ("AT+CREG?", 'AT+CMGL="ALL"', "AT#SGACT=1,1", "AT#FRWL=2")]
    # registration, then the store, then the context, then the firewall (issue 5 "Boot")
    assert order[:4] == ["AT+CREG?", 'AT+CMGL="ALL"', "AT#SGACT=1,1", "AT#FRWL=2"]
    assert 'AT+CGDCONT=1,"IP","internet"' in mdm2
    assert "AT#SCFG=1,1,300,300,300,10" in mdm2         # socketting 300 10 0 (pktSz 0 = 300), connTo 30 s
    assert "AT#SCFGEXT=1,0,0,2" in mdm2                 # keepalive 2 min, the 4-field form
    assert 'AT#FRWL=1,"0.0.0.0","0.0.0.0"' in mdm2      # empty list, any: everyone
    assert mdm[-1] == "AT#SL=1,1,1024"                  # server any 1024 (defaults)
    # the stored messages were handled and deleted; the command one got its reply
    assert m.sms.store == {}
    assert [(s.destination, s.text) for s in m.sms.sent] == [(PHONE, "Confirmed: baud 19200")]
    assert m.serial.speed == "19200"
    assert m.watchdog is not None and m.watchdog_resets > 0
    assert gw(m).ip == MODULE_IP
    assert m.net.firewall.lines() == ['#FRWL: "0.0.0.0","0.0.0.0"']


def test_boot_waits_for_registration(tmp_path: Path) -> None:
    m = new_module(tmp_path)
    m.net.set_registration(2)  # searching
    m.power_on()
    m.run(60)
    assert state(m) == "reg"
    assert at_lines(m, 2).count("AT+CREG?") >= 25   # polled every 2 s
    m.net.set_registration(1)
    assert wait_state(m, "listening", 20)


# ---- SMS commands: good and bad arguments, exact replies ------------------------------------

def test_gprs(m: Module) -> None:
    assert sms(m, "connect gprs orangeinternet user pass") == [
        "Confirmed: gprs apn orangeinternet, user user, password set"]
    assert m.run_until(lambda: m.net.activations == 2, 30)     # re-activated
    assert wait_state(m, "listening", 30)
    assert m.nvm["cgdcont"]["1"]["apn"] == "orangeinternet"      # context re-defined
    # the login goes into #SGACT itself (ATR10 p.415), not the old #USERID/#PASSW
    assert (m.net.userid, m.net.passw) == ("", "")
    assert 'AT#SGACT=1,1,"user","pass"' in [t for _, _, t in m.at_log]
    assert sms(m, "connect gprs") == ["Error: use gprs <apn> [<user> <password>]"]
    assert sms(m, 'connect gprs web"apn') == ["Error: apn must be 1-50 of letters, digits, . - _"]
    assert config_on_flash(m)["apn"] == "orangeinternet"


def test_baud_and_charformat(m: Module) -> None:
    assert sms(m, "connect baud 115200") == ["Confirmed: baud 115200"]
    assert m.serial.speed == "115200"
    assert sms(m, "connect baud 14400") == [
        "Error: baud must be one of 300 1200 2400 4800 9600 19200 38400 57600 115200"]
    assert sms(m, "connect baud 115200") == ["Confirmed: baud 115200 (unchanged)"]
    assert sms(m, "connect charformat 7e1") == ["Confirmed: charformat 7E1"]
    assert (m.serial.speed, m.serial.fmt) == ("115200", "7E1")
    assert sms(m, "connect charformat 8N3") == [
        "Error: charformat must be one of 8N1 8N2 8E1 8O1 7E1 7O1"]
    assert m.serial.fmt == "7E1"


def test_mode_server_and_client(m: Module) -> None:
    assert sms(m, "connect mode server any 2000") == [
        "Confirmed: mode server, permitted any, port 2000"]
    assert wait_state(m, "listening", 10)
    assert m.net.sockets[1].listen_port == 2000
    assert sms(m, "connect mode server 192.168.0.300 1024") == [
        "Error: permitted must be any or an ip like 192.168.0.1"]
    assert sms(m, "connect mode server any 70000") == ["Error: port must be 1-65535"]
    assert sms(m, "connect mode client 203.0.113.5 5000") == [
        "Confirmed: mode client, server 203.0.113.5 port 5000, connects on serial data"]
    assert wait_state(m, "idle", 10)
    assert m.net.sockets[1].state == "closed"                   # the listener is gone
    assert sms(m, "connect mode client gw_example 5000") == [
        "Error: server must be an ip or a host name of letters, digits, - . (up to 50)"]
    assert sms(m, "connect mode client gw.example.net 5000 always") == [
        "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"]
    assert config_on_flash(m)["host"] == "203.0.113.5"


def test_socketting(m: Module) -> None:
    assert sms(m, "connect socketting 120 5 256") == [
        "Confirmed: socketting socket timeout 120 s, send timeout 500 ms, packet size 256"]
    assert "AT#SCFG=1,1,256,120,300,5" in at_lines(m, 2)
    assert at(m, "AT#SCFG?", inst=2).startswith(b"\r\n#SCFG: 1,1,256,120,300,5\r\n")
    assert sms(m, "connect socketting 300 10 1024") == [
        "Error: use socketting <socket timeout 0-65535 s> <send timeout 0-255 x100 ms> "
        "<packet size 0-512>"]


def test_smspassword_and_wrong_password_silence(m: Module) -> None:
    assert sms(m, "connect smspassword Connect2") == ["Confirmed: smspassword set"]
    # the old password now gets no reply and changes nothing; the message is deleted
    assert silent(m, "connect baud 1200") == []
    assert m.serial.speed == "9600" and m.sms.store == {}
    assert silent(m, "wrongpw config") == []
    assert sms(m, "connect2 smspassword Bad-One!") == [
        "Error: smspassword must be 1-12 characters of 0-9 a-z"]
    reply = sms(m, "connect2 config")[0]
    assert "smspassword changed" in reply and "connect2" not in reply
    assert config_on_flash(m)["password"] == "connect2"


def test_dialin(m: Module) -> None:
    assert sms(m, "connect dialin on") == ["Confirmed: dialin on, CSD data calls are answered"]
    assert sms(m, "connect dialin yes") == ["Error: use dialin on or dialin off"]
    assert sms(m, "connect dialin off") == ["Confirmed: dialin off"]


def test_config_and_status(m: Module) -> None:
    assert sms(m, "connect config") == [
        "Config: mode server any 1024, ip 10.20.30.40, dialin off, gprs internet, baud 9600, "
        "charformat 8N1, socketting 300 10 0, firewall empty, smspassword default"]
    assert sms(m, "connect config now") == ["Error: config takes no arguments"]
    m.run(3600)
    assert sms(m, "connect status") == [
        "Status: listening, signal 17 (-79 dBm), ip 10.20.30.40, up 1h00m, to net 0 B, "
        "to serial 0 B, connections 0"]
    # a long configuration is split into replies that each fit one SMS
    sms(m, "connect gprs web bob hunter2")
    sms(m, "connect firewall add 203.0.113.9")
    sms(m, "connect firewall add 10.0.0.0 255.0.0.0")
    sms(m, "connect mode client gw.example.net 5000 maintain")
    out = sms(m, "connect config", replies=2)
    assert out == [
        "Config 1/2: mode client gw.example.net 5000 maintain, dialin off, gprs web bob ***, "
        "baud 9600, charformat 8N1, socketting 300 10 0, firewall 203.0.113.9",
        "Config 2/2: 10.0.0.0/255.0.0.0, smspassword default"]
    assert all(len(t) <= 160 for t in out)


def test_firewall_commands(m: Module) -> None:
    assert sms(m, "connect firewall add 203.0.113.9") == [
        "Confirmed: firewall add 203.0.113.9, 1 of 10 rules"]
    assert sms(m, "connect firewall add 10.1.2.3 255.255.0.0") == [
        "Confirmed: firewall add 10.1.0.0/255.255.0.0, 2 of 10 rules"]
    assert m.net.firewall.lines() == ['#FRWL: "203.0.113.9","255.255.255.255"',
                                      '#FRWL: "10.1.0.0","255.255.0.0"']
    assert sms(m, "connect firewall add 10.1.2.3 255.0.255.0") == [
        "Error: ip and mask must be dotted quads like 10.0.0.0 255.0.0.0 (masks without holes)"]
    assert sms(m, "connect firewall list") == [
        "Firewall: 2 of 10 rules, 203.0.113.9, 10.1.0.0/255.255.0.0"]
    assert sms(m, "connect firewall rem 198.51.100.1") == [
        "Error: firewall has no rule for 198.51.100.1, send firewall list"]
    assert sms(m, "connect firewall rem 203.0.113.9") == [
        "Confirmed: firewall rem 203.0.113.9, 1 removed, 1 left"]
    assert m.net.firewall.lines() == ['#FRWL: "10.1.0.0","255.255.0.0"']
    assert sms(m, "connect firewall drop 1.2.3.4") == [
        "Error: use firewall add <ip> [<mask>], firewall rem <ip> [<mask>] or firewall list"]
    assert config_on_flash(m)["fw"] == "10.1.0.0,255.255.0.0;"


def test_phone_habits_and_unknown_words(m: Module) -> None:
    assert sms(m, "  \n Connect BAUD 4800 \t ") == ["Confirmed: baud 4800"]
    assert sms(m, "connect restart") == [
        "Error: unknown, try: gprs baud charformat mode socketting smspassword "
        "dialin config firewall status name identity key heartbeat alert phones reboot reset update"]
    assert sms(m, "connect") == [
        "Error: try: gprs baud charformat mode socketting smspassword "
        "dialin config firewall status name identity key heartbeat alert phones reboot reset update"]


def test_every_message_deleted_and_the_store_never_fills(m: Module) -> None:
    # FIELD-LESSONS 12: 15 messages at once into a 10-slot store; all are handled.
    for i in range(15):
        m.sms.deliver("+1555000%04d" % i, "connect status" if i % 2 else "junk %d" % i)
    m.run(180)
    assert m.sms.store == {} and m.sms.pending == []
    assert sorted(s.destination for s in m.sms.sent) == ["+1555000%04d" % i for i in range(1, 15, 2)]


def test_config_kept_across_reboot(m: Module) -> None:
    sms(m, "connect mode server any 3000")
    sms(m, "connect smspassword abc123")
    sms(m, "abc123 firewall add 192.0.2.0 255.255.255.0")
    m.reboot()
    assert wait_state(m, "listening", 60)
    assert m.net.sockets[1].listen_port == 3000
    # the firewall was empty after the reboot and the gateway put the list back
    assert m.net.firewall.lines() == ['#FRWL: "192.0.2.0","255.255.255.0"']
    assert silent(m, "connect config") == []
    assert sms(m, "Abc123 config", replies=2)[0].startswith(
        "Config 1/2: mode server any 3000, ip 10.20.30.40")
    assert any("config ok" in line for line in m.trace_lines)


@pytest.mark.parametrize("network_s", [3, 60, 62])
def test_reply_waits_out_a_slow_network(m: Module, network_s: int) -> None:
    # ATR10 §3.2.4: +CMGS answers up to 60 s after Ctrl-Z.  The gateway waited exactly 60
    # s counted in whole seconds: a reply accepted at the limit was reported failed.  Now
    # 65 s.
    from gw_helpers import trace_has

    m.sms.send_delay_ms = network_s * 1000
    out = sms(m, "connect baud 19200", timeout=90)
    assert out == ["Confirmed: baud 19200"]
    m.run(5)
    assert not trace_has(m, "sms reply to")


def test_class_0_sms_command_is_obeyed(m: Module) -> None:
    # A flash (class-0) SMS: under the factory #SMSMODE=0 it lands in "ME" (ATR10 +CPMS
    # p.203), beside the "SM" store the gateway reads, and would never be seen.  The
    # gateway sets #SMSMODE=1 (ATR10 p.10-11): only "SM" then.
    assert m.nvm.get("smsmode") == 1
    before = len(m.sms.sent)
    m.sms.deliver(PHONE, "connect baud 19200", klass=0)
    assert m.run_until(lambda: len(m.sms.sent) > before, 60)
    assert [s.text for s in m.sms.sent[before:]] == ["Confirmed: baud 19200"]
    assert m.sms.me == {} and m.sms.store == {}
