"""The fleet commands (sms_fleet.py through sms_commands.handle), their configuration keys
(config_store, values) and the gwcfg1 -> gwcfg2 migration: exact replies, effects, what is
stored, what is refused."""
from __future__ import annotations

import hashlib

import pytest

from onmodule import Flash, Loader

L = Loader(flash=Flash())
sc = L.load("sms_commands")
cs = L.load("config_store")
sf = L.load("sms_fleet")
vals = L.load("values")

ME = "+15551230001"
LATER = " (applies when the current connection closes)"
NEWCONN = " (applies to new connections)"


def cfg(**kw):
    c = cs.defaults()
    c.update(kw)
    return c


def one(text, config=None, status=None):
    config = cfg() if config is None else config
    before = cs.copy(config)
    st = {"sender": ME}
    st.update(status or {})
    replies, new, effects = sc.handle(text, config, st)
    assert config == before
    assert len(replies) == 1, replies
    assert cs.validate(new) == ""
    return replies[0], new, effects


# ---- numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b,same", [
    ("+447700900123", "+447700900123", 1),
    ("+447700900123", "07700900123", 1),          # international against national (0 + NSN)
    ("07700900123", "+447700900123", 1),
    ("00447700900123", "07700900123", 1),         # 00 is the international prefix
    ("00447700900123", "+447700900123", 1),
    ("+337700900123", "07700900123", 1),          # only the NSN can be compared: documented
    ("+447700900123", "+337700900123", 0),        # two international numbers: equal or not
    ("07700900123", "07700900124", 0),
    ("+447700900123", "7700900123", 0),           # national without the trunk 0: not guessed
    ("+4477009", "077009", 0),                    # NSN under 6 digits
    ("+12345678901234", "01234", 0),
    ("+1234567890", "0234567890", 1),             # country code 1
    ("+99912345678", "012345678", 1),             # country code 3 digits
    ("+9999123456", "0123456", 0),                # 4 digits left: no country code
])
def test_same_phone_rule(a, b, same):
    assert bool(sf.listed([a], b)) == bool(same)


@pytest.mark.parametrize("s,ok", [("+123", 1), ("123", 1), ("12", 0), ("+" + "1" * 20, 1),
                                  ("1" * 21, 0), ("+12a", 0), ("++123", 0), ("", 0), ("+", 0)])
def test_phone_ok(s, ok):
    assert vals.phone_ok(s) == ok


# ---- templates ----------------------------------------------------------------------------

@pytest.mark.parametrize("t,out", [
    ("plain", "plain"), ("%IMEI", "IMEI1"), ("%CCID", "CCID1"), ("%ID", "unit"),
    ("a%20b", "a b"), ("%00%ff%FF%7e", "\x00\xff\xff~"), ("%25IMEI", "%IMEI"),
    ("%CC%49D", "\xccID"), ("%ID%ID", "unitunit"), ("x%0D%0A", "x\r\n"),
    ("%ID:%KEY%0D%0A", "unit:Secret42\r\n"), ("%25KEY", "%KEY"),
])
def test_expand(t, out):
    assert vals.expand(t, "IMEI1", "CCID1", "unit", "Secret42") == out


@pytest.mark.parametrize("t", ["%", "a%4", "%zz", "%4g", "%I", "%IME", "%C", "%K", "%KE"])
def test_expand_refuses_malformed_escapes(t):
    assert vals.expand(t, "1", "2", "3", "4") is None


@pytest.mark.parametrize("t,ok", [("a", 1), ("x" * 100, 1), ("x" * 101, 0), ("", 0),
                                  ("a\tb", 0), ("é", 0), ("+++", 0), ("%2B%2B%2B", 0),
                                  ("++", 1), ("+%2B+", 0), ("%IMEI+++", 0), ("a b", 1)])
def test_tpl_ok(t, ok):
    assert vals.tpl_ok(t) == ok


# ---- the commands through handle() -----------------------------------------------------------

def test_name():
    r, new, eff = one("connect name Pump-7")
    assert (r, new["name"], eff) == ("Confirmed: name Pump-7", "Pump-7", ["ident"])
    r, new, eff = one("connect name off", new)
    assert (r, new["name"]) == ("Confirmed: name off", "")
    for bad in ("connect name", "connect name a b", "connect name " + "a" * 21,
                "connect name a/b"):
        assert one(bad)[0] == "Error: name must be 1-20 of letters, digits, - _ . or name off"


def test_identity_and_its_busy_rule():
    r, new, eff = one("connect identity ID %ID%0D%0A", status={"busy": 1})
    assert r == "Confirmed: identity ID %ID%0D%0A, sent first on each connection" + NEWCONN
    assert (new["ident"], new["idevery"], eff) == ("ID %ID%0D%0A", 0, ["ident"])
    r, new, eff = one("connect identity every <%ID>", new)
    assert r == ("Confirmed: identity <%ID>, sent first on each connection and before each "
                 "device frame")
    assert (new["ident"], new["idevery"]) == ("<%ID>", 1)
    r, new, eff = one("connect identity off", new)
    assert (r, new["ident"], new["idevery"]) == ("Confirmed: identity off", "", 0)


def test_identity_holding_the_password_is_not_echoed():
    r, new, _ = one("zz9 identity unit-zz9", cfg(password="zz9"))
    assert r == "Confirmed: identity (hidden), sent first on each connection"
    assert new["ident"] == "unit-zz9"
    assert "zz9" not in " ".join(sc.handle("zz9 config", new, {})[0])


def test_heartbeat_applies_at_once_even_when_busy():
    r, new, eff = one("connect heartbeat 45 ping%0A", status={"busy": 1})
    assert r == "Confirmed: heartbeat ping%0A after 45 s without a byte to the network"
    assert (new["hbsecs"], new["hbtext"], eff) == (45, "ping%0A", ["beat"])
    r, new, eff = one("connect heartbeat off", new)
    assert (r, new["hbsecs"], new["hbtext"]) == ("Confirmed: heartbeat off", 0, "")


def test_backup_server_is_a_mode_change():
    r, new, eff = one("connect mode client 10.0.0.1 80 b.example 81 maintain",
                      status={"busy": 1})
    assert r == ("Confirmed: mode client, server 10.0.0.1 port 80, backup b.example port 81, "
                 "always connected" + LATER)
    assert (new["host2"], new["rport2"], new["maintain"], eff) == ("b.example", 81, 1, ["mode"])
    r, new2, eff = one("connect mode client 10.0.0.1 80 maintain", new)
    assert (new2["host2"], new2["rport2"], eff) == ("", 0, ["mode"])   # the backup is gone


def test_alert_settings():
    r, new, eff = one("connect alert +4477 silent 15 gprs")
    assert r == "Confirmed: alert to +4477 on gprs down 10 min, device silent 15 min"
    assert (new["alertto"], new["alerts"], new["silentmin"], eff) == ("+4477", "gprs", 15, [])
    replies = sc.handle("connect config", new, {})[0]
    assert replies[0].endswith(", firewall empty, alert +4477 gprs silent 15")
    assert replies[1] == "Config 2/2: smspassword default"


def test_phones_list_and_limits():
    c = cfg()
    for i in range(4):
        r, c, eff = one("connect phones add +1555000000%d" % i, c) if i else one(
            "connect phones add " + ME, c)
    assert r == "Confirmed: phones add +15550000003, 4 of 5 numbers" and eff == []
    r, c, _ = one("connect phones add +15550000009", c)
    assert r == "Confirmed: phones add +15550000009, 5 of 5 numbers"
    assert one("connect phones add +15550000008", c)[0] == (
        "Error: phones full (5 numbers), remove one first")
    assert one("connect phones add 001555000000 9", c)[0] == (
        "Error: use phones add <number>, phones rem <number> or phones list")
    assert one("connect phones add 0015550000009", c)[0] == (
        "Confirmed: phones add 0015550000009 (unchanged)")            # the same number
    assert one("connect phones rem +19999", c)[0] == (
        "Error: phones has no number +19999, send phones list")
    assert one("connect phones add 12ab", c)[0] == (
        "Error: a phone number is + and 3-20 digits, or 3-20 digits")
    assert one("connect phones list", c)[0] == (
        "Phones: +15551230001, +15550000001, +15550000002, +15550000003, +15550000009")
    assert one("connect phones list")[0] == "Phones: none, any sender with the password is obeyed"
    # a sender not in the list gets nothing, even with the right password
    assert sc.handle("connect phones list", c, {"sender": "+15550000077"}) == ([], c, [])
    assert sc.handle("connect phones list", c, {"sender": "0015550000001"})[0] != []


def test_reset_lists_what_changed_and_keeps_the_password():
    c = cfg(password="abc", baud=19200, name="x", ident="i", hbsecs=60, hbtext="h",
            phones=[ME], alertto="+123", alerts="gprs")
    r, new, eff = one("abc reset", c, status={"busy": 1})
    assert r == ("Confirmed: reset baud, name, identity, heartbeat, alert, phones to defaults, "
                 "smspassword kept" + LATER)
    assert new == cfg(password="abc")
    assert eff == ["serial", "ident", "beat"]
    assert one("abc reset", new)[0] == (
        "Confirmed: reset, all settings at defaults, smspassword kept (unchanged)")
    assert one("abc reset now", new)[0] == "Error: reset takes no arguments"


def test_reboot_effect_waits_when_busy():
    assert sc.handle("connect reboot", cfg(), {}) == (
        ["Confirmed: reboot, restarting now"], cfg(), ["reboot"])
    assert sc.handle("connect reboot", cfg(), {"busy": 1}) == (
        ["Confirmed: reboot" + LATER], cfg(), ["reboot"])


def test_config_shows_the_fleet_settings_within_sms_pages():
    c = cfg(mode="client", host="a" * 50, rport=65535, host2="b" * 50, rport2=65535,
            maintain=1, name="n" * 20, ident="x" * 100, idevery=1, hbsecs=3600,
            hbtext="y" * 100, alertto="+" + "1" * 20, alerts="gprs,restart", silentmin=10080,
            phones=["+" + "%020d" % i for i in range(5)],
            firewall=[("10.0.%d.0" % i, "255.255.255.0") for i in range(10)])
    replies = sc.handle("connect config", c, {"sender": c["phones"][0]})[0]
    assert all(sc.septets(r) <= 160 for r in replies)
    whole = " ".join(r.split(": ", 1)[1] for r in replies)
    assert "mode client %s 65535 %s 65535 maintain" % ("a" * 50, "b" * 50) in whole
    assert "identity every " + "x" * 100 in whole and "heartbeat 3600 " + "y" * 100 in whole
    assert "alert +%s gprs restart silent 10080" % ("1" * 20) in whole
    assert "phones " + " ".join(c["phones"]) in whole
    assert replies[0].startswith("Config 1/%d: " % len(replies))


# ---- configuration keys and the gwcfg1 migration ----------------------------------------------

@pytest.mark.parametrize("key,value", [
    ("name", "a b"), ("name", "x" * 21), ("ident", "+++"), ("ident", "%zz"), ("ident", 5),
    ("idevery", 1), ("idevery", 2), ("hbsecs", 9), ("hbsecs", 3601), ("hbtext", "x"),
    ("host2", "b.example"), ("rport2", 80), ("alertto", "12ab"), ("alerts", "gprs"),
    ("silentmin", 30), ("phones", ["12ab"]), ("phones", [ME, ME]),
    ("phones", ["+1555%07d" % i for i in range(6)]), ("phones", ME),
])
def test_bad_fleet_values_are_refused(key, value):
    assert cs.validate(cfg(**{key: value})) != ""


def test_good_fleet_values_validate():
    assert cs.validate(cfg(mode="client", host="a.example", rport=1, host2="b.example",
                           rport2=2, ident="x", idevery=1, hbsecs=10, hbtext="h",
                           alertto="+1234", alerts="restart", silentmin=10,
                           phones=[ME])) == ""
    assert cs.KEYS[15] == "dialin" and len(cs.KEYS) == 27        # decode's KEYS[16:]


def _slot(fmt, seq, lines):
    body = "format=%s\nseq=%d\n" % (fmt, seq) + "".join(x + "\n" for x in lines)
    return body + "md5=" + hashlib.md5(body.encode("latin-1")).hexdigest() + "\n"


GWCFG1 = ["password=abc", "apn=web", "apnuser=", "apnpass=", "baud=19200", "charformat=8N1",
          "mode=client", "permit=any", "lport=1024", "host=gw.example", "rport=5000",
          "maintain=1", "sktimeout=300", "sendtimeout=10", "pktsize=0", "dialin=0",
          "fw=10.0.0.0,255.0.0.0"]


def test_a_gwcfg1_slot_loads_with_the_fleet_settings_at_defaults():
    flash = Flash({"cfg_a.txt": _slot("gwcfg1", 7, GWCFG1)})
    c = Loader(flash=flash).load("config_store")
    st, got = c.load()
    assert st == "ok"
    assert got == cfg(password="abc", apn="web", baud=19200, mode="client",
                      host="gw.example", rport=5000, maintain=1,
                      firewall=[("10.0.0.0", "255.0.0.0")])
    # the next save writes the other slot in the new format, one sequence number on
    assert c.save(got) == "ok"
    assert flash.files["cfg_b.txt"].startswith("format=gwcfg2\nseq=8\n")
    assert Loader(flash=flash).load("config_store").load() == ("ok", got)


@pytest.mark.parametrize("extra", ["name=x", "ph=+123", "hbsecs=0"])
def test_a_gwcfg1_slot_with_a_fleet_key_is_invalid(extra):
    flash = Flash({"cfg_a.txt": _slot("gwcfg1", 7, GWCFG1 + [extra])})
    assert Loader(flash=flash).load("config_store").load()[0] == "corrupt"


def test_a_gwcfg2_slot_without_the_fleet_keys_is_invalid():
    flash = Flash({"cfg_a.txt": _slot("gwcfg2", 7, GWCFG1)})
    assert Loader(flash=flash).load("config_store").load()[0] == "corrupt"


# ---- the key (the unit's secret for the fleet server) ------------------------------------------

SECRET = "s3cretKey42"


def test_key_set_never_shown_and_off():
    r, new, eff = one("connect key " + SECRET)
    assert r == "Confirmed: key set" and new["key"] == SECRET and eff == ["ident"]
    assert SECRET not in " ".join(sc.handle("connect config", new, {"sender": ME})[0])
    assert "key set" in sc.handle("connect config", new, {"sender": ME})[0][0]
    assert "key" not in sc.handle("connect config", cfg(), {"sender": ME})[0][0]
    assert one("connect key " + SECRET, new)[0] == "Confirmed: key set (unchanged)"
    assert one("connect KEY Off", new)[0:2] == ("Confirmed: key off", cfg())
    # while a connection is open it applies to the next one, like the identity
    assert one("connect key " + SECRET, status={"busy": 1})[0] == "Confirmed: key set" + NEWCONN


def test_key_hidden_in_any_reply_that_would_hold_it():
    c = cfg(key=SECRET)
    assert one("connect name " + SECRET, c)[0] == "Confirmed: name (hidden)"
    r, new, _ = one("connect identity unit:" + SECRET + "%0D%0A", c)
    assert r == "Confirmed: identity unit:(hidden)%0D%0A, sent first on each connection"
    assert new["ident"] == "unit:" + SECRET + "%0D%0A"          # stored as sent
    assert SECRET not in " ".join(sc.handle("connect config", new, {"sender": ME})[0])
    # the key being set hides itself in the same reply too
    assert one("connect key " + SECRET, cfg(name=SECRET))[0] == "Confirmed: key set"


@pytest.mark.parametrize("arg", ["", "short7x", "x" * 33, "has_under", "dot.dot.dot", "a-b-c-d-e",
                                 "%KEY%KEY", "two words here", "caf\xe9caf\xe9"])
def test_key_refused_without_echo(arg):
    r, new, _ = one(("connect key " + arg).rstrip())
    assert r == "Error: key must be 8-32 letters and digits, or key off" and new == cfg()


def test_key_expands_in_the_identity_and_reset_clears_it():
    c = cfg(ident="%ID:%KEY%0D%0A", key=SECRET)
    assert cs.validate(c) == ""
    assert vals.expand(c["ident"], "356", "89", "pump3", c["key"]) == "pump3:" + SECRET + "\r\n"
    r, new = sf.reset(c)
    assert r == "Confirmed: reset identity, key to defaults, smspassword kept" and new["key"] == ""


def test_a_slot_without_a_key_line_loads_with_none_and_one_with_it_keeps_it():
    old = GWCFG1[:-1] + ["name=", "ident=", "idevery=0", "hbsecs=0", "hbtext=", "host2=",
                         "rport2=0", "alertto=", "alerts=", "silentmin=0"]
    flash = Flash({"cfg_a.txt": _slot("gwcfg2", 7, old)})
    c = Loader(flash=flash).load("config_store")
    st, got = c.load()
    assert st == "ok" and got["key"] == "" and got["baud"] == 19200
    # saved without a key: no key line (what the versions before the key wrote)
    assert c.save(got) == "ok" and "key=" not in flash.files["cfg_b.txt"]
    got = cs.copy(got)
    got["key"] = SECRET
    assert c.save(got) == "ok" and "\nkey=%s\n" % SECRET in flash.files["cfg_a.txt"]
    assert Loader(flash=flash).load("config_store").load() == ("ok", got)
    for bad in ("key=short", "key=" + SECRET + "\nkey=" + SECRET):
        flash = Flash({"cfg_a.txt": _slot("gwcfg2", 7, old + bad.split("\n"))})
        assert Loader(flash=flash).load("config_store").load()[0] == "corrupt"
