"""The remote and survey services of the command catalogue (tools/emulator/catalog_run.py): Easy
Scan over the emulated radio's cells in ATR10's text and numeric formats (pp.499-520), the SMS
AT Run service answering a white-listed sender by SMS (ATR10 pp.377-380, Run AT application
note §2), the event monitor running the commands of its events (pp.389-394), the TCP AT Run
service with simulated hosts (pp.380-388, note §3), the OTA and SIM toolkit settings, #SIMATR
and #CMGLCONCINDEX (p.363) from the SIM's message store; exact bytes through the AT interface,
rejected forms, NVM across a reboot and a power cut, and a legacy-style script."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import (CMD_HELPER, ERR, OK, assert_in_dialect, at, fast_network, info, power_cycle,
                         powered, reboot, run_collect, script_running)
from tools.emulator import Module
from tools.emulator.catalog_atr10 import NOT_YET


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = powered(tmp_path)
    return mod


MINE = ("#CSURV", "#CSURVB", "#CSURVBC", "#CSURVC", "#CSURVEXT", "#CSURVF", "#CSURVNLF", "#CSURVP",
        "#CSURVPC", "#CSURVU", "#CSURVUC", "#ENAEVMONI", "#ENAEVMONICFG", "#EVMONI", "#SMSATRUN",
        "#SMSATRUNCFG", "#SMSATWL", "#TCPATRUNCFG", "#TCPATRUNL", "#TCPATRUNFRWL", "#TCPATRUNAUTH",
        "#TCPATRUND", "#TCPATRUNCLOSE", "#TCPATCMDSEQ", "#TCPATCONSER", "#OTASNAP", "#OTASUAN",
        "#STGI", "#STSR", "#SIMATR", "#CMGLCONCINDEX")


@pytest.mark.parametrize("name", MINE)
def test_each_command_answers_its_test_form_and_refuses_garbage(m: Module, name: str) -> None:
    assert name not in NOT_YET
    assert at(m, "AT%s=?" % name).endswith(OK)
    assert at(m, "AT%s=9999,9999,9999,9999,9999,9999,9999,9999,9999,9999,9999" % name) == ERR
    assert at(m, "AT%s=-1" % name) == ERR


# ===================================================================== Easy Scan
SERVING = ("arfcn: 62 bsic: 25 rxLev: -79 ber: 0.00 mcc: 1 mnc: 1 lac: 2587 cellId: 15437 "
           "cellStatus: CELL_SUITABLE numArfcn: 2 arfcn: 62 70 numChannels: 4 array: 62 70 75 600")
NEIGHBOUR = ("arfcn: 70 bsic: 31 rxLev: -85 ber: 0.00 mcc: 1 mnc: 1 lac: 2587 cellId: 15438 "
             "cellStatus: CELL_SUITABLE numArfcn: 2 arfcn: 70 75")
OTHER = ("arfcn: 600 bsic: 12 rxLev: -95 ber: 0.00 mcc: 1 mnc: 2 lac: 2860 cellId: 8000 "
         "cellStatus: CELL_FORBIDDEN numArfcn: 2 arfcn: 600 610")


def survey(*carriers: str, end: str = "Network survey ended") -> bytes:
    # ATR10 p.503: each carrier's information text is followed by <CR><LF><CR><LF><CR><LF>.
    body = "Network survey started...\r\n" + "".join(c + "\r\n\r\n\r\n" for c in carriers) + end
    return b"\r\n" + body.encode() + b"\r\n" + OK


def test_csurv_full_band_scan_in_text_form(m: Module) -> None:
    start = m.kernel.now()
    assert at(m, "AT#CSURV") == survey(SERVING, NEIGHBOUR, "arfcn: 75 rxLev: -101", OTHER)
    # 548 channels of band 0 (GSM 900 + DCS 1800, #BND p.341), 5 ms each.
    assert m.kernel.now() - start >= 548 * 5
    # The same with channel limits: only the GSM 900 carriers up to 70.
    assert at(m, "AT#CSURV=60,70") == survey(SERVING, NEIGHBOUR)
    assert at(m, "AT#CSURV=?") == OK


def test_csurvc_numeric_form(m: Module) -> None:
    # ATR10 p.512 example: "48,24,-52,0.00,610,1,33281,3648,0,2,30 48,5,14 19 22 48 82" / "14,8".
    assert at(m, "AT#CSURVC") == survey(
        "62,25,-79,0.00,1,1,2587,15437,0,2,62 70,4,62 70 75 600",
        "70,31,-85,0.00,1,1,2587,15438,0,2,70 75", "75,-101",
        "600,12,-95,0.00,1,2,2860,8000,2,2,600 610")


def test_csurvf_hex_numbers_and_the_counting_end_line(m: Module) -> None:
    # #CSURVF 1/2: <bsic> 2-digit octal, <lac> <cellId> 4-digit hexadecimal; 2 ends with the
    # number of scanned channels and of BCCH carriers (pp.503-505).
    assert at(m, "AT#CSURVF=1;#CSURVU=62") == survey(
        SERVING.replace("bsic: 25", "bsic: 31").replace("lac: 2587", "lac: 0A1B")
        .replace("cellId: 15437", "cellId: 3C4D"))
    assert at(m, "AT#CSURVF=2;#CSURVUC=75,70") == survey(
        "75,-101", "70,37,-85,0.00,1,1,0A1B,3C4E,0,2,70 75",
        end="Network survey ended (Carrier: 2 BCCh: 1)")
    assert at(m, "AT#CSURVF?") == b"\r\n2\r\n" + OK  # the bare value (p.517)
    reboot(m)
    assert at(m, "AT#CSURVF?") == b"\r\n0\r\n" + OK  # RAM (not in §3.3)


def test_csurvext_shows_ba_lists_and_gprs_info(m: Module) -> None:
    # #CSURVEXT 1: the BA list of every BCCH carrier; 2: also the SI13 GPRS information
    # (p.519); the cell on 600 has a PBCCH, so its GPRS parameters follow.
    assert at(m, "AT#CSURVEXT=1;#CSURVU=70") == survey(NEIGHBOUR + " numChannels: 3 array: 62 70 600")
    assert at(m, "AT#CSURVEXT=2;#CSURVUC=62,600") == survey(
        "62,25,-79,0.00,1,1,2587,15437,0,2,62 70,4,62 70 75 600,0",
        "600,12,-95,0.00,1,2,2860,8000,2,2,600 610,3,600 610 62,1,2,1,1,3,0,500,500,0,1,15,10,0")
    assert at(m, "AT#CSURVU=600") == survey(
        OTHER + " numChannels: 3 array: 600 610 62 pbcch: 1 nom: 2 rac: 1 spgc: 1 pat: 3 nco: 0 "
        "t3168: 500 t3192: 500 drxmax: 0 ctrlAck: 1 bsCVmax: 15 alpha: 10 pcMeasCh: 0")


def test_csurvnlf_drops_the_empty_lines(m: Module) -> None:
    assert at(m, "AT#CSURVNLF=1;#CSURVUC=75,70") == info(
        "Network survey started...", "75,-101", "70,31,-85,0.00,1,1,2587,15438,0,2,70 75",
        "Network survey ended")


def test_csurvb_stops_after_n_bcch_carriers_and_follows_the_band(m: Module) -> None:
    assert at(m, "AT#CSURVB=?") == b"\r\n(1-548)\r\n" + OK
    assert at(m, "AT#CSURVF=2;#CSURVBC=1") == survey(
        "62,31,-79,0.00,1,1,0A1B,3C4D,0,2,62 70,4,62 70 75 600",
        end="Network survey ended (Carrier: 63 BCCh: 1)")  # channels 0-62
    assert at(m, "AT#CSURVF=0;#CSURVB=2") == survey(SERVING, NEIGHBOUR)
    # #BND=2 (GSM 850 + DCS 1800): the GSM 900 cells are out of the band.
    assert at(m, "AT#BND=2") == OK
    assert at(m, "AT#CSURVB=?") == b"\r\n(1-498)\r\n" + OK
    assert at(m, "AT#CSURVC") == survey("600,12,-95,0.00,1,2,2860,8000,2,2,600 610")
    assert at(m, "AT#CSURVU=62") == ERR  # not a channel of the band
    assert at(m, "AT#CSURVB=499") == ERR


def test_csurvp_stops_at_the_plmn(m: Module) -> None:
    assert at(m, "AT#CSURVPC=00101") == survey("62,25,-79,0.00,1,1,2587,15437,0,2,62 70,4,62 70 75 600")
    assert at(m, "AT#CSURVP=00102") == survey(SERVING, NEIGHBOUR, "arfcn: 75 rxLev: -101", OTHER)
    assert at(m, "AT#CSURVP=?") == OK
    assert at(m, "AT#CSURVP=1") == ERR
    assert at(m, "AT#CSURVP") == ERR


def test_easy_scan_rejected_forms_and_no_coverage(m: Module) -> None:
    for line in ("AT#CSURV?", "AT#CSURV=1", "AT#CSURV=70,60", "AT#CSURV=1,2,3", "AT#CSURVC=200,300",
                 'AT#CSURVU="62"', "AT#CSURVU", "AT#CSURVB", "AT#CSURVB=0", "AT#CSURVF=3",
                 "AT#CSURVEXT=3", "AT#CSURVNLF=2"):
        assert at(m, line) == ERR, line
    assert at(m, "AT+CMEE=1;#CSURV=1") == b"\r\n+CME ERROR: 4\r\n"
    # AT#CSURVU= is AT#CSURVU=0 (p.512): channel 0 carries nothing here.
    assert at(m, "AT+CMEE=0;#CSURVU=") == survey()
    m.radio.rssi = 99  # no coverage: no carrier at all
    assert at(m, "AT#CSURV") == survey()


# ================================================================== SMS AT Run
def test_smsatrun_settings_and_nvm(m: Module) -> None:
    assert at(m, "AT#SMSATRUN?") == info("#SMSATRUN: 0,0")
    assert at(m, "AT#SMSATRUN=?") == info("#SMSATRUN: (0,1)")
    assert at(m, "AT#SMSATRUNCFG?") == info("#SMSATRUNCFG: 3,1,5")
    assert at(m, "AT#SMSATRUNCFG=?") == info("#SMSATRUNCFG: (2,3),(0,1),(1-60)")
    assert at(m, "AT#SMSATRUNCFG=2,0,60") == OK
    # The instance is shared with the event monitor (p.379 note 2).
    assert at(m, "AT#ENAEVMONICFG?") == info("#ENAEVMONICFG: 2,1,5")
    assert at(m, "AT#ENAEVMONICFG=3,0,7") == OK
    assert at(m, "AT#SMSATRUNCFG?") == info("#SMSATRUNCFG: 3,0,60")
    for line in ("AT#SMSATRUN=2", "AT#SMSATRUN", "AT#SMSATRUNCFG=1", "AT#SMSATRUNCFG=3,2",
                 "AT#SMSATRUNCFG=3,1,61", "AT#SMSATRUNCFG=", 'AT#SMSATRUNCFG="3"'):
        assert at(m, line) == ERR, line
    assert at(m, "AT#SMSATRUN=1") == OK
    # "the set command returns ERROR if ... AT#SMSATRUN? returns 1" (p.379).
    assert at(m, "AT#SMSATRUNCFG=2") == ERR
    assert at(m, "AT#ENAEVMONICFG=2") == ERR
    reboot(m)
    power_cycle(m)
    assert at(m, "AT#SMSATRUN?;#SMSATRUNCFG?") == (b"\r\n#SMSATRUN: 1,1\r\n\r\n#SMSATRUNCFG: 3,0,60\r\n"
                                                   + OK)


def test_smsatwl_add_print_delete_and_limits(m: Module) -> None:
    empty = "#SMSATWL: "
    assert at(m, "AT#SMSATWL=?") == info("#SMSATWL: (0-2),(1-8),(0,1)")
    assert at(m, 'AT#SMSATWL=0,1,0,"+39*"') == OK
    assert at(m, 'AT#SMSATWL=0,2,1,"1234567890123456"') == OK
    assert at(m, 'AT#SMSATWL=0,3,1,"abcdefghijklmnop"') == OK
    # "A maximum of two Password Entry" (p.380): a third one is refused, a number is not.
    assert at(m, 'AT#SMSATWL=0,4,1,"ABCDEFGHIJKLMNOP"') == ERR
    assert at(m, 'AT#SMSATWL=0,8,0,"5551234"') == OK
    assert at(m, "AT#SMSATWL=2,2") == info('#SMSATWL: 1,"1234567890123456"')
    assert at(m, "AT#SMSATWL=2,5") == OK
    assert at(m, "AT#SMSATWL?") == info('#SMSATWL: 0,"+39*"', '#SMSATWL: 1,"1234567890123456"',
                                        '#SMSATWL: 1,"abcdefghijklmnop"', empty, empty, empty, empty,
                                        '#SMSATWL: 0,"5551234"')
    assert at(m, "AT#SMSATWL=1,3") == OK
    assert at(m, 'AT#SMSATWL=0,3,1,"ABCDEFGHIJKLMNOP"') == OK  # room for a second password again
    for line in ('AT#SMSATWL=0,9,0,"123"', 'AT#SMSATWL=0,1,0,"12a"', 'AT#SMSATWL=0,1,0,"*123"',
                 'AT#SMSATWL=0,1,1,"short"', "AT#SMSATWL=0,1,0", "AT#SMSATWL=0,1,0,123",
                 "AT#SMSATWL=3,1", "AT#SMSATWL=1", 'AT#SMSATWL=1,1,0,"1"', "AT#SMSATWL"):
        assert at(m, line) == ERR, line
    power_cycle(m)
    assert at(m, "AT#SMSATWL=2,1") == info('#SMSATWL: 0,"+39*"')


def enable_sms_atrun(m: Module) -> None:
    assert at(m, 'AT#SMSATWL=0,1,0,"+1555*"') == OK
    assert at(m, "AT#SMSATRUN=1") == OK


def test_sms_atrun_runs_the_command_and_answers_by_sms(m: Module) -> None:
    enable_sms_atrun(m)
    assert m.sms.deliver("+15551230001", "AT+CGMR;#CGMM") is None  # not stored
    out = run_collect(m, 2)
    assert out == b"\r\n#SMSATRUN: AT+CGMR;#CGMM\r\n"  # on the instance that enabled it
    assert m.sms.store == {}
    (sent,) = m.sms.sent
    assert (sent.destination, sent.text) == ("+15551230001",
                                             "\r\n07.03.402\r\n\r\n#CGMM: GC864-PY\r\n\r\nOK\r\n")
    # "HAT": run without an answer; the command's effect stays (#SLED is RAM).
    m.sms.deliver("+15559999", "HAT#SLED=1")
    assert run_collect(m, 2) == b"\r\n#SMSATRUN: AT#SLED=1\r\n"
    assert len(m.sms.sent) == 1
    assert at(m, "AT#SLED?") == info("#SLED: 1,10,10")
    # A wrong command answers its ERROR by SMS too.
    m.sms.deliver("+15559999", "AT#NOSUCH")
    m.run(2)
    assert m.sms.sent[-1].text == "\r\nERROR\r\n"


def test_sms_atrun_leaves_other_messages_in_the_store(m: Module) -> None:
    enable_sms_atrun(m)
    assert m.sms.deliver("+44700900", "AT+CGMR") == 1  # not white-listed
    assert m.sms.deliver("+15551230001", "hello AT") == 2  # not a command
    assert at(m, "AT#SMSATRUN=0") == OK
    assert m.sms.deliver("+15551230001", "AT+CGMR") == 3  # service disabled
    m.run(2)
    assert m.sms.sent == []
    assert [msg.text for msg in m.sms.store.values()] == ["AT+CGMR", "hello AT", "AT+CGMR"]


def test_sms_atrun_command_that_blocks_reboots_after_the_timeout(m: Module) -> None:
    # <timeout> "the maximum time for a command execution. If timeout expires the module will
    # be rebooted" (p.379); a command waiting for a prompt never ends (Run AT note §2.5.2 8).
    enable_sms_atrun(m)
    assert at(m, "AT#SMSATRUN=0;#SMSATRUNCFG=3,1,1;#SMSATRUN=1") == OK
    m.sms.deliver("+15551230001", 'AT+CMGF=1;+CMGS="+1"')
    m.run(59)
    assert m.boots == 1 and m.sms.sent == []
    m.run(2)
    assert m.boots == 2
    assert at(m, "AT#SMSATRUN?") == info("#SMSATRUN: 1,1")  # still enabled (NVM)


def test_sms_atrun_request_lost_in_a_power_cut(m: Module) -> None:
    enable_sms_atrun(m)
    assert at(m, "AT#ATRUNDELAY=1,5") == OK
    m.sms.deliver("+15551230001", "AT#SLED=1")
    m.run(1)
    m.power_cut(restore_after_ms=None)  # during the #ATRUNDELAY wait; the power stays off
    m.run(10)
    assert m.sms.sent == []
    m.power_on()
    m.run(10)
    assert m.sms.sent == [] and m.boots == 2


def test_sms_atrun_delay_and_urc_off(m: Module) -> None:
    enable_sms_atrun(m)
    assert at(m, "AT#SMSATRUN=0;#SMSATRUNCFG=3,0;#SMSATRUN=1;#ATRUNDELAY=1,3") == OK
    m.sms.deliver("+15551230001", "AT")
    assert run_collect(m, 2.5) == b""  # no #SMSATRUN URC with <urcmod> 0
    assert m.sms.sent == []  # #ATRUNDELAY: 3 s before the command runs (p.388)
    m.run(1)
    assert [s.text for s in m.sms.sent] == ["\r\nOK\r\n"]


# =============================================================== event monitor
def test_evmoni_settings(m: Module) -> None:
    assert at(m, "AT#ENAEVMONI?") == info("#ENAEVMONI: 0,0")
    assert at(m, "AT#ENAEVMONI=?") == info("#ENAEVMONI: (0,1)")
    assert at(m, 'AT#EVMONI="VBATT",0,1,400') == OK
    assert at(m, 'AT#EVMONI="VBATT",0,2,10') == OK
    assert at(m, 'AT#EVMONI="vbatt",1,0,"AT#CMGS=\\22+39346\\22,\\22Battery low\\22"') == OK
    assert at(m, 'AT#EVMONI="GPIO3",0,1,13') == OK
    read = at(m, "AT#EVMONI?")
    assert b'\r\n#EVMONI: "VBATT",1,"AT#CMGS=\\22+39346\\22,\\22Battery low\\22",400,10\r\n' in read
    assert b'\r\n#EVMONI: "GPIO3",0,"",13,0,0\r\n' in read
    assert b'\r\n#EVMONI: "STARTUP",0,""\r\n' in read
    assert read.count(b"#EVMONI: ") == 14
    assert at(m, "AT#EVMONI=?").startswith(b'\r\n#EVMONI: ("VBATT","DTR","ROAM",')
    for line in ('AT#EVMONI="VBATT",0,1,501', 'AT#EVMONI="ROAM",0,1,1', 'AT#EVMONI="RING",0,1,0',
                 'AT#EVMONI="GPIO1",0,1,14', 'AT#EVMONI="ADCH1",0,2,2001', 'AT#EVMONI="NOPE",0',
                 'AT#EVMONI=VBATT,0', 'AT#EVMONI="DTR",2', 'AT#EVMONI="DTR",0,0,"GPIO"', 'AT#EVMONI="DTR",0,0', "AT#EVMONI", "AT#ENAEVMONI=2"):
        assert at(m, line) == ERR, line
    power_cycle(m)
    assert b'"GPIO3",0,"",13,0,0' in at(m, "AT#EVMONI?")


def test_startup_event_sends_its_sms_at_every_boot(m: Module) -> None:
    # Event Monitor application note §2.1.6: AT#EVMONI="STARTUP",0,0,"AT#CMGW=..."; the
    # service's instance starts in PDU mode like any other (+CMGF is a profile value).
    assert at(m, 'AT#EVMONI="STARTUP",1,0,"AT+CMGF=1;#CMGS=\\22+15550001\\22,\\22up\\22"') == OK
    reboot(m)
    m.run(5)
    assert m.sms.sent == []  # the service is not enabled
    assert at(m, "AT#ENAEVMONICFG=3,1;#ENAEVMONI=1") == OK
    m.reboot()
    assert run_collect(m, 5) == b'\r\n#EVMONI: AT+CMGF=1;#CMGS="+15550001","up"\r\n'
    assert [(s.destination, s.text) for s in m.sms.sent] == [("+15550001", "up")]
    power_cycle(m)
    assert b"#EVMONI: AT+CMGF=1" in run_collect(m, 5)
    assert len(m.sms.sent) == 2
    assert at(m, "AT#ENAEVMONI?") == info("#ENAEVMONI: 1,1")


def test_polled_events_fire_once_per_occurrence(m: Module) -> None:
    # Event Monitor application note §2.1.1: a battery threshold of 3.7 V held for 2 s sends
    # "Battery low"; §2.1.3, §2.1.5, §2.1.8: roaming, call rings, GPIO levels.
    for line in ('AT#EVMONI="VBATT",0,1,370', 'AT#EVMONI="VBATT",0,2,2',
                 'AT#EVMONI="VBATT",1,0,"AT+CMGF=1;#CMGS=\\22+1555\\22,\\22low\\22"',
                 'AT#EVMONI="GPIO2",0,1,5', 'AT#EVMONI="GPIO2",0,2,1', 'AT#EVMONI="GPIO2",1,0,"AT"',
                 'AT#EVMONI="ROAM",1,0,"AT+CREG?"', 'AT#EVMONI="RING",0,1,2',
                 'AT#EVMONI="RING",1,0,"ATH"', "AT#ENAEVMONI=1"):
        assert at(m, line) == OK, line
    assert run_collect(m, 3) == b""
    m.battery_mv = 3600  # type: ignore[attr-defined]
    assert run_collect(m, 1.5) == b""  # not yet 2 s under the threshold
    # polled every second: fired within 2 s + one poll
    assert run_collect(m, 2) == b'\r\n#EVMONI: AT+CMGF=1;#CMGS="+1555","low"\r\n'
    m.run(10)
    assert [(x.destination, x.text) for x in m.sms.sent] == [("+1555", "low")]  # once
    m.set_gpio_input(5, 1)
    assert run_collect(m, 1.5) == b"\r\n#EVMONI: AT\r\n"
    assert run_collect(m, 3) == b""
    m.set_gpio_input(5, 0)
    m.run(1.5)
    m.set_gpio_input(5, 1)
    assert run_collect(m, 1.5) == b"\r\n#EVMONI: AT\r\n"  # again after the level changed
    m.set_registration(reg=5)
    assert run_collect(m, 1.5) == b"\r\n#EVMONI: AT+CREG?\r\n"
    m.csd.call("+15550002")
    out = run_collect(m, 15)
    assert out.endswith(b"\r\nRING\r\n\r\nRING\r\n\r\n#EVMONI: ATH\r\n")  # after 2 rings
    assert m.csd.calls[-1].state == "ended"  # refused by the event's ATH
    assert at(m, "AT#ENAEVMONI=0") == OK
    m.battery_mv = 3900  # type: ignore[attr-defined]
    m.run(2)
    m.battery_mv = 3600  # type: ignore[attr-defined]
    assert run_collect(m, 5) == b""  # the service is off


def test_context_deactivation_event(m: Module) -> None:
    # Event Monitor application note §2.1.4: the GPRS context deactivation.
    fast_network(m)
    assert at(m, 'AT#EVMONI="CONTDEACT",1,0,"AT#SGACT=1,1";#ENAEVMONI=1') == OK
    assert at(m, "AT#SGACT=1,1").endswith(OK)
    assert run_collect(m, 3) == b""
    m.net.drop_context(1)
    # The event's command activates the context again.
    assert run_collect(m, 3) == b'\r\n#EVMONI: AT#SGACT=1,1\r\n'
    assert m.net.contexts[1].state == "active"


# ================================================================ TCP AT Run
def test_tcpatrun_configuration(m: Module) -> None:
    assert at(m, "AT#TCPATRUNCFG?") == info('#TCPATRUNCFG: 1,2,1024,1024,"",1,5,0,0,2')
    assert at(m, "AT#TCPATRUNCFG=?") == info(
        "#TCPATRUNCFG: (1-6),(2,3),(1-65535),(1-65535),,(0,1),(1-5),(0,1),(0-5),(1-3600)")
    assert at(m, 'AT#TCPATRUNCFG=2,3,6000,7000,"host.example",0,3,1,5,60') == OK
    assert at(m, 'AT#TCPATRUNCFG=1,2,1,65535,"1.2.3.4"') == OK
    for line in ('AT#TCPATRUNCFG=1,2,1024,1024', 'AT#TCPATRUNCFG=7,2,1,1,"h"',
                 'AT#TCPATRUNCFG=1,2,0,1,"h"', 'AT#TCPATRUNCFG=1,2,1,1,h',
                 'AT#TCPATRUNCFG=1,2,1,1,"h",1,6', 'AT#TCPATRUNCFG=1,2,1,1,"h",1,1,1,1,3601,1',
                 "AT#TCPATRUNCFG", "AT#TCPATRUNL=2", "AT#TCPATRUND", "AT#TCPATRUNCLOSE?",
                 "AT#TCPATRUNCLOSE=1"):
        assert at(m, line) == ERR, line
    assert at(m, "AT#TCPATRUNL?;#TCPATRUND?") == b"\r\n#TCPATRUNL: 0,0\r\n\r\n#TCPATRUND: 0,0\r\n" + OK
    assert at(m, "AT#TCPATRUNL=?") == info("#TCPATRUNL: (0,1)")
    assert at(m, "AT#TCPATRUNL=1") == OK
    assert at(m, 'AT#TCPATRUNCFG=1,3,1,1,"h"') == ERR  # "returns ERROR if ... #TCPATRUNL? returns 1"
    assert at(m, "AT#TCPATRUNCLOSE") == OK
    assert at(m, "AT#TCPATRUNCLOSE=?") == OK
    power_cycle(m)
    assert at(m, "AT#TCPATRUNL?;#TCPATRUNCFG?") == (
        b'\r\n#TCPATRUNL: 1,0\r\n\r\n#TCPATRUNCFG: 1,2,1,65535,"1.2.3.4",1,5,0,0,2\r\n' + OK)
    # SMS AT Run on the TCP instance: #TCPATRUND=1 is refused (p.386 note 1).
    assert at(m, "AT#TCPATRUNL=0;#SMSATRUNCFG=2;#SMSATRUN=1") == OK
    assert at(m, "AT#TCPATRUND=1") == ERR
    # No context: enabled and "still trying" (it dials once the context is up).
    assert at(m, "AT#SMSATRUN=0;#TCPATRUND=1;#TCPATRUND?") == info("#TCPATRUND: 1,2")


def tcp_server(m: Module, auth_mode: int = 0) -> None:
    fast_network(m)
    assert at(m, "AT#SGACT=1,1").endswith(OK)
    for line in ('AT#TCPATRUNFRWL=1,"198.51.100.0","255.255.255.0"', 'AT#TCPATRUNAUTH=1,"bob","secret"',
                 'AT#TCPATRUNCFG=1,2,1024,1024,"",1,5,%d' % auth_mode, "AT#TCPATRUNL=1"):
        assert at(m, line) == OK, line


def test_tcp_atrun_server_runs_commands_after_the_login(m: Module) -> None:
    # Run AT application note §3.2: listen on <tcpPort>, firewall, "userid<CR>passw<CR>", then
    # AT commands and their answers on the connection; URCs #TCPATRUN: <ip> / DISCONNECT.
    tcp_server(m)
    assert at(m, "AT#TCPATRUNL?") == info("#TCPATRUNL: 1,1")
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert run_collect(m, 1) == b"\r\n#TCPATRUN: 198.51.100.7\r\n"
    c.send(b"bob\rsecret\rAT+CGMR;#CGMM\r")
    m.run(1)
    assert c.take() == b"\r\n07.03.402\r\n\r\n#CGMM: GC864-PY\r\n\r\nOK\r\n"
    c.send(b"AT#NOPE\r")
    m.run(1)
    assert c.take() == b"\r\nERROR\r\n"
    assert at(m, "AT#TCPATRUNCLOSE") == OK + b"\r\n#TCPATRUN: DISCONNECT\r\n"
    m.run(1)
    assert c.eof
    # The service listens again: a new client, a wrong password, closed at once.
    c2 = m.net.sim.connect("198.51.100.8", 1024)
    m.run(1)
    c2.send(b"bob\rwrong\rAT\r")
    m.run(1)
    assert c2.eof and c2.take() == b""
    assert take_urcs(m) == b"\r\n#TCPATRUN: 198.51.100.8\r\n\r\n#TCPATRUN: DISCONNECT\r\n"
    # Outside the firewall: dropped (the client times out).
    c3 = m.net.sim.connect("203.0.113.50", 1024)
    m.run(25)
    assert c3.state == "timeout"
    # Disabled: nobody listens any more (the port is refused by the ordinary sockets).
    assert at(m, "AT#TCPATRUNL=0;#TCPATRUNL?") == info("#TCPATRUNL: 0,0")
    c4 = m.net.sim.connect("198.51.100.7", 1024)
    m.run(1)
    assert c4.state == "refused"


def take_urcs(m: Module) -> bytes:
    return run_collect(m, 0)


def test_tcp_atrun_step_by_step_login_and_context_loss(m: Module) -> None:
    tcp_server(m, auth_mode=1)
    c = m.net.sim.connect("198.51.100.7", 1024)
    m.run(1)
    assert c.take() == b"Username: "
    c.send(b"bob\r\n")
    m.run(1)
    assert c.take() == b"Password: "
    c.send(b"secret\r\nAT\r")
    m.run(1)
    assert c.take() == b"Login successful.\r\n\r\nOK\r\n"
    take_urcs(m)
    m.net.drop_context(1)
    m.run(1)
    assert c.lost is not None and take_urcs(m) == b"\r\n#TCPATRUN: DISCONNECT\r\n"
    assert at(m, "AT#TCPATRUNL?") == info("#TCPATRUNL: 1,0")  # no context: not in listen


def test_tcp_atrun_blocked_command_reboots_and_a_reboot_drops_the_connection(m: Module) -> None:
    tcp_server(m)
    assert at(m, 'AT#TCPATRUNL=0;#TCPATRUNCFG=1,2,1024,1024,"",1,1;#TCPATRUNL=1') == OK
    c = m.net.sim.connect("198.51.100.7", 1024)
    m.run(1)
    c.send(b'bob\rsecret\rAT+CMGF=1;+CMGS="+1"\r')  # waits for its text for ever
    m.run(1)
    assert c.take() == b"\r\n> "
    m.run(58)
    assert m.boots == 1
    m.run(2)  # <timeout> 1 minute (#TCPATRUNCFG): the module reboots
    assert m.boots == 2 and c.lost is not None and m.tcprun.link is None


def test_tcp_atrun_closed_connection_leaves_no_pending_reboot(m: Module) -> None:
    tcp_server(m)
    c = m.net.sim.connect("198.51.100.7", 1024)
    m.run(1)
    c.send(b'bob\rsecret\rAT+CMGF=1;+CMGS="+1"\r')
    m.run(1)
    c.close()  # the host leaves while the command waits for its text
    m.run(400)
    assert m.boots == 1


def test_tcp_atrun_client_dials_and_retries(m: Module) -> None:
    # §3.3: #TCPATRUND=1 answers OK once connected to <tcpHost>:<tcpHostPort>; after a
    # disconnection it dials again <retryCnt> times, <retryDelay> minutes apart.
    fast_network(m)
    srv = m.net.sim.listen("203.0.113.9", 12345)
    assert at(m, "AT#SGACT=1,1").endswith(OK)
    assert at(m, 'AT#TCPATRUNCFG=1,2,1024,12345,"203.0.113.9",1,5,0,2,1') == OK
    assert at(m, "AT#TCPATRUND=1") == OK + b"\r\n#TCPATRUN: 203.0.113.9\r\n"
    conn = srv.accept_next(timeout=5)
    assert conn is not None and at(m, "AT#TCPATRUND?") == info("#TCPATRUND: 1,1")
    conn.send(b"AT+CSQ\r")
    m.run(1)
    assert conn.take() == b"\r\n+CSQ: 17,0\r\n\r\nOK\r\n"
    conn.close()
    again = srv.accept_next(timeout=5)
    assert again is not None and again is not conn  # the first retry at once
    m.run(0.5)
    assert take_urcs(m) == b"\r\n#TCPATRUN: DISCONNECT\r\n\r\n#TCPATRUN: 203.0.113.9\r\n"
    again.close()
    srv.mode = "refuse"
    m.run(30)
    assert take_urcs(m) == b"\r\n#TCPATRUN: DISCONNECT\r\n"
    assert at(m, "AT#TCPATRUND?") == info("#TCPATRUND: 1,2")  # refused once, one attempt left
    m.run(60)
    assert at(m, "AT#TCPATRUND?") == info("#TCPATRUND: 1,0")  # both attempts used
    # A host nobody answers: ERROR after connTo (#SCFG, 60 s).
    assert at(m, "AT#TCPATRUND=0") == OK
    assert at(m, 'AT#TCPATRUNCFG=1,2,1024,9,"203.0.113.77"') == OK
    assert at(m, "AT#TCPATRUND=1", timeout=70) == ERR


def test_tcpatrun_firewall_and_authentication_lists(m: Module) -> None:
    assert at(m, "AT#TCPATRUNFRWL=?") == info("#TCPATRUNFRWL: (0-2)")
    assert at(m, "AT#TCPATRUNFRWL?") == OK
    for i in range(1, 6):
        assert at(m, 'AT#TCPATRUNFRWL=1,"10.0.0.%d","255.255.255.255"' % i) == OK
    assert at(m, 'AT#TCPATRUNFRWL=1,"10.0.0.6","255.255.255.255"') == ERR  # 5 at most
    assert at(m, 'AT#TCPATRUNFRWL=0,"10.0.0.2","255.255.255.255"') == OK
    assert at(m, 'AT#TCPATRUNFRWL=0,"10.0.0.2","255.255.255.255"') == ERR  # not in the list
    for line in ('AT#TCPATRUNFRWL=1,"10.0.0.300","255.0.0.0"', 'AT#TCPATRUNFRWL=1,"10.0.0.1"',
                 'AT#TCPATRUNFRWL=3,"10.0.0.1","255.0.0.0"', "AT#TCPATRUNFRWL"):
        assert at(m, line) == ERR, line
    power_cycle(m)
    assert at(m, "AT#TCPATRUNFRWL?") == info(*['#TCPATRUNFRWL: "10.0.0.%d","255.255.255.255"' % i
                                               for i in (1, 3, 4, 5)])
    assert at(m, "AT#TCPATRUNFRWL=2") == OK
    assert at(m, "AT#TCPATRUNFRWL?") == OK
    assert at(m, 'AT#TCPATRUNAUTH=1,"bob","secret"') == OK
    assert at(m, 'AT#TCPATRUNAUTH=1,"amy","x";#TCPATRUNAUTH=1,"cy","y"') == OK
    assert at(m, 'AT#TCPATRUNAUTH=1,"dan","z"') == ERR  # 3 at most
    assert at(m, 'AT#TCPATRUNAUTH=1,"%s","z"' % ("u" * 51)) == ERR
    assert at(m, 'AT#TCPATRUNAUTH=0,"amy","x"') == OK
    reboot(m)
    assert at(m, "AT#TCPATRUNAUTH?") == info('#TCPATRUNAUTH: "bob","secret"', '#TCPATRUNAUTH: "cy","y"')


def test_tcpatconser_and_cmdseq(m: Module) -> None:
    assert at(m, "AT#TCPATCONSER=?") == info(
        "#TCPATCONSER: (0,1),(300,1200,2400,4800,9600,19200,38400,57600,115200)")
    # "the command has to be issued from the TCP ATRUN instance": ERROR from MDM.
    assert at(m, "AT#TCPATCONSER=1,115200") == ERR
    assert at(m, "AT+CMEE=1;#TCPATCONSER=1,115201") == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CMEE=0;#TCPATCMDSEQ=1;#TCPATCMDSEQ?") == info("#TCPATCMDSEQ: 1")


# ======================================================================== OTA
def test_otasnap_example_and_nvm(m: Module) -> None:
    # ATR10 p.399 example: AT#OTASNAP="SMS Number","Client Alpha"; test "#OTASNAP: 21,15".
    assert at(m, "AT#OTASNAP=?") == info("#OTASNAP: 21,15")
    assert at(m, 'AT#OTASNAP="SMS Number","Client Alpha"') == OK
    assert at(m, "AT#OTASNAP?") == info('#OTASNAP: "SMS Number","Client Alpha"')
    for line in ('AT#OTASNAP="1",""', 'AT#OTASNAP="%s"' % ("1" * 22), 'AT#OTASNAP="1","%s"' % ("c" * 16),
                 "AT#OTASNAP=123", "AT#OTASNAP", "AT#OTASNAP="):
        assert at(m, line) == ERR, line
    power_cycle(m)
    assert at(m, "AT#OTASNAP?") == info('#OTASNAP: "SMS Number","Client Alpha"')
    assert at(m, 'AT#OTASNAP=""') == OK  # "causes the deletion of the SMS number"
    assert at(m, "AT#OTASNAP?") == info('#OTASNAP: "","Client Alpha"')


def test_otasuan_example(m: Module) -> None:
    # ATR10 p.403 example: AT#OTASUAN=,2,1 / #OTASUAN: ,2,1 / #OTASUAN: (0-2),(0-2),(0,1).
    assert at(m, "AT#OTASUAN?") == info("#OTASUAN: ,0,0")
    assert at(m, "AT#OTASUAN=,2,1") == OK
    assert at(m, "AT#OTASUAN?") == info("#OTASUAN: ,2,1")
    assert at(m, "AT#OTASUAN=1") == OK
    assert at(m, "AT#OTASUAN?") == info("#OTASUAN: ,2,1")
    assert at(m, "AT#OTASUAN =?".replace(" ", "")) == info("#OTASUAN: (0-2),(0-2),(0,1)")
    for line in ("AT#OTASUAN=3", "AT#OTASUAN=0,3", "AT#OTASUAN=0,0,2", "AT#OTASUAN=0,0,0,0", "AT#OTASUAN"):
        assert at(m, line) == ERR, line
    reboot(m)
    assert at(m, "AT#OTASUAN?") == info("#OTASUAN: ,0,0")


# ================================================================ SIM toolkit
def test_sim_toolkit_without_a_sim_application(m: Module) -> None:
    # No proactive command is ever pending: "An error message will be returned if there is no
    # pending command" (pp.533, 535); #STIA keeps its settings.
    assert at(m, "AT#STGI=?") == info("#STGI: (0,1),(1,5,16-20,32-37,40)")
    assert at(m, "AT#STSR=?") == info("#STSR: (0,1),(1,5,16-20,32-37,40)")
    for line in ("AT#STGI=37", "AT#STGI?", "AT#STGI=", "AT#STSR=37,0,1", "AT#STSR?", "AT#STSR=",
                 "AT#STGI", "AT#STGI=2", "AT#STSR=37,1"):
        assert at(m, line) == ERR, line
    assert at(m, "AT+CMEE=1;#STGI=37") == b"\r\n+CME ERROR: 3\r\n"
    assert at(m, "AT#STSR=37,16") == b"\r\n+CME ERROR: 3\r\n"
    assert at(m, "AT#STGI=38") == b"\r\n+CME ERROR: 4\r\n"  # not a proactive command type
    # #STIA? "<state>,<mode>,<timeout>,<SatProfile>": state 0, no SIM application (p.526).
    assert at(m, "AT+CMEE=0;#STIA=2,5;#STIA?") == info("#STIA: 0,2,5,FFFFFFFF7F0300DF7F")
    # One instance at a time enables SAT, until it sets 0 again (p.527).
    assert at(m, "AT#STIA=1", inst=2) == ERR
    assert at(m, "AT#STIA=0,20", inst=2) == OK
    assert at(m, "AT#STIA=0") == OK
    assert at(m, "AT#STIA=3", inst=2) == OK
    assert at(m, "AT#STIA=?") == info("#STIA: (0-3,17-19,33-35),(1-255)")
    assert at(m, "AT#STIA=4") == ERR
    reboot(m)  # a profile value of the instance: factory again at boot (&W is not modelled)
    assert at(m, "AT#STIA?", inst=2) == info("#STIA: 0,0,10,FFFFFFFF7F0300DF7F")
    assert at(m, "AT#STIA=1") == OK  # and any instance may enable SAT


# ============================================================ #SIMATR, #CMGLCONCINDEX
def test_simatr(m: Module) -> None:
    assert at(m, "AT#SIMATR") == info("#SIMATR: 3B9F95801FC78031E073FE211B63E208A68300009000")
    m.radio.atr = "3B0200AC"  # type: ignore[attr-defined]
    assert at(m, "AT#SIMATR") == info("#SIMATR: 3B0200AC")
    assert at(m, "AT#SIMATR=?") == OK
    assert at(m, "AT#SIMATR?") == ERR
    m.radio.sim = None
    assert at(m, "AT+CMEE=1;#SIMATR") == b"\r\n+CME ERROR: 10\r\n"


def test_cmglconcindex_from_the_store(m: Module) -> None:
    assert at(m, "AT#CMGLCONCINDEX") == OK  # no concatenated SMS: only OK (p.363)
    assert at(m, "AT#CMGLCONCINDEX=?") == OK
    assert at(m, "AT#CMGLCONCINDEX?") == ERR
    # ATR10's example: "#CMGLCONCINDEX: 3,0,2,3" and "#CMGLCONCINDEX: 5,4,5,6,0,8".
    m.sms.capacity = 10
    assert m.sms.deliver("+1555", "whole") == 1
    assert m.sms.deliver("+1555", "b", concat=(7, 3, 2)) == 2
    assert m.sms.deliver("+1555", "c", concat=(7, 3, 3)) == 3
    assert m.sms.deliver("+1666", "1", concat=(7, 5, 1)) == 4  # same reference, other sender
    assert m.sms.deliver("+1666", "2", concat=(7, 5, 2)) == 5
    assert m.sms.deliver("+1666", "3", concat=(7, 5, 3)) == 6
    assert m.sms.deliver("+1777", "plain") == 7
    assert m.sms.deliver("+1666", "5", concat=(7, 5, 5)) == 8
    assert at(m, "AT#CMGLCONCINDEX") == info("#CMGLCONCINDEX: 3,0,2,3", "#CMGLCONCINDEX: 5,4,5,6,0,8")
    assert at(m, "AT+CMGD=2") == OK
    assert at(m, "AT#CMGLCONCINDEX") == info("#CMGLCONCINDEX: 3,0,0,3", "#CMGLCONCINDEX: 5,4,5,6,0,8")
    reboot(m)  # the store is on the SIM
    assert at(m, "AT#CMGLCONCINDEX") == info("#CMGLCONCINDEX: 3,0,0,3", "#CMGLCONCINDEX: 5,4,5,6,0,8")


# ====================================================================== legacy script
SCRIPT = CMD_HELPER + b"""cmd('AT#CSURVF=0', 5)
r = cmd('AT#CSURVC', 30)
cells = 0
for line in r.split('\\r\\n'):
    if len(line.split(',')) > 9:
        cells = cells + 1
print('CELLS %d' % cells)
ok = 0
for c in ('AT#SMSATWL=0,1,0,"+1555*"', 'AT#SMSATRUNCFG=3,1,5', 'AT#SMSATRUN=1'):
    if cmd(c, 5).find('OK') != -1:
        ok = ok + 1
print('ATRUN %d' % ok)
r = ''
end = MOD.secCounter() + 20
while r.find('#SMSATRUN:') == -1 and MOD.secCounter() < end:
    r = r + MDM.receive(5)
print('REMOTE ' + r.split('#SMSATRUN: ')[1].split('\\r')[0])
"""


def test_legacy_script_surveys_and_enables_sms_atrun(tmp_path: Path) -> None:
    with script_running(tmp_path, SCRIPT) as m:
        m.run(8)
        m.sms.deliver("+15550001", "AT+CSQ")
        m.run(10)
        assert m.trace_lines == ["CELLS 3", "ATRUN 3", "REMOTE AT+CSQ"]
        assert [(s.destination, s.text) for s in m.sms.sent] == [("+15550001", "\r\n+CSQ: 17,0\r\n\r\nOK\r\n")]


def test_legacy_script_is_in_the_dialect() -> None:
    assert_in_dialect(SCRIPT)


def test_legacy_script_under_the_real_152_interpreter(tmp_path: Path, py152: Path) -> None:
    # The same script in a child running the real CPython 1.5.2+ (tools/emulator/remote.py).
    with script_running(tmp_path, SCRIPT, interpreter=py152) as m:
        m.run(8)
        m.sms.deliver("+15550001", "AT+CSQ")
        m.run(10)
        assert m.trace_lines == ["CELLS 3", "ATRUN 3", "REMOTE AT+CSQ"]
        assert len(m.sms.sent) == 1
