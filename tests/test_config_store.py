"""config_store.py: defaults, validation, encoding, and the power-cut-safe two-slot flash."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings, strategies as st

from onmodule import Flash, Loader, PowerCut, load

SLOT_A, SLOT_B = "cfg_a.txt", "cfg_b.txt"


def boot(flash: Flash):
    """A fresh module start on this flash: a new interpreter, the same files."""
    flash.reboot()
    return Loader(flash=flash).load("config_store")


@pytest.fixture()
def cs():
    return load("config_store", flash=Flash())


def cfg_with(cs, **kw):
    c = cs.defaults()
    c.update(kw)
    return c


def slot_file(seq: int, body_lines: list[str], fmt: str = "gwcfg2") -> str:
    """A slot file with a VALID checksum around arbitrary contents."""
    body = "format=%s\nseq=%d\n" % (fmt, seq) + "".join(line + "\n" for line in body_lines)
    return body + "md5=" + hashlib.md5(body.encode("latin-1")).hexdigest() + "\n"


def lines_of(cs, cfg) -> list[str]:
    return cs.encode(cfg).rstrip("\n").split("\n")


# ---- defaults and validation -------------------------------------------------------------

def test_defaults_are_the_documented_ones(cs):
    assert cs.defaults() == {
        "password": "connect", "apn": "internet", "apnuser": "", "apnpass": "",
        "baud": 9600, "charformat": "8N1", "mode": "server", "permit": "any", "lport": 1024,
        "host": "", "rport": 0, "maintain": 0, "sktimeout": 300, "sendtimeout": 10,
        "pktsize": 0, "dialin": 0, "name": "", "ident": "", "idevery": 0, "hbsecs": 0,
        "hbtext": "", "host2": "", "rport2": 0, "alertto": "", "alerts": "", "silentmin": 0,
        "key": "", "firewall": [], "phones": []}
    assert cs.validate(cs.defaults()) == ""


def test_defaults_are_fresh_dicts(cs):
    a = cs.defaults()
    a["firewall"].append(("1.2.3.4", "255.255.255.255"))
    assert cs.defaults()["firewall"] == []


def test_copy_shares_no_list(cs):
    a = cfg_with(cs, firewall=[("1.2.3.4", "255.255.255.255")])
    b = cs.copy(a)
    b["firewall"].append(("5.6.7.8", "255.255.255.255"))
    assert len(a["firewall"]) == 1


@pytest.mark.parametrize("key,value", [
    ("password", ""), ("password", "Connect"), ("password", "abcdefghijklm"), ("password", "a-b"),
    ("apn", ""), ("apn", "a" * 51), ("apn", 'in"ternet'), ("apn", "in ternet"),
    ("apnuser", "a" * 33), ("apnuser", 'a"b'), ("apnpass", "a\\b"), ("apnpass", "a b"),
    ("apnpass", "secret"),                      # a password without a user
    ("baud", 9601), ("baud", "9600"), ("charformat", "8N3"), ("charformat", "8n1"),
    ("mode", "both"), ("permit", "1.2.3"), ("permit", "01.2.3.4"), ("permit", "ANY"),
    ("lport", 0), ("lport", 65536), ("maintain", 2), ("dialin", -1),
    ("sktimeout", 65536), ("sendtimeout", 256), ("pktsize", 513), ("pktsize", -1),
    ("firewall", [("1.2.3.4", "255.0.255.0")]), ("firewall", [("1.2.3.4", "255.0.0.0")]),
    ("firewall", [("1.2.3.4", "255.255.255.255")] * 2), ("firewall", "none"),
    ("firewall", [("10.0.0.%d" % i, "255.255.255.255") for i in range(11)]),
])
def test_validate_rejects(cs, key, value):
    assert cs.validate(cfg_with(cs, **{key: value})) == key


def test_validate_client_needs_host_and_port(cs):
    assert cs.validate(cfg_with(cs, mode="client")) == "host"
    assert cs.validate(cfg_with(cs, mode="client", host="gw.example.net", rport=0)) == "rport"
    assert cs.validate(cfg_with(cs, mode="client", host="-bad.example", rport=5)) == "host"
    assert cs.validate(cfg_with(cs, mode="client", host="gw.example.net", rport=5000)) == ""
    assert cs.validate(cfg_with(cs, host="", rport=5)) == "host"


def test_validate_rejects_extra_and_missing_keys(cs):
    c = cs.defaults()
    c["extra"] = 1
    assert cs.validate(c) == "unknown key"
    c = cs.defaults()
    del c["dialin"]
    assert cs.validate(c) == "dialin"


@pytest.mark.parametrize("host,ok", [
    ("gw.example.net", 1), ("10.0.0.1", 1), ("a", 1), ("x-1.example", 1),
    ("010.0.0.1", 0), ("300.1.1.1", 0), ("1.2.3", 0), ("a..b", 0), ("-a.b", 0), ("a-.b", 0),
    ("a_b.c", 0), ("a b", 0), ("", 0), ("a" * 51, 0), ("example.com.", 0),
])
def test_host_ok(cs, host, ok):
    assert cs.host_ok(host) == ok


@pytest.mark.parametrize("mask,canon", [
    ("255.255.255.255", "255.255.255.255"), ("255.255.255.0", "255.255.255.0"),
    ("255.128.0.0", "255.128.0.0"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.000", "255.255.255.0"),
    ("255.0.255.0", ""), ("255.255.255.1", ""), ("128.255.0.0", ""), ("255.255.255", ""),
    ("256.0.0.0", ""), ("1.2.3.4.5", ""), (" 255.0.0.0", ""),
])
def test_canon_mask(cs, mask, canon):
    assert cs.canon_mask(mask) == canon


def test_num_is_strict(cs):
    assert cs.num("0", 5) == 0
    assert cs.num("65535", 65535) == 65535
    for bad in ["", "-1", "+1", " 1", "1 ", "1_0", "\u0661", "65536", "1234567890", "0x10"]:
        assert cs.num(bad, 65535) == -1, bad


def test_low_is_ascii_only(cs):
    assert cs.low("CoNNect") == "connect"
    assert cs.low("\xc0\xdf") == "\xc0\xdf"      # no non-ASCII case mapping (not on the module)


# ---- encoding -----------------------------------------------------------------------------

def test_encoding_is_plain_key_value_lines(cs):
    c = cfg_with(cs, apnuser="us%er", apnpass="p=w!", firewall=[("10.0.0.0", "255.0.0.0")])
    text = cs.encode(c)
    assert text.splitlines() == [
        "password=connect", "apn=internet", "apnuser=us%25er", "apnpass=p=w!", "baud=9600",
        "charformat=8N1", "mode=server", "permit=any", "lport=1024", "host=", "rport=0",
        "maintain=0", "sktimeout=300", "sendtimeout=10", "pktsize=0", "dialin=0",
        "name=", "ident=", "idevery=0", "hbsecs=0", "hbtext=", "host2=", "rport2=0",
        "alertto=", "alerts=", "silentmin=0", "fw=10.0.0.0,255.0.0.0"]
    assert cs.decode(text, 0) == (1, c)


def test_escape_round_trip_of_every_byte(cs):
    s = "".join(chr(i) for i in range(256))
    e = cs.esc(s)
    assert all(33 <= ord(ch) <= 126 for ch in e)
    assert cs.unesc(e) == s


@pytest.mark.parametrize("bad", ["%", "%4", "%4g", "%zz", "a%2"])
def test_bad_escapes_are_refused(cs, bad):
    assert cs.unesc(bad) is None


_cred = st.text(alphabet=[chr(i) for i in range(33, 127) if chr(i) not in '"\\'], max_size=30)
_ip = st.tuples(*[st.integers(0, 255)] * 4).map(lambda q: "%d.%d.%d.%d" % q)


_tpl = st.text(alphabet=[chr(i) for i in range(32, 127) if chr(i) not in "%+"], min_size=1,
               max_size=90).map(lambda t: t + "%0D%0A")


@st.composite
def fleet_settings(draw):
    alertto = draw(st.sampled_from(["", "+447700900123", "0612345678"]))
    hb = draw(st.sampled_from([0, 10, 60, 3600]))
    ident = draw(st.one_of(st.just(""), _tpl, st.just("ID:%ID %IMEI %CCID %00%ff")))
    host2 = draw(st.sampled_from(["", "backup.example.net", "10.9.8.7"]))
    phones = draw(st.lists(st.from_regex(r"\+?[0-9]{3,20}", fullmatch=True), max_size=5,
                           unique=True))
    return {
        "name": draw(st.sampled_from(["", "pump-7", "A.b_c"])), "ident": ident,
        "idevery": draw(st.integers(0, 1)) if ident else 0,
        "hbsecs": hb, "hbtext": draw(_tpl) if hb else "",
        "host2": host2, "rport2": draw(st.integers(1, 65535)) if host2 else 0,
        "alertto": alertto,
        "alerts": draw(st.sampled_from(["", "gprs", "restart", "gprs,restart"])) if alertto else "",
        "silentmin": draw(st.sampled_from([0, 10, 10080])) if alertto else 0,
        "phones": phones,
        "key": draw(st.one_of(st.just(""), st.text(
            alphabet="0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
            min_size=8, max_size=32))),
    }


@st.composite
def configs(draw):
    fw = []
    for _ in range(draw(st.integers(0, 10))):
        bits = draw(st.integers(0, 32))
        mask_int = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if bits else 0
        ip_int = draw(st.integers(0, 0xFFFFFFFF)) & mask_int
        q = lambda n: "%d.%d.%d.%d" % (n >> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255)
        rule = (q(ip_int), q(mask_int))
        if rule not in fw:
            fw.append(rule)
    user = draw(_cred)
    secret = draw(_cred) if user else ""          # a GPRS password needs a user
    fleet = draw(fleet_settings())
    mode = draw(st.sampled_from(["server", "client"]))
    host = draw(st.sampled_from(["", "gw.example.net", "10.1.2.3", "a-b.c"]))
    if (mode == "client" or fleet["host2"]) and host == "":
        host = "gw.example.net"
    return {
        "password": draw(st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz",
                                 min_size=1, max_size=12)),
        "apn": draw(st.text(alphabet="abcXYZ019.-_", min_size=1, max_size=50)),
        "apnuser": user, "apnpass": secret,
        "baud": draw(st.sampled_from([300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200])),
        "charformat": draw(st.sampled_from(["8N2", "8E1", "8O1", "8N1", "7E1", "7O1"])),
        "mode": mode, "permit": draw(st.one_of(st.just("any"), _ip)),
        "lport": draw(st.integers(1, 65535)),
        "host": host, "rport": draw(st.integers(1, 65535)) if host else 0,
        "maintain": draw(st.integers(0, 1)), "sktimeout": draw(st.integers(0, 65535)),
        "sendtimeout": draw(st.integers(0, 255)), "pktsize": draw(st.integers(0, 512)),
        "dialin": draw(st.integers(0, 1)), "firewall": fw,
        **fleet,
    }


_CS = load("config_store", flash=Flash())


@settings(max_examples=200, deadline=None)
@given(configs())
def test_encode_decode_round_trip(c):
    assert _CS.validate(c) == ""
    assert _CS.decode(_CS.encode(c), 0) == (1, c)


@settings(max_examples=50, deadline=None)
@given(configs())
def test_save_load_round_trip(c):
    flash = Flash()
    cs = boot(flash)
    assert cs.save(c) == "ok"
    assert boot(flash).load() == ("ok", c)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_decode_never_raises(text):
    ok, _ = _CS.decode(text, 0)
    assert ok in (0, 1)
    ok, seq, _ = _CS.parse_slot(text)
    assert ok in (0, 1)


# ---- load / save ----------------------------------------------------------------------------

def test_first_boot_gives_defaults_and_says_so(cs):
    assert cs.load() == ("new", cs.defaults())


def test_save_alternates_slots_and_keeps_the_old_one():
    flash = Flash()
    cs = boot(flash)
    c1 = cfg_with(cs, baud=19200)
    c2 = cfg_with(cs, baud=38400)
    c3 = cfg_with(cs, baud=57600)
    assert cs.save(c1) == "ok"
    assert set(flash.files) == {SLOT_A}
    assert cs.save(c2) == "ok"
    assert set(flash.files) == {SLOT_A, SLOT_B}
    assert cs.parse_slot(flash.files[SLOT_A]) == (1, 1, c1)
    assert cs.parse_slot(flash.files[SLOT_B]) == (1, 2, c2)
    assert cs.save(c3) == "ok"
    assert cs.parse_slot(flash.files[SLOT_A]) == (1, 3, c3)
    assert cs.parse_slot(flash.files[SLOT_B]) == (1, 2, c2)
    assert boot(flash).load() == ("ok", c3)
    assert flash.flushes == 3               # flashflush() after every save


def test_slot_file_format(cs):
    text = cs.slot_text(cs.defaults(), 7)
    assert text.startswith("format=gwcfg2\nseq=7\npassword=connect\n")
    body, md5line = text[: text.rindex("md5=")], text[text.rindex("md5="):]
    assert md5line == "md5=" + hashlib.md5(body.encode()).hexdigest() + "\n"


def test_save_refuses_an_invalid_config_and_writes_nothing():
    flash = Flash()
    cs = boot(flash)
    assert cs.save(cfg_with(cs, baud=1234)) == "invalid"
    assert flash.files == {}


def test_save_reports_io_errors():
    class Failing(Flash):
        def _write(self, name, data):
            raise IOError("flash full")
    flash = Failing()
    cs = boot(flash)
    assert cs.save(cs.defaults()) == "ioerror"


def test_a_power_cut_is_not_survived_by_the_script():
    flash = Flash()
    cs = boot(flash)
    flash.cut_after(10)
    with pytest.raises(PowerCut):
        cs.save(cs.defaults())


def _power_cut_sweep(prepare, old, new):
    """Cut the power at every byte offset of the save of `new` (and just after it)."""
    flash = Flash()
    prepare(flash)
    before = dict(flash.files)
    cs = boot(flash)
    assert cs.load()[1] == old
    # how many bytes the save writes
    probe = Flash(before)
    assert boot(probe).save(new) == "ok"
    size = probe.written
    assert size > 200
    seen_old = seen_new = 0
    for cut in range(size + 2):
        flash = Flash(before)
        cs = boot(flash)
        flash.cut_after(cut)
        if cut >= size:
            assert cs.save(new) == "ok"
        else:
            with pytest.raises(PowerCut):
                cs.save(new)
        status, got = boot(flash).load()
        if cut < size:
            assert got == old, cut
            seen_old += 1
            # the half-written slot is reported; with no earlier save there is no old slot
            assert status == ("corrupt" if not before else "partial"), cut
        else:
            assert (status, got) == ("ok", new), cut
            seen_new += 1
    assert seen_old == size and seen_new == 2


def test_power_cut_at_every_byte_of_the_write_into_slot_b():
    def prepare(flash):
        cs = boot(flash)
        assert cs.save(cfg_with(cs, baud=19200, apn="old.apn")) == "ok"          # -> slot A
    cs = load("config_store", flash=Flash())
    _power_cut_sweep(prepare, cfg_with(cs, baud=19200, apn="old.apn"),
                     cfg_with(cs, baud=115200, apn="new.apn", mode="client",
                              host="gw.example.net", rport=5000,
                              firewall=[("10.0.0.0", "255.0.0.0")]))


def test_power_cut_at_every_byte_of_the_write_into_slot_a():
    def prepare(flash):
        cs = boot(flash)
        assert cs.save(cfg_with(cs, baud=19200)) == "ok"                          # -> A
        assert cs.save(cfg_with(cs, baud=38400, apnuser="u", apnpass="p")) == "ok"  # -> B
    cs = load("config_store", flash=Flash())
    _power_cut_sweep(prepare, cfg_with(cs, baud=38400, apnuser="u", apnpass="p"),
                     cfg_with(cs, baud=57600, charformat="7E1", password="secret1"))


def test_power_cut_during_the_very_first_save_leaves_the_defaults():
    cs = load("config_store", flash=Flash())
    _power_cut_sweep(lambda flash: None, cs.defaults(), cfg_with(cs, baud=300))


def test_power_cut_then_next_save_still_safe():
    # After a cut save, the broken slot is the one rewritten next; the good one stays.
    flash = Flash()
    cs = boot(flash)
    c1, c2, c3 = (cfg_with(cs, baud=b) for b in (1200, 2400, 4800))
    assert cs.save(c1) == "ok"
    flash.cut_after(50)
    with pytest.raises(PowerCut):
        cs.save(c2)
    cs = boot(flash)
    assert cs.load() == ("partial", c1)
    assert cs.save(c3) == "ok"
    assert cs.parse_slot(flash.files[SLOT_A])[2] == c1        # never touched
    assert boot(flash).load() == ("ok", c3)


# ---- corrupt slots fall back to the other one ---------------------------------------------

def _two_slots(cs):
    flash = Flash()
    cs = boot(flash)
    old = cfg_with(cs, baud=19200)
    new = cfg_with(cs, baud=38400)
    assert cs.save(old) == "ok" and cs.save(new) == "ok"     # A: seq 1 old, B: seq 2 new
    return flash, old, new


def _corruptions(cs):
    good = lines_of(cs, cs.defaults())
    text = cs.slot_text(cs.defaults(), 3)
    out = {
        "empty": "",
        "truncated half": text[: len(text) // 2],
        "truncated one byte": text[:-1],
        "truncated in md5": text[:-10],
        "garbage": "\x00\xff" * 100,
        "bad checksum": text.replace("apn=internet", "apn=internes"),
        "flipped md5": text[:-2] + ("0" if text[-2] != "0" else "1") + "\n",
        "extra byte": text + "x",
        "unknown key": slot_file(3, good + ["colour=blue"]),
        "repeated key": slot_file(3, good + ["baud=9600"]),
        "missing key": slot_file(3, [ln for ln in good if not ln.startswith("dialin=")]),
        "baud out of range": slot_file(3, [("baud=9601" if ln.startswith("baud=") else ln) for ln in good]),
        "port out of range": slot_file(3, [("lport=65536" if ln.startswith("lport=") else ln) for ln in good]),
        "non-canonical number": slot_file(3, [("lport=01024" if ln.startswith("lport=") else ln) for ln in good]),
        "negative number": slot_file(3, [("pktsize=-1" if ln.startswith("pktsize=") else ln) for ln in good]),
        "bad escape": slot_file(3, [("apnuser=%4" if ln.startswith("apnuser=") else ln) for ln in good]),
        "bad firewall": slot_file(3, good + ["fw=1.2.3.4,255.0.255.0"]),
        "firewall not network": slot_file(3, good + ["fw=10.1.2.3,255.0.0.0"]),
        "too many rules": slot_file(3, good + ["fw=10.0.0.%d,255.255.255.255" % i for i in range(11)]),
        "no newline at end": slot_file(3, good)[:-1],
        "wrong format": slot_file(3, good, fmt="gwcfg3"),
        "bad seq": slot_file(3, good).replace("seq=3", "seq=x"),
        "seq too big": slot_file(1000000000, good),
        "not key=value": slot_file(3, good + ["justtext"]),
    }
    return out


@pytest.mark.parametrize("which", sorted(_corruptions(load("config_store", flash=Flash()))))
def test_corrupt_newest_slot_falls_back_to_the_other(which):
    cs = load("config_store", flash=Flash())
    flash, old, new = _two_slots(cs)
    flash.files[SLOT_B] = _corruptions(cs)[which]
    assert boot(flash).load() == ("partial", old)


@pytest.mark.parametrize("which", sorted(_corruptions(load("config_store", flash=Flash()))))
def test_corrupt_older_slot_keeps_the_newest(which):
    cs = load("config_store", flash=Flash())
    flash, old, new = _two_slots(cs)
    flash.files[SLOT_A] = _corruptions(cs)[which]
    assert boot(flash).load() == ("partial", new)


def test_valid_slot_beats_a_corrupt_slot_with_higher_number():
    cs = load("config_store", flash=Flash())
    flash, old, new = _two_slots(cs)
    good = lines_of(cs, cs.defaults())
    flash.files[SLOT_B] = slot_file(99, good + ["colour=blue"])
    assert boot(flash).load() == ("partial", old)


def test_both_slots_corrupt_gives_defaults_and_says_so():
    cs = load("config_store", flash=Flash())
    flash, old, new = _two_slots(cs)
    flash.files[SLOT_A] = "junk"
    flash.files[SLOT_B] = ""
    assert boot(flash).load() == ("corrupt", cs.defaults())


def test_one_absent_one_valid_is_ok():
    cs = load("config_store", flash=Flash())
    flash, old, new = _two_slots(cs)
    del flash.files[SLOT_A]
    assert boot(flash).load() == ("ok", new)


def test_a_hand_made_valid_slot_loads(cs):
    flash = Flash({SLOT_B: slot_file(5, lines_of(cs, cfg_with(cs, baud=300)))})
    assert boot(flash).load() == ("ok", cfg_with(cs, baud=300))


def test_oversized_slot_is_invalid(cs):
    good = lines_of(cs, cs.defaults())
    flash = Flash({SLOT_A: slot_file(1, good + ["x" * 5000])})
    assert boot(flash).load() == ("corrupt", cs.defaults())


# ---- sequence numbers stay in 32 bits and survive the wrap ----------------------------------

def test_sequence_wraps_inside_32_bits(cs):
    top = cs.SEQ_MOD - 1
    assert top < 2 ** 31
    flash = Flash({SLOT_A: slot_file(top, lines_of(cs, cfg_with(cs, baud=300)))})
    cs = boot(flash)
    assert cs.save(cfg_with(cs, baud=1200)) == "ok"             # -> B with seq 0
    assert cs.parse_slot(flash.files[SLOT_B])[1] == 0
    assert boot(flash).load() == ("ok", cfg_with(cs, baud=1200))
    assert cs.save(cfg_with(cs, baud=2400)) == "ok"             # -> A with seq 1
    assert cs.parse_slot(flash.files[SLOT_A])[1] == 1
    assert boot(flash).load() == ("ok", cfg_with(cs, baud=2400))


@pytest.mark.parametrize("a,b,expect", [
    (2, 1, 1), (1, 2, 0), (0, 999999999, 1), (999999999, 0, 0), (5, 5, 0),
    (499999999, 0, 1), (500000000, 0, 0),
])
def test_newer_is_serial_arithmetic(cs, a, b, expect):
    assert bool(cs.newer(a, b)) == bool(expect)


def test_equal_sequence_numbers_pick_slot_a(cs):
    flash = Flash({SLOT_A: slot_file(4, lines_of(cs, cfg_with(cs, baud=300))),
                   SLOT_B: slot_file(4, lines_of(cs, cfg_with(cs, baud=1200)))})
    assert boot(flash).load() == ("ok", cfg_with(cs, baud=300))


def test_slot_names_fit_the_flash(cs):
    for name in cs.SLOTS:
        assert len(name) <= 16


# ---- the loader itself behaves like the module ------------------------------------------------

def test_loader_offers_only_the_dialect_builtins(tmp_path):
    (tmp_path / "probe.py").write_text(
        "def f(name):\n"
        "    try:\n"
        "        getattr(__builtins__, 'x')\n"
        "    except AttributeError:\n"
        "        pass\n"
        "    return 1\n"
        "def uses_sorted():\n"
        "    return sorted([2, 1])\n"
        "def imports_os():\n"
        "    import os\n"
        "def md5_has_no_hexdigest():\n"
        "    import md5\n"
        "    return hasattr(md5.new('a'), 'hexdigest')\n"
        "def int_base():\n"
        "    return int('10', 16)\n")
    mod = Loader(root=tmp_path).load("probe")
    with pytest.raises(NameError):
        mod.uses_sorted()
    with pytest.raises(ImportError):
        mod.imports_os()
    assert mod.md5_has_no_hexdigest() == 0
    with pytest.raises(TypeError):
        mod.int_base()


def test_flash_cut_keeps_the_prefix_and_then_refuses_everything():
    flash = Flash()
    flash.cut_after(3)
    f = flash.open("x.txt", "w")
    with pytest.raises(PowerCut):
        f.write("abcdef")
    assert flash.files["x.txt"] == "abc"
    with pytest.raises(PowerCut):
        flash.open("x.txt", "r")
    flash.reboot()
    assert flash.open("x.txt", "r").read() == "abc"
    with pytest.raises(IOError):
        flash.open("a-name-that-is-17", "w")


# ---- the on-module files of this part fit the module ---------------------------------------------

@pytest.mark.parametrize("name", ["config_store", "sms_commands", "firewall", "atc"])
def test_compiled_file_is_under_16_kb_and_passes_the_dialect_gate(name):
    api = pytest.importorskip("tools.pyo15.api")
    from onmodule import ROOT
    blob = api.compile_to_bytes(ROOT / (name + ".py"), check_dialect=True)
    assert blob[:4] == bytes([0x99, 0x4E, 0x0D, 0x0A])       # 1.5.2 magic (REFERENCE.md 4.1)
    assert len(blob) < 16 * 1024                              # dialect.md "Size"
    assert len(name + ".pyo") <= 16


# ---- the same power-cut sweep on the emulator's flash (tools/emulator/flash.py) ----------------------

def test_power_cut_sweep_on_the_emulator_flash(tmp_path):
    emu = pytest.importorskip("tools.emulator.flash")

    class EmuFlash:
        # The emulator's flash behind the loader's four built-ins.
        def __init__(self, directory):
            self.f = emu.Flash(directory)
            self.open = self.f.builtin_open
            self.unlink = self.f.builtin_unlink
            self.rename = self.f.builtin_rename
            self.flashflush = self.f.builtin_flashflush

        def reboot(self):
            self.f.reset_after_boot()

    def start(flash):
        flash.reboot()
        return Loader(flash=flash).load("config_store")

    base = EmuFlash(tmp_path / "base")
    cs = start(base)
    old = cfg_with(cs, baud=19200, apn="old.apn")
    new = cfg_with(cs, baud=115200, mode="client", host="gw.example.net", rport=5000)
    assert cs.save(cfg_with(cs, baud=2400)) == "ok"      # -> A
    assert cs.save(old) == "ok"                          # -> B
    files = {n: base.f.read(n) for n in base.f.names()}
    size = len(cs.slot_text(new, 3))
    for cut in range(0, size + 2, 1):
        flash = EmuFlash(tmp_path / ("c%d" % cut))
        for n, data in files.items():
            flash.f.write(n, data)
        cs = start(flash)
        flash.f.arm_power_cut(cut)
        if cut >= size:
            assert cs.save(new) == "ok"
        else:
            with pytest.raises(emu.PowerCut):
                cs.save(new)
        status, got = start(flash).load()
        assert (status, got) == (("ok", new) if cut >= size else ("partial", old)), cut


def test_a_saved_32_character_credential_still_loads(cs, tmp_path) -> None:
    """Earlier versions took user and password up to 32 characters each; the SMS command now
    takes 30 (AT#SGACT's 80-character line), but a saved configuration must not be lost:
    a slot with 32-character credentials loads as it was."""
    flash = Flash()
    c = load("config_store", flash=flash)
    cfg = cfg_with(c, apnuser="u" * 32, apnpass="p" * 32)
    assert c.validate(cfg) == ""
    c.save(cfg)
    status, again = boot(flash).load()
    assert status == "ok" and again["apnuser"] == "u" * 32 and again["apnpass"] == "p" * 32
    assert c.validate(cfg_with(c, apnuser="u" * 33)) == "apnuser"
