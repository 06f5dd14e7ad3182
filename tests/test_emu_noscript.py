"""No-script mode: ASC0 as the AT port, the script-file commands, #STARTMODESCR (REFERENCE §2.5,
§4.2-§4.4, §5.2, §11 H). Scripts in these tests are written in the dialect."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from emu_helpers import at, is_complete
from tools.emulator import Module
from tools.emulator.scriptcmds_io import PYO_MAGIC, crc16_ccitt


def dev(m: Module, data: bytes | str, timeout: float = 5.0) -> bytes:
    """The device on ASC0 writes ``data``; run until the module's answer is complete."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    with m.kernel.lock:
        m.serial.dte.take_received()
        m.serial.device_send(data)
    got = bytearray()

    def done() -> bool:
        got.extend(m.serial.dte.take_received())
        return is_complete(bytes(got)) and not m.serial.tx and not m.serial_at.backlog

    m.run_until(done, timeout, step=0.01)
    return bytes(got)


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path / "flash")
    mod.power_on()
    return mod


# ------------------------------------------------------------------ §2.5 / §5.2
def test_s2_5_no_script_serial_is_at_port_with_echo(m: Module) -> None:
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"
    assert dev(m, "AT+CSQ\r") == b"AT+CSQ\r\r\n+CSQ: 17,0\r\n\r\nOK\r\n"


def test_s5_3_serial_instance_settings_are_its_own(m: Module) -> None:
    assert dev(m, "ATE0\r") == b"ATE0\r\r\nOK\r\n"
    assert dev(m, "AT\r") == b"\r\nOK\r\n"
    assert m.instances[1].settings["E"] == 0 and m.instances[3].settings["E"] == 0
    assert dev(m, "ATV0\r") == b"0\r"
    assert dev(m, "ATZ\r") == b"\r\nOK\r\n"  # typed without echo; answered with the reset profile
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"
    assert m.instances[1].settings["E"] == 0  # MDM untouched


def test_s2_5_autobaud_while_at_port(m: Module) -> None:
    # ATR10 +IPR=0 (autobaud): the AT port follows the DTE's speed; the line is paced at it.
    m.serial.dte.configure("115200")
    t0 = m.kernel.now()
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"
    fast = m.kernel.now() - t0
    m.serial.dte.configure("1200")
    t0 = m.kernel.now()
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"
    slow = m.kernel.now() - t0
    assert slow > fast + 50  # 3 + 9 characters at 1200 bps take about 100 ms


def test_s2_5_script_running_owns_serial(m: Module) -> None:
    # #STARTMODESCR 0 (factory): the running script has ASC0; AT commands are data for SER.
    m.flash.write("s.py", b"import SER\nimport MOD\nwhile 1:\n    d = SER.receive(10)\n    if d:\n        SER.send('<' + d + '>')\n")
    m.nvm["escript"] = "s.py"
    m.reboot()
    m.run(0.5)
    assert dev(m, "AT\r", timeout=3) == b"<AT\r>"


def test_s2_5_serial_returns_to_at_when_script_ends(m: Module) -> None:
    # n/d on the real unit; the emulator's documented choice: ASC0 is the AT port again.
    m.flash.write("s.py", b"import SER\nSER.send('bye')\n")
    m.nvm["escript"] = "s.py"
    m.reboot()
    m.run(1)
    assert m.script_state == "ended"
    assert m.serial.dte.take_received() == b"bye"
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"


def test_s2_5_startmode2_instance3_until_ser_imported(m: Module) -> None:
    m.flash.write("s.py", b"import MOD\nMOD.sleep(20)\nimport SER\nSER.send('mine')\nMOD.sleep(50)\n")
    m.nvm.update(escript="s.py", startmode=2)
    m.reboot()
    m.run(0.2)
    assert m.script_state == "running"
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"  # instance 3 answers while SER is not imported
    m.run(2)
    assert m.ser_owned_by_script
    assert m.serial.dte.take_received() == b"mine"
    with m.kernel.lock:
        m.serial.device_send(b"AT\r")
    m.run(0.5)
    assert m.serial.dte.take_received() == b""  # no AT port any more


def test_s4_3_startmode1_at_in_window_cancels_start(m: Module) -> None:
    m.flash.write("s.py", b"import SER\nSER.send('started')\n")
    m.nvm.update(escript="s.py", startmode=1, startmode_to=10)
    m.reboot()
    m.run(3)
    assert m.script_state == "none" and m.serial_at.in_window()
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"
    m.run(15)
    assert m.script_state == "none"  # the AT command in the window cancelled the start
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"


def test_s4_3_startmode1_starts_after_window(m: Module) -> None:
    m.flash.write("s.py", b"import SER\nSER.send('started')\n")
    m.nvm.update(escript="s.py", startmode=1, startmode_to=12)
    m.reboot()
    m.run(11.5)
    assert m.script_state == "none"
    with m.kernel.lock:
        m.serial.device_send(b"hello\r")  # not an AT command: does not cancel
    m.run(1)
    assert m.script_state in ("running", "ended")
    m.run(1)
    assert m.serial.dte.take_received().endswith(b"started")


# ------------------------------------------------------------------------ §4.2
def test_s4_2_wscript_prompt_exact_count_then_ok(m: Module) -> None:
    body = b"import SER\r\nSER.send('up')\r\n"
    assert dev(m, 'AT#WSCRIPT="up.py",%d\r' % len(body)) == b'AT#WSCRIPT="up.py",%d\r\r\n>>>' % len(body)
    # The bytes are taken raw: no echo, CR LF kept, nothing parsed as a command.
    assert dev(m, body) == b"\r\nOK\r\n"
    assert m.flash.read("up.py") == body


def test_s4_2_wscript_waits_for_all_bytes(m: Module) -> None:
    dev(m, 'AT#WSCRIPT="d.txt",10\r')
    with m.kernel.lock:
        m.serial.device_send(b"12345")
    m.run(2)
    assert m.serial.dte.take_received() == b"" and not m.flash.exists("d.txt")
    assert dev(m, b"67890AT\r") == b"\r\nOK\r\nAT\r\r\nOK\r\n"
    assert m.flash.read("d.txt") == b"1234567890"


def test_s4_2_wscript_rejects_pyo_without_152_magic(m: Module) -> None:
    dev(m, 'AT#WSCRIPT="bad.pyo",8\r')
    assert dev(m, b"\x03\xf3\r\n1234") == b"\r\nERROR\r\n"
    assert not m.flash.exists("bad.pyo")
    dev(m, 'AT#WSCRIPT="good.pyo",8\r')
    assert dev(m, PYO_MAGIC + b"\0\0\0\0") == b"\r\nOK\r\n"
    assert m.flash.exists("good.pyo")


@pytest.mark.parametrize("line", [
    'AT#WSCRIPT="a.py"', 'AT#WSCRIPT="a.py",0', 'AT#WSCRIPT="seventeen_chars.py",5',
    'AT#WSCRIPT="a.py",3000000', 'AT#WSCRIPT="a.py",5,2', "AT#WSCRIPT",
])
def test_s4_2_wscript_bad_arguments_error_without_prompt(m: Module, line: str) -> None:
    assert dev(m, line + "\r") == line.encode() + b"\r\r\nERROR\r\n"


def test_s4_2_wscript_test_command(m: Module) -> None:
    assert dev(m, "AT#WSCRIPT=?\r") == b"AT#WSCRIPT=?\r\r\nOK\r\n"


def test_s4_2_wscript_through_mdm_from_a_script(m: Module) -> None:
    # The commands work on every instance: a script can update its own files.
    m.flash.write("w.py", b"import MDM\nMDM.send('AT#WSCRIPT=\"n.txt\",3\\r', 5)\nprint(MDM.receive(10))\n"
                          b"MDM.send('abc', 5)\nprint(MDM.receive(10))\n")
    m.nvm["escript"] = "w.py"
    m.reboot()
    m.run(3)
    assert m.flash.read("n.txt") == b"abc"
    assert m.trace_lines[:4] == ["\r", ">>>", "\r", "OK\r"]  # print(prompt), print(final)


# ------------------------------------------------------------------------ §4.4
def test_s4_4_lscript_format(m: Module) -> None:
    m.flash.write("gw.pyo", PYO_MAGIC + bytes(5116))
    m.flash.write("cfg.txt", b"x" * 212)
    free = m.flash.free()
    assert dev(m, "AT#LSCRIPT\r") == (b'AT#LSCRIPT\r\r\n#LSCRIPT: "cfg.txt",212\r\n#LSCRIPT: "gw.pyo",5120\r\n'
                                     b"#LSCRIPT: free bytes: %d\r\n\r\nOK\r\n" % free)
    assert free == 2 * 1024 * 1024 - 5332
    assert dev(m, "AT#LSCRIPT?\r").endswith(b"free bytes: %d\r\n\r\nOK\r\n" % free)


def test_s4_4_lcscript_crc16_ccitt(m: Module) -> None:
    assert crc16_ccitt(b"123456789") == 0x29B1  # CRC-16/CCITT-FALSE check value
    assert crc16_ccitt(b"") == 0xFFFF
    m.flash.write("a.txt", b"123456789")
    assert dev(m, "AT#LCSCRIPT\r") == (b'AT#LCSCRIPT\r\r\n#LCSCRIPT: "a.txt",9,29B1\r\n'
                                      b"#LCSCRIPT: free bytes: %d\r\n\r\nOK\r\n" % m.flash.free())
    assert dev(m, 'AT#LCSCRIPT="a.txt"\r') == b'AT#LCSCRIPT="a.txt"\r\r\n#LCSCRIPT: "a.txt",9,29B1\r\n\r\nOK\r\n'
    assert dev(m, 'AT#LCSCRIPT="none.txt"\r').endswith(b"\r\nERROR\r\n")


def test_s4_4_lcscript_omits_crc_of_files_in_use(m: Module) -> None:
    m.flash.write("lib.py", b"X = 1\n")
    m.flash.write("main.py", b"import MDM\nimport lib\nMDM.send('AT#LCSCRIPT\\r', 5)\nr = ''\n"
                             b"while r.find('OK') == -1:\n    r = r + MDM.receive(10)\nprint(r)\n")
    m.flash.write("data.txt", b"123456789")
    m.nvm["escript"] = "main.py"
    m.reboot()
    m.run(3)
    text = m.trace_text()
    assert '#LCSCRIPT: "main.py",' in text and '#LCSCRIPT: "main.py",%d\r' % len(m.flash.read("main.py")) in text
    assert '#LCSCRIPT: "lib.py",6\r' in text
    assert '#LCSCRIPT: "data.txt",9,29B1' in text


def test_s4_4_rscript_prompt_content_ok(m: Module) -> None:
    m.flash.write("First.py", b"import MDM\r\nMDM.send('AT\\r',10)\r\n")
    assert dev(m, 'AT#RSCRIPT="First.py"\r') == (b'AT#RSCRIPT="First.py"\r\r\n<<<import MDM\r\nMDM.send(\'AT\\r\',10)\r\n'
                                               b"\r\nOK\r\n")


def test_s4_4_rscript_hidden_reads_back_empty(m: Module) -> None:
    dev(m, 'AT#WSCRIPT="h.py",5,1\r')
    assert dev(m, b"x = 1") == b"\r\nOK\r\n"
    assert m.flash.read("h.py") == b"x = 1"
    assert dev(m, 'AT#RSCRIPT="h.py"\r') == b'AT#RSCRIPT="h.py"\r\r\n<<<\r\nOK\r\n'
    assert b'"h.py",5' in dev(m, "AT#LSCRIPT\r")  # the name and size stay visible


def test_s4_4_rscript_absent_file_errors(m: Module) -> None:
    assert dev(m, 'AT#RSCRIPT="no.py"\r').endswith(b"\r\nERROR\r\n")


def test_s4_4_rscript_longer_than_the_tx_buffer(m: Module) -> None:
    data = bytes(range(256)) * 40  # 10240 bytes: more than the 4096-byte TX FIFO
    m.flash.write("big.bin", data)
    m.serial.dte.configure("115200")
    got = dev(m, 'AT#RSCRIPT="big.bin"\r', timeout=10)
    assert got == b'AT#RSCRIPT="big.bin"\r\r\n<<<' + data + b"\r\nOK\r\n"


def test_s4_4_dscript_deletes_and_errors_if_absent(m: Module) -> None:
    m.flash.write("Third.py", b"x = 1\n")
    assert dev(m, 'AT#DSCRIPT="Third.py"\r') == b'AT#DSCRIPT="Third.py"\r\r\nOK\r\n'
    assert not m.flash.exists("Third.py")
    assert dev(m, 'AT#DSCRIPT="Third.py"\r') == b'AT#DSCRIPT="Third.py"\r\r\nERROR\r\n'


def test_s11_h_commands_on_mdm_too(m: Module) -> None:
    m.flash.write("a.txt", b"abc")
    assert at(m, 'AT#RSCRIPT="a.txt"') == b"\r\n<<<abc\r\nOK\r\n"  # MDM: E0, same framing


# ---------------------------------------------------------- the pty and pyserial
def test_s4_2_wscript_over_a_real_pty_with_pyserial(tmp_path: Path) -> None:
    """A real terminal-program path: pyserial on the pseudo-terminal uploads with #WSCRIPT."""
    serial = pytest.importorskip("serial")
    from tools.emulator.realio import PtyPort

    m = Module(tmp_path / "flash", virtual=False)
    port = PtyPort(m)
    path = port.start()
    m.power_on()
    s = serial.Serial(path, 115200, timeout=0.05)
    try:
        def ask(data: bytes, until: bytes, t: float = 5.0) -> bytes:
            s.write(data)
            got = b""
            end = time.monotonic() + t
            while time.monotonic() < end and not got.endswith(until):
                got += s.read(4096)
            return got

        assert ask(b"AT\r", b"OK\r\n") == b"AT\r\r\nOK\r\n"
        body = b"import SER\r\nSER.send('hi')\r\n" * 20
        assert ask(b'AT#WSCRIPT="p.py",%d\r' % len(body), b">>>") == b'AT#WSCRIPT="p.py",%d\r\r\n>>>' % len(body)
        assert ask(body, b"OK\r\n") == b"\r\nOK\r\n"
        assert m.flash.read("p.py") == body
        lst = ask(b"AT#LSCRIPT\r", b"OK\r\n")
        assert b'#LSCRIPT: "p.py",%d\r\n' % len(body) in lst
        assert ask(b'AT#RSCRIPT="p.py"\r', b"OK\r\n").endswith(b"<<<" + body + b"\r\nOK\r\n")
    finally:
        s.close()
        port.close()
        m.close()


def test_s4_5_recover_a_bad_script_in_the_startmode1_window(m: Module) -> None:
    """REFERENCE §4.5: with #STARTMODESCR=1 a misbehaving script can be deleted in the window."""
    m.flash.write("bad.py", b"import MOD\nMOD.watchdogEnable(1)\nwhile 1:\n    pass\n")
    m.nvm.update(escript="bad.py", startmode=1, startmode_to=10)
    m.reboot()
    m.run(2)
    assert dev(m, 'AT#DSCRIPT="bad.py"\r') == b'AT#DSCRIPT="bad.py"\r\r\nOK\r\n'
    m.run(20)
    assert m.script_state == "none" and not m.flash.exists("bad.py")


def test_s4_3_startmode0_dtr_high_keeps_the_script_from_starting(m: Module) -> None:
    # ATR10 #STARTMODESCR=0: the script starts only when DTR is low (no PC on the port).
    m.flash.write("s.py", b"import SER\nSER.send('x')\n")
    m.nvm.update(escript="s.py", startmode=0)
    m.serial.dte.dtr = 1
    m.reboot()
    m.run(1)
    assert m.script_state == "none"
    assert dev(m, "AT\r") == b"AT\r\r\nOK\r\n"
    m.serial.dte.dtr = 0
    m.reboot()
    m.run(1)
    assert m.script_state == "ended"
