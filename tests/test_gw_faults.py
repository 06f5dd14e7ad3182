"""Faults (issue 5, order of work 6): GPRS loss and recovery with backoff, an uncaught error
injected into a step, a wedged step (the watchdog), a silent control instance, and a power
cut at every byte of a configuration save made through the gateway's SMS path."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import (PHONE, boot, config_on_flash, fast_boots, gw, received, sms, state,
                        trace_has, wait_state)
from tools.emulator import Module


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def sgact_times(m: Module) -> list[float]:
    return [t / 1000 for (t, i, line) in m.at_log if line == "AT#SGACT=1,1"]


def client(m: Module, src: str = "198.51.100.7"):
    c = m.net.sim.connect(src, 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)
    return c


# ---- GPRS loss -------------------------------------------------------------------------------

def test_context_dropped_while_listening_recovers_with_backoff(m: Module) -> None:
    sms(m, "connect firewall add 198.51.100.0 255.255.255.0")
    m.net.fail_activation(count=3)
    t0 = m.kernel.now() / 1000
    m.net.drop_context(1)                       # #SL: ABORTED on MDM
    assert m.run_until(lambda: m.net.activations == 2, 120)
    assert wait_state(m, "listening", 10)
    tries = [t - t0 for t in sgact_times(m)[1:]]
    gaps = [round(b - a) for a, b in zip(tries, tries[1:])]
    assert len(tries) == 4 and tries[0] < 2
    # each try takes the 2.5 s activation time plus the delay: 5, 10, 20 s
    # (plus the settings read before each try, gwnet.save: each gap rounds to 2-3 s more)
    assert all(2 <= g - d <= 3 for g, d in zip(gaps, [5, 10, 20])), gaps
    # the firewall was re-applied after the new activation
    assert m.net.firewall.lines() == ['#FRWL: "198.51.100.0","255.255.255.0"']
    client(m, "198.51.100.9")


def test_context_dropped_while_connected(m: Module) -> None:
    c = client(m)
    c.send(b"before the drop")
    assert m.run_until(lambda: received(m) == b"before the drop", 5)
    m.net.drop_context(1)                       # NO CARRIER, DCD low
    assert m.run_until(lambda: m.net.activations == 2, 30)
    assert wait_state(m, "listening", 10)
    assert received(m) == b"before the drop"
    client(m, "198.51.100.8").send(b"after")
    assert m.run_until(lambda: received(m).endswith(b"after"), 5)


def test_registration_lost_for_minutes(m: Module) -> None:
    m.net.set_registration(0)                   # detach: every context drops
    m.run(180)
    assert state(m) == "gprs" and gw(m).fails["gprs"] >= 3 and m.boots == 1
    m.net.set_registration(1)
    assert wait_state(m, "listening", 200)
    assert m.boots == 1                         # recovered without a restart


# ---- errors inside a step ----------------------------------------------------------------------

def test_uncaught_error_in_a_step_is_traced_and_the_loop_carries_on(m: Module) -> None:
    mods = m.script_run.modules
    real = mods["sms_commands"].handle
    calls = []

    def boom(text, cfg, status):
        calls.append(text)
        if len(calls) == 1:
            raise KeyError("injected")
        return real(text, cfg, status)

    mods["sms_commands"].handle = boom
    m.sms.deliver(PHONE, "connect baud 1200")
    m.run(20)
    assert trace_has(m, "error in sms: <class 'KeyError'> 'injected'")
    assert m.sms.store == {} and m.sms.sent == []   # deleted before acting: not run again
    assert sms(m, "connect baud 2400") == ["Confirmed: baud 2400"]
    assert m.boots == 1 and state(m) == "listening"


def test_repeated_errors_in_the_bridge_restart_cleanly(m: Module) -> None:
    c = client(m)

    def boom():
        raise ValueError("injected")

    m.script_run.modules["bridge"].turn = boom
    assert m.run_until(lambda: m.boots == 2, 30)
    assert trace_has(m, "restart: 3 errors in a row, last in bridge")
    assert m.boot_reasons[-1] == "watchdog"
    assert wait_state(m, "listening", 60)           # fresh code after the reboot
    client(m, "198.51.100.8")


def test_wedged_step_is_ended_by_the_watchdog(m: Module) -> None:
    mod = m.script_run.modules["MOD"]

    def wedge():
        while True:
            mod.sleep(100)

    m.script_run.modules["gwmode"].do_listening = wedge
    m.run(250)
    assert m.boots == 1
    assert m.run_until(lambda: m.boots == 2, 60)    # 300 s watchdog
    assert m.boot_reasons[-1] == "watchdog"
    assert wait_state(m, "listening", 60)


def test_silent_control_instance_leads_to_a_restart(m: Module) -> None:
    m.instances[2].frozen = True                # MDM2 stops answering
    assert m.run_until(lambda: m.boots == 2, 400)
    assert trace_has(m, "restart: sms failed 5 times")
    assert wait_state(m, "listening", 60)


# ---- power cut at every byte of a save ---------------------------------------------------------

def test_power_cut_at_every_byte_of_a_config_save_via_sms(m: Module, monkeypatch) -> None:
    # The SMS "connect baud 19200" makes the gateway save a new config (config_store's
    # other slot).  The power is cut after n bytes of that write, for n = 0, 1, 2, ...
    # until the save completes; after every cut the module boots again and must come up
    # with the old configuration, never a broken or default one.
    fast_boots(monkeypatch)                         # about 240 boots
    sms(m, "connect mode server any 1500")          # old config: not the defaults
    old = config_on_flash(m)
    assert old["lport"] == "1500"
    n = 0
    while True:
        assert wait_state(m, "listening", 60)
        assert gw(m).cfg["lport"] == 1500 and gw(m).cfg["baud"] == 9600
        boots, sent = m.boots, len(m.sms.sent)
        m.flash.arm_power_cut(n)
        m.sms.deliver(PHONE, "connect baud 19200")
        assert m.run_until(lambda: m.boots > boots or len(m.sms.sent) > sent, 60)
        if len(m.sms.sent) > sent:
            break                                   # n bytes were enough: saved
        m.flash.disarm_power_cut()
        assert config_on_flash(m) == old            # the old slot is untouched
        n += 1
    m.flash.disarm_power_cut()
    new = config_on_flash(m)
    assert m.sms.sent[-1].text == "Confirmed: baud 19200"
    assert new["baud"] == "19200" and new["lport"] == "1500"
    assert int(new["seq"]) == int(old["seq"]) + 1
    written = [name for name in ("cfg_a.txt", "cfg_b.txt")
               if m.flash.exists(name) and b"baud=19200" in m.flash.read(name)]
    assert n == len(m.flash.read(written[0]))       # a cut after every byte but the last
    m.reboot()
    assert wait_state(m, "listening", 60)
    assert gw(m).cfg["baud"] == 19200 and m.serial.speed == "19200"


def test_a_broken_install_reboots_instead_of_sitting_dead(tmp_path: Path) -> None:
    # gwnet.py missing: the import fails inside gateway.py's guard; the trace says why
    # and the 1 s watchdog reboots the module (an uncaught exception would end the
    # script for good, REFERENCE 1.5).
    from gw_helpers import new_module

    m = new_module(tmp_path)
    m.flash.delete("gwnet.py")
    m.power_on()
    m.run(5)
    assert m.boots >= 3 and m.boot_reasons[-1] == "watchdog"
    assert trace_has(m, "gateway: stopped by")
    assert trace_has(m, "No module named")
    m.close()


def test_wrong_apn_fixed_by_sms_while_gprs_keeps_failing(tmp_path: Path) -> None:
    # The network accepts only "m2m.apn": with the default "internet" every activation
    # fails (567 wrong APN) and the gateway backs off; SMS still work in that state, and
    # the right APN brings it up at once.
    from gw_helpers import new_module, start

    m = new_module(tmp_path)
    m.net.apn_credentials = {"m2m.apn": None}
    m.power_on()
    m.run(60)
    assert state(m) == "gprs" and gw(m).fails["gprs"] >= 3
    out = sms(m, "connect gprs m2m.apn")
    assert out == ["Confirmed: gprs apn m2m.apn, no user, no password"]
    assert wait_state(m, "listening", 30)
    assert m.boots == 1 and m.nvm["cgdcont"]["1"]["apn"] == "m2m.apn"
    m.close()


def test_apn_login_goes_into_sgact_and_connects(tmp_path: Path) -> None:
    # An APN that needs a login (IPG10 §3.2.1.1): the user and password are #SGACT's own
    # arguments (ATR10 p.415), never the old #USERID/#PASSW (IPG10 §3.4: not to be mixed
    # with the new commands; the emulator's bare #SGACT sends no credentials).
    from gw_helpers import new_module

    m = new_module(tmp_path)
    m.net.apn_credentials = {"web": ("bob", "p" * 30)}
    m.power_on()
    assert wait_state(m, "gprs", 60)
    out = sms(m, "connect gprs web bob " + "p" * 30)
    assert out == ["Confirmed: gprs apn web, user bob, password set"]
    assert wait_state(m, "listening", 30)
    lines = [t for _, _, t in m.at_log]
    assert 'AT#SGACT=1,1,"bob","%s"' % ("p" * 30) in lines
    assert not any(t.startswith(("AT#USERID", "AT#PASSW")) for t in lines)
    assert m.net.context(1).active and m.boots == 1
    m.close()


@pytest.mark.parametrize("ready_s", [0, 20, 45])
def test_sms_setup_waits_for_the_sim(tmp_path: Path, ready_s: int) -> None:
    # ATR10 p.324: SMS is possible at #QSS status 3; before it +CPMS answers +CMS ERROR 314.
    # The gateway used to send +CPMS at once: three failures, a failed init, a restart loop
    # on a slow SIM.  Now it polls #QSS (mode 2) first, and reads %CCID after the SIM.
    from gw_helpers import new_module, start, trace_has

    m = new_module(tmp_path)
    m.radio.sim_ready_ms = ready_s * 1000
    start(m, "listening", ready_s + 30)
    cpms = [t for t, _, line in m.at_log if line.startswith("AT+CPMS")]
    assert cpms and min(cpms) >= ready_s * 1000
    assert not trace_has(m, "init failed")
    assert m.boots == 1 and gw(m).fails.get("init", 0) == 0
    assert m.script_run.modules["gwfleet"].ccid == m.radio.iccid
    m.close()


def test_firmware_before_7_03_02_scfgext_4_fields_and_cgmr_logged(tmp_path: Path) -> None:
    # ATR10 §1.7: #SCFGEXT's 5th and 6th fields came with 7.03.02/7.02.07; on an older 7.x
    # firmware the 6-field line is ERROR and the GPRS step could never succeed.
    from gw_helpers import new_module, start, trace_has

    m = new_module(tmp_path)
    m.radio.scfgext_fields = 4
    m.radio.firmware = "07.02.004"
    start(m, "listening", 60)
    assert gw(m).fails.get("gprs", 0) == 0 and m.net.context(1).active
    assert "AT#SCFGEXT=1,0,0,2" in [t for _, _, t in m.at_log]
    assert trace_has(m, "firmware 07.02.004")          # AT+CGMR at boot
    m.close()


def test_selint_not_2_is_set_and_the_module_restarted(tmp_path: Path) -> None:
    # ATR10 p.42: multisocket only under #SELINT=2; p.41: reboot after setting it.  The
    # setting lives in NVM, so a unit left at 1 by a previous application keeps it.
    from gw_helpers import new_module, start

    m = new_module(tmp_path)
    m.nvm["selint"] = 1
    start(m, "listening", 90)
    assert m.nvm["selint"] == 2 and m.boots == 2
    assert ("AT#SELINT=2" in [t for _, _, t in m.at_log])
    m.close()


def test_nvm_settings_written_only_on_change(tmp_path: Path) -> None:
    # ATR10 §3.3.1 (p.27): +CGDCONT and #SCFG are stored in NVM at every set.  They used to
    # be rewritten at every activation (flash wear); now their read form is checked first.
    from gw_helpers import new_module, start

    def sets() -> list[str]:
        return [t for _, _, t in m.at_log
                if t.startswith(("AT+CGDCONT=", "AT#SCFG=", "AT#SCFGEXT="))]

    m = new_module(tmp_path)
    start(m, "listening", 60)
    assert len(sets()) == 3                             # a fresh module: each written once
    m.net.drop_context(1)                               # the network drops the context
    assert m.run_until(lambda: m.net.activations >= 2 and state(m) == "listening", 200)
    m.reboot()
    assert wait_state(m, "listening", 60)
    assert len(sets()) == 3                             # re-activated twice, nothing written
    assert [t for _, _, t in m.at_log].count("AT+CGDCONT?") >= 3
    out = sms(m, "connect gprs m2m.apn")
    assert out == ["Confirmed: gprs apn m2m.apn, no user, no password"]
    assert wait_state(m, "listening", 60)
    assert sets()[3:] == ['AT+CGDCONT=1,"IP","m2m.apn"']   # only what changed
    m.close()
