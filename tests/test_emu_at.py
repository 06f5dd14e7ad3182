"""The AT engine: framing, V0/Q1/E1, the 80-character rule, compound lines, +CMEE, per-instance
settings, S12, identification and status commands, command timing, script commands (REFERENCE
§5, §4.3-4.4, §2.1; §11 B; ATR10 §3.2.2-3.2.4, §3.5.3, §3.5.7.11)."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import at, feed, take
from tools.emulator import Module


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    return mod


# ------------------------------------------------------------------ framing
def test_ref5_6_framing_info_then_ok(m: Module) -> None:
    assert at(m, "AT+CSQ") == b"\r\n+CSQ: 17,0\r\n\r\nOK\r\n"
    assert at(m, "AT") == b"\r\nOK\r\n"
    assert at(m, "AT#BOGUS") == b"\r\nERROR\r\n"


def test_ref2_1_mdm_through_a_script_sees_the_same_bytes(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.flash.write("main.py", b"import MDM\nimport MDM2\nMDM.send('AT+CGMR\\r', 5)\nprint(repr(MDM.receive(10)))\n"
                  b"MDM2.send('AT+CSQ\\r', 5)\nprint(repr(MDM2.receive(10)))\n")
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(2)
    assert m.trace_lines == ["'\\015\\01207.03.402\\015\\012\\015\\012OK\\015\\012'",
                             "'\\015\\012+CSQ: 17,0\\015\\012\\015\\012OK\\015\\012'"]


def test_ref2_1_mdm_and_mdm2_start_with_echo_off_verbose(m: Module) -> None:
    for inst in (1, 2):
        assert at(m, "AT", inst=inst) == b"\r\nOK\r\n"
        assert m.instances[inst].settings["E"] == 0 and m.instances[inst].settings["V"] == 1


def test_atr10_e1_echoes_the_command_line(m: Module) -> None:
    assert at(m, "ATE1") == b"\r\nOK\r\n"  # the echo starts with the next character
    assert at(m, "AT+CSQ") == b"AT+CSQ\r\r\n+CSQ: 17,0\r\n\r\nOK\r\n"
    assert at(m, "ATE0") == b"ATE0\r\r\nOK\r\n"


def test_atr10_v0_numeric_codes(m: Module) -> None:
    # ATR10 ATV0: information "<text><CR><LF>", result codes "<numeric code><CR>".
    assert at(m, "ATV0") == b"0\r"
    assert at(m, "AT+CSQ") == b"+CSQ: 17,0\r\n0\r"
    assert at(m, "AT#BOGUS") == b"4\r"
    assert at(m, "AT+CMEE=1;+CREG=7") == b"+CME ERROR: 4\r"
    assert at(m, "ATV1") == b"\r\nOK\r\n"


def test_atr10_q1_suppresses_result_codes_not_information(m: Module) -> None:
    assert at(m, "ATQ1", timeout=0.5) == b""
    assert at(m, "AT+CSQ", timeout=0.5) == b"\r\n+CSQ: 17,0\r\n"
    assert at(m, "AT#BOGUS", timeout=0.5) == b""
    assert at(m, "ATQ0") == b"\r\nOK\r\n"
    assert at(m, "ATQ2", timeout=0.5) == b""  # SELINT 2: Q2 is Q1 "only for backward compatibility"


def test_ref5_5_lf_after_cr_and_garbage_lines_are_ignored(m: Module) -> None:
    assert at(m, "AT\n") == b"\r\nOK\r\n"  # the LF of a CR LF terminator
    assert at(m, "hello", timeout=0.5) == b""  # not a command line


# ------------------------------------------------------------------ 80 characters
def test_ref5_5_eighty_characters_including_at_are_accepted(m: Module) -> None:
    # The emulator counts "AT" and excludes the CR (REFERENCE §5.5, §12.5: n/d, see
    # docs/emulator.md): an 80-character line runs, an 81-character line does nothing.
    ok_line = "AT" + "S12=40" + ";+CSQ" * 14 + ";E"
    assert len(ok_line) == 80
    got = at(m, ok_line)
    assert got.endswith(b"\r\nOK\r\n") and got.count(b"+CSQ: 17,0") == 14
    assert m.instances[1].settings["S12"] == 40


def test_ref5_5_eighty_one_characters_give_error_and_run_nothing(m: Module) -> None:
    long_line = "AT" + "S12=40" + ";+CSQ" * 14 + ";E0"  # 81 characters
    assert len(long_line) == 81
    assert at(m, long_line) == b"\r\nERROR\r\n"
    assert m.instances[1].settings["S12"] == 50
    assert m.instances[1].commands_run == 0


# ------------------------------------------------------------------ compound lines
def test_atr10_compound_line_runs_in_order(m: Module) -> None:
    assert at(m, "AT+CMEE=1;+CSQ") == b"\r\n+CSQ: 17,0\r\n\r\nOK\r\n"
    assert m.instances[1].settings["+CMEE"] == 1
    assert at(m, "ATE0V1S12=45;+CGSN") == b"\r\n356000000000001\r\n\r\nOK\r\n"
    assert m.instances[1].settings["S12"] == 45


def test_atr10_compound_line_stops_at_the_first_error(m: Module) -> None:
    # ATR10 §3.2.2: "... result code ERROR is sent and no subsequent commands in the command line
    # are processed."
    assert at(m, "ATS12=30;#BOGUS;E1") == b"\r\nERROR\r\n"
    assert m.instances[1].settings["S12"] == 30  # before the error: done
    assert m.instances[1].settings["E"] == 0  # after it: not done
    assert at(m, "AT+CSQ;+CREG=9;+CSQ") == b"\r\n+CSQ: 17,0\r\n\r\nERROR\r\n"


# ------------------------------------------------------------------ +CME ERROR
def test_ref5_8_cmee_styles(m: Module) -> None:
    assert at(m, "AT+CREG=5") == b"\r\nERROR\r\n"
    assert at(m, "AT+CMEE=1") == b"\r\nOK\r\n"
    assert at(m, "AT+CREG=5") == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CMEE=2") == b"\r\nOK\r\n"
    assert at(m, "AT+CREG=5") == b"\r\n+CME ERROR: operation not supported\r\n"
    assert at(m, "AT+CMEE?") == b"\r\n+CMEE: 2\r\n\r\nOK\r\n"
    assert at(m, "AT+CMEE=3") == b"\r\n+CME ERROR: operation not supported\r\n"


def test_ref5_8_unknown_command_is_plain_error_under_cmee(m: Module) -> None:
    at(m, "AT+CMEE=2")
    assert at(m, "AT+NOSUCH") == b"\r\nERROR\r\n"


def test_ref5_8_sim_errors_with_atr10_texts(m: Module) -> None:
    m.radio.sim = None
    at(m, "AT+CMEE=1")
    assert at(m, "AT+CPIN?") == b"\r\n+CME ERROR: 10\r\n"
    at(m, "AT+CMEE=2")
    assert at(m, "AT+CPIN?") == b"\r\n+CME ERROR: SIM not inserted\r\n"
    m.radio.sim = "SIM PIN"
    assert at(m, "AT+CPIN?") == b"\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    assert at(m, 'AT+CPIN="0000"') == b"\r\n+CME ERROR: incorrect password\r\n"
    assert at(m, 'AT+CPIN="1234"') == b"\r\nOK\r\n"
    assert at(m, "AT+CPIN?") == b"\r\n+CPIN: READY\r\n\r\nOK\r\n"


# ------------------------------------------------------------------ per instance
def test_ref5_3_settings_belong_to_the_instance(m: Module) -> None:
    at(m, "ATE1", inst=2)
    at(m, "AT+CMEE=2", inst=2)
    at(m, "ATS12=40", inst=2)
    at(m, "AT#SKIPESC=1", inst=2)
    at(m, "AT#E2ESC=3", inst=2)
    at(m, "AT&C0&D2", inst=2)
    assert at(m, "AT+CREG=5", inst=1) == b"\r\nERROR\r\n"
    assert at(m, "ATS12?", inst=1) == b"\r\n050\r\n\r\nOK\r\n"
    assert at(m, "AT#SKIPESC?;#E2ESC?", inst=1) == b"\r\n#SKIPESC: 0\r\n\r\n#E2ESC: 0\r\n\r\nOK\r\n"
    assert at(m, "ATS12?", inst=2) == b"ATS12?\r\r\n040\r\n\r\nOK\r\n"
    s1, s2 = m.instances[1].settings, m.instances[2].settings
    assert (s1["&C"], s1["&D"], s2["&C"], s2["&D"]) == (1, 0, 0, 2)


def test_atr10_s12_read_is_three_digits_and_range(m: Module) -> None:
    assert at(m, "ATS12?") == b"\r\n050\r\n\r\nOK\r\n"
    assert at(m, "ATS12=255") == b"\r\nOK\r\n"
    assert at(m, "ATS12?") == b"\r\n255\r\n\r\nOK\r\n"
    assert at(m, "ATS12=19") == b"\r\nERROR\r\n"
    assert at(m, "ATS3?") == b"\r\n013\r\n\r\nOK\r\n"
    assert at(m, "ATS12=?") == b"\r\n(20-255)\r\n\r\nOK\r\n"


def test_atr10_basic_command_ranges(m: Module) -> None:
    assert at(m, "AT&K2") == b"\r\nOK\r\n"  # ATR10: &K 0-6 all valid
    assert at(m, "AT&K7") == b"\r\nERROR\r\n"
    assert at(m, "AT&D5") == b"\r\nOK\r\n"
    assert at(m, "AT&C3") == b"\r\nERROR\r\n"
    assert at(m, "ATE2") == b"\r\nERROR\r\n"
    assert at(m, "AT&C") == b"\r\nOK\r\n"  # omitted parameter = 0
    assert m.instances[1].settings["&C"] == 0


def test_atr10_z_restores_the_profile_with_echo_off_on_mdm(m: Module) -> None:
    at(m, "ATS12=30;+CMEE=2")
    assert at(m, "ATZ") == b"\r\nOK\r\n"
    s = m.instances[1].settings
    assert (s["S12"], s["+CMEE"], s["E"]) == (50, 0, 0)


# ------------------------------------------------------------------ identification
def test_ref11_b_identification_from_the_world(m: Module) -> None:
    assert at(m, "AT+CGMR") == b"\r\n07.03.402\r\n\r\nOK\r\n"
    assert at(m, "AT+CGSN") == b"\r\n356000000000001\r\n\r\nOK\r\n"
    assert at(m, "AT+CGMI") == b"\r\nTelit\r\n\r\nOK\r\n"
    assert at(m, "AT+CGMM") == b"\r\nGC864-PY\r\n\r\nOK\r\n"
    m.radio.firmware = "07.02.607"
    m.radio.imei = "012345678901234"
    assert at(m, "AT+CGMR;+GSN") == b"\r\n07.02.607\r\n\r\n012345678901234\r\n\r\nOK\r\n"


def test_ref11_b_status_commands_follow_the_radio(m: Module) -> None:
    assert at(m, "AT+CREG?") == b"\r\n+CREG: 0,1\r\n\r\nOK\r\n"
    assert at(m, "AT+CGREG?") == b"\r\n+CGREG: 0,1\r\n\r\nOK\r\n"
    assert at(m, "AT+CPIN?") == b"\r\n+CPIN: READY\r\n\r\nOK\r\n"
    m.radio.rssi = 9
    assert at(m, "AT+CSQ") == b"\r\n+CSQ: 9,0\r\n\r\nOK\r\n"
    m.radio.reg = 2
    m.radio.greg = 0
    assert at(m, "AT+CREG?;+CGREG?;+CSQ") == b"\r\n+CREG: 0,2\r\n\r\n+CGREG: 0,0\r\n\r\n+CSQ: 99,99\r\n\r\nOK\r\n"


def test_ref5_6_creg_urc_and_location_format(m: Module) -> None:
    at(m, "AT+CREG=2", inst=2)
    at(m, "AT+CGREG=1", inst=1)
    assert at(m, "AT+CREG?", inst=2) == b'\r\n+CREG: 2,1,"0A1B","3C4D"\r\n\r\nOK\r\n'
    m.set_registration(reg=2, greg=2)
    assert take(m, 2) == b"\r\n+CREG: 2\r\n"
    assert take(m, 1) == b"\r\n+CGREG: 2\r\n"
    m.set_registration(reg=5)
    assert take(m, 2) == b'\r\n+CREG: 5,"0A1B","3C4D"\r\n'


# ------------------------------------------------------------------ timing
def test_ref5_10_command_takes_module_time(m: Module) -> None:
    feed(m, "AT+CSQ\r")
    m.run(0.019)
    assert take(m) == b""
    m.run(0.001)
    assert take(m) == b"\r\n+CSQ: 17,0\r\n\r\nOK\r\n"


def test_ref5_10_slower_commands_and_configurable_times(m: Module) -> None:
    feed(m, "AT+COPS?\r")
    m.run(0.2)
    assert take(m) == b""
    m.run(0.1)
    assert take(m) == b'\r\n+COPS: 0,0,"EMU NET"\r\n\r\nOK\r\n'
    m.command_time_ms = 100
    feed(m, "AT+CSQ;+CSQ\r")
    m.run(0.15)
    assert take(m) == b"\r\n+CSQ: 17,0\r\n"  # each command of the line takes its time
    m.run(0.05)
    assert take(m) == b"\r\n+CSQ: 17,0\r\n\r\nOK\r\n"


def test_ref11_j_frozen_instance_stops_answering(m: Module) -> None:
    m.instances[1].frozen = True
    assert at(m, "AT", inst=1, timeout=2) == b""
    assert at(m, "AT", inst=2) == b"\r\nOK\r\n"


def test_ref5_4_lines_wait_while_a_command_runs(m: Module) -> None:
    feed(m, "AT+COPS?\rAT+CSQ\r")
    m.run(1)
    assert take(m) == b'\r\n+COPS: 0,0,"EMU NET"\r\n\r\nOK\r\n\r\n+CSQ: 17,0\r\n\r\nOK\r\n'


# ------------------------------------------------------------------ script commands
def test_ref4_3_escript_no_existence_check_and_read(m: Module) -> None:
    assert at(m, 'AT#ESCRIPT="nofile.py"') == b"\r\nOK\r\n"
    assert m.nvm["escript"] == "nofile.py"
    assert at(m, "AT#ESCRIPT?") == b'\r\n#ESCRIPT: "nofile.py"\r\n\r\nOK\r\n'
    assert at(m, "AT#ESCRIPT=?") == b"\r\nOK\r\n"
    assert at(m, 'AT#ESCRIPT="seventeen_chars.py"') == b"\r\nERROR\r\n"
    assert at(m, "AT#ESCRIPT=") == b"\r\nOK\r\n"
    assert m.nvm["escript"] == ""
    m.reboot()
    assert m.script_state == "none"


def test_ref4_3_startmodescr_set_read_test(m: Module) -> None:
    assert at(m, "AT#STARTMODESCR?") == b"\r\n#STARTMODESCR: 0,10\r\n\r\nOK\r\n"
    assert at(m, "AT#STARTMODESCR=1,30") == b"\r\nOK\r\n"
    assert at(m, "AT#STARTMODESCR=2") == b"\r\nOK\r\n"
    assert (m.nvm["startmode"], m.nvm["startmode_to"]) == (2, 30)
    assert at(m, "AT#STARTMODESCR=3") == b"\r\nERROR\r\n"
    assert at(m, "AT#STARTMODESCR=1,9") == b"\r\nERROR\r\n"
    assert at(m, "AT#STARTMODESCR=1,61") == b"\r\nERROR\r\n"
    assert at(m, "AT#STARTMODESCR=?") == b"\r\n#STARTMODESCR: (0-2),(10-60)\r\n\r\nOK\r\n"
    m.reboot()
    assert at(m, "AT#STARTMODESCR?") == b"\r\n#STARTMODESCR: 2,30\r\n\r\nOK\r\n"  # NVM


def reboot_cmd(m: Module, line: str) -> bytes:
    """Send a command that reboots the module; return what its (old) instance answered."""
    old = m.instances[1]
    feed(m, line + "\r")
    m.run(0.1)
    return old.out.take()


def test_ref4_4_reboot_answers_ok_then_reboots(m: Module) -> None:
    at(m, "ATS12=30", inst=2)
    assert reboot_cmd(m, "AT#REBOOT") == b"\r\nOK\r\n"
    assert m.boot_reasons == ["power on", "#REBOOT"]
    assert m.instances[2].settings["S12"] == 50
    assert at(m, "AT#REBOOT=?") == b"\r\nOK\r\n"
    assert m.boots == 2


def test_ref4_4_enhrst_one_shot_now_and_later(m: Module) -> None:
    assert reboot_cmd(m, "AT#ENHRST=1,0") == b"\r\nOK\r\n"
    assert m.boot_reasons[-1] == "#ENHRST"
    assert at(m, "AT#ENHRST=1,2") == b"\r\nOK\r\n"
    assert at(m, "AT#ENHRST?") == b"\r\n#ENHRST: 1,2,2\r\n\r\nOK\r\n"
    m.run(119)
    assert m.boots == 2
    m.run(1)
    assert m.boots == 3
    m.run(300)
    assert m.boots == 3  # one shot: not stored, not repeated
    assert at(m, "AT#ENHRST?") == b"\r\n#ENHRST: 0\r\n\r\nOK\r\n"


def test_ref4_4_enhrst_periodic_survives_reboots_until_disabled(m: Module) -> None:
    assert at(m, "AT#ENHRST=2,1") == b"\r\nOK\r\n"
    m.run(60.5)
    assert m.boot_reasons[-1] == "#ENHRST"
    m.run(120)
    assert m.boots == 4
    assert at(m, "AT#ENHRST?") == b"\r\n#ENHRST: 2,1,1\r\n\r\nOK\r\n"
    assert at(m, "AT#ENHRST=0") == b"\r\nOK\r\n"
    m.run(300)
    assert m.boots == 4
    assert at(m, "AT#ENHRST=?") == b"\r\n#ENHRST: (0-2),(0-1440)\r\n\r\nOK\r\n"
    assert at(m, "AT#ENHRST=3,1") == b"\r\nERROR\r\n"


def test_ref4_3_execscr_starts_the_selected_script_after_ok(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.flash.write("hello.py", b"print('hello from the script')\n")
    m.power_on()
    assert at(m, 'AT#ESCRIPT="hello.py"', inst=2) == b"\r\nOK\r\n"
    assert m.script_state == "none"
    assert at(m, "AT#EXECSCR", inst=2) == b"\r\nOK\r\n"
    m.run(1)
    assert m.trace_lines == ["hello from the script"] and m.script_state == "ended"
    at(m, 'AT#ESCRIPT="absent.py"', inst=2)
    assert at(m, "AT#EXECSCR", inst=2) == b"\r\nOK\r\n"
    m.run(1)
    assert m.trace_lines == ["hello from the script"]


# ------------------------------------------------------------------ §5.4 serialised commands
def test_ref5_4_serialised_command_blocks_the_other_instance(m: Module) -> None:
    # REFERENCE §5.4, §11 B5: +COPS (set) blocks the other instances until it finishes.
    feed(m, "AT+COPS=0\r", inst=2)
    m.run(0.005)
    feed(m, "AT+CSQ\r", inst=1)
    m.run(0.1)
    assert take(m, 1) == b""  # waits behind +COPS=0 (300 ms)
    m.run(0.2)
    assert take(m, 2) == b"\r\nOK\r\n"
    m.run(0.02)
    assert take(m, 1) == b"\r\n+CSQ: 17,0\r\n\r\nOK\r\n"


def test_ref5_4_ordinary_commands_do_not_block(m: Module) -> None:
    feed(m, "AT+COPS?\r", inst=2)  # the read form is not serialised
    m.run(0.005)
    feed(m, "AT+CSQ\r", inst=1)
    m.run(0.03)
    assert take(m, 1) == b"\r\n+CSQ: 17,0\r\n\r\nOK\r\n"
