"""sms_commands.py: every command with good and bad arguments, with the EXACT replies."""
from __future__ import annotations

import pytest
from hypothesis import assume, given, settings, strategies as st

from onmodule import Flash, Loader

L = Loader(flash=Flash())
sc = L.load("sms_commands")
cs = L.load("config_store")

HOST = "255.255.255.255"
LATER = " (applies when the current connection closes)"
USAGE = ("gprs baud charformat mode socketting smspassword dialin config firewall status "
         "name identity key heartbeat alert phones reboot reset update")


def cfg(**kw):
    c = cs.defaults()
    c.update(kw)
    return c


def run(text, config=None, status=None):
    config = cfg() if config is None else config
    before = cs.copy(config)
    replies, new, effects = sc.handle(text, config, status if status is not None else {})
    assert config == before, "handle() must not modify the config it is given"
    return replies, new, effects


def one(text, config=None, status=None):
    replies, new, effects = run(text, config, status)
    assert len(replies) == 1, replies
    return replies[0], new, effects


# ---- the password ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "   ", "connec baud 9600", "connectbaud 9600", "baud 9600 connect", "connect2 baud 9600",
    "\u00a0connect baud 9600",     # a non-breaking space is not white space on the module
    "xconnect config",
])
def test_wrong_password_is_silent_and_changes_nothing(text):
    c = cfg()
    replies, new, effects = sc.handle(text, c, {})
    assert (replies, effects) == ([], [])
    assert new is c


def test_changed_password_replaces_the_old_one():
    c = cfg(password="s3cret")
    assert run("connect baud 19200", c)[0] == []
    assert one("s3cret baud 19200", c)[0] == "Confirmed: baud 19200"


@pytest.mark.parametrize("text", [
    "connect baud 19200", "Connect baud 19200", "CONNECT BAUD 19200", "  connect   baud\t19200  ",
    "connect\r\nbaud 19200\r\n", "Connect Baud 19200", "\nconnect baud 19200",
])
def test_forgiving_case_and_white_space(text):
    reply, new, effects = one(text)
    assert reply == "Confirmed: baud 19200"
    assert new["baud"] == 19200 and effects == ["serial"]


def test_arguments_keep_their_case():
    reply, new, _ = one("Connect GPRS Web.Apn MyUser PassWord")
    assert reply == "Confirmed: gprs apn Web.Apn, user MyUser, password set"
    assert (new["apn"], new["apnuser"], new["apnpass"]) == ("Web.Apn", "MyUser", "PassWord")


def test_password_only_or_unknown_command():
    assert one("connect")[0] == "Error: try: " + USAGE
    assert one("connect restart now")[0] == "Error: unknown, try: " + USAGE
    # the unknown word is never echoed (it could be anything, the password included)
    assert one("connect connect")[0] == "Error: unknown, try: " + USAGE


# ---- gprs -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,reply,apn,user,pw", [
    ("connect gprs orangeinternet user pass",
     "Confirmed: gprs apn orangeinternet, user user, password set", "orangeinternet", "user", "pass"),
    ("connect gprs web.apn", "Confirmed: gprs apn web.apn, no user, no password", "web.apn", "", ""),
    ("connect gprs web.apn wap", "Confirmed: gprs apn web.apn, user wap, no password", "web.apn", "wap", ""),
    ("connect gprs my-apn_1 u%s p@s!" % "", "Confirmed: gprs apn my-apn_1, user u, password set",
     "my-apn_1", "u", "p@s!"),
])
def test_gprs_good(text, reply, apn, user, pw):
    r, new, effects = one(text)
    assert r == reply
    assert (new["apn"], new["apnuser"], new["apnpass"]) == (apn, user, pw)
    assert effects == ["gprs"]


@pytest.mark.parametrize("text,reply", [
    ("connect gprs", "Error: use gprs <apn> [<user> <password>]"),
    ("connect gprs a b c d", "Error: use gprs <apn> [<user> <password>]"),
    ('connect gprs web"apn', "Error: apn must be 1-50 of letters, digits, . - _"),
    ("connect gprs " + "a" * 51, "Error: apn must be 1-50 of letters, digits, . - _"),
    ('connect gprs apn us"er', "Error: user and password must be up to 30 characters each, no quote or backslash"),
    ("connect gprs apn user " + "p" * 31,
     "Error: user and password must be up to 30 characters each, no quote or backslash"),
    ("connect gprs apn user pa\\ss",
     "Error: user and password must be up to 30 characters each, no quote or backslash"),
])
def test_gprs_bad(text, reply):
    r, new, effects = one(text)
    assert (r, effects) == (reply, [])
    assert new == cfg()


def test_gprs_same_values_is_unchanged():
    assert one("connect gprs internet") == (
        "Confirmed: gprs apn internet, no user, no password (unchanged)", cfg(), [])


# ---- baud / charformat ---------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [300, 1200, 2400, 4800, 19200, 38400, 57600, 115200])
def test_baud_good(rate):
    r, new, effects = one("connect baud %d" % rate)
    assert (r, new["baud"], effects) == ("Confirmed: baud %d" % rate, rate, ["serial"])


@pytest.mark.parametrize("arg", ["", "12345", "9600 8N1", "-9600", "9600.0", "0x2580", "096OO", "230400"])
def test_baud_bad(arg):
    r, new, effects = one("connect baud " + arg)
    assert r == "Error: baud must be one of 300 1200 2400 4800 9600 19200 38400 57600 115200"
    assert (new, effects) == (cfg(), [])


def test_baud_leading_zero_is_read_as_decimal():
    assert one("connect baud 019200")[0] == "Confirmed: baud 19200"


@pytest.mark.parametrize("arg,canon", [("8N2", "8N2"), ("8e1", "8E1"), ("8o1", "8O1"),
                                       ("7E1", "7E1"), ("7o1", "7O1")])
def test_charformat_good(arg, canon):
    r, new, effects = one("connect charformat " + arg)
    assert (r, new["charformat"], effects) == ("Confirmed: charformat " + canon, canon, ["serial"])


@pytest.mark.parametrize("arg", ["", "9N1", "8N3", "7N1", "8N1 8N1", "8-N-1"])
def test_charformat_bad(arg):
    r, new, _ = one("connect charformat " + arg)
    assert r == "Error: charformat must be one of 8N1 8N2 8E1 8O1 7E1 7O1"
    assert new == cfg()


def test_charformat_same_is_unchanged():
    assert one("connect charformat 8n1") == ("Confirmed: charformat 8N1 (unchanged)", cfg(), [])


# ---- mode -----------------------------------------------------------------------------------------

def test_mode_server_good():
    r, new, effects = one("connect mode server 192.168.0.1 2000")
    assert r == "Confirmed: mode server, permitted 192.168.0.1, port 2000"
    assert (new["mode"], new["permit"], new["lport"]) == ("server", "192.168.0.1", 2000)
    assert effects == ["mode", "firewall"]
    r, new, effects = one("connect mode server ANY 1024", cfg(permit="1.2.3.4"))
    assert (r, effects) == ("Confirmed: mode server, permitted any, port 1024", ["firewall"])
    assert one("connect mode server any 1024") == (
        "Confirmed: mode server, permitted any, port 1024 (unchanged)", cfg(), [])


def test_mode_server_canonicalises_the_ip():
    r, new, _ = one("connect mode server 010.001.000.001 80")
    assert r == "Confirmed: mode server, permitted 10.1.0.1, port 80"


@pytest.mark.parametrize("text,reply", [
    ("connect mode", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode server", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode server 1024", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode server any 1024 x", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode proxy any 1024", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode server 1.2.3 1024", "Error: permitted must be any or an ip like 192.168.0.1"),
    ("connect mode server all 1024", "Error: permitted must be any or an ip like 192.168.0.1"),
    ("connect mode server 1.2.3.256 1024", "Error: permitted must be any or an ip like 192.168.0.1"),
    ("connect mode server any 0", "Error: port must be 1-65535"),
    ("connect mode server any 65536", "Error: port must be 1-65535"),
    ("connect mode server any http", "Error: port must be 1-65535"),
])
def test_mode_server_bad(text, reply):
    r, new, effects = one(text)
    assert (r, new, effects) == (reply, cfg(), [])


def test_mode_client_good():
    r, new, effects = one("connect mode client 192.168.0.100 1024")
    assert r == "Confirmed: mode client, server 192.168.0.100 port 1024, connects on serial data"
    assert (new["mode"], new["host"], new["rport"], new["maintain"]) == ("client", "192.168.0.100", 1024, 0)
    assert effects == ["mode"]
    r, new, effects = one("Connect Mode Client gw.Example.net 5000 MAINTAIN")
    assert r == "Confirmed: mode client, server gw.Example.net port 5000, always connected"
    assert (new["host"], new["maintain"]) == ("gw.Example.net", 1)


def test_mode_client_keeps_the_server_settings_and_back():
    c = cfg(permit="1.2.3.4", lport=2000)
    _, new, effects = one("connect mode client h.example 7 maintain", c)
    assert (new["permit"], new["lport"]) == ("1.2.3.4", 2000)
    assert effects == ["mode", "firewall"]          # the permitted ip no longer applies
    r, back, effects = one("connect mode server 1.2.3.4 2000", new)
    assert r == "Confirmed: mode server, permitted 1.2.3.4, port 2000"
    assert (back["host"], back["rport"], back["maintain"]) == ("h.example", 7, 1)
    assert effects == ["mode", "firewall"]


@pytest.mark.parametrize("text,reply", [
    ("connect mode client", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode client 1.2.3.4", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode client 1.2.3.4 80 always", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode client 1.2.3.4 80 maintain x", "Error: use mode server <any|ip> <port> or mode client <server> <port> [<backup> <port>] [maintain]"),
    ("connect mode client bad_host 80", "Error: server must be an ip or a host name of letters, digits, - . (up to 50)"),
    ("connect mode client 300.1.1.1 80", "Error: server must be an ip or a host name of letters, digits, - . (up to 50)"),
    ('connect mode client "h" 80', "Error: server must be an ip or a host name of letters, digits, - . (up to 50)"),
    ("connect mode client %s.com 80" % ("a" * 47), "Error: server must be an ip or a host name of letters, digits, - . (up to 50)"),
    ("connect mode client h.example 0", "Error: port must be 1-65535"),
])
def test_mode_client_bad(text, reply):
    r, new, effects = one(text)
    assert (r, new, effects) == (reply, cfg(), [])


# ---- socketting ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("args,reply", [
    ("120 5 256", "Confirmed: socketting socket timeout 120 s, send timeout 500 ms, packet size 256"),
    ("0 0 512", "Confirmed: socketting socket timeout 0 (never), send timeout 0 (full packets only), packet size 512"),
    ("65535 255 1", "Confirmed: socketting socket timeout 65535 s, send timeout 25500 ms, packet size 1"),
    ("300 1 0", "Confirmed: socketting socket timeout 300 s, send timeout 100 ms, packet size 0 (automatic)"),
])
def test_socketting_good(args, reply):
    r, new, effects = one("connect socketting " + args)
    assert (r, effects) == (reply, ["scfg"])
    assert "%d %d %d" % (new["sktimeout"], new["sendtimeout"], new["pktsize"]) == args


@pytest.mark.parametrize("args", ["", "300", "300 10", "300 10 0 0", "65536 10 0", "300 256 0",
                                  "300 10 513", "-1 10 0", "a b c"])
def test_socketting_bad(args):
    r, new, effects = one("connect socketting " + args)
    assert r == ("Error: use socketting <socket timeout 0-65535 s> <send timeout 0-255 x100 ms> "
                 "<packet size 0-512>")
    assert (new, effects) == (cfg(), [])


def test_socketting_defaults_unchanged():
    assert one("connect socketting 300 10 0")[0] == (
        "Confirmed: socketting socket timeout 300 s, send timeout 1000 ms, packet size 0 (automatic) (unchanged)")


# ---- smspassword ----------------------------------------------------------------------------------------

def test_smspassword_good_and_never_echoed():
    r, new, effects = one("connect smspassword connect2")
    assert (r, new["password"], effects) == ("Confirmed: smspassword set", "connect2", [])
    r, new, _ = one("connect smspassword Zq9Y")           # stored lower case: matched case-insensitively
    assert (r, new["password"]) == ("Confirmed: smspassword set", "zq9y")
    assert one("ZQ9Y config", new)[0].startswith("Config: ")
    assert one("connect smspassword connect")[0] == "Confirmed: smspassword set (unchanged)"


@pytest.mark.parametrize("arg", ["", "a-b", "abcdefghijklm", "pass word", "caf\u00e9"])
def test_smspassword_bad(arg):
    r, new, _ = one("connect smspassword " + arg)
    assert (r, new) == ("Error: smspassword must be 1-12 characters of 0-9 a-z", cfg())


# ---- dialin --------------------------------------------------------------------------------------------

def test_dialin():
    assert one("connect dialin ON") == ("Confirmed: dialin on, CSD data calls are answered",
                                        cfg(dialin=1), ["dialin"])
    client = cfg(mode="client", host="h.example", rport=1)
    assert one("connect dialin on", client)[0] == (
        "Confirmed: dialin on, CSD data calls are answered in server mode only")
    assert one("connect dialin off", cfg(dialin=1)) == ("Confirmed: dialin off", cfg(), ["dialin"])
    assert one("connect dialin off")[0] == "Confirmed: dialin off (unchanged)"
    for bad in ("", "yes", "on off"):
        assert one("connect dialin " + bad) == ("Error: use dialin on or dialin off", cfg(), [])


# ---- config ---------------------------------------------------------------------------------------------

def test_config_defaults_in_one_message():
    assert run("connect config", status={"ip": "10.1.2.3"}) == ([
        "Config: mode server any 1024, ip 10.1.2.3, dialin off, gprs internet, baud 9600, "
        "charformat 8N1, socketting 300 10 0, firewall empty, smspassword default"], cfg(), [])


def test_config_client_with_credentials_and_rules():
    c = cfg(mode="client", host="gw.example.net", rport=5000, maintain=1, apn="web", apnuser="bob",
            apnpass="hunter2", password="zz99", firewall=[("1.2.3.4", HOST), ("10.0.0.0", "255.0.0.0")])
    replies, new, effects = run("zz99 config", c, {"ip": "10.1.2.3"})
    assert replies == [
        "Config 1/2: mode client gw.example.net 5000 maintain, dialin off, gprs web bob ***, baud 9600, "
        "charformat 8N1, socketting 300 10 0, firewall 1.2.3.4",
        "Config 2/2: 10.0.0.0/255.0.0.0, smspassword changed"]
    assert not any("hunter2" in r or "zz99" in r for r in replies)


def test_config_longest_splits_into_numbered_messages():
    c = cfg(mode="client", host="h" * 50, rport=65535, maintain=1, apn="a" * 50,
            apnuser="{" * 30, apnpass="x", password="zz99",
            firewall=[("255.255.%d.0" % i, "255.255.255.0") for i in range(10)])
    replies, _, _ = run("zz99 config", c, {"ip": "255.255.255.255"})
    assert len(replies) > 1
    for i, r in enumerate(replies):
        assert r.startswith("Config %d/%d: " % (i + 1, len(replies)))
        assert sc.septets(r) <= 160 and not r.endswith("...")
    joined = " ".join(replies)
    for i in range(10):
        assert "255.255.%d.0/255.255.255.0" % i in joined


def test_config_takes_no_arguments():
    assert one("connect config all") == ("Error: config takes no arguments", cfg(), [])


# ---- firewall (details in test_firewall_logic.py) -----------------------------------------------------------

def test_firewall_commands_through_handle():
    r, new, effects = one("connect firewall add 1.2.3.4")
    assert (r, new["firewall"], effects) == ("Confirmed: firewall add 1.2.3.4, 1 of 10 rules",
                                             [("1.2.3.4", HOST)], ["firewall"])
    r, new2, effects = one("connect firewall add 1.2.3.4", new)
    assert (r, new2, effects) == ("Confirmed: firewall add 1.2.3.4 (unchanged)", new, [])
    r, new3, effects = one("connect firewall rem 1.2.3.4", new)
    assert (r, new3, effects) == ("Confirmed: firewall rem 1.2.3.4, 1 removed, 0 left", cfg(), ["firewall"])
    assert one("connect firewall list", new) == ("Firewall: 1 of 10 rules, 1.2.3.4", new, [])
    assert one("connect firewall list") == ("Firewall: no rules, every peer admitted", cfg(), [])


def test_firewall_list_of_ten_networks_is_split():
    c = cfg(permit="9.9.9.9", firewall=[("255.255.%d.0" % i, "255.255.255.0") for i in range(10)])
    replies, _, _ = run("connect firewall list", c)
    assert replies[0].startswith("Firewall 1/%d: 10 of 10 rules, 255.255.0.0/255.255.255.0" % len(replies))
    assert replies[-1].endswith("also the server permitted ip 9.9.9.9")
    assert all(len(r) <= 160 for r in replies)


# ---- status ---------------------------------------------------------------------------------------------------

def test_status_full():
    status = {"busy": 1, "state": "connected", "peer": "203.0.113.9:40001", "ip": "10.20.30.40",
              "csq": 17, "uptime": 2 * 86400 + 3 * 3600 + 4 * 60 + 5, "tonet": 1234, "toser": 567,
              "conns": 4}
    assert run("connect status", status=status) == ([
        "Status: connected 203.0.113.9:40001, signal 17 (-79 dBm), ip 10.20.30.40, up 2d03h04m, "
        "to net 1234 B, to serial 567 B, connections 4"], cfg(), [])


def test_status_with_nothing_known():
    assert one("connect status", status={}) == ("Status: unknown, signal unknown, no ip", cfg(), [])
    assert one("connect status", status={"csq": 99, "uptime": 59, "state": "no network"})[0] == (
        "Status: no network, signal unknown, no ip, up 0h00m")


def test_status_survives_odd_values():
    status = {"state": 5, "peer": None, "ip": ["x"], "csq": "17", "uptime": "x", "tonet": -5,
              "toser": 2 ** 31 - 1, "conns": object()}
    r = one("connect status", status=status)[0]
    assert r == "Status: unknown, signal 17 (-79 dBm), no ip, to serial 2147483647 B"


def test_status_worst_case_fits():
    status = {"state": "s" * 40, "peer": "255.255.255.255:65535", "ip": "255.255.255.255", "csq": 31,
              "uptime": 2 ** 31 - 1, "tonet": 2 ** 31 - 1, "toser": 2 ** 31 - 1, "conns": 2 ** 31 - 1}
    for r in run("connect status", status=status)[0]:
        assert len(r) <= 160 and not r.endswith("...")


def test_status_takes_no_arguments():
    assert one("connect status now") == ("Error: status takes no arguments", cfg(), [])


# ---- timing words when a connection is open ---------------------------------------------------------------------

@pytest.mark.parametrize("text,reply,effects", [
    ("connect baud 19200", "Confirmed: baud 19200" + LATER, ["serial"]),
    ("connect charformat 7E1", "Confirmed: charformat 7E1" + LATER, ["serial"]),
    ("connect gprs web", "Confirmed: gprs apn web, no user, no password" + LATER, ["gprs"]),
    ("connect mode server any 2000", "Confirmed: mode server, permitted any, port 2000" + LATER, ["mode"]),
    ("connect mode client h.example 9 maintain",
     "Confirmed: mode client, server h.example port 9, always connected" + LATER, ["mode"]),
    ("connect socketting 60 1 0",
     "Confirmed: socketting socket timeout 60 s, send timeout 100 ms, packet size 0 (automatic)" + LATER, ["scfg"]),
    ("connect dialin on", "Confirmed: dialin on, CSD data calls are answered" + LATER, ["dialin"]),
    ("connect mode server 1.2.3.4 1024",
     "Confirmed: mode server, permitted 1.2.3.4, port 1024 (applies to new connections)", ["firewall"]),
    ("connect firewall add 1.2.3.4",
     "Confirmed: firewall add 1.2.3.4, 1 of 10 rules (applies to new connections)", ["firewall"]),
    ("connect smspassword abc", "Confirmed: smspassword set", []),
    ("connect baud 9600", "Confirmed: baud 9600 (unchanged)", []),
])
def test_busy_replies_say_when_the_change_applies(text, reply, effects):
    r, new, eff = one(text, status={"busy": 1})
    assert (r, eff) == (reply, effects)
    idle, _, _ = one(text, status={"busy": 0})
    assert idle == reply.replace(LATER, "").replace(" (applies to new connections)", "")


def test_effects_come_in_the_documented_order():
    old = cfg()
    new = cfg(baud=300, apn="x", sktimeout=1, mode="client", host="h.example", rport=1, dialin=1,
              firewall=[("1.2.3.4", HOST)])
    assert sc.effects(old, new) == ["serial", "gprs", "scfg", "mode", "dialin", "firewall"]


def test_new_config_is_the_same_object_when_nothing_changed():
    c = cfg()
    assert sc.handle("connect config", c, {})[1] is c
    assert sc.handle("connect baud 1", c, {})[1] is c
    assert sc.handle("connect baud 9600", c, {})[1] is c


def test_every_new_config_is_valid_and_saveable():
    c = cfg()
    for text in ["connect gprs a.b u p", "connect mode client h.example 1 maintain",
                 "connect firewall add 10.0.0.0 255.0.0.0", "connect smspassword q1",
                 "q1 socketting 0 0 0", "q1 dialin on", "q1 charformat 7O1"]:
        _, c, _ = sc.handle(text, c, {})
        assert cs.validate(c) == ""
    flash = Flash()
    store = Loader(flash=flash).load("config_store")
    assert store.save(c) == "ok"
    assert Loader(flash=flash).load("config_store").load() == ("ok", c)


# ---- properties over random texts ---------------------------------------------------------------------------------

WORDS = ["gprs", "baud", "charformat", "mode", "server", "client", "socketting", "smspassword",
         "dialin", "config", "firewall", "status", "add", "rem", "list", "all", "any", "on", "off",
         "maintain", "9600", "115200", "8N1", "7e1", "1024", "0", "65535", "65536", "1.2.3.4",
         "10.0.0.0", "255.0.0.0", "255.0.255.0", "gw.example.net", "x", "-", '"', "\\", "{", "\u00e9",
         "\u00a0", "%", "a" * 60]
PASSWORD = "pw7zq"
STATUS = {"busy": 1, "state": "connected", "peer": "1.2.3.4:5", "ip": "10.0.0.1", "csq": 20,
          "uptime": 1000, "tonet": 1, "toser": 2, "conns": 3}

_word = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=12))
_sep = st.sampled_from([" ", "  ", "\t", "\r\n", "\n"])


@st.composite
def commands(draw, password=PASSWORD):
    words = draw(st.lists(_word, max_size=6))
    first = draw(st.sampled_from([password, password.capitalize(), password.upper()]))
    out = first
    for w in words:
        out += draw(_sep) + w
    return draw(st.sampled_from(["", " "])) + out + draw(st.sampled_from(["", " ", "\r\n"]))


_CFG = cfg(password=PASSWORD, firewall=[("10.0.0.0", "255.0.0.0")], apnuser="user", apnpass="secretpass")


@settings(max_examples=600, deadline=None)
@given(commands())
def test_random_commands_never_raise_and_replies_fit(text):
    for status in ({}, STATUS):
        replies, new, effects = sc.handle(text, _CFG, status)
        assert 1 <= len(replies) <= 6
        for r in replies:
            assert sc.septets(r) <= 160
            assert PASSWORD not in r.lower()
            assert "secretpass" not in r
            assert r.startswith(("Confirmed: ", "Error: ", "Config", "Firewall", "Status"))
        assert cs.validate(new) == ""
        if new is _CFG:
            assert effects == []
        else:
            assert effects == sc.effects(_CFG, new) or new["password"] != PASSWORD


def _first_word(text):
    for ch in "\t\r\n\x0b\x0c":
        text = text.replace(ch, " ")
    words = [w for w in text.split(" ") if w]
    return words[0] if words else ""


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_random_texts_without_the_password_are_silent(text):
    first = _first_word(text)
    assume(first.lower() != PASSWORD)
    assert sc.handle(text, _CFG, STATUS) == ([], _CFG, [])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="pw7zqPWZQ \t", max_size=20))
def test_near_miss_passwords_are_silent(text):
    assume(_first_word(text).lower() != PASSWORD)
    assert sc.handle(text, _CFG, STATUS) == ([], _CFG, [])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=160))
def test_any_text_after_the_password_never_raises(text):
    replies, new, effects = sc.handle(PASSWORD + " " + text, _CFG, STATUS)
    assert replies and all(sc.septets(r) <= 160 for r in replies)
    assert all(PASSWORD not in r.lower() for r in replies)


def test_echoed_values_containing_the_password_are_hidden():
    c = cfg(password="zqx")
    r, new, _ = one("zqx gprs myzqxapn", c)
    assert r == "Confirmed: gprs apn (hidden), no user, no password"
    assert new["apn"] == "myzqxapn"
    assert "zqx" not in one("zqx config", new)[0]


# ---- the examples in docs/gateway.md are what the code does ---------------------------------------------

def _doc_blocks():
    import json
    from onmodule import ROOT
    text = (ROOT / "docs" / "gateway.md").read_text()
    blocks, cur = [], None
    for line in text.splitlines():
        if line.strip() == "```sms":
            cur = []
        elif line.strip() == "```" and cur is not None:
            blocks.append(cur)
            cur = None
        elif cur is not None:
            cur.append(line)
    assert len(blocks) >= 12
    return blocks


@pytest.mark.parametrize("block", _doc_blocks(), ids=lambda b: b[0][:40] if b else "empty")
def test_documented_examples(block):
    import json
    config, status = cfg(), {}
    steps = []
    for line in block:
        if line.startswith("> "):
            steps.append([line[2:], []])
        elif line.startswith("< "):
            steps[-1][1].append(line[2:])
        elif line == "# busy":
            steps.append(["#busy", None])
        elif line.startswith("# status "):
            steps.append(["#status", json.loads(line[len("# status "):])])
        else:
            raise AssertionError("unexpected line in an sms block: %r" % line)
    for text, expect in steps:
        if text == "#busy":
            status = dict(status, busy=1)
            continue
        if text == "#status":
            status = dict(status, **expect)
            continue
        replies, config, _ = sc.handle(text, config, status)
        assert replies == expect, text


# ---- every reply says all it must and fits one SMS (GSM-7 septets) --------------------------
_printable = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(_printable, min_size=1, max_size=20), st.sampled_from(["identity", "identity every",
                                                                      "heartbeat 60"]),
       st.booleans())
def test_echoes_are_shortened_never_the_note(words, cmd, busy):
    from tools.emulator.sms import GSM7_BASIC, GSM7_EXT, septets as septets7
    text = " ".join(words)[:100]
    status = {"busy": 1} if busy else {}
    replies, new, _ = run("connect %s %s" % (cmd, text), status=status)
    assert len(replies) == 1
    r = replies[0]
    assert septets7(r) <= 160
    assert all(ch in GSM7_BASIC or ch in GSM7_EXT for ch in r), r
    if r.startswith("Confirmed: "):
        if busy and cmd.startswith("identity"):
            assert r.endswith(" (applies to new connections)")
        again, _, _ = run("connect %s %s" % (cmd, text), config=new, status=status)
        assert again[0].endswith(" (unchanged)") and septets7(again[0]) <= 160
        assert "\x01" not in r


def test_status_puts_the_peer_after_the_state_word_and_keeps_the_dropped_count():
    r, _, _ = one("connect status", status={"state": "connected, 711 B dropped",
                                            "peer": "203.0.113.5:5000", "csq": 17})
    assert r == "Status: connected 203.0.113.5:5000, 711 B dropped, signal 17 (-79 dBm), no ip"
