"""More of ATR10's SELINT 2 command set (tools/emulator/catalog_more.py and the rows +CMUX +GCI
+MS #GPPPCFG #GSMCONTCFG #PADCMD #PADFWD #CMUXSCR of catalog_data.py, whose set/read/test and
storage tests tests/test_emu_catalog.py generates): the FTP extras against a simulated server,
#GDATAVOL from the sockets' traffic, +CCID, +CSIM, +CPWC, &Z/&N, +CMAR, +CHLD/+VTS with a voice
call, +CGDATA, and a legacy-style script using some of them."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import ERR, OK, at, fast_network, feed, info, powered, script_running, take
from tools.emulator import Module

SRV = "203.0.113.30"
TCP = ("203.0.113.5", 5000)


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = powered(tmp_path)
    mod.net.dns["ftp.example.net"] = SRV
    yield mod
    mod.close()


def ftp_up(m: Module, files: dict[str, bytes] | None = None):
    fast_network(m)
    srv = m.net.ftp.server(SRV, users={"bob": "pw"}, files=files or {})
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)
    assert at(m, 'AT#FTPOPEN="ftp.example.net","bob","pw"') == OK
    return srv


# ------------------------------------------------------------------ FTP extras
def test_ftp_extras_answer_error_without_an_ftp_connection(m: Module) -> None:
    # ATR10 pp.441-449: "ERROR ... in case no FTP connection has been opened yet"; #FTPRECV
    # "when there's no FTP data port opened raises an error"; the test forms answer OK.
    for line in ('AT#FTPAPP="a"', 'AT#FTPFSIZE="a"', 'AT#FTPGETPKT="a"', "AT#FTPRECV=10",
                 "AT#FTPGETPKT?"):
        assert at(m, line) == ERR, line
    for name in ("#FTPAPP", "#FTPFSIZE", "#FTPGETPKT", "#FTPREST"):
        assert at(m, "AT%s=?" % name) == OK
    assert at(m, "AT#FTPRECV=?") == info("#FTPRECV: (1-3000)")
    assert at(m, "AT#FTPRECV?") == info("#FTPRECV: 0")


def test_ftpapp_appends_until_the_escape(m: Module) -> None:
    srv = ftp_up(m, {"/log.txt": b"old\r\n"})
    assert at(m, "AT#SKIPESC=1") == OK
    assert at(m, 'AT#FTPAPP="log.txt"', timeout=2) == b"\r\nCONNECT\r\n"
    m.run(1.1)
    feed(m, b"new\r\n")
    m.run(1.1)
    feed(m, "+++")
    m.run(1.5)
    assert take(m) == OK + b"\r\nNO CARRIER\r\n"
    assert srv.files["/log.txt"] == b"old\r\nnew\r\n"
    assert srv.log[-1] == "APPE /log.txt (5 bytes)"
    assert at(m, 'AT#FTPAPP="log.txt",1') == ERR  # one parameter only


def test_ftpfsize_needs_binary_type_and_an_existing_file(m: Module) -> None:
    ftp_up(m, {"/fw/a.bin": bytes(1234)})
    assert at(m, 'AT#FTPFSIZE="fw/a.bin"') == info("#FTPFSIZE: 1234")
    assert at(m, "AT#FTPMSG") == info("#FTPMSG: 213 1234")
    assert at(m, 'AT#FTPFSIZE="fw/none"') == ERR
    assert at(m, "AT#FTPTYPE=1") == OK  # ASCII: "FTPTYPE=0 ... has to be issued before"
    assert at(m, 'AT#FTPFSIZE="fw/a.bin"') == ERR
    assert at(m, "AT#FTPFSIZE=5") == ERR  # an unquoted name


def test_ftprest_restarts_the_next_download_only(m: Module) -> None:
    body = b"0123456789" * 10
    ftp_up(m, {"/f.bin": body})
    assert at(m, "AT#FTPREST?") == info("#FTPREST: 0")
    assert at(m, "AT#FTPREST=90") == OK
    assert at(m, "AT#FTPREST?") == info("#FTPREST: 90")
    assert at(m, 'AT#FTPREST="90"') == ERR
    assert at(m, "AT#FTPREST=-1") == ERR
    assert at(m, 'AT#FTPGET="f.bin"', timeout=2) == b"\r\nCONNECT\r\n"
    m.run(1)
    assert take(m) == body[90:] + b"\r\nNO CARRIER\r\n"
    # "<restartposition> value is automatically assigned to 0 for next download"
    assert at(m, "AT#FTPREST?") == info("#FTPREST: 0")
    assert at(m, 'AT#FTPGET="f.bin"', timeout=2) == b"\r\nCONNECT\r\n"
    m.run(1)
    assert take(m) == body + b"\r\nNO CARRIER\r\n"


def test_ftpgetpkt_buffers_in_command_mode_and_ftprecv_reads(m: Module) -> None:
    body = b"".join(b"Text row number %d *\r\n" % i for i in range(300))  # 6.7 KB
    ftp_up(m, {"/sample.txt": body})
    m.net.latency_ms = 500  # the first data 500 ms after the OK
    assert at(m, 'AT#FTPGETPKT="sample.txt"') == OK  # command mode: no CONNECT
    assert at(m, "AT#FTPGETPKT?") == info("#FTPGETPKT: sample.txt,0,0")
    # Nothing has come yet: "FTPRECV returns 0 and FTPGETPKT gives a EOF 0 indication".
    assert at(m, "AT#FTPRECV=100") == info("#FTPRECV: 0")
    assert at(m, 'AT#FTPGETPKT="sample.txt"') == ERR  # its data port is still open
    m.run(3)  # 57.6 kbit/s downlink: about 1.2 s for the file
    assert at(m, "AT#FTPGETPKT?") == info("#FTPGETPKT: sample.txt,0,1")
    assert at(m, "AT#FTPRECV?") == info("#FTPRECV: %d" % len(body))
    assert at(m, "AT#FTPRECV=3001") == ERR
    assert at(m, "AT#FTPRECV=0") == ERR
    assert at(m, 'AT#FTPRECV="10"') == ERR
    got = b""
    while len(got) < len(body):
        ans = at(m, "AT#FTPRECV=3000")
        n = int(ans.split(b"\r\n")[1].split(b": ")[1])
        assert ans == b"\r\n#FTPRECV: %d\r\n" % n + body[len(got):len(got) + n] + b"\r\n" + OK
        got += body[len(got):len(got) + n]
    assert got == body
    assert at(m, "AT#FTPRECV=10") == ERR  # all read: the data port is closed
    assert at(m, "AT#FTPGETPKT?") == ERR
    assert at(m, 'AT#FTPGETPKT="sample.txt"') == OK  # a new download
    assert at(m, "AT#FTPCLOSE") == OK
    assert at(m, "AT#FTPRECV=10") == ERR  # the FTP connection closed its data port


def test_ftpgetpkt_hex_view_and_restart(m: Module) -> None:
    ftp_up(m, {"/b.bin": bytes([0, 1, 0xAB, 0xFF, 0x1A])})
    assert at(m, "AT#FTPREST=2") == OK
    assert at(m, 'AT#FTPGETPKT="b.bin",1') == OK
    m.run(1)
    assert at(m, "AT#FTPRECV=2") == info("#FTPRECV: 2", "ABFF")
    assert at(m, "AT#FTPGETPKT?") == info("#FTPGETPKT: b.bin,1,1")
    assert at(m, "AT#FTPRECV=100") == info("#FTPRECV: 1", "1A")
    assert at(m, "AT+CMEE=1") == OK
    assert at(m, 'AT#FTPGETPKT="none"') == b"\r\n+CME ERROR: 606\r\n"
    assert at(m, 'AT#FTPGETPKT="b.bin",2') == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, 'AT#FTPGETPKT="b.bin","1"') == b"\r\n+CME ERROR: 4\r\n"


# ------------------------------------------------------------------ #GDATAVOL
def test_gdatavol_counts_the_sockets_traffic_per_session_and_in_total(m: Module) -> None:
    fast_network(m)
    srv = m.net.sim.listen(*TCP)
    assert at(m, "AT#GDATAVOL=?") == info("#GDATAVOL: (0-2)")
    assert at(m, "AT#GDATAVOL=1") == info("#GDATAVOL: 1,0,0,0")  # +CGDCONT=1 is set
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)
    assert at(m, 'AT#SD=1,0,%d,"%s",0,0,1' % (TCP[1], TCP[0]), timeout=5) == OK
    conn = srv.accept_next(1)
    assert at(m, "AT#SSENDEXT=1,10") == b"> "
    feed(m, b"0123456789")
    m.run(1)
    assert take(m) == OK  # #SSENDEXT's
    conn.send(b"abcd")
    m.run(1)
    assert take(m) == b"\r\nSRING: 1\r\n"
    assert conn.received == b"0123456789"
    assert at(m, "AT#GDATAVOL=1") == info("#GDATAVOL: 1,14,10,4")
    assert at(m, "AT#GDATAVOL=2") == info("#GDATAVOL: 1,14,10,4")
    # A new session: the last-session counter starts again, the total goes on.
    assert at(m, "AT#SH=1") == OK
    assert at(m, "AT#SGACT=1,0", timeout=5).endswith(OK)
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)
    assert at(m, "AT#GDATAVOL=1") == info("#GDATAVOL: 1,0,0,0")
    # Totals are in NVM, the last session in RAM ("loosen at power off").
    m.power_cut(restore_after_ms=100)
    m.run(1)
    assert at(m, "AT#GDATAVOL=2") == info("#GDATAVOL: 1,14,10,4")
    assert at(m, "AT#GDATAVOL=0") == OK
    assert at(m, "AT#GDATAVOL=2") == info("#GDATAVOL: 1,0,0,0")
    assert at(m, "AT#GDATAVOL=3") == ERR
    assert at(m, 'AT#GDATAVOL="2"') == ERR
    assert at(m, "AT#GDATAVOL?") == ERR


# ------------------------------------------------------------------ SIM
def test_ccid_is_the_iccid_of_ccid(m: Module) -> None:
    iccid = m.radio.iccid
    assert at(m, "AT+CCID") == info("+CCID: " + iccid)
    assert at(m, "AT+CCID?") == info("+CCID: " + iccid)
    assert at(m, "AT#CCID") == info("#CCID: " + iccid)
    assert at(m, "AT+CCID=?") == OK
    assert at(m, "AT+CCID=1") == ERR
    m.radio.sim = None
    assert at(m, "AT+CCID") == ERR


def test_csim_needs_the_lock_and_checks_the_apdu(m: Module) -> None:
    assert at(m, "AT+CMEE=1") == OK
    assert at(m, "AT+CSIM=?") == OK
    assert at(m, 'AT+CSIM=10,"A0F2000002"') == b"\r\n+CME ERROR: 3\r\n"  # not locked
    assert at(m, "AT+CSIM=0") == b"\r\n+CME ERROR: 3\r\n"  # not locked: no unlock
    assert at(m, 'AT+CSIM="1"') == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CSIM=1") == OK
    # ATR10 p.376's example: STATUS, SELECT EF 6F07 (IMSI), GET RESPONSE.
    assert at(m, 'AT+CSIM=10,"A0F2000002"') == info('+CSIM: 8,"00009000"')
    assert at(m, "AT+CSIM=14,A0A40000026F07") == info('+CSIM: 4,"9F0F"')
    assert at(m, "AT+CSIM=10,A0C000000F") == info('+CSIM: 34,"000000096F0704001A001A010200009000"')
    # READ BINARY of EF_ICCID: the SIM's ICCID in TS 51.011 coding (as +CRSM reads it).
    assert at(m, "AT+CSIM=14,A0A40000022FE2") == info('+CSIM: 4,"9F0F"')
    iccid = m.radio.iccid
    swapped = "".join(iccid[i + 1] + iccid[i] for i in range(0, 20, 2))
    assert at(m, "AT+CSIM=10,A0B000000A") == info('+CSIM: 24,"%s9000"' % swapped)
    # Unknown file, unknown instruction; wrong length; SELECT's P3 must be <length>/2 - 5.
    assert at(m, "AT+CSIM=14,A0A40000026F30") == info('+CSIM: 4,"9404"')
    assert at(m, "AT+CSIM=10,A0DC000000") == info('+CSIM: 4,"6D00"')
    assert at(m, "AT+CSIM=12,A0F2000002") == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CSIM=14,A0A40000036F07") == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CSIM=10,A0F20000ZZ") == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CSIM=0") == OK
    assert at(m, "AT+CMEE=0;+CSIM=10,A0F2000002") == ERR


def test_csim_lock_takes_the_sim_from_the_network_until_unlocked(m: Module) -> None:
    # ATR10 p.376: locked, the SIM is "accessible only by AT+CSIM commands (#QSS: 0)", GSM
    # and GPRS deregistered; unlocked, registered again, the PIN asked again if required.
    fast_network(m)
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)
    assert at(m, "AT+CREG?") == info("+CREG: 0,1")
    assert at(m, "AT+CSIM=1") == OK
    assert at(m, "AT#QSS?") == info("#QSS: 0,0")
    assert at(m, "AT+CREG?") == info("+CREG: 0,0")
    assert at(m, "AT#SGACT?") == info("#SGACT: 1,0")
    assert at(m, "AT+CCID") == ERR
    assert at(m, "AT+CSIM=10,A0F2000002") == info('+CSIM: 8,"00009000"')
    assert at(m, "AT+CSIM=0") == OK
    assert at(m, "AT+CREG?") == info("+CREG: 0,1")
    assert at(m, "AT+CPIN?") == info("+CPIN: READY")
    # With the SIM PIN lock on, the PIN is wanted again after the unlock; a reboot unlocks.
    assert at(m, 'AT+CLCK="SC",1,"1234"') == OK
    assert at(m, "AT+CSIM=1") == OK
    m.reboot()
    m.run(1)
    assert at(m, "AT+CPIN?") == info("+CPIN: SIM PIN")
    assert at(m, "AT+CSIM=0") == ERR  # no lock any more


# ------------------------------------------------------------------ stored
def test_cpwc_power_class_per_band_in_nvm(m: Module) -> None:
    # ATR10 pp.84-85: band 0 GSM900/GSM850 (classes 4 default, 5), 1 DCS1800 and 2 PCS1900
    # (1 default, 2); 0 = the band's default; "saved in NVM".
    assert at(m, "AT+CPWC=?") == info("+CPWC: (0,(0,4,5)),(1,(0,1,2)),(2,(0,1,2))")
    assert at(m, "AT+CPWC?") == info("+CPWC: 4,4,0,1,1,1,1,1,2")
    assert at(m, "AT+CPWC=5") == OK  # band left out: GSM900/GSM850
    assert at(m, "AT+CPWC=2,2") == OK
    assert at(m, "AT+CPWC?") == info("+CPWC: 5,4,0,1,1,1,2,1,2")
    for bad in ("AT+CPWC=1,0", "AT+CPWC=4,2", "AT+CPWC=5,1", "AT+CPWC=0,3", "AT+CPWC=4,0,0",
                'AT+CPWC="4"'):
        assert at(m, bad) == ERR, bad
    m.power_cut(restore_after_ms=100)
    m.run(1)
    assert at(m, "AT+CPWC?") == info("+CPWC: 5,4,0,1,1,1,2,1,2")
    assert at(m, "AT+CPWC=0") == OK  # the band's default class
    assert at(m, "AT+CPWC?") == info("+CPWC: 4,4,0,1,1,1,2,1,2")


def test_amp_z_stores_numbers_that_amp_n_shows(m: Module) -> None:
    assert at(m, "AT&Z0=0612345678") == OK
    assert at(m, 'AT&Z3="+390612345"') == OK
    assert at(m, "AT&Z0=0699") == ERR  # "cannot be overwritten, they must be cleared"
    assert at(m, "AT&Z10=1") == ERR  # 10 records
    assert at(m, "AT&Z1=" + "1" * 25) == ERR  # "a maximum 24 digits"
    assert at(m, "AT&Z1=12AB") == ERR
    assert at(m, "AT&N0") == info("0612345678")
    assert at(m, "AT&N") == info("0: 0612345678", "3: +390612345")
    assert at(m, "AT&N1") == OK
    m.power_cut(restore_after_ms=100)
    m.run(1)
    assert at(m, "AT&N3") == info("+390612345")
    assert at(m, "AT&Z0=;&Z0=0611") == OK  # cleared, then written again
    assert at(m, "AT&N0") == info("0611")
    # ATDS=<nr>; calls the stored number (ATR10 pp.65-66); an empty position: ERROR.
    assert at(m, "ATDS=1;") == ERR
    assert at(m, "ATDS=3;", timeout=10) == OK
    assert m.voice.calls[-1].number == "+390612345"


def test_cmar_checks_the_code_then_resets_nvm_and_reboots(m: Module) -> None:
    assert at(m, "AT+CMAR=?") == OK
    assert at(m, "AT#BND=2;+CPWC=5;&Z1=123;#GSMCONTCFG=100") == OK
    assert at(m, 'AT+CPBW=1,"0611",129,"Ann"') == OK  # on the SIM: kept
    m.nvm["escript"] = "main.py"
    assert at(m, "AT+CMEE=1") == OK
    assert at(m, 'AT+CMAR="11111111"') == b"\r\n+CME ERROR: 16\r\n"
    assert at(m, "AT+CMAR=0000") == b"\r\n+CME ERROR: 4\r\n"  # a string parameter
    assert at(m, "AT#BND?") == info("#BND: 2")
    boots, old = m.boots, m.instances[1]
    feed(m, 'AT+CMAR="0000"\r')
    m.run(1)
    assert old.out.take() == OK  # OK, then the reboot
    assert m.boots == boots + 1
    assert at(m, "AT#BND?") == info("#BND: 0")
    assert at(m, "AT+CPWC?") == info("+CPWC: 4,4,0,1,1,1,1,1,2")
    assert at(m, "AT&N1") == OK
    assert at(m, "AT#GSMCONTCFG?") == info("#GSMCONTCFG: 0,0,0,0")
    assert at(m, "AT+CPBR=1") == info('+CPBR: 1,"0611",129,"Ann"')
    assert m.nvm["escript"] == "main.py"


def test_cmuxscr_keeps_the_rate_when_omitted(m: Module) -> None:
    # ATR10 p.553: "If <rate> is omitted the value is unchanged".
    assert at(m, "AT#CMUXSCR=1,9600") == OK
    assert at(m, "AT#CMUXSCR=0") == OK
    assert at(m, "AT#CMUXSCR?") == info("#CMUXSCR: 0,9600")
    assert at(m, "AT#CMUXSCR=1,14400") == ERR


def test_cmux_stays_in_command_mode(m: Module) -> None:
    assert at(m, "AT+CMUX=?") == info("+CMUX: (0),(0)")
    assert at(m, "AT+CMUX=0") == OK
    assert at(m, "AT+CMUX?") == info("+CMUX: 0,0")
    assert at(m, "AT") == OK  # no multiplexer framing: plain AT commands still answer
    assert at(m, "AT+CMUX=1") == ERR


# ------------------------------------------------------------------ voice: +CHLD +VTS
def test_chld_and_vts_need_a_voice_call(m: Module) -> None:
    assert at(m, "AT+CHLD=?") == info("+CHLD: (0,1,1X,2,2X,3,4)")
    assert at(m, "AT+VTS=?") == info("(0-9,#,*,A-D,P),(0-255)")
    assert at(m, "AT+CMEE=1") == OK
    assert at(m, "AT+CHLD=1") == b"\r\n+CME ERROR: 3\r\n"
    assert at(m, 'AT+VTS="1"') == b"\r\n+CME ERROR: 3\r\n"
    assert at(m, "AT#DIALMODE=1") == OK
    assert at(m, "ATD0612345678;", timeout=10) == OK  # answered
    call = m.voice.calls[-1]
    assert at(m, 'AT+VTS="12#*"') == OK
    assert at(m, "AT+VTS=5,20") == OK  # one tone, 200 ms
    assert at(m, 'AT+VTS="12",20') == b"\r\n+CME ERROR: 4\r\n"  # duration: one tone only
    assert at(m, 'AT+VTS="1E"') == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, 'AT+VTS=1,"20"') == b"\r\n+CME ERROR: 4\r\n"
    assert call.tones == "12#*5"
    # The tones take their time: +VTD=3 -> 300 ms each, P a 3 s pause.
    assert at(m, "AT+VTD=3") == OK
    t0 = m.kernel.now()
    assert at(m, 'AT+VTS="1P2"') == OK
    assert m.kernel.now() - t0 >= 3600
    assert at(m, "AT+CHLD=2") == b"\r\n+CME ERROR: 3\r\n"  # hold: not emulated
    assert at(m, "AT+CHLD=0") == OK  # no held or waiting call
    assert call.state == "active"
    assert at(m, "AT+CHLD=9") == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT+CHLD=1") == OK  # releases the active call
    assert call.state == "ended"
    assert at(m, "AT+CLCC") == OK


# ------------------------------------------------------------------ +CGDATA
def test_cgdata_ppp_connects_and_other_protocols_are_refused(m: Module) -> None:
    assert at(m, "AT+CGDATA=?") == info('+CGDATA: ("PPP")')
    assert at(m, 'AT+CGDATA="PPP",1') == ERR  # no context 1 defined
    assert at(m, 'AT+CGDCONT=1,"IP","internet"') == OK
    assert at(m, 'AT+CGDATA="X25",1') == ERR
    assert at(m, "AT+CGDATA=PPP,1") == ERR  # a string parameter
    assert at(m, 'AT+CGDATA="PPP","1"') == ERR
    assert at(m, 'AT+CGDATA="PPP",1') == b"\r\nCONNECT\r\n"
    m.run(1.1)
    feed(m, b"\x7e\xff\x03\xc0\x21")  # PPP is not emulated: no answer
    m.run(1.1)
    feed(m, "+++")
    m.run(1.5)
    assert take(m) == OK + b"\r\nNO CARRIER\r\n"
    assert at(m, "AT") == OK


# ------------------------------------------------------------------ a legacy-style script
SCRIPT = """\
import MDM
import MOD

def cmd(c):
    MDM.send(c + '\\r', 0)
    r = ''
    end = MOD.secCounter() + 5
    while r.find('OK\\r\\n') == -1 and r.find('ERROR') == -1 and MOD.secCounter() < end:
        r = r + MDM.receive(5)
    return r

r = cmd('AT+CCID')
print(r[r.find('+CCID: ') + 7:r.find('+CCID: ') + 27])
cmd('AT&Z1=5551234')
r = cmd('AT&N1')
print(r.split('\\r\\n')[1])
r = cmd('AT+CPWC?')
print(r.split('\\r\\n')[1])
r = cmd('AT#GDATAVOL=2')
print(r.split('\\r\\n')[1])
"""


def legacy_script_runs(tmp_path: Path, interpreter: Path | None = None) -> None:
    def apn(m: Module) -> None:
        m.nvm["cgdcont"] = {"1": {"type": "IP", "apn": "internet"}}

    with script_running(tmp_path, SCRIPT.encode(), interpreter=interpreter, setup=apn) as m:
        m.run(20)
        assert m.trace_lines == [m.radio.iccid, "5551234", "+CPWC: 4,4,0,1,1,1,1,1,2",
                                 "#GDATAVOL: 1,0,0,0"]


def test_legacy_style_script_uses_the_commands_unmodified(tmp_path: Path) -> None:
    legacy_script_runs(tmp_path)


def test_the_legacy_style_script_under_the_real_152_interpreter(tmp_path: Path,
                                                               py152: Path) -> None:
    legacy_script_runs(tmp_path, py152)


# ------------------------------------------------------------------ #PADCMD #PADFWD
def test_padfwd_character_flushes_the_pending_packet_when_padcmd_enables_it(m: Module) -> None:
    # ATR10 pp.433-434: "the char that immediately flushes pending data to socket, opened with
    # AT#SD"; #PADCMD bit 1 enables it. pktSz 1500 and txTo 5 s keep the bytes waiting.
    fast_network(m)
    srv = m.net.sim.listen(*TCP)
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)
    assert at(m, "AT#SCFG=1,1,1500,90,600,50") == OK
    assert at(m, "AT#PADFWD=13;#PADCMD=1") == OK
    assert at(m, "AT#PADFWD?;#PADCMD?") == b"\r\n#PADFWD: 13,0\r\n\r\n#PADCMD: 1\r\n" + OK
    assert at(m, 'AT#SD=1,0,%d,"%s"' % (TCP[1], TCP[0]), timeout=5) == b"\r\nCONNECT\r\n"
    conn = srv.accept_next(1)
    feed(m, b"abc\rxy")
    m.run(1)
    assert conn.received == b"abc\r"  # at once, up to the character; "xy" waits
    m.run(5)
    assert conn.received == b"abc\rxy"  # txTo
    assert at(m, "AT#PADCMD=0", inst=2) == OK
    feed(m, b"12\r3")
    m.run(1)
    assert conn.received == b"abc\rxy"  # forwarding off: all of it waits for txTo
    m.run(5)
    assert conn.received == b"abc\rxy12\r3"


def test_gpppcfg_wants_a_valid_host_ip_address(m: Module) -> None:
    # ATR10 pp.346-347: <hostIPaddress> "any valid IP address", <LCPtimeout> 10..600 (25),
    # <PPPmode> 0-3 (0); the test form gives the two ranges.
    assert at(m, "AT#GPPPCFG?") == info('#GPPPCFG: "0.0.0.0",25,0')
    assert at(m, "AT#GPPPCFG=?") == info("#GPPPCFG: (10-600),(0-3)")
    assert at(m, 'AT#GPPPCFG="192.168.1.2",600,3') == OK
    assert at(m, "AT#GPPPCFG?") == info('#GPPPCFG: "192.168.1.2",600,3')
    for bad in ('"192.168.1"', '"192.168.1.256"', '"a.b.c.d"', '"192.168.1.2",9', '"1.2.3.4",25,4',
                "192.168.1.2", ""):
        assert at(m, "AT#GPPPCFG=%s" % bad) == ERR, bad
    assert at(m, 'AT#GPPPCFG="10.0.0.1"') == OK  # the others back to their defaults
    assert at(m, "AT#GPPPCFG?") == info('#GPPPCFG: "10.0.0.1",25,0')
    m.reboot()
    m.run(0.5)
    assert at(m, "AT#GPPPCFG?") == info('#GPPPCFG: "0.0.0.0",25,0')
