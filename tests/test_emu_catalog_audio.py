"""The audio, I/O and fax class 1 commands of the catalogue (tools/emulator/catalog_audio.py):
exact answers through the AT interface, the rejected forms, where the values live (RAM, NVM,
per instance) and the effects a script sees (audio profiles saved and restored, the I2C
EEPROM, the antenna's URC and report pin, the PCM stream, +FLO over &K). One legacy-style
script drives the profile and I2C commands with MDM.send."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import (ERR, OK, assert_in_dialect, at, feed, info, power_cycle, powered, reboot,
                         script_running, take)
from tools.emulator import Module
from tools.emulator.at import COMMANDS
from tools.emulator.catalog_atr10 import AVAILABLE_7_03, NOT_YET
from tools.emulator.catalog_audio import BIQUADS, NOT_ON_GC864_PY


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = powered(tmp_path)
    return mod


MINE = ("#ACALEXT #BIQUADIN #BIQUADINEX #BIQUADOUT #BIQUADOUTEX #CODECINFO #TSVOL #SPCM #PSAV "
        "#PSET #PRST #RSEN #GSMAD #UDTSET #UDTSAV #UDTRST #GGPI #SGPO #I2CRD #I2CWR +FDD +FLO "
        "+FMI +FMM +FMR +FPR +FRH +FRM +FRS +FTH +FTM +FTS").split()


def test_every_command_of_the_family_is_handled_and_off_the_not_yet_list() -> None:
    for name in MINE:
        assert name in AVAILABLE_7_03
        assert (name in COMMANDS) != (name in NOT_ON_GC864_PY)
        assert name not in NOT_YET
    assert set(NOT_ON_GC864_PY) == {"#SGPO", "#GGPI"}
    assert all(why.startswith("ATR10 p.29") and "GM862" in why for why in NOT_ON_GC864_PY.values())


# ------------------------------------------------------------------ audio profiles
PSET_RANGES = ("(-6-6),(-6-6),(-1-24),(-1-2),(10-50),(-90-90),(6,12,18,24,30,36,42),(0-9),"
               "(0-9),(0-90),(0-90),(0-90)")


def test_profile_zero_refuses_the_profile_commands(m: Module) -> None:
    # ATR10 pp.583-594: "It is not allowed if active audio profile is 0" (factory #PSEL 0).
    assert at(m, "AT#PSEL?") == info("#PSEL: 0")
    for name in ("#PSET",) + BIQUADS:
        assert at(m, "AT%s?" % name) == ERR
        assert at(m, "AT%s=1" % name) == ERR
    assert at(m, "AT#PSAV") == ERR
    assert at(m, "AT#PRST") == ERR
    assert at(m, "AT+CMEE=1;#PSET?") == b"\r\n+CME ERROR: 3\r\n"  # operation not allowed
    assert at(m, "AT#PSAV") == b"\r\n+CME ERROR: 3\r\n"
    assert at(m, "AT+CMEE=0") == OK
    # The test forms answer all the same.
    assert at(m, "AT#PSET=?") == info("#PSET: " + PSET_RANGES)
    assert at(m, "AT#PSAV=?") == OK
    assert at(m, "AT#PRST=?") == OK


def test_factory_profiles_are_the_application_notes_table(m: Module) -> None:
    # Audio Settings Application Note Rev.4 Table 10 p.77: office, open air, small/medium car.
    want = {1: "0,0,-1,2,50,-5,6,2,2,6,0,12", 2: "0,0,-1,2,50,-10,12,4,4,9,0,18",
            3: "0,0,-1,2,50,-20,12,6,6,12,0,24"}
    for profile, values in want.items():
        assert at(m, "AT#PSEL=%d" % profile) == OK
        assert at(m, "AT#PSET?") == info("#PSET: " + values)
        assert at(m, "AT#BIQUADOUT?") == info("#BIQUADOUT: 32767,0,0,0,0,32767,0,0,0,0")


def test_pset_set_read_and_rejected_forms(m: Module) -> None:
    assert at(m, "AT#PSEL=2") == OK
    assert at(m, "AT#PSET=-6,6,24,-1,10,90,42,9,0,90,90,90") == OK
    assert at(m, "AT#PSET?") == info("#PSET: -6,6,24,-1,10,90,42,9,0,90,90,90")
    # Only <scal_in> is mandatory: the omitted ones take the profile's factory values.
    assert at(m, "AT#PSET=3,-3") == OK
    assert at(m, "AT#PSET?") == info("#PSET: 3,-3,-1,2,50,-10,12,4,4,9,0,18")
    for bad in ("7", "-7", "0,0,25", "0,0,0,3", "0,0,0,0,9", "0,0,0,0,10,91", "0,0,0,0,10,0,7",
                "0,0,0,0,10,0,6,10", '"1"', "", "0,0,0,0,10,0,6,0,0,0,0,0,0", "x"):
        assert at(m, "AT#PSET=" + bad) == ERR, bad
    assert at(m, "AT#PSET?") == info("#PSET: 3,-3,-1,2,50,-10,12,4,4,9,0,18")
    assert at(m, "AT+CMEE=1;#PSET=7") == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CMEE=0;#PSET") == ERR  # no execution form


@pytest.mark.parametrize("name", BIQUADS)
def test_biquad_filters_round_trip_in_q15(m: Module, name: str) -> None:
    assert at(m, "AT#PSEL=1") == OK
    assert at(m, "AT%s=?" % name) == info("%s: %s" % (name, ",".join(["(-32768-32767)"] * 10)))
    assert at(m, "AT%s=-32768,32767,1,-1,2,-2,3,-3,4,-4" % name) == OK
    assert at(m, "AT%s?" % name) == info("%s: -32768,32767,1,-1,2,-2,3,-3,4,-4" % name)
    assert at(m, "AT%s=-32769" % name) == ERR
    assert at(m, "AT%s=32768" % name) == ERR
    assert at(m, "AT%s=%s" % (name, ",".join(["0"] * 11))) == ERR
    assert at(m, "AT%s=100" % name) == OK  # the others back to the pass-through factory values
    assert at(m, "AT%s?" % name) == info("%s: 100,0,0,0,0,32767,0,0,0,0" % name)


def test_psav_keeps_the_active_profile_over_a_power_cut_and_prst_resets_it(m: Module) -> None:
    assert at(m, "AT#PSEL=3;#PSET=1,2;#BIQUADIN=5,6") == OK
    reboot(m)
    # Not saved: gone; #PSEL itself is RAM (ATR10 §3.3 p.27), back to profile 0.
    assert at(m, "AT#PSEL?") == info("#PSEL: 0")
    assert at(m, "AT#PSEL=3;#PSET?") == info("#PSET: 0,0,-1,2,50,-20,12,6,6,12,0,24")
    assert at(m, "AT#PSET=1,2;#BIQUADIN=5,6;#PSAV") == OK
    assert at(m, "AT#PSEL=1;#PSET=-1") == OK  # another profile, not saved
    power_cycle(m)
    assert at(m, "AT#PSEL=3") == OK
    assert at(m, "AT#PSET?") == info("#PSET: 1,2,-1,2,50,-20,12,6,6,12,0,24")
    assert at(m, "AT#BIQUADIN?") == info("#BIQUADIN: 5,6,0,0,0,32767,0,0,0,0")
    assert at(m, "AT#PSEL=1;#PSET?") == info("#PSET: 0,0,-1,2,50,-5,6,2,2,6,0,12")
    # #PRST: the active profile's factory values, now and after the next boot.
    assert at(m, "AT#PSEL=3;#PRST") == OK
    assert at(m, "AT#PSET?") == info("#PSET: 0,0,-1,2,50,-20,12,6,6,12,0,24")
    reboot(m)
    assert at(m, "AT#PSEL=3;#BIQUADIN?") == info("#BIQUADIN: 32767,0,0,0,0,32767,0,0,0,0")
    for form in ("AT#PSAV?", "AT#PSAV=1", "AT#PRST?", "AT#PRST=0"):
        assert at(m, form) == ERR, form


# ------------------------------------------------------------------ user defined tones
ZERO_TONES = ["#UDTSET: %s,0,0,0,0,0,0" % t for t in "GHIJKL"]


def test_udtset_sets_reads_and_rejects(m: Module) -> None:
    assert at(m, "AT#UDTSET=?") == info("#UDTSET: (G-L),(300-3000),(10-100)")
    assert at(m, "AT#UDTSET?") == info(*ZERO_TONES)
    assert at(m, "AT#UDTSET=H,300,10,3000,100,1000,55") == OK
    assert at(m, "AT#UDTSET=G,440,80") == OK
    want = list(ZERO_TONES)
    want[0] = "#UDTSET: G,440,80,0,0,0,0"
    want[1] = "#UDTSET: H,300,10,3000,100,1000,55"
    assert at(m, "AT#UDTSET?") == info(*want)
    # "the unspecified parameters are automatically reset to zero"
    assert at(m, "AT#UDTSET=H,500,20") == OK
    want[1] = "#UDTSET: H,500,20,0,0,0,0"
    assert at(m, "AT#UDTSET?") == info(*want)
    for bad in ("G,440", "G,440,80,500", "M,440,80", "G,299,80", "G,3001,80", "G,440,9",
                "G,440,101", "G,0,0", 'G,"440",80', "G", "", "G,440,80,500,50,600,60,700"):
        assert at(m, "AT#UDTSET=" + bad) == ERR, bad
    assert at(m, "AT#UDTSET?") == info(*want)


def test_udtsav_keeps_the_tones_and_udtrst_brings_the_factory_ones(m: Module) -> None:
    assert at(m, "AT#UDTSET=L,1000,90") == OK
    reboot(m)
    assert at(m, "AT#UDTSET?") == info(*ZERO_TONES)  # RAM until saved
    assert at(m, "AT#UDTSET=L,1000,90;#UDTSAV") == OK
    assert at(m, "AT#UDTSET=L,2000,90") == OK
    power_cycle(m)
    want = ZERO_TONES[:5] + ["#UDTSET: L,1000,90,0,0,0,0"]
    assert at(m, "AT#UDTSET?") == info(*want)
    # AT&F1 brings back the saved tones (p.582); AT&F (&F0) leaves them.
    assert at(m, "AT#UDTSET=L,3000,10;&F") == OK
    assert at(m, "AT#UDTSET?").endswith(b"#UDTSET: L,3000,10,0,0,0,0\r\n" + OK)
    assert at(m, "AT&F1") == OK
    assert at(m, "AT#UDTSET?") == info(*want)
    assert at(m, "AT#UDTRST") == OK
    assert at(m, "AT#UDTSET?") == info(*ZERO_TONES)
    reboot(m)
    assert at(m, "AT#UDTSET?") == info(*ZERO_TONES)
    assert at(m, "AT#UDTSAV=?") == OK
    assert at(m, "AT#UDTRST=?") == OK
    assert at(m, "AT#UDTSAV?") == ERR
    assert at(m, "AT#UDTRST=1") == ERR


# ------------------------------------------------------------------ tone class volumes
def test_tsvol_per_class_like_the_manuals_example(m: Module) -> None:
    # ATR10 p.580 example: classes 4, 16 and 64 at volume 5, the others at their default.
    assert at(m, "AT#TSVOL=?") == info("#TSVOL: (1-255),(0,1),(0-10)")
    assert at(m, "AT#TSVOL=84,1,5") == OK  # 4 + 16 + 64
    assert at(m, "AT#TSVOL?") == info(
        "#TSVOL: 1,0", "#TSVOL: 2,0", "#TSVOL: 4,1,5", "#TSVOL: 8,0", "#TSVOL: 16,1,5",
        "#TSVOL: 32,0", "#TSVOL: 64,1,5", "#TSVOL: 128,0")
    assert at(m, "AT#TSVOL=255,0") == OK
    assert at(m, "AT#TSVOL=1,1,10") == OK
    assert at(m, "AT#TSVOL?").startswith(b"\r\n#TSVOL: 1,1,10\r\n#TSVOL: 2,0\r\n")
    for bad in ("1,1", "0,0", "256,0", "1,2", "1,1,11", '"1",0', "1", "1,0,0,0"):
        assert at(m, "AT#TSVOL=" + bad) == ERR, bad
    reboot(m)  # profile extended section, not saved: factory at boot
    assert at(m, "AT#TSVOL?").startswith(b"\r\n#TSVOL: 1,0\r\n")
    assert at(m, "AT#TSVOL") == ERR


# ------------------------------------------------------------------ codec information
def test_codecinfo_reports_the_codec_of_the_voice_call(m: Module) -> None:
    assert at(m, "AT#CODECINFO=?") == info("#CODECINFO: (0,1),(0-2)")
    assert at(m, "AT#CODECINFO?") == info("#CODECINFO: 0,0")
    # No call: no traffic channel; #CODEC 0 is reported as 31 (ATR10 p.366).
    assert at(m, "AT#CODECINFO") == info("#CODECINFO: 0,31")
    assert at(m, "AT#CODEC=5;#CODECINFO") == info("#CODECINFO: 0,5")
    assert at(m, "AT#CODECINFO=1,2") == OK
    assert at(m, "AT#CODECINFO?") == info("#CODECINFO: 1,2")
    assert at(m, "AT#CODECINFO") == info("#CODECINFO: None,FR,HR")
    # <mode> 2: the short URC when the codec changes (the call is answered, it ends).
    m.voice.answer_ms = 3000
    assert at(m, "ATD0612345678;") == OK
    m.run(3.5)
    assert m.voice.current.state == "active"
    assert take(m) == b"\r\n#CODECINFO: FR\r\n"
    assert at(m, "AT#CODECINFO") == info("#CODECINFO: FR,FR,HR")  # EFR not allowed: FR
    # The codec is the call's: a new #CODEC applies to the next call.
    assert at(m, "AT#CODEC=0;#CODECINFO=0,1;#CODECINFO") == info("#CODECINFO: 1,31")
    m.voice.current.hangup()
    m.run(0.5)
    # <mode> 1: the long URC in the numeric format; the other instance did not ask.
    assert take(m) == b"\r\nNO CARRIER\r\n\r\n#CODECINFO: 0,31\r\n"
    assert take(m, 2) == b""
    assert at(m, "ATD0612345678;") == OK
    m.run(3.5)
    assert take(m) == b"\r\n#CODECINFO: 2,31\r\n"  # EFR allowed now
    assert at(m, "AT#CODECINFO=0,0;H") == OK
    assert at(m, "ATD0612345678;") == OK
    m.run(5)
    assert take(m) == b""  # <mode> 0: no URC
    for bad in ("2", "0,3", '"0"', "0,0,0"):
        assert at(m, "AT#CODECINFO=" + bad) == ERR, bad
    # Per instance; the other instance has its own <format>.
    assert at(m, "AT#CODECINFO=1", inst=2) == OK
    assert at(m, "AT#CODECINFO?") == info("#CODECINFO: 0,0")


# ------------------------------------------------------------------ extended automatic call
def test_acalext_shares_the_mode_with_acal(m: Module) -> None:
    assert at(m, "AT#ACALEXT=?") == info("#ACALEXT: (0-2),(0-9),(1-250)")
    assert at(m, "AT#ACALEXT?") == info("#ACALEXT: 0,0")
    assert at(m, "AT#ACALEXT=2,250") == OK
    assert at(m, "AT#ACALEXT?") == info("#ACALEXT: 2,250")
    # "Issuing #ACALEXT causes the #ACAL <mode> to be changed" (a value #ACAL itself refuses).
    assert at(m, "AT#ACAL?") == info("#ACAL: 2")
    assert at(m, "AT#ACALEXT=1,9") == OK
    assert at(m, "AT#ACALEXT?") == info("#ACALEXT: 1,9")
    # "Issuing AT#ACAL=1 causes the #ACALEXT <index> to be set to default".
    assert at(m, "AT#ACAL=1") == OK
    assert at(m, "AT#ACALEXT?") == info("#ACALEXT: 1,0")
    for bad in ("1,10", "2,0", "2,251", "3,1", "1", "", '"1",1', "1,1,1"):
        assert at(m, "AT#ACALEXT=" + bad) == ERR, bad
    assert at(m, "AT#ACALEXT") == ERR
    # Per instance (ATR10 §3.3 p.26), factory again on ATZ.
    assert at(m, "AT#ACALEXT=2,7") == OK
    assert at(m, "AT#ACALEXT?", inst=2) == info("#ACALEXT: 0,0")
    assert at(m, "ATZ") == OK
    assert at(m, "AT#ACALEXT?") == info("#ACALEXT: 0,0")


def toggle_dtr(m: Module, inst: int = 1) -> None:
    with m.kernel.lock:
        m.instances[inst].set_dtr(0)
        m.instances[inst].set_dtr(1)


def test_dtr_rise_calls_the_acalext_number(m: Module) -> None:
    # ATR10 p.328: #ACALEXT enabled and &D2: "the transition OFF/ON of DTR causes an automatic
    # call to the number stored in position <index>"; "type of call depends on ... +FCLASS".
    assert at(m, 'AT+CPBS="SM";+CPBW=5,"0612345678",129,"boss"') == OK
    assert at(m, "AT#ACALEXT=2,5;+FCLASS=8") == OK
    toggle_dtr(m)
    m.run(1)
    assert take(m) == b""  # &D0 (factory): DTR does nothing
    assert m.voice.calls == []
    assert at(m, "AT&D2") == OK
    toggle_dtr(m)
    m.run(3)
    assert [c.number for c in m.voice.calls] == ["0612345678"]
    assert take(m) == OK  # #DIALMODE 0: OK when the far end rings
    assert at(m, "ATH") == OK
    # +FCLASS 0: a data call, which the emulated network does not answer.
    assert at(m, "AT+FCLASS=0") == OK
    toggle_dtr(m)
    m.run(3)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert len(m.voice.calls) == 1
    # An empty position, or the automatic call off: nobody is called.
    assert at(m, "AT+FCLASS=8;#ACALEXT=2,6") == OK
    toggle_dtr(m)
    assert at(m, "AT#ACALEXT=0,0") == OK
    toggle_dtr(m)
    m.run(3)
    assert take(m) == b"" and len(m.voice.calls) == 1


# ------------------------------------------------------------------ antenna detection
def test_gsmad_instant_detection_and_forms(m: Module) -> None:
    assert at(m, "AT#GSMAD=?") == info("#GSMAD: (0-3),(0,1),(1-3600),(1-13),(1-13)")
    assert at(m, "AT#GSMAD?") == info("#GSMAD: 0,0,120,12,13")
    assert at(m, "AT#GSMAD=3") == info("#GSMAD: 0")
    m.audio_io.antenna = 3  # the antenna comes off
    assert at(m, "AT#GSMAD=3") == info("#GSMAD: 3")
    # Mode 2 reports a change by URC on the instance that asked.
    m.audio_io.antenna = 1
    assert at(m, "AT#GSMAD=2") == b"\r\nOK\r\n\r\n#GSMAD: 1\r\n"
    assert at(m, "AT#GSMAD=2") == OK  # no change, no URC
    # <urcmode> and the rest "can be set only if <mod> is 1".
    for bad in ("0,1", "3,0", "2,0,10", "1,2", "1,1,0", "1,1,3601", "1,1,10,14", "1,1,10,5,5",
                "4", "", '"1"', "1,1,10,1,2,3"):
        assert at(m, "AT#GSMAD=" + bad) == ERR, bad
    assert at(m, "AT#GSMAD") == ERR


def test_gsmad_periodic_urc_report_pin_and_storage(m: Module) -> None:
    assert at(m, "AT#GSMAD=1,1,2,5,6") == OK
    assert at(m, "AT#GSMAD?") == info("#GSMAD: 1,1,2,5,6")
    assert at(m, "AT#GSMAD?", inst=2) == info("#GSMAD: 1,0,2,5,6")  # <urcmode> per instance
    m.run(2.5)
    assert m.gpio[6][1] == 0  # "GPIO is set to LOW when antenna is connected"
    take(m)
    m.audio_io.antenna = 3
    m.run(2.0)
    assert take(m) == b"\r\n#GSMAD: 3\r\n"
    assert take(m, 2) == b""
    assert m.gpio[6][1] == 1  # HIGH otherwise
    m.run(4.0)
    assert take(m) == b""  # no change, no URC
    # NVM except <urcmode>: after a power cut the detection runs again, silently.
    power_cycle(m)
    assert at(m, "AT#GSMAD?") == info("#GSMAD: 1,0,2,5,6")
    m.audio_io.antenna = 0
    m.run(5)
    assert m.gpio[6][1] == 0
    assert take(m) == b""
    assert at(m, "AT#GSMAD=0") == OK
    m.audio_io.antenna = 3
    m.run(5)
    assert m.gpio[6][1] == 0  # off: nothing runs
    reboot(m)
    assert at(m, "AT#GSMAD?") == info("#GSMAD: 0,0,2,5,6")


# ------------------------------------------------------------------ PCM play and receive
def test_spcm_plays_what_the_dte_sends_until_the_escape(m: Module) -> None:
    assert at(m, "AT#SPCM=?") == info("#SPCM: (1,2),(0-2)")
    assert at(m, "AT#SPCM=1,0") == b"\r\nCONNECT\r\n"
    m.run(1.2)
    feed(m, b"\x80\x81\x7f" * 100)
    m.run(1.2)
    feed(m, "+++")
    m.run(1.5)
    # ATR10 p.597 example: "+++" then NO CARRIER; the escape characters go on (#SKIPESC 0).
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert bytes(m.audio_io.pcm_played) == b"\x80\x81\x7f" * 100 + b"+++"
    assert at(m, "ATO") == b"\r\nNO CARRIER\r\n"  # nothing to go back to
    assert at(m, "AT") == OK


def test_spcm_sends_the_samples_at_8000_bytes_a_second(m: Module) -> None:
    m.audio_io.pcm_source = bytes(range(256)) * 16  # 4096 samples: 0.512 s
    feed(m, "AT#SPCM=2,2\r")
    m.run(0.25)
    got = take(m)
    assert got.startswith(b"\r\nCONNECT\r\n")
    got = got[len(b"\r\nCONNECT\r\n"):]
    assert len(got) == 2400  # 100-ms blocks of 800 samples at 0, 100 and 200 ms
    m.run(1.0)
    got += take(m)
    assert got == bytes(range(256)) * 16
    feed(m, "+++")
    m.run(1.5)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    for bad in ("0", "3", "1,3", '"1"', "1,0,0", ""):
        assert at(m, "AT#SPCM=" + bad) == ERR, bad
    assert at(m, "AT#SPCM?") == ERR
    assert at(m, "AT#SPCM") == ERR


# ------------------------------------------------------------------ remote SIM
def test_rsen_without_a_sap_server(m: Module) -> None:
    assert at(m, "AT#RSEN=?") == info("#RSEN: (0,1),(1),(0),(1-3),(0-100),(0,1)")
    assert at(m, "AT#RSEN?") == info("#RSEN: 0")
    assert at(m, "AT#RSEN=0") == OK
    # Not a multiplexed interface: ERROR unless a script's MDM with <scriptmode> 1.
    assert at(m, "AT#RSEN=1,1,0,1") == ERR
    assert at(m, "AT#RSEN=1,1,0,2,10,1") == OK
    assert at(m, "AT#RSEN?") == info("#RSEN: 0")  # no SAP server: never connected
    for bad in ("2", "1", "1,1,0", "1,2,0,1,0,1", "1,1,1,1,0,1", "1,1,0,3,0,1", "1,1,0,1,101,1",
                "1,1,0,1,0,2", "", '"0"'):
        assert at(m, "AT#RSEN=" + bad) == ERR, bad
    assert at(m, "AT#RSEN") == ERR


# ------------------------------------------------------------------ I2C
def test_i2c_write_then_read_the_eeprom(m: Module) -> None:
    before = at(m, "AT#GPIO?")
    assert at(m, "AT#I2CWR=2,3,A0,10,14") == b"\r\n> "
    assert at(m, "00112233445566778899AABBCCDD\x1a") == OK
    assert at(m, "AT#I2CRD=2,3,A1,10,14") == info("#I2CRD: 00112233445566778899AABBCCDD")
    assert at(m, "AT#I2CRD=2,3,a0,F,3") == info("#I2CRD: FF0011")  # the LSB does not matter
    assert m.i2c.devices[0x50][0x10:0x13] == b"\x00\x11\x22"
    # Past the device's 256 bytes: dummy data; a write wraps like a 24C02's address counter.
    assert at(m, "AT#I2CRD=2,3,A0,FE,4") == info("#I2CRD: FFFFFFFF")
    assert at(m, "AT#I2CWR=2,3,A0,FF,2") == b"\r\n> "
    assert at(m, "abcd\x1a") == OK
    assert m.i2c.devices[0x50][0xFF] == 0xAB and m.i2c.devices[0x50][0] == 0xCD
    # "At the end of the execution GPIO will be restored to the original setting".
    assert at(m, "AT#GPIO?") == before
    # ESC leaves without writing.
    assert at(m, "AT#I2CWR=2,3,A0,10,1") == b"\r\n> "
    assert at(m, "EE\x1b") == OK
    assert m.i2c.devices[0x50][0x10] == 0x00
    # The EEPROM is outside the module: it keeps its data over a power cut.
    power_cycle(m)
    assert at(m, "AT#I2CRD=2,3,A0,10,2") == info("#I2CRD: 0011")


def test_i2c_absent_device_wrong_pins_and_rejected_forms(m: Module) -> None:
    assert at(m, "AT#I2CWR=?") == info("#I2CWR: (1-13),(1-13),(0-3FF),(0-FF),(1-254)")
    assert at(m, "AT#I2CRD=?") == info("#I2CRD: (1-13),(1-13),(0-3FF),(0-FF),(1-254)")
    # Nothing acknowledges 0x20 (ATR10's example address), nor 0xA0 on other pins.
    assert at(m, "AT#I2CRD=2,3,20,10,12") == ERR
    assert at(m, "AT#I2CRD=4,5,A0,10,1") == ERR
    assert at(m, "AT+CMEE=1;#I2CRD=2,3,20,10,12") == b"\r\n+CME ERROR: 100\r\n"
    assert at(m, "AT#I2CWR=2,3,20,10,1") == b"\r\n> "
    assert at(m, "00\x1a") == b"\r\n+CME ERROR: 100\r\n"
    # A device configured on the module object: another address, a 10-bit one, other pins.
    m.i2c.devices[0x10] = bytearray(range(16))
    assert at(m, "AT#I2CRD=2,3,20,2,3") == info("#I2CRD: 020304")
    m.i2c.devices[0x2A5] = bytearray(b"\x5a" * 4)
    assert at(m, "AT#I2CRD=2,3,2A5,0,2") == info("#I2CRD: 5A5A")
    m.i2c.sda, m.i2c.scl = 7, 8
    assert at(m, "AT#I2CRD=7,8,20,0,1") == info("#I2CRD: 00")
    assert at(m, "AT#I2CRD=2,3,20,0,1") == b"\r\n+CME ERROR: 100\r\n"
    # Syntax: 5 parameters, hex without 0x, <len> 1-254, distinct existing pins.
    for bad in ("7,8,20,0,0", "7,8,20,0,255", "7,8,0x20,0,1", "7,8,G0,0,1", "7,8,400,0,1",
                "7,8,20,100,1", "7,7,20,0,1", "0,8,20,0,1", "7,14,20,0,1", '7,8,"20",0,1',
                "7,8,20,0", "7,8,20,0,1,1"):
        assert at(m, "AT#I2CRD=" + bad) == b"\r\n+CME ERROR: 4\r\n", bad
        assert at(m, "AT#I2CWR=" + bad) == b"\r\n+CME ERROR: 4\r\n", bad
    # Wrong data: not <len> bytes of hexadecimal.
    for data in ("0", "000", "0G", ""):
        assert at(m, "AT#I2CWR=7,8,20,0,1") == b"\r\n> "
        assert at(m, data + "\x1a") == b"\r\n+CME ERROR: 4\r\n", data
    assert at(m, "AT#I2CRD?") == ERR
    assert at(m, "AT#I2CWR") == ERR


# ------------------------------------------------------------------ not on the GC864-PY
@pytest.mark.parametrize("name", ["#SGPO", "#GGPI"])
def test_gm862_only_commands_answer_error(m: Module, name: str) -> None:
    for form in ("", "?", "=?", "=0", "=1", "="):
        assert at(m, "AT%s%s" % (name, form)) == ERR
    assert b"AT%s\r\n" % name.encode() not in at(m, "AT+CLAC")
    assert b"AT#GPIO\r\n" in at(m, "AT+CLAC")


# ------------------------------------------------------------------ fax class 1
def test_fax_identification(m: Module) -> None:
    # ATR10 p.275: "AT+FMI?" -> "Telit" (SELINT 1/2), no prefix.
    assert at(m, "AT+FMI?") == info("Telit")
    assert at(m, "AT+FMM?") == info("GC864-PY")
    assert at(m, "AT+FMR?") == info(m.radio.firmware)
    assert at(m, "AT+FMR?") == at(m, "AT+GMR")
    for name in ("+FMI", "+FMM", "+FMR"):
        assert at(m, "AT%s=?" % name) == OK
        assert at(m, "AT%s" % name) == ERR
        assert at(m, "AT%s=1" % name) == ERR


def test_flo_is_a_shortcut_of_the_flow_control(m: Module) -> None:
    # ATR10 p.280: factory 2 (RTS/CTS), the &K3 of the factory profile.
    assert at(m, "AT+FLO=?") == info("(0-2)")
    assert at(m, "AT+FLO?") == info("+FLO: 2")
    assert at(m, "AT+FLO=1") == OK
    assert b"&K4" in at(m, "AT&V")
    assert at(m, "AT+FLO?") == info("+FLO: 1")
    assert at(m, "AT+FLO=0") == OK
    assert b"&K0" in at(m, "AT&V")
    # "set with AT&Kn ... not allowed by AT+FLO the read command AT+FLO? will return: +FLO: 0"
    assert at(m, "AT&K6") == OK
    assert at(m, "AT+FLO?") == info("+FLO: 0")
    assert at(m, "AT&K3") == OK
    assert at(m, "AT+FLO?") == info("+FLO: 2")
    for bad in ("3", "", '"1"', "1,1"):
        assert at(m, "AT+FLO=" + bad) == ERR, bad
    assert at(m, "AT+FLO") == ERR
    assert at(m, "AT+FLO=1", inst=2) == OK  # per instance, like &K
    assert at(m, "AT+FLO?") == info("+FLO: 2")


@pytest.mark.parametrize("name", ["+FPR", "+FDD"])
def test_fpr_and_fdd_have_one_value(m: Module, name: str) -> None:
    # ATR10 p.280 +FPR "0 - autobauding"; p.281 +FDD "0 - currently the only available value".
    assert at(m, "AT%s=?" % name) == info("(0)")
    assert at(m, "AT%s?" % name) == info("%s: 0" % name)
    assert at(m, "AT%s=0" % name) == OK
    for bad in ("1", "", '"0"', "0,0"):
        assert at(m, "AT%s=%s" % (name, bad)) == ERR, bad
    assert at(m, "AT%s" % name) == ERR


ACTIONS = {"+FTS": "(0-255)", "+FRS": "(0-255)", "+FTM": "(24,48,72,96)",
           "+FRM": "(24,48,72,96)", "+FTH": "(3)", "+FRH": "(3)"}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_fax_actions_need_a_fax_connection(m: Module, name: str) -> None:
    assert at(m, "AT%s=?" % name) == info(ACTIONS[name])
    good = {"(0-255)": "255", "(3)": "3"}.get(ACTIONS[name], "96")
    bad = {"(0-255)": "256", "(3)": "24"}.get(ACTIONS[name], "3")
    for fclass in (0, 1):
        assert at(m, "AT+FCLASS=%d" % fclass) == OK
        assert at(m, "AT%s=%s" % (name, good)) == ERR  # no fax call in the emulated network
    assert at(m, "AT+CMEE=1;%s=%s" % (name, good)) == b"\r\n+CME ERROR: 3\r\n"
    assert at(m, "AT%s=%s" % (name, bad)) == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT%s=" % name) == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CMEE=0;%s?" % name) == ERR
    assert at(m, "AT%s" % name) == ERR


# ------------------------------------------------------------------ a legacy-style script
SCRIPT = b"""import MDM
import MOD

def cmd(c):
    MDM.send(c + '\\r', 0)
    r = ''
    end = MOD.secCounter() + 5
    while r.find('OK\\r\\n') == -1 and r.find('ERROR') == -1 and r.find('> ') == -1 and MOD.secCounter() < end:
        r = r + MDM.receive(5)
    return r

for c in ('AT#PSEL=1', 'AT#PSET=2,1,0,1,40,-10,12,3,3,6,0,12', 'AT#PSAV', 'AT#UDTSET=G,800,90',
          'AT#UDTSAV', 'AT#TSVOL=64,1,7', 'AT+FCLASS=0'):
    if cmd(c).find('OK') == -1:
        print('FAIL ' + c)
r = cmd('AT#I2CWR=2,3,A0,0,4')
if r.find('>') != -1:
    r = cmd('CAFE0042' + chr(26))
r = cmd('AT#I2CRD=2,3,A0,0,4')
print(r.split('\\r\\n')[1])
r = cmd('AT#PSET?')
print(r.split('\\r\\n')[1])
"""


def test_legacy_script_sets_up_audio_and_uses_the_eeprom(tmp_path: Path) -> None:
    with script_running(tmp_path, SCRIPT) as m:
        m.run(20)
        assert m.trace_lines == ["#I2CRD: CAFE0042", "#PSET: 2,1,0,1,40,-10,12,3,3,6,0,12"]
        assert m.i2c.devices[0x50][:4] == b"\xca\xfe\x00\x42"
        assert m.nvm["catalog"]["#UDTSET"]["G"] == [800, 90, 0, 0, 0, 0]


def test_the_script_is_in_the_dialect() -> None:
    assert_in_dialect(SCRIPT)


def test_the_script_under_the_real_152_interpreter(tmp_path: Path, py152: Path) -> None:
    with script_running(tmp_path, SCRIPT, interpreter=py152) as m:
        m.run(20)
        assert m.trace_lines == ["#I2CRD: CAFE0042", "#PSET: 2,1,0,1,40,-10,12,3,3,6,0,12"]
