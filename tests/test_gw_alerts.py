"""Alert SMS (issue 9, item 5): GPRS down for more than 10 minutes, an unplanned restart
(with its reason when the gateway chose it, "watchdog or power loss" when it cannot
tell), a silent device; at most one SMS per kind per hour and DAY_MAX a day, kept
across reboots, never a storm.

The events run on the emulated module.  The week of rate limiting runs gwfleet.py's own
code under the module's restricted loader (tests/onmodule.py) with a fake clock: seven
days of 10 s checks take a second there, where the emulator needs ~1 s of wall time per
hour of listening."""
from __future__ import annotations

import types
from pathlib import Path

import pytest

from gw_helpers import boot, fast_boots, gw, ser_send, sms, state, wait_state
from onmodule import Flash, Loader
from tools.emulator import Module

ADMIN = "+15550009999"
IMEI = "356000000000001"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def alerts(m: Module) -> list[tuple[float, str]]:
    return [(s.time, s.text) for s in m.sms.sent if s.destination == ADMIN]


def test_alert_command_replies_and_refusals(m: Module) -> None:
    assert sms(m, "connect alert " + ADMIN) == [
        "Confirmed: alert to +15550009999 on gprs down 10 min, unplanned restart"]
    assert sms(m, "connect alert 0612345678 silent 30") == [
        "Confirmed: alert to 0612345678 on device silent 30 min"]
    assert sms(m, "connect alert +4412 restart GPRS silent 10080") == [
        "Confirmed: alert to +4412 on unplanned restart, gprs down 10 min, device silent 10080 min"]
    use = "Error: use alert <phone> [gprs] [restart] [silent <10-10080 min>] or alert off"
    assert sms(m, "connect alert") == [use]
    assert sms(m, "connect alert +4412 silent 5") == [use]
    assert sms(m, "connect alert +4412 gprs gprs") == [use]
    assert sms(m, "connect alert +4412 reboot") == [use]
    assert sms(m, "connect alert 12ab") == [
        "Error: a phone number is + and 3-20 digits, or 3-20 digits"]
    assert sms(m, "connect alert off") == ["Confirmed: alert off"]
    assert sms(m, "connect alert off") == ["Confirmed: alert off (unchanged)"]


def test_gprs_down_more_than_ten_minutes_once_per_outage_and_hour(m: Module) -> None:
    sms(m, "connect alert %s gprs" % ADMIN)
    t0 = m.kernel.now() / 1000
    m.net.fail_activation(count=17)             # 17 failed activations: ~11 min down (retries every 40 s at most)
    m.net.drop_context(1)
    assert m.run_until(lambda: len(alerts(m)) == 1, 700)
    t, text = alerts(m)[0]
    assert text == "Alert %s: gprs down for 10 min" % IMEI
    assert 600 <= t - t0 <= 640                 # checked with each 30 s SMS poll
    assert wait_state(m, "listening", 300)
    # a second outage within the hour: no SMS
    m.net.fail_activation(count=17)
    m.net.drop_context(1)
    m.run(900)
    assert len(alerts(m)) == 1 and state(m) == "listening"
    # after the hour, the next outage is reported again
    m.run(3600)
    m.net.fail_activation(count=17)
    m.net.drop_context(1)
    assert m.run_until(lambda: len(alerts(m)) == 2, 700)
    # a short outage is never reported
    assert wait_state(m, "listening", 300)
    m.run(3600)
    m.net.fail_activation(count=2)
    m.net.drop_context(1)
    m.run(900)
    assert len(alerts(m)) == 2


def test_restart_alerts_say_why_and_are_held_within_the_hour(m: Module, monkeypatch) -> None:
    fast_boots(monkeypatch)
    sms(m, "connect name pump-7")
    sms(m, "connect alert %s restart" % ADMIN)
    # a crash loop in the bridge: the gateway restarts itself and says why
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected", 10)

    def boom(now):
        raise ValueError("injected")

    m.script_run.modules["bridge"].turn = boom
    assert m.run_until(lambda: m.boots == 2, 30)
    assert m.run_until(lambda: len(alerts(m)) == 1, 60)
    assert alerts(m)[0][1] == ("Alert pump-7: unplanned restart (3 errors in a row, last in "
                               "bridge)")
    # two resets the gateway did not choose, minutes apart: held, not sent
    m.run(300)
    m.reboot("watchdog")
    assert wait_state(m, "listening", 60)
    m.run(300)
    m.power_cut(restore_after_ms=2000)
    m.run(5)
    assert wait_state(m, "listening", 60)
    m.run(600)
    assert len(alerts(m)) == 1
    # an hour after the first report: one SMS for both
    assert m.run_until(lambda: len(alerts(m)) == 2, 3600)
    assert alerts(m)[1][1] == ("Alert pump-7: unplanned restart (watchdog or power loss), "
                               "2 restarts since the last alert")
    assert alerts(m)[1][0] - alerts(m)[0][0] >= 3599   # whole seconds of MOD.secCounter
    # a planned restart (SMS reboot) is no alert
    assert sms(m, "connect reboot") == ["Confirmed: reboot, restarting now"]
    m.run(10)
    assert wait_state(m, "listening", 60)
    m.run(4000)
    assert len(alerts(m)) == 2


def test_silent_device_alert_and_re_armed_when_it_talks(m: Module) -> None:
    sms(m, "connect alert %s silent 20" % ADMIN)
    t0 = 0                                      # silent since the boot (power on at 0)
    m.run(1150)
    assert alerts(m) == []
    assert m.run_until(lambda: len(alerts(m)) == 1, 100)
    assert alerts(m)[0][1] == "Alert %s: device silent for 20 min" % IMEI
    assert 1200 <= alerts(m)[0][0] - t0 <= 1245
    m.run(3600)
    assert len(alerts(m)) == 1                  # one per silence
    ser_send(m, b"I am back")                   # server mode, no connection: still heard
    m.run(60)
    assert m.run_until(lambda: len(alerts(m)) == 2, 1300)
    assert gw(m).dropped == len(b"I am back")


def test_alert_state_cut_short_holds_alerts_instead_of_a_storm(m: Module, monkeypatch) -> None:
    fast_boots(monkeypatch)
    sms(m, "connect alert %s restart" % ADMIN)
    m.flash.write("alerts.txt", b"-1 -1 -1 0 12")             # no final newline: cut short
    m.reboot("watchdog")
    assert wait_state(m, "listening", 60)
    m.run(3500)
    assert alerts(m) == []
    assert any("alert state unreadable" in line for line in m.trace_lines)


# ---- a week of limits, on gwfleet's own code ------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.t = 700_000_000                    # module seconds since 2000

    def secCounter(self) -> int:
        return self.t


def fleet(flash: Flash, clock: Clock, sent: list):
    fake = lambda **kw: types.SimpleNamespace(**kw)            # noqa: E731
    mods = {"MOD": fake(secCounter=clock.secCounter, sleep=lambda t: None,
                        watchdogEnable=lambda t: None),
            "MDM": fake(), "MDM2": fake(), "SER": fake(setDCD=lambda v: None)}
    loader = Loader(flash=flash, modules=mods)
    f = loader.load("gwfleet")
    loader.loaded["gwsms"].reply = lambda number, text: sent.append((clock.t, text)) or 1
    cfg = loader.load("config_store").defaults()
    cfg.update(alertto=ADMIN, alerts="gprs,restart", silentmin=10)
    return f, loader.loaded["gwstate"], loader.loaded["bridge"], cfg


def test_a_week_of_events_keeps_every_limit() -> None:
    # Every kind of event, far more often than the limits allow: GPRS down 15 min every
    # 2 h, the device silent except for a byte every 3 h, and an unplanned restart every
    # 5 h.  Checks every 10 s for 7 days.
    flash, clock, sent = Flash(), Clock(), []
    f, g, bridge, cfg = fleet(flash, clock, sent)
    g.state = "listening"
    g.now = clock.t
    g.trace = lambda s: None
    f.boot(cfg)
    bridge.heard = clock.t
    start = clock.t
    while clock.t - start < 7 * 86400:
        clock.t += 10
        g.now = clock.t
        el = clock.t - start
        g.gprs_lost = -1
        if el % 7200 < 900:
            g.gprs_lost = clock.t - el % 7200
        if el % 10800 == 0:
            bridge.heard = clock.t
        if el % 18000 == 0:                                     # a reboot: RAM is gone
            f, g, bridge, cfg = fleet(flash, clock, sent)
            g.state = "listening"
            g.now = clock.t
            g.trace = lambda s: None
            bridge.heard = clock.t
            f.boot(cfg)                                         # no why.txt: unplanned
        f.alerts(cfg)
    kinds = {"gprs": [], "restart": [], "silent": []}
    for t, text in sent:
        k = ("gprs" if "gprs down" in text else "restart" if "restart" in text else "silent")
        kinds[k].append(t)
    assert all(len(v) > 3 for v in kinds.values()), {k: len(v) for k, v in kinds.items()}
    for times in kinds.values():                                # one per kind per hour
        assert all(b - a >= 3600 for a, b in zip(times, times[1:]))
    times = [t for t, _ in sent]
    day_max = 6                                                 # gwfleet: 6 a day
    for i in range(len(times) - day_max):                       # at most DAY_MAX a day
        assert times[i + day_max] - times[i] >= 86400
    assert len(sent) >= 6 * day_max                             # the cap, not silence
    assert len(sent) <= 7 * day_max + day_max
    # no restart is lost: the reports add up to every restart of the week
    total = 0
    for t, text in sent:
        if "restart" in text:
            total += int(text.split(", ")[1].split(" ")[0]) if ", " in text else 1
    assert total + f.held == 7 * 86400 // 18000 + 1             # and the first boot


def test_the_longest_alert_fits_one_sms() -> None:
    flash, clock, sent = Flash(), Clock(), []
    f, g, bridge, cfg = fleet(flash, clock, sent)
    cfg["name"] = "n" * 20
    g.state = "listening"
    g.now = clock.t
    g.trace = lambda s: None
    f.boot(cfg)
    f.why = "x" * 200                                   # a long reason from gwstate.restart
    f.held = 99
    f.alerts(cfg)
    assert len(sent) == 1
    assert sent[0][1].startswith("Alert %s: unplanned restart (xxx" % ("n" * 20))
    assert sent[0][1].endswith("), 99 restarts since the last alert")
    assert len(sent[0][1]) <= 160
