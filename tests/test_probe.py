"""probe/probe.py (docs/probe.md) on the emulated module under every variant value: the
report it writes to the flash, read back as a profile (tools/emulator/variants.py), must
reproduce the variant the module ran under.  A simulated HTTP server stands for the user's
server and a simulated peer dials the probe's listener, as the user would."""
from __future__ import annotations

from pathlib import Path

import pytest

from tools.emulator import Module, variants
from tools.emulator.net.simhttp import SimHttp
from tools.paths import ROOT

PROBE = ROOT / "probe" / "probe.py"
WEB = "203.0.113.80"
CASES = [(n, v) for n, var in variants.VARIANTS.items() for v in var.values]
CALLER = "+15551230002"


def probe_source(apn: str = "internet") -> bytes:
    text = PROBE.read_text(encoding="latin-1")
    for old, new in (("APN = ''", "APN = '%s'" % apn), ("HOST = ''", "HOST = '%s'" % WEB)):
        assert old in text
        text = text.replace(old, new, 1)
    return text.encode("latin-1")


def run_probe(tmp_path: Path, settings: dict[str, str], apn: str = "internet",
              interpreter: Path | None = None, caller: bool = True) -> tuple[Module, str]:
    m = Module(tmp_path / "flash")
    variants.apply(m, settings)
    if interpreter is not None:
        from tools.emulator.remote import use_interpreter

        use_interpreter(m, str(interpreter))
    m.flash.write("probe.py", probe_source(apn))
    m.nvm["escript"] = "probe.py"
    m.serial.dte.configure("115200", "8N1")            # the user's terminal (docs/probe.md)
    SimHttp(m.net, WEB, 80, {"/": b"<html>probe target</html>\n" * 20})
    m.power_on()
    if apn:
        assert m.run_until(lambda: any("listening on port 5555" in x for x in m.trace_lines), 300), m.trace_text()
        peer = m.net.sim.connect("198.51.100.7", 5555)   # the user dials in
        assert m.run_until(lambda: peer.state == "connected", 30), peer.state
    # the user calls the unit's data number when asked (or never)
    assert m.run_until(lambda: any("probe: call me" in x for x in m.trace_lines), 400), m.trace_text()[-3000:]
    if caller:
        call = m.csd.call(CALLER)
    assert m.run_until(lambda: any("probe: done" in x for x in m.trace_lines), 400), m.trace_text()[-3000:]
    assert m.script_error is None, m.script_error
    if caller:
        # answered, then hung up by the probe
        assert call.state == "ended" and call.connected_ms is not None, (call.state, call.end_reason)
    return m, m.flash.read("probe.txt").decode("latin-1")


def report_of(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_probe_is_in_the_dialect() -> None:
    from tools.dialect import main as dialect_main

    assert dialect_main([str(PROBE)]) == 0


@pytest.mark.parametrize("name,value", CASES, ids=["%s=%s" % c for c in CASES])
def test_probe_report_reproduces_the_variant(tmp_path: Path, name: str, value: str) -> None:
    m, text = run_probe(tmp_path, {name: value})
    rep = report_of(text)
    assert rep["firmware"] == m.radio.firmware and rep["selint"] == "#SELINT: 2" and rep["net"] == "ok"
    assert rep["scfgext_test"].startswith("#SCFGEXT: (1-6)")
    # every line printed on the trace port too, and the report on the serial port at the end
    for k, v in rep.items():
        assert any(line == "probe: %s=%s" % (k, v) for line in m.trace_lines), k
    assert m.serial.speed == "115200"
    tail = b"\r\n" + text.encode("latin-1")
    assert m.run_until(lambda: bytes(m.serial.dte.received).endswith(tail), 5)
    profile = variants.parse_profile(text)
    fresh = Module(tmp_path / "fresh")
    variants.apply(fresh, profile)
    got = variants.current(fresh)
    assert rep["ssend_bytes"] == ("0d0a3e20" if variants.current(m)["ssend_prompt"] == "crlf" else "3e20")
    assert rep["call"] == "ok"
    if name == "csd_handshake_s":
        # whole seconds of MOD.secCounter() around ATA
        assert abs(int(got[name]) - int(value)) <= 1, rep
    elif name == "sgact_ms":
        # whole seconds of MOD.secCounter() around the command
        assert abs(int(got[name]) - int(value)) <= 1500, rep
    elif name == "sim_ready_s":
        # measured from the script's start in whole seconds between polls
        assert int(value) <= int(got[name]) <= int(value) + 2, rep
    else:
        assert got[name] == value, rep
    # the variants the module did not change come back as the defaults
    for other, default in variants.defaults().items():
        if other not in (name, "sim_ready_s", "sgact_ms", "csd_handshake_s"):
            assert got[other] == default, (other, rep)
    assert fresh.radio.firmware == m.radio.firmware
    m.close()
    fresh.close()


def test_probe_without_network_answers_the_module_questions(tmp_path: Path) -> None:
    m, text = run_probe(tmp_path, {"line_count": "after_at", "seccounter_str": "long"}, apn="")
    rep = report_of(text)
    assert rep["net"] == "skipped" and "sring" not in rep and "ssend_prompt" not in rep
    assert rep["line_count"] == "after_at" and rep["seccounter_str"] == "long"
    assert int(rep["took_s"]) < 80      # 10 s of questions, then the call: ring, ATA, 30 s
    assert rep["ring_to"] == "both" and rep["csd_handshake_s"] == "30"
    # nothing but the report on the flash
    assert sorted(m.flash.names()) == ["probe.py", "probe.txt"]
    m.close()


def test_probe_under_the_real_interpreter(tmp_path: Path, py152: Path) -> None:
    """The same probe as bytecode of the real 1.5.2+ (the child host, tools/emulator/remote.py)."""
    settings = {"sring": "+SRING", "line_count": "after_at", "ser_send": "prefix", "mdm_send": "prefix",
                "ssend_prompt": "bare",
                "read_after_close": "drop", "scfg_listening": "refuse", "frwl_quote": "bare",
                "ring_to": "mdm2", "csd_handshake_s": "5"}
    m, text = run_probe(tmp_path, settings, interpreter=py152)
    profile = variants.parse_profile(text)
    assert {k: profile[k] for k in settings} == settings, text
    assert profile["seccounter_str"] == "int"       # str() of a long has no L in the real 1.5.2+ either
    m.close()


def test_probe_without_a_call_says_it_could_not_tell(tmp_path: Path) -> None:
    m, text = run_probe(tmp_path, {}, apn="", caller=False)
    rep = report_of(text)
    assert rep["call"] == "no call" and rep["ring_to"] == "?" and rep["csd_handshake_s"] == "?"
    profile = variants.parse_profile(text)
    assert "ring_to" not in profile and "csd_handshake_s" not in profile
    assert int(rep["took_s"]) >= 60            # the whole CALL_S wait
    m.close()
