"""FTP client commands against a simulated server (tools/emulator/net/ftp.py; ATR10 pp.437-448):
open with login, get a file in online mode, put one ended by +++, list, cwd/pwd/dele, the
errors without a connection, and a script in the legacy style downloading a file to the flash."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import CMD_HELPER, at, fast_network, feed, script_running, take
from tools.emulator import Module

OK = b"\r\nOK\r\n"
ERR = b"\r\nERROR\r\n"
SRV = "203.0.113.30"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    mod.net.dns["ftp.example.net"] = SRV
    fast_network(mod)
    yield mod
    mod.close()


def up(m: Module) -> None:
    assert at(m, "AT#SGACT=1,1", timeout=5).endswith(OK)


def test_open_needs_context_server_and_login(m: Module) -> None:
    srv = m.net.ftp.server(SRV, users={"bob": "pw"}, files={"/fw/a.bin": b"abc"})
    assert at(m, "AT+CMEE=1") == OK
    assert at(m, 'AT#FTPOPEN="ftp.example.net","bob","pw"') == b"\r\n+CME ERROR: 609\r\n"
    up(m)
    assert at(m, 'AT#FTPOPEN="198.51.100.99","bob","pw"') == b"\r\n+CME ERROR: 605\r\n"
    assert at(m, 'AT#FTPOPEN="ftp.example.net:21","bob","bad"') == b"\r\n+CME ERROR: 606\r\n"
    assert at(m, 'AT#FTPOPEN="ftp.example.net","bob","pw",1') == OK
    assert at(m, 'AT#FTPOPEN="ftp.example.net","bob","pw"') == b"\r\n+CME ERROR: 608\r\n"
    assert at(m, "AT#FTPMSG") == b"\r\n#FTPMSG: 230 User logged in\r\n" + OK
    assert srv.log == ["USER bob", "USER bob"]  # the refused login, then the good one
    assert at(m, "AT#FTPCLOSE") == OK
    assert at(m, "AT#FTPCLOSE") == b"\r\n+CME ERROR: 607\r\n"
    assert at(m, 'AT#FTPGET="a"') == ERR  # "ERROR ... in case no FTP connection has been opened"


@pytest.mark.parametrize("cmd", ["#FTPCWD", "#FTPDELE", "#FTPGET", "#FTPPUT"])
def test_one_argument_commands_share_their_forms(m: Module, cmd: str) -> None:
    # The four set commands with one quoted argument (net/ftp.py _path_command): the test
    # form OK; ERROR with no session, in any other form, with another count or unquoted.
    m.net.ftp.server(SRV, users={"bob": "pw"}, files={"/a": b"x"})
    up(m)
    assert at(m, "AT%s=?" % cmd) == OK
    assert at(m, 'AT%s="a"' % cmd) == ERR
    assert at(m, 'AT#FTPOPEN="ftp.example.net","bob","pw"') == OK
    for bad in ("", "?", '="a","b"', "=a"):
        assert at(m, "AT" + cmd + bad) == ERR, bad
    assert m.net.ftp.servers[(SRV, 21)].log == ["USER bob"]  # none of them reached the server


def test_get_streams_the_file_then_no_carrier(m: Module) -> None:
    body = bytes(range(256)) * 20
    m.net.ftp.server(SRV, users={"bob": "pw"}, files={"/fw/ua00.pyo": body})
    up(m)
    assert at(m, 'AT#FTPOPEN="ftp.example.net","bob","pw"') == OK
    assert at(m, 'AT#FTPCWD="fw"') == OK
    assert at(m, "AT#FTPPWD") == b'\r\n#FTPPWD: 257 "/fw"\r\n' + OK
    assert at(m, 'AT#FTPGET="ua00.pyo"', timeout=2) == b"\r\nCONNECT\r\n"
    got = b""
    for _ in range(10):  # the instance's output holds 4 KB: read as a script would
        m.run(1)
        got += take(m)
    assert got == body + b"\r\nNO CARRIER\r\n"
    assert at(m, "AT#FTPMSG") == b"\r\n#FTPMSG: 226 Transfer complete\r\n" + OK
    assert at(m, "AT+CMEE=1;#FTPGET=\"none\"") == b"\r\n+CME ERROR: 606\r\n"


def put_until_escape(m: Module, name: str, data: bytes) -> bytes:
    """#FTPPUT of ``name``, ``data`` in the data connection, the escape: what the module
    says after it."""
    assert at(m, 'AT#FTPPUT="%s"' % name, timeout=2) == b"\r\nCONNECT\r\n"
    m.run(1.1)
    feed(m, data)
    m.run(1.1)
    feed(m, "+++")
    m.run(1.5)
    return take(m)


def test_put_until_escape_stores_the_file(m: Module) -> None:
    srv = m.net.ftp.server(SRV, users={"bob": "pw"})
    up(m)
    assert at(m, 'AT#FTPOPEN="ftp.example.net","bob","pw"') == OK
    assert put_until_escape(m, "log.txt", b"line 1\r\nline 2\r\n") == OK + b"\r\nNO CARRIER\r\n"
    # #SKIPESC=0 (factory): the escape's "+++" goes to the peer as data first (ATR10
    # #SKIPESC), here into the file; #SKIPESC=1 keeps it out.
    assert srv.files["/log.txt"] == b"line 1\r\nline 2\r\n+++"
    assert at(m, "AT#SKIPESC=1") == OK
    assert put_until_escape(m, "log.txt", b"line 1\r\nline 2\r\n") == OK + b"\r\nNO CARRIER\r\n"
    assert srv.files["/log.txt"] == b"line 1\r\nline 2\r\n"
    assert at(m, "AT#FTPLIST", timeout=2) == b"\r\nCONNECT\r\n"
    m.run(2)
    assert take(m) == b"-rw-r--r-- 1 ftp ftp 16 Jan 01 00:00 log.txt\r\n\r\nNO CARRIER\r\n"
    assert at(m, 'AT#FTPDELE="log.txt"') == OK
    assert "/log.txt" not in srv.files
    assert at(m, 'AT#FTPDELE="log.txt"') == ERR


def test_ftpto_and_type(m: Module) -> None:
    assert at(m, "AT#FTPTO?") == b"\r\n#FTPTO: 100\r\n" + OK
    assert at(m, "AT#FTPTYPE?") == ERR  # no connection
    m.net.ftp.server(SRV, users={"bob": "pw"})
    up(m)
    assert at(m, 'AT#FTPOPEN="ftp.example.net","bob","pw"') == OK
    assert at(m, "AT#FTPTYPE=1") == OK
    assert at(m, "AT#FTPTYPE?") == b"\r\n#FTPTYPE: 1\r\n" + OK
    m.reboot()
    m.run(0.5)
    assert at(m, "AT#FTPTYPE?") == ERR  # the session did not survive the reboot


SCRIPT = CMD_HELPER + b"""cmd('AT+CGDCONT=1,"IP","internet"', 5)
cmd('AT#SGACT=1,1', 20)
cmd('AT#FTPOPEN="ftp.example.net","bob","pw"', 20)
cmd('AT#FTPTYPE=0', 5)
MDM.send('AT#FTPGET="fw/cfg.txt"\\r', 0)
r = ''
end = MOD.secCounter() + 20
while r.find('NO CARRIER') == -1 and MOD.secCounter() < end:
    r = r + MDM.receive(5)
data = r[r.find('CONNECT\\r\\n') + 9:r.find('\\r\\nNO CARRIER')]
f = open('cfg.txt', 'wb')
f.write(data)
f.close()
cmd('AT#FTPCLOSE', 5)
print('GOT %d' % len(data))
"""


def download_script_runs(tmp_path: Path, interpreter: Path | None = None) -> None:
    """SCRIPT as the start-up script fetches the file to the flash."""
    def server(m: Module) -> None:
        m.net.activation_ms = 200
        m.net.dns["ftp.example.net"] = SRV
        m.net.ftp.server(SRV, users={"bob": "pw"}, files={"/fw/cfg.txt": b"apn=internet\r\nport=5000\r\n"})

    with script_running(tmp_path, SCRIPT, interpreter=interpreter, setup=server, sim_ready_now=False) as m:
        m.run(40)
        assert m.trace_lines == ["GOT 25"]
        assert m.flash.read("cfg.txt") == b"apn=internet\r\nport=5000\r\n"


def test_legacy_style_script_downloads_a_file_to_the_flash(tmp_path: Path) -> None:
    download_script_runs(tmp_path)


def test_the_download_script_under_the_real_152_interpreter(tmp_path: Path, py152: Path) -> None:
    download_script_runs(tmp_path, py152)
