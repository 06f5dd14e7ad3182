"""Scripts written the way public Telit Easy Script applications are (a table of set-up
commands sent with MDM.send and checked for OK, a reboot when one fails; a GPRS session with
MDM in online mode; SMS and phonebook through AT commands) run on the emulator unchanged and
reach their end. Before the command catalogue, the first one answered ERROR to #AUTOBND,
#PLMNMODE, +CIMI ... and rebooted for ever; before UDP, the second could not open its socket.
They follow ../shared/dialect.md, and they also run under the real CPython 1.5.2+ (py152)."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import CMD_HELPER, assert_in_dialect, script_running
from tools.emulator import Module

SETUP = CMD_HELPER + b"""
SETUP = ('AT#SELINT=2', 'AT#AUTOBND=2', 'AT#ENS=0', 'AT#BND=3', 'AT#PLMNMODE=1',
         'AT#STIA=0', 'AT+CPBS="SM"', 'AT#DSTO=10', 'AT+CGQMIN=1,0,0,0,0,0',
         'AT+CGQREQ=1,0,0,0,0,0', 'AT#SLED=2', 'AT#SLEDSAV', 'AT#TEMPMON=0,0',
         'AT#CPUMODE=1', 'AT+CMEE=2')
failed = 0
for c in SETUP:
    if cmd(c, 5).find('OK') == -1:
        failed = failed + 1
        print('FAIL ' + c)
imsi = cmd('AT+CIMI', 5).split('\\r\\n')[1]
own = cmd('AT+CNUM', 5)
ident = cmd('AT#CIMI', 5)
print('IMSI ' + imsi)
if failed or ident.find('#CIMI: ' + imsi) == -1 or own.find('OK') == -1:
    print('REBOOT')
    MDM.send('AT#REBOOT\\r', 0)
    MOD.sleep(50)
print('SETUP DONE')
"""

UDP_CLIENT = CMD_HELPER + b"""
cmd('AT+CGDCONT=1,"IP","internet"', 5)
r = cmd('AT#SGACT=1,1', 20)
if r.find('OK') == -1:
    print('NO GPRS')
cmd('AT#SCFG=1,1,300,90,600,1', 5)
MDM.send('AT#SD=1,1,7000,"203.0.113.20",0,3333,0\\r', 0)
r = ''
end = MOD.secCounter() + 10
while r.find('CONNECT') == -1 and MOD.secCounter() < end:
    r = r + MDM.receive(5)
MDM.send('report:42', 0)
r = ''
end = MOD.secCounter() + 10
while r.find('ack') == -1 and MOD.secCounter() < end:
    r = r + MDM.receive(5)
print('GOT ' + r)
MOD.sleep(15)
MDM.send('+++', 0)
MOD.sleep(15)
r = cmd('AT#SH=1', 5)
print('CLOSED %d' % (r.find('OK') != -1))
"""

SMS_BOOK = CMD_HELPER + b"""
cmd('AT+CMGF=1', 5)
cmd('AT+CPBS="SM"', 5)
cmd('AT+CPBW=1,"+393331234567",145,"boss"', 5)
r = cmd('AT+CPBR=1', 5)
num = r.split('"')[1]
print('BOSS ' + num)
r = cmd('AT+CMGS=""' + num + '"",145', 5)
print('BAD %d' % (r.find('ERROR') != -1))
MDM.send('AT+CMGS="' + num + '",145\\r', 0)
r = ''
end = MOD.secCounter() + 5
while r.find('> ') == -1 and MOD.secCounter() < end:
    r = r + MDM.receive(5)
MDM.send('alive' + chr(26), 0)
r = ''
end = MOD.secCounter() + 70
while r.find('OK') == -1 and r.find('ERROR') == -1 and MOD.secCounter() < end:
    r = r + MDM.receive(5)
print('SENT %d' % (r.find('+CMGS:') != -1))
"""


def boot(tmp_path: Path, source: bytes) -> Module:
    m = Module(tmp_path)
    m.radio.sim_ready_ms = 0  # these scripts, like many legacy ones, do not wait for #QSS
    m.flash.write("main.py", source)
    m.nvm["escript"] = "main.py"
    m.power_on()
    return m


def test_setup_table_script_gets_ok_for_every_command_and_does_not_reboot(tmp_path: Path) -> None:
    m = boot(tmp_path, SETUP)
    m.run(30)
    assert m.trace_lines == ["IMSI 001010123456789", "SETUP DONE"]
    assert m.boots == 1
    assert m.nvm["catalog"]["#BND"] == [3]  # the NVM settings it made stay for the next boot


def test_udp_client_script_sends_a_datagram_and_reads_the_answer(tmp_path: Path) -> None:
    m = boot(tmp_path, b"")
    m.net.activation_ms = 200
    peer = m.net.udp.peer("203.0.113.20", 7000)
    peer.on_datagram = lambda p, data: p.send(b"ack:" + data)
    m.flash.write("main.py", UDP_CLIENT)
    m.reboot()
    m.run(40)
    assert m.trace_lines == ["GOT ack:report:42", "CLOSED 1"]
    # The datagram came from <lPort> 3333; the escape's "+++" follows it (#SKIPESC 0: the
    # escape characters go to the peer too, REFERENCE §6.7).
    assert [(d, src) for _, d, src in peer.datagrams] == [(b"report:42", ("10.20.30.40", 3333)),
                                                          (b"+++", ("10.20.30.40", 3333))]


def test_sms_script_with_phonebook_number_and_the_malformed_quoting(tmp_path: Path) -> None:
    m = boot(tmp_path, SMS_BOOK)
    m.run(90)
    assert m.trace_lines == ["BOSS +393331234567", "BAD 1", "SENT 1"]
    assert [(x[0], x[1]) for x in m.sms.sent] == [("+393331234567", "alive")]  # one, unquoted


@pytest.mark.parametrize("name", ["SETUP", "UDP_CLIENT", "SMS_BOOK"])
def test_the_scripts_are_in_the_dialect(name: str) -> None:
    assert_in_dialect(globals()[name])


@pytest.mark.parametrize("name", ["SETUP", "UDP_CLIENT", "SMS_BOOK"])
def test_the_scripts_under_the_real_152_interpreter(tmp_path: Path, py152: Path, name: str) -> None:
    # The same scripts in a child running the real CPython 1.5.2+ (tools/emulator/remote.py):
    # its own built-ins and parser, the emulator's AT engine behind MDM.
    def setup(m: Module) -> None:
        if name == "UDP_CLIENT":
            m.net.activation_ms = 200
            peer = m.net.udp.peer("203.0.113.20", 7000)
            peer.on_datagram = lambda p, data: p.send(b"ack:" + data)

    with script_running(tmp_path, globals()[name], interpreter=py152, setup=setup) as m:
        m.run(90)
        want = {"SETUP": ["IMSI 001010123456789", "SETUP DONE"],
                "UDP_CLIENT": ["GOT ack:report:42", "CLOSED 1"],
                "SMS_BOOK": ["BOSS +393331234567", "BAD 1", "SENT 1"]}[name]
        assert m.trace_lines == want
        assert m.boots == 1
