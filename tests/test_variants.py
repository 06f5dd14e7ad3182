"""tools/emulator/variants.py: each variant's values change what a script or an AT user sees,
exactly as docs/emulator-fidelity.md says; the defaults are what a fresh module does; bad
settings and profiles are refused whole with a clear message; the CLI takes --variant and
--profile."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import pytest

from emu_helpers import at, run_collect
from tools.emulator import Module, variants
from tools.emulator.cli import main as cli_main


def fresh(tmp_path: Path, **settings: str) -> Module:
    m = Module(tmp_path / "flash")
    variants.apply(m, settings)
    return m


def run_script(tmp_path: Path, source: str, seconds: float = 20,
               setup: Callable[[Module], object] | None = None, **settings: str) -> Module:
    """``source`` as the start-up script, run to its end (``setup`` sees the module before
    power-on)."""
    m = fresh(tmp_path, **settings)
    if setup is not None:
        setup(m)
    m.flash.write("main.py", source.encode("latin-1"))
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run_until(lambda: m.script_state in ("ended", "crashed"), seconds)
    assert m.script_state == "ended", m.script_error
    return m


# ------------------------------------------------------------------------ the table
def test_defaults_are_what_a_fresh_module_does(tmp_path: Path) -> None:
    # A default changed elsewhere in the emulator shows here: update variants.py and the table.
    assert variants.current(Module(tmp_path / "f")) == variants.defaults()


def test_every_variant_has_values_a_default_and_a_source() -> None:
    for v in variants.VARIANTS.values():
        assert len(v.values) >= 2 and v.default in v.values and v.source and v.question
        assert set(v.meaning) == set(v.values), v.name


def test_fidelity_doc_lists_every_variant_and_its_tests() -> None:
    from tools.paths import ROOT

    doc = (ROOT / "docs" / "emulator-fidelity.md").read_text(encoding="utf-8")
    for v in variants.VARIANTS.values():
        row = [line for line in doc.splitlines() if line.startswith("| `%s`" % v.name)]
        assert len(row) == 1, v.name
        assert "**%s**" % v.default in row[0] and all("`%s`" % x in row[0] for x in v.values), row
        for test in ("test_gw_variants.py", "test_variants.py"):
            assert test in row[0], (v.name, test)


# ------------------------------------------------------------------- each behaviour
@pytest.mark.parametrize("value,expect", [("whole", "1 -1 1"), ("prefix", "1 -1 -1")])
def test_mdm_send_partial(tmp_path: Path, value: str, expect: str) -> None:
    # While #SGACT runs (2.5 s) the parser reads nothing: 3000 bytes fit the 4096-byte
    # buffer, 3000 more do not; then 1000 fit only if the second call left no bytes behind.
    m = run_script(tmp_path, "import MDM\n"
                   "MDM.send('AT#SGACT=1,1\\r', 0)\n"
                   "a = MDM.send('A' * 3000, 1)\n"
                   "b = MDM.send('B' * 3000, 1)\n"
                   "c = MDM.send('C' * 1000, 0)\n"
                   "print('%d %d %d' % (a, b, c))\n", mdm_send=value)
    assert m.trace_lines[-1] == expect


@pytest.mark.parametrize("value", ["network", "accepted"])
def test_si_sent(tmp_path: Path, value: str) -> None:
    # 3000 bytes into an online socket, AT#SI=1 on MDM2 at once: the radio (28.8 kbit/s)
    # has sent none of them yet; under `accepted` every byte MDM.send took counts.
    from tools.emulator.net.simhttp import SimHttp

    src = ("import MDM\nimport MDM2\nimport MOD\n"
           "MDM.send('AT#SGACT=1,1\\r', 0)\nMOD.sleep(40)\nMDM.read()\n"
           "MDM.send('AT#SD=1,0,80,\"203.0.113.80\"\\r', 0)\nMOD.sleep(30)\nMDM.read()\n"
           "a = MDM.send('X' * 3000, 10)\n"
           "MDM2.send('AT#SI=1\\r', 0)\nMOD.sleep(1)\n"
           "print(MDM2.read().split('\\r\\n')[1])\n"
           "MOD.sleep(50)\n"
           "MDM2.send('AT#SI=1\\r', 0)\nMOD.sleep(1)\n"
           "print(MDM2.read().split('\\r\\n')[1])\n")
    m = run_script(tmp_path, src, 30, lambda m: SimHttp(m.net, "203.0.113.80", 80, {"/": b"x"}), si_sent=value)
    first, later = m.trace_lines[-2:]
    assert later.startswith("#SI: 1,3000,")                       # 5 s later: all gone
    if value == "accepted":
        assert first.startswith("#SI: 1,3000,"), first
    else:
        assert first.startswith("#SI: 1,0,"), first


@pytest.mark.parametrize("value,expect", [("whole", "1 -1 1"), ("prefix", "1 -1 -1")])
def test_ser_send_partial(tmp_path: Path, value: str, expect: str) -> None:
    m = run_script(tmp_path, "import SER\n"
                   "a = SER.send('a' * 2000)\n"
                   "b = SER.send('b' * 3000)\n"
                   "c = SER.send('c' * 2000)\n"
                   "print('%d %d %d' % (a, b, c))\n", ser_send=value)
    assert m.trace_lines[-1] == expect
    m.run(10)
    got = bytes(m.serial.dte.received)
    assert got.count(b"b") == (0 if value == "whole" else 2096)   # what the device gets


@pytest.mark.parametrize("value,expect", [("long", "850000000L 850000000 850000001"),
                                          ("int", "850000000 850000000 850000001")])
def test_seccounter_str(tmp_path: Path, value: str, expect: str) -> None:
    m = Module(tmp_path / "flash", start_time=850000000)
    variants.apply(m, {"seccounter_str": value})
    m.flash.write("main.py", b"import MOD\nt = MOD.secCounter()\nprint(str(t) + ' ' + '%d' % t + ' ' + '%d' % (t + 1))\n")
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(2)
    assert m.trace_lines[-1] == expect


@pytest.mark.parametrize("value,longest", [("with_at", 78), ("after_at", 80), ("with_cr", 77)])
def test_line_count(tmp_path: Path, value: str, longest: int) -> None:
    m = fresh(tmp_path, line_count=value)
    m.power_on()
    for n in range(74, 84):
        body = ("E" if n % 2 else "") + "E0" * (n // 2)
        want = b"\r\nOK\r\n" if n <= longest else b"\r\nERROR\r\n"
        assert at(m, "AT" + body) == want, n


@pytest.mark.parametrize("seconds", ["0", "5", "30"])
def test_sim_ready(tmp_path: Path, seconds: str) -> None:
    m = fresh(tmp_path, sim_ready_s=seconds)
    m.power_on()
    at(m, "AT+CMEE=1", inst=2)
    at(m, "AT#QSS=2", inst=2)  # status 2 and 3 are reported in mode 2 only (ATR10 p.324)
    busy = int(seconds) > 0
    assert at(m, "AT#QSS?", inst=2).startswith(b"\r\n#QSS: 2,2" if busy else b"\r\n#QSS: 2,3")
    assert at(m, 'AT+CPMS="SM"', inst=2).endswith(b"+CMS ERROR: 314\r\n" if busy else b"OK\r\n")
    assert at(m, "AT#CCID", inst=2).endswith(b"+CME ERROR: 14\r\n" if busy else b"OK\r\n")
    assert at(m, "AT+CSQ", inst=2).endswith(b"OK\r\n")            # not a SIM command
    m.run(int(seconds))
    assert at(m, "AT#QSS?", inst=2).startswith(b"\r\n#QSS: 2,3")
    assert at(m, 'AT+CPMS="SM"', inst=2).endswith(b"OK\r\n")
    # a reboot starts the SIM again
    m.reboot("test")
    m.run(1)
    assert at(m, "AT+CMEE=1", inst=2).endswith(b"OK\r\n")
    assert at(m, 'AT+CPMS="SM"', inst=2).endswith(b"+CMS ERROR: 314\r\n" if busy else b"OK\r\n")


def _connected_socket(m: Module) -> None:
    m.power_on()
    assert at(m, "AT#SGACT=1,1", timeout=30).endswith(b"OK\r\n")
    assert at(m, 'AT#SD=1,0,80,"203.0.113.80",0,0,1', timeout=30) == b"\r\nOK\r\n"


@pytest.mark.parametrize("value,prompt", [("crlf", b"\r\n> "), ("bare", b"> ")])
def test_ssend_prompt(tmp_path: Path, value: str, prompt: bytes) -> None:
    from tools.emulator.net.simhttp import SimHttp

    m = fresh(tmp_path, ssend_prompt=value)
    SimHttp(m.net, "203.0.113.80", 80, {})
    _connected_socket(m)
    assert at(m, "AT#SSEND=1") == prompt
    m.instances[1].feed(b"hi\x1a")
    assert run_collect(m, 1) == b"\r\nOK\r\n"


@pytest.mark.parametrize("value", ["crlf", "bare"])
def test_ssendext_prompt(tmp_path: Path, value: str) -> None:
    from tools.emulator.net.simhttp import SimHttp

    m = fresh(tmp_path, ssend_prompt=value)
    SimHttp(m.net, "203.0.113.80", 80, {})
    _connected_socket(m)
    assert at(m, "AT#SSENDEXT=1,2") == (b"\r\n> " if value == "crlf" else b"> ")


@pytest.mark.parametrize("value", ["keep", "drop"])
def test_read_after_close(tmp_path: Path, value: str) -> None:
    from tools.emulator.net.simhttp import SimHttp

    m = fresh(tmp_path, read_after_close=value)
    SimHttp(m.net, "203.0.113.80", 80, {"/": b"x" * 50})
    _connected_socket(m)
    assert at(m, "AT#SSEND=1").endswith(b"> ")
    m.instances[1].feed(b"GET / HTTP/1.0\r\n\r\n\x1a")
    assert b"SRING: 1" in run_collect(m, 5)              # the answer came, then the FIN
    got = at(m, "AT#SRECV=1,200")
    if value == "keep":
        assert got.startswith(b"\r\n#SRECV: 1,") and got.count(b"x") == 50
        assert m.net.sockets[1].state == "closed"         # closed once read
    else:
        assert got == b"\r\nERROR\r\n" and m.net.sockets[1].state == "closed"


@pytest.mark.parametrize("value", ["none", "no_carrier"])
def test_cmd_close_urc(tmp_path: Path, value: str) -> None:
    # A command-mode socket closed by the peer: #SS says 0 either way; no_carrier also
    # prints NO CARRIER on the opening instance.  A local #SH prints nothing.
    m = fresh(tmp_path, cmd_close_urc=value)
    m.power_on()
    assert at(m, "AT#SGACT=1,1", timeout=30).endswith(b"OK\r\n")
    srv = m.net.sim.listen("203.0.113.5", 5000)
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5",255,0,1', timeout=10) == b"\r\nOK\r\n"
    conn = srv.accept_next(1)
    conn.close()
    got = run_collect(m, 2)
    assert m.net.sockets[1].state == "closed"
    assert got == (b"\r\nNO CARRIER\r\n" if value == "no_carrier" else b"")
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5",255,0,1', timeout=10) == b"\r\nOK\r\n"
    srv.accept_next(1)
    assert at(m, "AT#SH=1") == b"\r\nOK\r\n" and run_collect(m, 2) == b""


@pytest.mark.parametrize("value", ["works", "error"])
def test_ssend_accepted(tmp_path: Path, value: str) -> None:
    # ATR10 p.428-429: #SSEND/#SSENDEXT "only if the connection was opened by #SD, else the
    # ME is raising an error": what a socket accepted with #SA does; one opened by #SD
    # sends either way.
    m = fresh(tmp_path, ssend_accepted=value)
    m.power_on()
    assert at(m, "AT+CMEE=1") == b"\r\nOK\r\n"
    assert at(m, "AT#SGACT=1,1", timeout=30).endswith(b"OK\r\n")
    assert at(m, 'AT#FRWL=1,"0.0.0.0","0.0.0.0"') == b"\r\nOK\r\n"     # admit every peer
    assert at(m, "AT#SL=2,1,5555") == b"\r\nOK\r\n"
    client = m.net.sim.connect("198.51.100.7", 5555)
    assert b"SRING" in run_collect(m, 2)
    assert at(m, "AT#SA=2,1") == b"\r\nOK\r\n"
    if value == "error":
        assert at(m, "AT#SSENDEXT=2,2") == b"\r\n+CME ERROR: 551\r\n"
        assert at(m, "AT#SSEND=2") == b"\r\n+CME ERROR: 551\r\n"
    else:
        assert at(m, "AT#SSENDEXT=2,2") == b"> "
        m.instances[1].feed(b"ok")
        assert run_collect(m, 1) == b"\r\nOK\r\n"
        assert client.wait(lambda c: c.received == b"ok", 5)
    srv = m.net.sim.listen("203.0.113.5", 5000)
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5",0,0,1', timeout=10) == b"\r\nOK\r\n"
    conn = srv.accept_next(1)
    assert at(m, "AT#SSENDEXT=1,3") == b"> "
    m.instances[1].feed(b"sd!")
    assert run_collect(m, 1) == b"\r\nOK\r\n" and conn.wait(lambda c: c.received == b"sd!", 5)


@pytest.mark.parametrize("value,answer", [("accept", b"\r\nOK\r\n"), ("refuse", b"\r\nERROR\r\n")])
def test_scfg_on_a_listener(tmp_path: Path, value: str, answer: bytes) -> None:
    m = fresh(tmp_path, scfg_listening=value)
    m.power_on()
    assert at(m, "AT#SGACT=1,1", timeout=30).endswith(b"OK\r\n")
    assert at(m, "AT#SCFG=2,1,300,90,600,50") == b"\r\nOK\r\n"   # not listening: always OK
    assert at(m, "AT#SL=2,1,5555") == b"\r\nOK\r\n"
    assert at(m, "AT#SCFG=2,1,300,90,600,50") == answer


@pytest.mark.parametrize("value,urc", [("SRING", b"SRING: 2\r\n"), ("+SRING", b"+SRING : 2\r\n")])
def test_sring_spelling(tmp_path: Path, value: str, urc: bytes) -> None:
    m = fresh(tmp_path, sring=value)
    m.power_on()
    assert at(m, "AT#SGACT=1,1", timeout=30).endswith(b"OK\r\n")
    at(m, 'AT#FRWL=1,"0.0.0.0","0.0.0.0"')
    assert at(m, "AT#SL=2,1,5555") == b"\r\nOK\r\n"
    m.net.sim.connect("198.51.100.7", 5555)
    assert run_collect(m, 3) == b"\r\n" + urc


@pytest.mark.parametrize("value,line", [("bare", b"#SGACT: 10.20.30.40"), ("quoted", b'#SGACT: "10.20.30.40"')])
def test_sgact_address(tmp_path: Path, value: str, line: bytes) -> None:
    m = fresh(tmp_path, sgact_ip=value)
    m.power_on()
    assert at(m, "AT#SGACT=1,1", timeout=30) == b"\r\n" + line + b"\r\n\r\nOK\r\n"


@pytest.mark.parametrize("ms", ["2500", "30000", "140000"])
def test_sgact_time(tmp_path: Path, ms: str) -> None:
    m = fresh(tmp_path, sgact_ms=ms)
    m.power_on()
    m.run(1)
    t0 = m.kernel.now()
    assert at(m, "AT#SGACT=1,1", timeout=160).endswith(b"OK\r\n")
    assert abs(m.kernel.now() - t0 - int(ms)) <= 100


@pytest.mark.parametrize("seconds", ["5", "30", "50"])
def test_csd_handshake(tmp_path: Path, seconds: str) -> None:
    m = fresh(tmp_path, csd_handshake_s=seconds)
    m.power_on()
    call = m.csd.call("+15551230002")
    m.run(2)
    t0 = m.kernel.now()
    got = at(m, "ATA", timeout=70)
    assert got.endswith(b"CONNECT 9600\r\n") or b"CONNECT" in got, got
    assert (m.kernel.now() - t0) // 1000 == int(seconds)
    assert call.state == "active"


@pytest.mark.parametrize("value,line", [("quoted", b'#FRWL: "10.1.2.3","255.255.0.0"'),
                                        ("bare", b"#FRWL: 10.1.2.3,255.255.0.0")], ids=["quoted", "bare"])
def test_frwl_read_form(tmp_path: Path, value: str, line: bytes) -> None:
    m = fresh(tmp_path, frwl_quote=value)
    m.power_on()
    assert at(m, 'AT#FRWL=1,"10.1.2.3","255.255.0.0"') == b"\r\nOK\r\n"
    assert at(m, "AT#FRWL?") == b"\r\n" + line + b"\r\n\r\nOK\r\n"


@pytest.mark.parametrize("value,mdm,mdm2", [("both", 1, 1), ("mdm", 1, 0), ("mdm2", 0, 1)])
def test_ring_routing(tmp_path: Path, value: str, mdm: int, mdm2: int) -> None:
    m = fresh(tmp_path, ring_to=value)
    m.power_on()
    m.run(1)
    m.csd.call("+15551230002", max_rings=1)
    m.run(3)
    assert (run_collect(m, 0, 1).count(b"RING"), run_collect(m, 0, 2).count(b"RING")) == (mdm, mdm2)


# ------------------------------------------------------------------ API and profiles
def test_apply_refuses_a_bad_setting_and_changes_nothing(tmp_path: Path) -> None:
    m = Module(tmp_path / "f")
    with pytest.raises(ValueError, match="ssend_prompt.*crlf, bare"):
        variants.apply(m, {"sring": "+SRING", "ssend_prompt": "lf"})
    with pytest.raises(ValueError, match="no variant 'srng'"):
        variants.apply(m, {"srng": "SRING"})
    with pytest.raises(ValueError, match="seconds 0-120"):
        variants.apply(m, {"sim_ready_s": "fast"})
    assert variants.current(m) == variants.defaults()
    assert variants.apply(m, {"sim_ready_s": "07"}) == {"sim_ready_s": "7"}   # any measured value


def test_profile_format(tmp_path: Path) -> None:
    text = ("# probe.py report\nprobe=1\nfirmware=07.02.009\nselint=#SELINT: 2\nsring=+SRING\n"
            "mdm_send=?\nsim_ready_s=12\nnet=ok\n\n")
    assert variants.parse_profile(text) == {"firmware": "07.02.009", "sring": "+SRING", "sim_ready_s": "12"}
    with pytest.raises(ValueError, match="line 2: unknown key 'colour'"):
        variants.parse_profile("probe=1\ncolour=blue\n")
    with pytest.raises(ValueError, match="line 1: variant line_count: 'both'"):
        variants.parse_profile("line_count=both\n")
    with pytest.raises(ValueError, match="line 1: not key=value"):
        variants.parse_profile("hello\n")
    p = tmp_path / "unit7.txt"
    p.write_text(text)
    m = Module(tmp_path / "f")
    variants.apply(m, variants.load_profile(p))
    assert m.net.listen_sring == "+SRING : %d" and variants.current(m)["sim_ready_s"] == "12"
    m.power_on()
    assert at(m, "AT+CGMR") == b"\r\n07.02.009\r\n\r\nOK\r\n"


def test_cli_variant_and_profile(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_bytes(b"import MOD\nprint('t=' + str(MOD.secCounter()))\n")
    prof = tmp_path / "unit.txt"
    prof.write_text("firmware=07.02.009\nseccounter_str=long\nsring=SRING\n")
    out = io.StringIO()
    rc = cli_main(["--flash", str(src), "--main", "m.py", "--scratch", str(tmp_path / "run"), "--virtual",
                   "--serial", "none", "--profile", str(prof), "--variant", "sring=+SRING"],
                  stdin=io.StringIO("advance 2\ntrace\nquit\n"), stdout=out)
    text = out.getvalue()
    assert rc == 0
    assert "variants: firmware=07.02.009, seccounter_str=long, sring=+SRING" in text   # --variant wins
    assert "trace: t=0L" in text


def test_cli_bad_variant_stops_before_anything(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--variant wants NAME=VALUE"):
        cli_main(["--scratch", str(tmp_path / "run"), "--virtual", "--serial", "none", "--variant", "sring"])
    prof = tmp_path / "bad.txt"
    prof.write_text("ser_send=maybe\n")
    with pytest.raises(SystemExit, match="bad.txt line 1: variant ser_send"):
        cli_main(["--scratch", str(tmp_path / "run"), "--virtual", "--serial", "none", "--profile", str(prof)])
    assert not (tmp_path / "run").exists()


def test_control_interface_reads_and_sets_variants(tmp_path: Path) -> None:
    from tools.emulator.control import Controller

    m = Module(tmp_path / "f")
    ctl = Controller(m)
    assert ctl("variants") == variants.defaults()
    assert ctl("variants", set={"sring": "+SRING", "sim_ready_s": 5})["sring"] == "+SRING"
    assert m.net.listen_sring == "+SRING : %d" and variants.current(m)["sim_ready_s"] == "5"
    bad = ctl.handle({"cmd": "variants", "set": {"line_count": "all", "ring_to": "mdm"}})
    assert bad == {"ok": False, "error": "variant line_count: 'all' is not one of with_at, after_at, with_cr"}
    assert variants.current(m)["ring_to"] == "both"     # nothing applied
