"""The emulator's command catalogue (tools/emulator/catalog_data.py, commands_catalog.py): every
row of the table answers its set/read/test forms in ATR10's format, rejects what the syntax
rejects and keeps its value where ATR10 §3.3 says (NVM, per instance, RAM, saved by a command);
the deep models are seen from both sides (AT and the script's GPIO module). Also the dispatcher's
quoting rule (AT+CMGS=""+39..."",145 is a syntax error)."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import ERR, OK, at, powered, reboot, take
from tools.emulator import Module
from tools.emulator.at import COMMANDS
from tools.emulator.catalog_atr10 import AVAILABLE_7_03, NOT_YET
from tools.emulator.catalog_audio import NOT_ON_GC864_PY
from tools.emulator.catalog_data import NOT_ON_GC864, ROWS
from tools.emulator.commands_catalog import ENTRIES, Entry, table_handler, range_form


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = powered(tmp_path)
    return mod


def info(name: str, body: str, e: Entry | None = None) -> bytes:
    text = body if e is not None and "bare" in e.flags else "%s: %s" % (name, body)
    return b"\r\n" + text.encode() + b"\r\n" + OK


def other_values(e: Entry) -> list[str]:
    """A legal value for every parameter, different from the default where the range allows
    (strings quoted, as they are written on the command line and read back)."""
    out = []
    for p, d in zip(e.params, e.defaults):
        if p.ints is not None:
            choices = sorted(p.ints)
            out.append(str(next((v for v in reversed(choices) if str(v) != d), choices[0])))
        elif p.strings:
            out.append('"%s"' % next((s for s in p.strings if s != d), d))
        else:
            out.append('"0-3"')
    return out


def factory(e: Entry) -> str:
    return ",".join(d if p.ints is not None else '"%s"' % d for p, d in zip(e.params, e.defaults))


def bad_value(e: Entry) -> str:
    """The first parameter out of its range: an integer past the top, a string too long."""
    p = e.params[0]
    if p.ints is None:
        return '"%s"' % ("x" * (p.max_len + 1))
    return str(max(p.ints) + 1)


def wrong_quoting(e: Entry, values: list[str]) -> str:
    """The first parameter with the wrong quoting: a quoted number or an unquoted string."""
    first = values[0]
    return first.strip('"') if first.startswith('"') else '"%s"' % first


def read_back(m: Module, e: Entry, body: str) -> None:
    if "noread" in e.flags:
        assert at(m, "AT%s?" % e.name) == ERR
    else:
        assert at(m, "AT%s?" % e.name) == info(e.name, body, e)


TABLE = [e for e in ENTRIES.values() if COMMANDS.get(e.name) is table_handler]


def test_every_row_is_registered_unless_another_module_handles_it() -> None:
    # The catalogue never takes over a command another emulator module models.
    assert {row[0] for row in ROWS} == set(ENTRIES)
    assert len(TABLE) >= 45
    for e in ENTRIES.values():
        assert e.name in COMMANDS
    for name in NOT_ON_GC864:
        assert name not in COMMANDS


def handled(name: str) -> bool:
    if name in COMMANDS:
        return True
    return name[:1] == "S" and name[1:].isdigit() or name[:2] in ("&V", "&F") and name[2:].isdigit()


def test_the_7_03_command_list_is_covered_or_listed_as_not_yet() -> None:
    # ATR10 pp.29-38, column SW 7.03.xx2 (catalog_atr10.py): each command is emulated or in
    # NOT_YET (which answers ERROR); NOT_YET holds nothing the emulator now handles.
    missing = [n for n in AVAILABLE_7_03 if not handled(n) and n not in NOT_YET and n not in NOT_ON_GC864_PY]
    assert missing == []
    assert [n for n in NOT_YET if handled(n)] == []
    # every command the table marks is emulated but the two SELINT 0/1 ones (docs/emulator.md)
    assert NOT_YET == () and sorted(NOT_ON_GC864_PY) == ["#GGPI", "#SGPO"]
    assert len([n for n in AVAILABLE_7_03 if handled(n)]) == len(AVAILABLE_7_03) - 2 == 387


@pytest.mark.parametrize("e", TABLE, ids=[e.name for e in TABLE])
def test_row_set_read_test_round_trip_and_rejected_forms(m: Module, e: Entry) -> None:
    name = e.name
    defaults = factory(e)
    # Factory value, the documented read format.
    read_back(m, e, defaults)
    # Test form: the ranges as compound values (or a string's maximum length).
    tested = at(m, "AT%s=?" % name)
    assert tested == b"\r\n" + range_form(e).encode() + b"\r\n" + OK
    if "testlen" not in e.flags:
        assert tested.count(b"(") >= sum(1 for p in e.params if p.ints is not None)
    # Set every parameter to another legal value: read back exactly.
    values = other_values(e)
    assert at(m, "AT%s=%s" % (name, ",".join(values))) == OK
    read_back(m, e, ",".join(values))
    # Out of range, one parameter too many, the wrong quoting: ERROR, value unchanged.
    assert at(m, "AT%s=%s" % (name, bad_value(e))) == ERR
    assert at(m, "AT%s=%s" % (name, ",".join(values + ["0"]))) == ERR
    assert at(m, "AT%s=%s" % (name, ",".join([wrong_quoting(e, values)] + values[1:]))) == ERR
    read_back(m, e, ",".join(values))
    # Under +CMEE=1 the same rejection is +CME ERROR: 4 (operation not supported) (a string
    # longer than 100 characters cannot reach a handler: the line limit is 80, at.MAX_LINE).
    line = "AT+CMEE=1;%s=%s" % (name, bad_value(e))
    assert at(m, line) == (b"\r\n+CME ERROR: 4\r\n" if len(line) <= 80 else ERR)
    # A missing mandatory parameter: ERROR; an optional one: back to the default.
    if e.need:
        assert at(m, "AT+CMEE=0;%s=" % name) == ERR
    else:
        assert at(m, "AT+CMEE=0;%s=" % name) == OK
        read_back(m, e, defaults)
    # The bare execution form is not in the SELINT 2 syntax of these rows.
    assert at(m, "AT%s" % name) == ERR


NVM_ROWS = [e for e in TABLE if e.store == "nvm"]
RAM_ROWS = [e for e in TABLE if e.store in ("module", "inst")]
SAVED_ROWS = [e for e in TABLE if e.store.startswith("save:")]


@pytest.mark.parametrize("e", NVM_ROWS, ids=[e.name for e in NVM_ROWS])
def test_nvm_rows_survive_a_reboot_and_a_power_cut(m: Module, e: Entry) -> None:
    values = ",".join(other_values(e))
    assert at(m, "AT%s=%s" % (e.name, values)) == OK
    reboot(m)
    read_back(m, e, values)
    m.power_cut(restore_after_ms=100)
    m.run(0.5)
    read_back(m, e, values)


@pytest.mark.parametrize("e", RAM_ROWS, ids=[e.name for e in RAM_ROWS])
def test_profile_rows_are_back_to_factory_after_a_reboot(m: Module, e: Entry) -> None:
    assert at(m, "AT%s=%s" % (e.name, ",".join(other_values(e)))) == OK
    reboot(m)
    read_back(m, e, factory(e))


def test_instance_rows_belong_to_their_instance(m: Module) -> None:
    # ATR10 §3.3 p.26: #STIA, +CSSN ... "depend on the specific AT instance".
    # #STIA's read form is "<state>,<mode>,<timeout>,<SatProfile>" (catalog_run.py).
    assert at(m, "AT#STIA=2,5", inst=1) == OK
    assert at(m, "AT#STIA?", inst=2) == info("#STIA", "0,0,10,FFFFFFFF7F0300DF7F")
    assert at(m, "AT#STIA?", inst=1) == info("#STIA", "0,2,5,FFFFFFFF7F0300DF7F")
    assert at(m, "ATZ", inst=1) == OK  # the factory profile again
    assert at(m, "AT#STIA?", inst=1) == info("#STIA", "0,0,10,FFFFFFFF7F0300DF7F")


@pytest.mark.parametrize("e", SAVED_ROWS, ids=[e.name for e in SAVED_ROWS])
def test_saved_rows_need_their_save_command(m: Module, e: Entry) -> None:
    saver = e.store.split(":", 1)[1]
    values = ",".join(other_values(e))
    assert at(m, "AT%s=%s" % (e.name, values)) == OK
    reboot(m)
    read_back(m, e, factory(e))  # lost: not saved
    assert at(m, "AT%s=%s" % (e.name, values)) == OK
    assert at(m, "AT%s" % saver) == OK
    reboot(m)
    read_back(m, e, values)


def test_sktrst_brings_the_socket_timers_back_to_factory(m: Module) -> None:
    # ATR10 §3.3 p.28: #DSTO #SKTTO #SKTCT #PKTSZ stored by #SKTSAV, factory values by #SKTRST;
    # #SKTSAV still stores #USERID as before.
    assert at(m, 'AT#DSTO=10;#SKTTO=0;#USERID="bob";#SKTSAV') == OK
    reboot(m)
    assert at(m, "AT#DSTO?;#SKTTO?") == b"\r\n#DSTO: 10\r\n\r\n#SKTTO: 0\r\n" + OK
    assert at(m, "AT#USERID?") == b'\r\n#USERID: "bob"\r\n' + OK
    assert at(m, "AT#SKTRST") == OK
    assert at(m, "AT#DSTO?") == info("#DSTO", "50")
    reboot(m)
    assert at(m, "AT#SKTTO?") == info("#SKTTO", "90")


def test_bnd_bare_set_is_band_zero(m: Module) -> None:
    # ATR10 p.341 (#BND): "issuing AT#BND=<CR> is the same as issuing the command AT#BND=0".
    assert at(m, "AT#BND=3") == OK
    assert at(m, "AT#BND=") == OK
    assert at(m, "AT#BND?") == info("#BND", "0")


# ------------------------------------------------------------------ deep models
def test_imsi_msisdn_and_identity_echo(m: Module) -> None:
    assert at(m, "AT+CIMI") == b"\r\n001010123456789\r\n" + OK
    assert at(m, "AT#CIMI") == b"\r\n#CIMI: 001010123456789\r\n" + OK
    assert at(m, "AT+CIMI=?") == OK and at(m, "AT#CIMI?") == ERR
    assert at(m, "AT+CNUM") == OK  # no MSISDN on the SIM: just OK (ATR10 p.94)
    m.radio.msisdn = "+393331234567"  # type: ignore[attr-defined]
    assert at(m, "AT+CNUM") == b'\r\n+CNUM: "","+393331234567",145\r\n' + OK
    assert at(m, "AT#CGMM;#CGSN") == b"\r\n#CGMM: GC864-PY\r\n\r\n#CGSN: 356000000000001\r\n" + OK
    m.radio.sim = None
    assert at(m, "AT+CIMI") == ERR  # ATR10 p.83: no SIM, ERROR


def test_phonebook_write_read_find_delete_and_persist(m: Module) -> None:
    assert at(m, "AT+CPBS?") == b'\r\n+CPBS: "SM",0,250\r\n' + OK
    assert at(m, 'AT+CPBW=,"+391234567",145,"Alice"') == OK  # first free location
    assert at(m, 'AT+CPBW=5,"0401234",129,"Bob"') == OK
    assert at(m, "AT+CPBR=1,10") == (b'\r\n+CPBR: 1,"+391234567",145,"Alice"\r\n'
                                    b'+CPBR: 5,"0401234",129,"Bob"\r\n' + OK)
    assert at(m, 'AT+CPBF="bo"') == b'\r\n+CPBF: 5,"0401234",129,"Bob"\r\n' + OK
    assert at(m, 'AT+CPBF="zz"') == ERR
    assert at(m, "AT+CPBS?") == b'\r\n+CPBS: "SM",2,250\r\n' + OK
    reboot(m)
    assert at(m, "AT+CPBR=5") == b'\r\n+CPBR: 5,"0401234",129,"Bob"\r\n' + OK  # on the SIM
    assert at(m, "AT+CPBW=5") == OK  # number omitted: deleted
    assert at(m, "AT+CPBR=5") == OK
    assert at(m, 'AT+CPBW=1,"12ab"') == b"\r\nERROR\r\n"
    assert at(m, 'AT+CMEE=1;+CPBW=1,"12ab"') == b"\r\n+CME ERROR: 27\r\n"
    assert at(m, 'AT+CPBS="XX"') == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, 'AT+CPBS="FD"') == OK
    assert at(m, "AT+CPBS?") == b'\r\n+CPBS: "FD",0,250\r\n' + OK


def test_qos_profiles_per_context_in_nvm(m: Module) -> None:
    # ATR10 pp.189-192: the example sequence, the special <cid>-only form, NVM.
    assert at(m, "AT+CGQREQ=1,0,0,3,0,0") == OK
    assert at(m, "AT+CGQMIN=2,1,2,3,4,31") == OK
    assert at(m, "AT+CGQMIN=2,1,2,3,4,19") == ERR
    reboot(m)
    assert at(m, "AT+CGQREQ?") == b"\r\n+CGQREQ: 1,0,0,3,0,0\r\n" + OK
    assert at(m, "AT+CGQMIN?") == b"\r\n+CGQMIN: 2,1,2,3,4,31\r\n" + OK
    assert at(m, "AT+CGQMIN=2") == OK
    assert at(m, "AT+CGQMIN?") == OK


def test_gpio_adc_dac_sled_shared_with_the_script(tmp_path: Path) -> None:
    # #GPIO/#ADC/#DAC/#SLED and the script's GPIO module see the same pins (ATR10 pp.298-305,
    # ES13 §3.6).
    m = Module(tmp_path)
    m.flash.write("main.py", b"import GPIO\nGPIO.setIOvalue(5, 1)\nGPIO.setSLED(3, 2, 8)\n"
                  b"print(GPIO.getADC(2))\n")
    m.nvm["escript"] = "main.py"
    m.adc[2] = 1234
    m.power_on()
    m.run(2)
    assert m.trace_lines == ["1234"]
    m.set_gpio_input(6, 1)
    assert at(m, "AT#GPIO=6,2") == b"\r\n#GPIO: 0,1\r\n" + OK
    assert at(m, "AT#GPIO=5,2") == b"\r\n#GPIO: 1,1\r\n" + OK
    assert at(m, "AT#GPIO=5,0,1") == OK
    assert m.gpio[5] == [1, 0]
    assert at(m, "AT#GPIO=5") == ERR  # <mode> is mandatory
    assert at(m, "AT#ADC=2,2") == b"\r\n#ADC: 1234\r\n" + OK
    assert at(m, "AT#ADC=2,1") == ERR
    assert at(m, "AT#SLED?") == b"\r\n#SLED: 3,2,8\r\n" + OK
    assert at(m, "AT#DAC=1") == ERR  # <value> must be present with <enable>=1
    assert at(m, "AT#DAC=1,511") == OK
    assert m.dac == (1, 511)  # type: ignore[attr-defined]
    assert at(m, "AT#DAC?") == b"\r\n#DAC: 1,511\r\n" + OK


def test_temperature_monitor(m: Module) -> None:
    assert at(m, "AT#TEMPMON=1") == b"\r\n#TEMPMEAS: 0,25\r\n" + OK
    m.temperature = 60  # type: ignore[attr-defined]
    assert at(m, "AT#TEMPMON=1") == b"\r\n#TEMPMEAS: 1,60\r\n" + OK
    assert at(m, "AT#QTEMP?") == b"\r\n#QTEMP: 1\r\n" + OK
    assert at(m, "AT#TEMPMON=0,1,4") == ERR  # <action> set: <hyst_time> is mandatory
    assert at(m, "AT#TEMPMON=0,1,4,10") == ERR  # action 4: <GPIO> too
    assert at(m, "AT#TEMPMON=0,1,5,10,3") == OK
    reboot(m)
    assert at(m, "AT#TEMPMON?") == b"\r\n#TEMPMON: 1,5,10,3\r\n" + OK


def test_shdn_answers_ok_then_the_module_is_off(m: Module) -> None:
    assert at(m, "AT#SHDN") == OK
    m.run(0.2)
    assert not m.power
    assert at(m, "AT", timeout=0.5) == b""


def test_cpas_reports_a_call(m: Module) -> None:
    assert at(m, "AT+CPAS") == b"\r\n+CPAS: 0\r\n" + OK
    assert at(m, "AT+CPAS=?") == b"\r\n+CPAS: (0-4)\r\n" + OK


# -------------------------------------------------------------- quoting rule
def test_cmgs_with_doubled_quotes_is_a_syntax_error(m: Module) -> None:
    # Found in a public script: AT+CMGS=""+39..."",145. A string constant is one pair of quotes
    # (V.250 §5.4.2.2): the module answers ERROR and opens no text prompt. Before, the emulator
    # prompted and kept the quotes in the destination number.
    assert at(m, "AT+CMGF=1") == OK
    assert at(m, 'AT+CMGS=""+393331234567"",145') == ERR
    assert at(m, "AT+CMEE=2") == OK
    assert at(m, 'AT+CMGS=""+393331234567""') == ERR  # a syntax error: ERROR whatever +CMEE
    assert at(m, 'AT#BND="1"2') == ERR
    assert at(m, 'AT+CMGS="+393331234567",145', timeout=1.0) == b"\r\n> "


def test_clck_sc_lock_makes_the_sim_ask_for_its_pin_at_the_next_power_up(m: Module) -> None:
    # ATR10 pp.104-106: "SC - SIM (PIN request) (device asks SIM password at power-up ...)".
    assert at(m, 'AT+CLCK="SC",2') == b"\r\n+CLCK: 0\r\n" + OK
    assert at(m, 'AT+CMEE=1;+CLCK="SC",1,"0000"') == b"\r\n+CME ERROR: 16\r\n"
    assert at(m, 'AT+CLCK="SC",1,"1234"') == OK
    assert at(m, 'AT+CLCK="SC",2') == b"\r\n+CLCK: 1\r\n" + OK
    assert at(m, 'AT+CPWD="SC","1234","4321"') == OK
    reboot(m)
    assert at(m, "AT+CPIN?") == b"\r\n+CPIN: SIM PIN\r\n" + OK
    assert at(m, "AT#PCT") == b"\r\n#PCT: 3\r\n" + OK
    assert at(m, 'AT+CPIN="4321"') == OK
    assert at(m, 'AT+CLCK="SC",0,"4321"') == OK
    reboot(m)
    assert at(m, "AT+CPIN?") == b"\r\n+CPIN: READY\r\n" + OK
    assert at(m, 'AT+CLCK="AO",2') == b"\r\n+CLCK: 0,1\r\n+CLCK: 0,2\r\n+CLCK: 0,4\r\n" + OK
    assert at(m, 'AT+CLCK="AB",2') == ERR  # AB: only <mode>=0


def test_cscb_is_saved_by_csas_and_restored_by_cres(m: Module) -> None:
    # ATR10 p.215 (example) and pp.216-217.
    assert at(m, 'AT+CSCB=1,"0,1,300-315,450","0-3"') == OK
    assert at(m, "AT+CSCB?") == b'\r\n+CSCB: 1,"0,1,300-315,450","0-3"\r\n' + OK
    assert at(m, "AT+CSAS") == OK
    assert at(m, "AT+CSCB=0") == OK
    assert at(m, "AT+CRES") == OK
    assert at(m, "AT+CSCB?") == b'\r\n+CSCB: 1,"0,1,300-315,450","0-3"\r\n' + OK
    reboot(m)
    assert at(m, "AT+CSCB?") == b'\r\n+CSCB: 1,"0,1,300-315,450","0-3"\r\n' + OK
    assert at(m, "AT+CSAS=4") == ERR


def test_simdet_zero_hides_the_sim_until_reboot(m: Module) -> None:
    assert at(m, "AT#SIMDET?") == b"\r\n#SIMDET: 2,1\r\n" + OK
    assert at(m, "AT#SIMDET=0") == OK
    assert at(m, "AT+CMEE=1;+CPIN?") == b"\r\n+CME ERROR: 10\r\n"
    assert at(m, "AT#SIMDET?") == b"\r\n#SIMDET: 0,1\r\n" + OK  # the SIMIN pin still says inserted
    assert at(m, "AT#SIMDET=2") == OK
    assert at(m, "AT+CPIN?") == b"\r\n+CPIN: READY\r\n" + OK


def test_small_ones(m: Module) -> None:
    assert at(m, "AT+GCAP") == b"\r\n+GCAP: +CGSM,+FCLASS,+DS,+MS\r\n" + OK
    assert at(m, "AT+PACSP?") == b"\r\n+PACSP1\r\n" + OK
    assert at(m, "AT+CLIR=1") == OK
    assert at(m, "AT+CLIR?") == b"\r\n+CLIR: 1,4\r\n" + OK
    assert at(m, "AT+CLIR?", inst=2) == b"\r\n+CLIR: 0,4\r\n" + OK
    assert at(m, "AT&S1\\Q0") == OK
    assert at(m, "AT&S4") == ERR
    assert at(m, "AT+CHUP") == OK
    assert at(m, "AT+CHUP?") == ERR


def test_cind_reports_the_radio_and_cmer_is_a_row(m: Module) -> None:
    # ATR10 pp.144-146.
    assert at(m, "AT+CIND?") == b"\r\n+CIND: 5,0,1,0,0,0,0,0,2\r\n" + OK  # rssi 17: -79 dBm
    m.set_registration(reg=5)
    m.radio.rssi = 31
    assert at(m, "AT+CIND?") == b"\r\n+CIND: 5,0,1,0,0,0,1,0,5\r\n" + OK
    m.set_registration(reg=0)
    assert at(m, "AT+CIND?") == b"\r\n+CIND: 5,99,0,0,0,0,0,0,99\r\n" + OK
    assert at(m, "AT+CIND=?").startswith(b'\r\n+CIND: (("battchg",(0-5,99)),("signal",(0-7,99))')
    assert at(m, "AT+CIND=1,1,1,1,1,1,1,1,1") == OK
    assert at(m, "AT+CIND=1,1,1,1,1,1,1,1,1,1") == ERR
    assert at(m, "AT+CMER=2,0,0,2,0") == OK
    assert at(m, "AT+CMER?") == b"\r\n+CMER: 2,0,0,2,0\r\n" + OK
    assert at(m, "AT+CMER=2,0,0,1,0") == ERR


def test_ccwa_service_per_class(m: Module) -> None:
    assert at(m, "AT+CCWA=1,2") == b"\r\n+CCWA: 0,7\r\n" + OK
    assert at(m, "AT+CCWA=1,1,1") == OK
    assert at(m, "AT+CCWA=1,2") == b"\r\n+CCWA: 1,1\r\n" + OK
    assert at(m, "AT+CCWA?") == b"\r\n+CCWA: 1\r\n" + OK
    assert at(m, "AT+CCWA=1,2,7") == ERR


def test_cclk_with_zone_and_dst_shares_the_clock(m: Module) -> None:
    # ATR10 pp.339-340: the example.
    assert at(m, 'AT#CCLK="02/09/07,22:30:00+04,1"') == OK
    got = at(m, "AT#CCLK?")
    assert got.startswith(b"\r\n#CCLK: 02/09/07,22:30:0") and got.endswith(b"+04,1\r\n" + OK)
    assert at(m, "AT+CCLK?").startswith(b'\r\n+CCLK: "02/09/07,22:30:0')
    assert at(m, 'AT#CCLK="02/02/30,22:30:00+04,1"') == ERR  # no 30 February
    assert at(m, 'AT#CCLK="02/09/07,22:30:00+49,1"') == ERR
    assert at(m, 'AT#CCLK="02/09/07,22:30:00+04"') == ERR


def test_moni_ceer_and_calls(m: Module) -> None:
    assert at(m, "AT#MONI") == (b"\r\n#MONI: EMU NET BSIC:25 RxQual:0 LAC:0A1B Id:3C4D ARFCN:62 "
                                b"PWR:-79dBm TA: 0\r\n" + OK)
    assert at(m, "AT#MONI=7") == OK
    assert at(m, "AT#MONI").count(b"#MONI:") == 2
    assert at(m, "AT#MONI=?") == b"\r\n#MONI: (6,7)\r\n" + OK
    assert at(m, "AT#MONI=8") == ERR
    assert at(m, "AT#CEER") == b"\r\n#CEER: 0\r\n" + OK
    assert at(m, "AT+CLCC") == OK
    m.csd.call("+391112223")
    m.run(1.5)
    assert take(m) == b"\r\nRING\r\n"
    assert at(m, "AT+CLCC").startswith(b'\r\n+CLCC: 1,1,4,1,0,"+391112223",145,""')
    assert at(m, "AT+CPAS").startswith(b"\r\n+CPAS: 3\r\n")


def test_call_forwarding_register_query_erase(m: Module) -> None:
    assert at(m, "AT+CCFC=0,2") == b"\r\n+CCFC: 0,7\r\n" + OK
    assert at(m, 'AT+CCFC=0,3,"+391234",145') == OK
    assert at(m, "AT+CCFC=0,2") == b'\r\n+CCFC: 1,7,"+391234",145\r\n' + OK
    assert at(m, "AT+CCFC=4,4") == OK
    assert at(m, "AT+CCFC=0,2") == b"\r\n+CCFC: 0,7\r\n" + OK
    assert at(m, "AT+CCFC=4,2") == ERR


def test_cusd_answers_not_supported(m: Module) -> None:
    assert at(m, 'AT+CUSD=1,"*100#",15') == OK
    m.run(1.5)
    assert take(m) == b"\r\n+CUSD: 4\r\n"
    assert at(m, "AT+CUSD?") == b"\r\n+CUSD: 1\r\n" + OK


def test_msclass_rtcstat_copn_cpol_tone_srs(m: Module) -> None:
    assert at(m, "AT#MSCLASS?") == b"\r\n#MSCLASS: 10\r\n" + OK
    assert at(m, "AT#MSCLASS=7") == ERR  # "class 7 is not supported"
    assert at(m, "AT#MSCLASS=8,1") == OK
    assert at(m, "AT#RTCSTAT?") == b"\r\n#RTCSTAT: 1\r\n" + OK  # RTC HW Error until reset
    assert at(m, "AT#RTCSTAT=0") == OK
    reboot(m)
    assert at(m, "AT#MSCLASS?;#RTCSTAT?") == b"\r\n#MSCLASS: 8\r\n\r\n#RTCSTAT: 0\r\n" + OK
    assert at(m, "AT+COPN") == b'\r\n+COPN: "00101","EMU NET"\r\n' + OK
    assert at(m, 'AT+CPOL=,2,"22201"') == OK
    assert at(m, 'AT+CPOL=3,2,"22210"') == OK
    assert at(m, "AT+CPOL?") == b'\r\n+CPOL: 1,2,"22201"\r\n+CPOL: 3,2,"22210"\r\n' + OK
    assert at(m, "AT+CPOL=1") == OK
    assert at(m, "AT+CPOL?") == b'\r\n+CPOL: 3,2,"22210"\r\n' + OK
    assert at(m, 'AT+CPOL=1,0,"22201"') == ERR
    assert at(m, "AT#TONE=5,10") == OK
    assert at(m, "AT#TONE=E") == ERR
    assert at(m, "AT#SRS=3,2") == OK
    assert at(m, "AT#SRS?") == b"\r\n#SRS: 3,1\r\n" + OK
    m.run(2.5)
    assert at(m, "AT#SRS?") == b"\r\n#SRS: 3,0\r\n" + OK


def test_v24_pins_in_gpio_mode_drive_the_serial_line(m: Module) -> None:
    # ATR10 pp.308-311.
    assert at(m, "AT#V24=0,1") == ERR  # DCD still belongs to the serial driver
    assert at(m, "AT#V24CFG=0,1") == OK
    assert at(m, "AT#V24=0,1") == OK
    assert m.serial.dcd == 1
    assert at(m, "AT#V24=0") == b"\r\n#V24: 1\r\n" + OK
    assert at(m, "AT#V24CFG=4,1") == ERR  # DTR is an input
    m.serial.dte.set_dtr(0)
    got = at(m, "AT#V24?")
    assert b"#V24: 0,1\r\n" in got and b"#V24: 4,0\r\n" in got
    assert at(m, "AT#V24CFG?").count(b"#V24CFG:") == 6
    assert at(m, "AT#V24MODE=1,1,1") == OK
    assert at(m, "AT#V24MODE?") == b"\r\n#V24MODE: 0,0,0\r\n#V24MODE: 1,1,1\r\n" + OK
    assert at(m, "AT#V24MODE=0,2,0") == ERR
    assert at(m, "AT#AXE") == b"\r\n#AXE: 0\r\n" + OK


def test_ato_resumes_the_suspended_socket_or_says_no_carrier(m: Module) -> None:
    # ATR10 p.68.
    assert at(m, "ATO") == b"\r\nNO CARRIER\r\n"
    m.net.activation_ms = 100
    srv = m.net.sim.listen("203.0.113.5", 5000)
    assert at(m, 'AT+CGDCONT=1,"IP","internet"') == OK
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5"', timeout=5) == b"\r\nCONNECT\r\n"
    conn = srv.accept_next(1)
    m.run(1.1)
    from emu_helpers import feed
    feed(m, "+++")
    m.run(1.2)
    assert take(m) == OK
    assert at(m, "ATO") == b"\r\nCONNECT\r\n"
    conn.send(b"back")
    m.run(1)
    assert take(m) == b"back"


def test_landline_leftovers_are_accepted(m: Module) -> None:
    assert at(m, "ATL1M0T") == OK
    assert at(m, "AT%E2%L%Q") == OK
    assert at(m, "AT\\V1") == OK
    assert at(m, "AT+DS=0;+DR=1;+DR?") == b"\r\n+DR: 1\r\n" + OK
    assert at(m, "AT+DS=1") == ERR


def test_hash_cmgs_and_cmgw_take_the_text_in_the_line(m: Module) -> None:
    # ATR10 pp.394-396 (text mode).
    assert at(m, 'AT#CMGS="+393331234567","hi"') == b"\r\n+CMS ERROR: 303\r\n"  # PDU mode
    assert at(m, "AT+CMGF=1") == OK
    got = at(m, 'AT#CMGS="+393331234567","hello there"', timeout=70)
    assert got.startswith(b"\r\n#CMGS: ") and got.endswith(OK)
    assert [(x[0], x[1]) for x in m.sms.sent] == [("+393331234567", "hello there")]
    got = at(m, 'AT#CMGW="5551234","draft"')
    assert got.startswith(b"\r\n#CMGW: ") and got.endswith(OK)
    index = int(got.split(b": ")[1].split(b"\r")[0])
    assert m.sms.store[index].text == "draft"
    assert at(m, 'AT#CMGS="+393331234567",hello') == ERR  # the text must be quoted


def test_advice_of_charge_needs_pin2_once(m: Module) -> None:
    # ATR10 pp.125, 170-172.
    assert at(m, "AT+CAOC=0") == b'\r\n+CAOC: "000000"\r\n' + OK
    assert at(m, "AT+CAOC=2;+CAOC?") == b"\r\n+CAOC: 2\r\n" + OK
    assert at(m, "AT+CACM?") == b'\r\n+CACM: "000000"\r\n' + OK
    assert at(m, "AT+CMEE=1;+CAMM=30") == b"\r\n+CME ERROR: 17\r\n"
    assert at(m, 'AT+CAMM=30,"0000"') == b"\r\n+CME ERROR: 16\r\n"
    assert at(m, 'AT+CAMM=30,"5678"') == OK
    assert at(m, 'AT+CPUC="EUR","0.25"') == OK  # PIN2 already given
    assert at(m, "AT+CAMM?;+CPUC?") == b'\r\n+CAMM: "00001E"\r\n\r\n+CPUC: "EUR","0.25"\r\n' + OK
    assert at(m, 'AT+CPUC="EUR","abc"') == b"\r\n+CME ERROR: 4\r\n"
    reboot(m)
    assert at(m, "AT+CMEE=1;+CACM=") == b"\r\n+CME ERROR: 17\r\n"  # PIN2 again after a restart
    assert at(m, "AT+CAMM?") == b'\r\n+CAMM: "00001E"\r\n' + OK  # on the SIM


def test_crsm_reads_the_iccid_and_imsi_files(m: Module) -> None:
    # ATR10 pp.163-164; TS 51.011 coding: ICCID 89014103211118510720 -> 98101430121181157002.
    assert at(m, "AT+CRSM=176,12258,0,0,10") == b'\r\n+CRSM: 144,0,"98101430121181157002"\r\n' + OK
    assert at(m, "AT+CRSM=176,28423,0,0,9") == b'\r\n+CRSM: 144,0,"080910101032547698"\r\n' + OK
    assert at(m, "AT+CRSM=176,28486,0,0,4") == b"\r\n+CRSM: 148,4\r\n" + OK
    assert at(m, "AT+CRSM=242") == b"\r\n+CRSM: 144,0\r\n" + OK
    assert at(m, "AT+CRSM=176") == ERR
    assert at(m, "AT+CRSM=12,12258,0,0,10") == ERR


def test_snum_sets_what_cnum_reports_and_hash_z(m: Module) -> None:
    # ATR10 pp.94, 353, 291.
    assert at(m, 'AT#SNUM=1,"+393330001111"') == OK
    assert at(m, "AT+CNUM") == b'\r\n+CNUM: "","+393330001111",145\r\n' + OK
    assert at(m, 'AT#SNUM=2,"+393330001111"') == ERR  # only record 1 without #ENS
    assert at(m, "AT#SNUM=1") == OK
    assert at(m, "AT+CNUM") == OK
    assert at(m, "ATE1") == OK
    assert at(m, "AT#Z=0") == b"AT#Z=0\r\r\nOK\r\n"
    assert m.instances[1].settings["E"] == 0


def test_dns_servers_per_context(m: Module) -> None:
    assert at(m, 'AT#DNS=1,"8.8.8.8","8.8.4.4"') == OK
    assert at(m, 'AT#DNS=2,"0.0.0.0","8.8.4.4"') == ERR
    reboot(m)
    assert at(m, "AT#DNS?") == b'\r\n#DNS: 1,"8.8.8.8","8.8.4.4"\r\n' + OK


def test_cmss_sends_a_stored_message(m: Module) -> None:
    assert at(m, "AT+CMGF=1") == OK
    index = m.sms.write("+391112223", "stored text")
    got = at(m, "AT+CMSS=%d" % index, timeout=70)
    assert got.startswith(b"\r\n+CMSS: ") and got.endswith(OK)
    got = at(m, 'AT+CMSS=%d,"+394445556"' % index, timeout=70)
    assert got.startswith(b"\r\n+CMSS: ")
    assert [(x[0], x[1]) for x in m.sms.sent] == [("+391112223", "stored text"),
                                                   ("+394445556", "stored text")]
    assert at(m, "AT+CMSS=99") == b"\r\n+CMS ERROR: 321\r\n"


def test_ping_answers_from_simulated_hosts_only(m: Module) -> None:
    m.net.activation_ms = 100
    m.net.latency_ms = 150
    assert at(m, 'AT+CMEE=1;#PING="203.0.113.5"') == b"\r\n+CME ERROR: 556\r\n"  # no context
    assert at(m, 'AT+CGDCONT=1,"IP","internet"') == OK
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)
    m.net.sim.add_host("203.0.113.5")
    assert at(m, 'AT#PING="203.0.113.5",2') == (b'\r\n#PING: 01,"203.0.113.5",3,50\r\n'
                                                 b'#PING: 02,"203.0.113.5",3,50\r\n' + OK)
    assert at(m, 'AT#PING="198.51.100.1",1,32,10', timeout=5) == (
        b'\r\n#PING: 01,"198.51.100.1",600,255\r\n' + OK)


def test_alarm_wakes_a_shut_down_module_and_runs_its_script(tmp_path: Path) -> None:
    # ATR10 pp.160-163 (+CALA type 1: "wakes up fully operative as if the ON/OFF button had been
    # pressed"), p.290 (#SHDN).
    m = Module(tmp_path)
    m.flash.write("main.py", b"import MOD\nprint('up %d' % MOD.secCounter())\n")
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(1)
    assert at(m, 'AT+CCLK="02/09/07,23:30:00+00"') == OK
    assert at(m, 'AT+CALA="02/09/07,23:31:00+00"') == OK
    assert at(m, "AT+CALA?") == b'\r\n+CALA: "02/09/07,23:31:00+00",0,1,"","",0\r\n' + OK
    assert at(m, "AT#SHDN") == OK
    m.run(30)
    assert not m.power
    m.run(40)
    assert m.power and m.boots == 2
    assert len(m.trace_lines) == 2 and m.trace_lines[1].startswith("up ")
    assert at(m, "AT+CALA?") == OK  # a one-shot alarm is spent


def test_alarm_type_2_urc_every_3_s_until_wake(m: Module) -> None:
    assert at(m, 'AT+CCLK="02/09/07,23:30:00+00"') == OK
    assert at(m, 'AT+CALA="02/09/07,23:30:05+00",0,2,"feed the cat"') == OK
    m.run(8.6)  # at 5 s, again 3 s later
    assert take(m) == b"\r\n+CALA: feed the cat\r\n\r\n+CALA: feed the cat\r\n"
    assert at(m, "AT#WAKE?") == b"\r\n#WAKE: 1\r\n" + OK
    assert at(m, "AT#WAKE=0") == OK
    m.run(6)
    assert take(m) == b""
    assert at(m, "AT#WAKE?") == b"\r\n#WAKE: 0\r\n" + OK
    assert at(m, 'AT+CALA="02/09/07,23:40:00+00",0,9') == ERR
    assert at(m, 'AT+CALA="23:40:00+00"') == ERR  # time of day only with <recurr>
    assert at(m, 'AT+CALA="23:40:00+00",0,1,"","1,3,5"') == OK
    assert at(m, "AT+CALD=0") == OK
    assert at(m, "AT+CALA?") == OK


def test_alarm_mode_without_wake_shuts_down_after_90_s(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.power_on()
    assert at(m, 'AT+CCLK="02/09/07,23:30:00+00"') == OK
    assert at(m, 'AT+CALA="02/09/07,23:30:10+00",0,2,"x"') == OK
    assert at(m, "AT#SHDN") == OK
    m.run(12)
    assert m.power  # woken in alarm mode
    m.run(95)
    assert not m.power  # no #WAKE within 90 s


def test_battery(m: Module) -> None:
    assert at(m, "AT+CBC") == b"\r\n+CBC: 0,75\r\n" + OK  # ATR10's example
    assert at(m, "AT#CBC") == b"\r\n#CBC: 0,380\r\n" + OK


def test_servinfo_and_copsmode(m: Module) -> None:
    assert at(m, "AT#SERVINFO") == b'\r\n#SERVINFO: 62,-79,"EMU NET",00101,25,0A1B,0,1,hopping,"II",1,0\r\n' + OK
    m.set_registration(reg=0)
    assert at(m, "AT#SERVINFO?") == OK
    assert at(m, "AT#COPSMODE=1") == OK


def test_gsmcont_atrundelay_toneext(m: Module) -> None:
    assert at(m, 'AT#GSMCONT=0,"IP","+390123456"') == OK
    reboot(m)
    assert at(m, "AT#GSMCONT?") == b'\r\n+GSMCONT: 0,"IP","+390123456"\r\n' + OK
    assert at(m, "AT#GSMCONT=0") == OK
    assert at(m, "AT#GSMCONT?") == OK
    assert at(m, 'AT#GSMCONT=1,"IP","1"') == ERR
    assert at(m, "AT#ATRUNDELAY=1,10") == OK
    assert at(m, "AT#ATRUNDELAY?") == b"\r\n#ATRUNDELAY: 0,0\r\n#ATRUNDELAY: 1,10\r\n" + OK
    assert at(m, "AT#ATRUNDELAY=1,31") == ERR
    assert at(m, "AT#TONEEXT=G,1") == OK
    assert at(m, "AT#TONEEXT=X,1") == ERR


def test_vaux_is_restored_from_vauxsav(m: Module) -> None:
    # ATR10 pp.307-308.
    assert at(m, "AT#VAUX=1,1") == OK
    assert at(m, "AT#VAUX=1,2") == b"\r\n#VAUX: 1\r\n" + OK
    reboot(m)
    assert at(m, "AT#VAUX?") == b"\r\n#VAUX: 0\r\n" + OK  # not saved
    assert at(m, "AT#VAUX=1,1;#VAUXSAV") == OK
    reboot(m)
    assert at(m, "AT#VAUX?") == b"\r\n#VAUX: 1\r\n" + OK
    assert at(m, "AT#VAUX=2,1") == ERR


def test_sgactcfg_reactivates_after_the_network_drops_the_context_and_at_boot(m: Module) -> None:
    # ATR10 pp.431-432.
    m.net.activation_ms = 200
    assert at(m, 'AT+CGDCONT=1,"IP","internet"') == OK
    assert at(m, "AT#SGACTCFG=1,3,180,1") == OK
    assert at(m, "AT#SGACTCFG?").startswith(b"\r\n#SGACTCFG: 1,3,180,1\r\n#SGACTCFG: 2,0,180,1\r\n")
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)
    m.net.drop_context(1)
    m.run(2)
    assert take(m) == b"\r\n#SGACT: 10.20.30.40\r\n"  # reactivated, URC with <urcmode> 1
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,1\r\n" + OK
    m.net.fail_activation(count=1)  # the next attempt fails: another one <delay> later
    m.net.drop_context(1)
    m.run(5)
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,0\r\n" + OK
    m.run(180)
    assert take(m) == b"\r\n#SGACT: 10.20.30.40\r\n"
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,1\r\n" + OK
    m.reboot()  # the attach after power-up activates it too (no URC: <urcmode> is per instance)
    m.run(5)
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,1\r\n" + OK
    assert at(m, "AT#SGACTCFG=1,16") == ERR


# ------------------------------------------------------------- voice dialling
def test_voice_call_dialmode_0_ok_on_ringing_then_remote_hangs_up(m: Module) -> None:
    # ATR10 pp.62-66 (D), p.326 (#DIALMODE 0: "OK ... as soon as it starts remotely ringing").
    assert at(m, "ATD+393331234567;", timeout=5) == OK
    call = m.voice.calls[-1]
    assert call.number == "+393331234567" and call.state == "alerting"
    assert at(m, "AT+CLCC") == b'\r\n+CLCC: 1,0,3,0,0,"+393331234567",145,""\r\n' + OK
    m.run(5)
    assert call.state == "active"
    assert at(m, "AT+CPAS") == b"\r\n+CPAS: 4\r\n" + OK
    call.hangup()
    m.run(0.5)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert at(m, "AT+CLCC") == OK


def test_voice_call_dialmode_1_waits_for_the_answer_busy_and_ath(m: Module) -> None:
    assert at(m, "AT#DIALMODE=1") == OK
    assert at(m, "ATD0401234;", timeout=10) == OK  # after the answer
    assert m.voice.calls[-1].state == "active"
    assert at(m, "ATH") == OK
    assert m.voice.calls[-1].state == "ended"
    m.voice.behaviour = "busy"
    assert at(m, "ATD0401234;", timeout=10) == b"\r\nBUSY\r\n"
    m.voice.behaviour = "no answer"
    assert at(m, "ATD0401234;", timeout=70) == b"\r\nNO ANSWER\r\n"


def test_voice_call_dialmode_2_reports_each_step(m: Module) -> None:
    assert at(m, "AT#DIALMODE=2") == OK
    got = at(m, "ATD0401234;")
    m.run(7)
    got += take(m)
    assert got == OK + b"\r\nDIALING\r\n\r\nRINGING\r\n\r\nCONNECTED\r\n"
    got = at(m, "AT+CHUP")
    m.run(0.2)
    assert got + take(m) == OK + b"\r\nRELEASED\r\n"


def test_dial_from_the_phonebook_and_refusals(m: Module) -> None:
    assert at(m, 'AT+CPBW=3,"+391110000",145,"Boss"') == OK
    assert at(m, 'ATD>"Boss";', timeout=5) == OK
    assert m.voice.calls[-1].number == "+391110000"
    assert at(m, "ATD>3;") == ERR  # a call is already up
    assert at(m, "ATH") == OK
    assert at(m, "ATD>SM3;", timeout=5) == OK
    assert at(m, "ATH") == OK
    assert at(m, 'ATD>"Nobody";') == ERR
    assert at(m, "ATD12X4;") == ERR
    assert at(m, "ATD0401234", timeout=5) == b"\r\nNO CARRIER\r\n"  # data: no callee
    m.set_registration(reg=0)
    assert at(m, "ATD0401234;", timeout=5) == b"\r\nNO CARRIER\r\n"
