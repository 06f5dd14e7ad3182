"""The Telit built-in modules, call by call (REFERENCE §2, §10.3; §11 A1-A9). Scripts are in the
dialect; results are printed with '%d' and checked as exact trace lines."""
from __future__ import annotations

from pathlib import Path

import pytest

from tools.emulator import Module


def boot(tmp: Path, script: str, **kw: object) -> Module:
    m = Module(tmp, **kw)  # type: ignore[arg-type]
    m.flash.write("main.py", script.encode("latin-1"))
    m.nvm["escript"] = "main.py"
    m.power_on()
    return m


def run_lines(tmp: Path, script: str, seconds: float = 5, **kw: object) -> list[str]:
    m = boot(tmp, script, **kw)
    m.run(seconds)
    assert m.script_state == "ended", m.trace_text()
    return m.trace_lines


T = "import MOD\ndef now():\n    return MOD.secCounter()\n"


# ------------------------------------------------------------------ §2.0 timeouts
TIMEOUT_CALLS = [
    "MDM.send('AT', %s)", "MDM.receive(%s)", "MDM.sendbyte(13, %s)", "MDM.receivebyte(%s)",
    "MDM2.send('AT', %s)", "MDM2.receive(%s)", "MDM2.sendbyte(13, %s)", "MDM2.receivebyte(%s)",
    "SER.receive(%s)", "SER.receivebyte(%s)", "SER2.receive(%s)", "SER2.receivebyte(%s)",
    "MOD.sleep(%s)",
]


@pytest.mark.parametrize("call", TIMEOUT_CALLS)
def test_ref2_0_timeout_must_be_an_integer(tmp_path: Path, call: str) -> None:
    script = ("import MDM\nimport MDM2\nimport SER\nimport SER2\nimport MOD\n"
              "try:\n    %s\n    print('accepted')\nexcept TypeError:\n    print('TypeError')\n"
              "try:\n    %s\n    print('accepted')\nexcept TypeError:\n    print('TypeError')\n"
              "%s\nprint('int ok')\n") % (call % "'5'", call % "None", call % "1")
    assert run_lines(tmp_path, script) == ["TypeError", "TypeError", "int ok"]


def test_ref2_0_timeouts_clamp_to_0_32767(tmp_path: Path) -> None:
    script = T + ("import MDM\nt = now()\nr = MDM.receive(-50)\nprint('%d %d' % (len(r), now() - t))\n"
                  "t = now()\nr = MDM.receive(99999)\nprint('%d %d' % (len(r), now() - t))\n"
                  "t = now()\nMOD.sleep(40000)\nprint('%d' % (now() - t))\n")
    # 32767 tenths = 3276.7 s (plus the 1 ms call cost): 3276 or 3277 whole seconds.
    lines = run_lines(tmp_path, script, 7000)
    assert lines[0] == "0 0"
    assert lines[1] in ("0 3276", "0 3277")
    assert lines[2] in ("3276", "3277")


def test_ref2_0_receive_returns_first_chunk_at_once(tmp_path: Path) -> None:
    # "The return value will be the first string received no matter of how long the timeout is"
    # (ES13 §3.3.2): the answer to AT arrives after the 20 ms command time, not after 10 s.
    m = boot(tmp_path, "import MDM\nMDM.send('AT\\r', 5)\nr = MDM.receive(100)\nprint(repr(r))\n")
    m.run(1)
    assert m.trace_lines == ["'\\015\\012OK\\015\\012'"]
    assert m.kernel.now() == 1000


def test_ref2_0_read_never_blocks_and_byte_calls_give_ints(tmp_path: Path) -> None:
    script = T + ("import MDM\nt = now()\nprint(repr(MDM.read()))\nprint(MDM.readbyte())\n"
                  "print(MDM.receivebyte(5))\nMDM.send('AT\\r', 5)\nb = MDM.receivebyte(10)\n"
                  "print(b)\nprint(MDM.readbyte())\nprint(repr(MDM.read()))\nprint('%d' % (now() - t))\n")
    assert run_lines(tmp_path, script) == ["''", "-1", "-1", "13", "10", "'OK\\015\\012'", "0"]


def test_ref2_1_send_returns_1_and_minus1_when_flow_control_holds(tmp_path: Path) -> None:
    # A frozen parser takes no more input: the 4096-byte buffer fills and send waits its timeout
    # then returns -1 (ES13 §3.2.1), taking nothing of that string.
    script = T + ("import MDM\nprint(MDM.send('A' * 4000, 0))\nprint(MDM.send('B' * 96, 0))\n"
                  "t = now()\nprint(MDM.send('C', 20))\nprint('%d' % (now() - t))\nprint(MDM.sendbyte(67, 0))\n")
    m = Module(tmp_path)
    m.flash.write("main.py", script.encode())
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.instances[1].frozen = True
    m.run(5)
    assert m.trace_lines == ["1", "1", "-1", "2", "-1"]
    assert len(m.instances[1].inbuf) == 4096


def test_ref2_0_output_buffer_4096_overflow_loses_and_counts(tmp_path: Path) -> None:
    # 300 commands answered while the script does not read: the 4096-byte receive buffer keeps
    # the first 4096 bytes, the rest is lost and counted.
    script = ("import MDM\nimport MOD\nn = 0\nwhile n < 300:\n    MDM.send('AT+CSQ\\r', 5)\n    n = n + 1\n"
              "MOD.sleep(100)\nr = MDM.read()\nprint('%d' % len(r))\nprint(repr(r[:20]))\n")
    m = boot(tmp_path, script)
    m.run(20)
    assert m.trace_lines == ["4096", "'\\015\\012+CSQ: 17,0\\015\\012\\015\\012OK\\015\\012'"]
    assert m.instances[1].out.lost == 300 * 20 - 4096


# ------------------------------------------------------------------ SER
def test_ref2_3_ser_buffer_overflow_loses_bytes_and_counts(tmp_path: Path) -> None:
    m = boot(tmp_path, "import SER\nimport MOD\nSER.set_speed('115200')\nMOD.sleep(20)\nprint('%d' % len(SER.read()))\n")
    m.serial.dte.configure("115200")
    m.serial.dte.obey_cts = False
    m.serial.dte.write(b"x" * 5000)
    m.run(5)
    assert m.trace_lines == ["4096"]
    assert m.serial.lost_rx == 904


@pytest.mark.parametrize("speed", ["300", "1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200"])
def test_ref2_3_set_speed_accepts_each_documented_string(tmp_path: Path, speed: str) -> None:
    assert run_lines(tmp_path, "import SER\nprint(SER.set_speed('%s'))\nprint(SER.set_speed('%s', '7E2'))\n" % (speed, speed)) == ["1", "1"]


def test_ref2_3_set_speed_refuses_everything_else(tmp_path: Path) -> None:
    script = ("import SER\nimport SER2\nprint(SER.set_speed('1234'))\nprint(SER.set_speed(9600))\n"
              "print(SER.set_speed('230400'))\nprint(SER.set_speed('9600', '9N1'))\nprint(SER.set_speed('9600', '8X1'))\n"
              "print(SER2.set_speed('9600', '7E2'))\nprint(SER2.set_speed('9600', '8E2'))\nprint(SER2.set_speed(' 9600'))\n")
    assert run_lines(tmp_path, script) == ["-1", "-1", "-1", "-1", "-1", "-1", "1", "-1"]


@pytest.mark.parametrize("speed,fmt,nbytes,ms", [("9600", "8N1", 960, 1000), ("115200", "8N1", 1152, 100),
                                                  ("9600", "8E2", 800, 1000), ("300", "7N1", 27, 810)])
def test_ref2_3_ser_send_is_paced_at_the_line_rate(tmp_path: Path, speed: str, fmt: str, nbytes: int, ms: int) -> None:
    # A character is start + data + parity + stop bits; the transfer takes exactly bits / speed.
    m = boot(tmp_path, "import SER\nSER.set_speed('%s', '%s')\nSER.send('U' * %d)\n" % (speed, fmt, nbytes))
    m.serial.dte.configure(speed, fmt)
    m.run(0.002)  # the script has sent
    t0 = m.kernel.now()
    m.run((ms - 10) / 1000.0)
    assert len(m.serial.dte.received) < nbytes
    m.run(0.012)
    assert bytes(m.serial.dte.received) == b"U" * nbytes
    assert m.kernel.now() - t0 >= ms - 2


def test_ref2_3_default_speed_9600_and_mismatch_garbles(tmp_path: Path) -> None:
    # (the script stays alive: once it ends, ASC0 goes back to the autobauding AT port)
    m = boot(tmp_path, "import SER\nimport MOD\nSER.send('hello')\nMOD.sleep(100)\n")
    m.serial.dte.configure("115200")
    m.run(1)
    assert m.serial.speed == "9600"
    assert len(m.serial.dte.received) == 5 and bytes(m.serial.dte.received) != b"hello"


def test_ref2_3_modem_lines_out_and_in(tmp_path: Path) -> None:
    script = ("import SER\nimport MOD\nSER.setDCD(1)\nSER.setRI(1)\nSER.setDSR(0)\nMOD.sleep(10)\n"
              "print('%d %d' % (SER.getRTS(), SER.getDTR()))\nMOD.sleep(10)\nprint('%d %d' % (SER.getRTS(), SER.getDTR()))\n")
    m = boot(tmp_path, script)          # DTR low at power-on: #STARTMODESCR=0 starts it
    m.run(0.5)
    assert m.serial.dte.lines() == {"DCD": 1, "CTS": 1, "DSR": 0, "RI": 1}
    m.serial.dte.set_dtr(1)
    m.run(1)
    m.serial.dte.set_rts(0)
    m.serial.dte.set_dtr(0)
    m.run(1)
    assert m.trace_lines == ["1 1", "0 0"]


def test_ref10_3_ser_setcts_throttles_a_device_that_obeys_cts(tmp_path: Path) -> None:
    script = ("import SER\nimport MOD\nSER.setCTS(0)\nMOD.sleep(20)\nprint('%d' % len(SER.read()))\n"
              "SER.setCTS(1)\nMOD.sleep(20)\nprint('%d' % len(SER.read()))\n")
    m = boot(tmp_path, script)
    m.run(0.01)
    m.serial.dte.write(b"z" * 100)
    m.run(5)
    assert m.trace_lines == ["0", "100"]


# ------------------------------------------------------------------ SER2
def test_ref2_4_ser2_sends_to_the_trace_port_and_receives_host_bytes(tmp_path: Path) -> None:
    script = ("import SER2\nimport MOD\nSER2.send('abc')\nSER2.send('def\\r\\n')\nSER2.sendbyte(65)\n"
              "MOD.sleep(10)\nprint(SER2.read())\nprint(SER2.readbyte())\n")
    m = boot(tmp_path, script)
    m.run(0.5)
    m.ser2_rx.extend(b"in")
    m.run(1)
    assert m.trace_lines == ["abcdef\r", "Ain", "-1"]
    assert bytes(m.trace_bytes) == b"abcdef\r\nAin\n-1\n"


# ------------------------------------------------------------------ MDM lines
def test_ref2_1_mdm_lines_idle(tmp_path: Path) -> None:
    script = ("import MDM\nimport MDM2\nprint('%d %d %d %d' % (MDM.getDCD(), MDM.getCTS(), MDM.getDSR(), MDM.getRI()))\n"
              "print(MDM.setRTS(1))\nprint(MDM2.setDTR(1))\n"
              "MDM.send('AT&C0\\r', 5)\nMDM.receive(10)\nprint('%d %d' % (MDM.getDCD(), MDM2.getDCD()))\n")
    assert run_lines(tmp_path, script) == ["0 1 1 0", "None", "None", "1 0"]


def test_ref11_a9_absent_by_default(tmp_path: Path) -> None:
    script = ("import MDM\nimport MDM2\nimport MOD\nimport GPIO\n"
              "print('%d %d %d %d' % (hasattr(MDM2, 'sendavail'), hasattr(MOD, 'reactivatePython'), "
              "hasattr(MOD, 'encBase64'), hasattr(GPIO, 'getCBC')))\n"
              "try:\n    import binascii\nexcept ImportError:\n    print('no binascii')\n")
    assert run_lines(tmp_path, script) == ["0 0 0 0", "no binascii"]


def test_ref2_6_encbase64_and_binascii_when_switched_on(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.features.update(encBase64=True, binascii=True)
    m.flash.write("main.py", b"import MOD\nimport binascii\nprint(repr(MOD.encBase64('hello')))\n"
                  b"print(binascii.b2a_base64('hi'))\nprint('%d' % binascii.crc_hqx('123456789', 65535))\n")
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(1)
    assert m.trace_lines == ["'aGVsbG8=\\015\\012'", "aGk=", "", "%d" % 0x29B1]


# ------------------------------------------------------------------ MOD
def test_ref2_6_seccounter_counts_from_2000_and_is_an_int(tmp_path: Path) -> None:
    # ES13 §3.7.1: seconds since 2000-01-01. start_time = 2010-01-01 00:00:00.
    start = 315619200
    script = ("import MOD\nimport MDM\na = MOD.secCounter()\nprint(type(a) == type(0))\nprint('%d' % a)\n"
              "MOD.sleep(25)\nprint('%d' % MOD.secCounter())\nMDM.send('AT+CCLK?\\r', 5)\nprint(MDM.receive(10)[2:31])\n")
    assert run_lines(tmp_path, script, start_time=start) == [
        "1", "%d" % start, "%d" % (start + 2), '+CCLK: "10/01/01,00:00:02+00"']


def test_ref2_6_sleep_is_in_tenths(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nimport MDM\nMOD.sleep(15)\nMDM.send('AT\\r', 0)\n")
    m.run(3)
    assert 1500 <= m.at_log[0][0] <= 1505


def test_ref2_6_watchdog_expiry_reboots_and_reset_keeps_alive(tmp_path: Path) -> None:
    script = ("import MOD\nprint('start')\nMOD.watchdogEnable(3)\nn = 0\nwhile n < 5:\n"
              "    MOD.sleep(20)\n    MOD.watchdogReset()\n    n = n + 1\nprint('stop kicking')\n"
              "while 1:\n    MOD.sleep(10)\n")
    m = boot(tmp_path, script)
    m.run(12.5)
    assert m.trace_lines == ["start", "stop kicking"]
    assert m.watchdog_resets == 5
    m.run(1)  # 10 s of kicks, then 3 s without: reboot at 13 s
    assert m.boot_reasons == ["power on", "watchdog"]
    assert m.trace_lines[-1] == "start"


def test_ref2_6_watchdog_disable_and_range(tmp_path: Path) -> None:
    script = ("import MOD\nMOD.watchdogEnable(2)\nMOD.watchdogDisable()\nMOD.sleep(50)\nprint('alive')\n"
              "try:\n    MOD.watchdogEnable(0)\nexcept ValueError:\n    print('range')\n"
              "try:\n    MOD.watchdogEnable('5')\nexcept TypeError:\n    print('type')\n")
    assert run_lines(tmp_path, script, 10) == ["alive", "range", "type"]


def test_ref2_6_powersaving_timeout_and_exit_cause(tmp_path: Path) -> None:
    script = T + "t = now()\nMOD.powerSaving(3)\nprint('%d %d' % (now() - t, MOD.powerSavingExitCause()))\n"
    assert run_lines(tmp_path, script, 10) == ["3 1"]


def test_ref2_6_powersaving_wakes_on_urc(tmp_path: Path) -> None:
    # ES13 §3.7.6: an external event ("URC unsolicited message ... or putting RTS high") ends it.
    script = T + ("import MDM\nMDM.send('AT+CREG=1\\r', 5)\nMDM.receive(10)\nt = now()\nMOD.powerSaving(-1)\n"
                  "print('%d %d' % (now() - t, MOD.powerSavingExitCause()))\nprint(repr(MDM.read()))\n")
    m = boot(tmp_path, script)
    m.run(5)
    m.set_registration(reg=2)
    m.run(1)
    assert m.trace_lines == ["5 0", "'\\015\\012+CREG: 2\\015\\012'"]


def test_ref2_6_powersaving_wakes_on_rts_rising(tmp_path: Path) -> None:
    script = T + "import SER\nMOD.powerSaving(100)\nprint('%d' % MOD.powerSavingExitCause())\n"
    m = boot(tmp_path, script)
    m.serial.dte.set_rts(0)
    m.run(2)
    m.serial.dte.set_rts(0)  # no edge
    m.run(2)
    assert m.trace_lines == []
    m.serial.dte.set_rts(1)
    m.run(1)
    assert m.trace_lines == ["0"]


# ------------------------------------------------------------------ GPIO
def test_ref2_7_gpio_values_directions_and_errors(tmp_path: Path) -> None:
    script = ("import GPIO\nimport MOD\n"
              "print('%d %d %d' % (GPIO.setIOvalue(4, 1), GPIO.getIOvalue(4), GPIO.getIOdir(4)))\n"
              "print('%d %d %d' % (GPIO.setIOdir(5, 0, 0), GPIO.getIOdir(5), GPIO.getIOvalue(5)))\n"
              "MOD.sleep(10)\nprint('%d' % GPIO.getIOvalue(5))\n"
              "print('%d %d %d' % (GPIO.setIOvalue(99, 1), GPIO.getIOvalue(99), GPIO.getIOdir(0)))\n"
              "print('%d %d %d' % (GPIO.setIOvalue(4, 2), GPIO.setIOdir(4, 2, 1), GPIO.setIOdir(4, 0, 4)))\n"
              "print('%d %d' % (GPIO.setIOdir(6, 1, 1), GPIO.getIOvalue(6)))\n"
              "try:\n    GPIO.setIOdir(4, 1)\nexcept TypeError:\n    print('value required')\n"
              "print('%d %d' % (GPIO.getADC(2), GPIO.getADC(9)))\n"
              "print('%d %d %d' % (GPIO.setDAC(1, 512), GPIO.setDAC(1, 1024), GPIO.setSLED(3, 10, 90)))\n")
    m = boot(tmp_path, script)
    m.adc[2] = 1234
    m.run(0.5)
    m.set_gpio_input(5, 1)
    m.run(2)
    assert m.trace_lines == ["1 1 1", "1 0 0", "1", "-1 -1 -1", "-1 -1 -1", "1 1", "value required",
                             "1234 -1", "1 -1 1"]


def test_ref2_3_ser_send_has_no_timeout_and_ipr_does_not_change_the_script_speed(tmp_path: Path) -> None:
    # REFERENCE §2.3, §11 A3/A5: SER.send takes no timeout; AT+IPR does not change what the
    # script's SER uses (ES13 §3.4.7: "sending the +IPR command ... does not affect the physical
    # serial port"); the default is 9600.
    script = ("import SER\nimport MDM\ntry:\n    SER.send('x', 5)\nexcept TypeError:\n    print('no timeout')\n"
              "MDM.send('AT+IPR=115200\\r', 5)\nprint(repr(MDM.receive(10)))\nprint(SER.send('abc'))\n")
    m = boot(tmp_path, script + "import MOD\nMOD.sleep(10)\n")
    m.run(0.5)
    assert m.trace_lines == ["no timeout", "'\\015\\012OK\\015\\012'", "1"]
    assert m.serial.speed == "9600"
    m.run(1)
    assert bytes(m.serial.dte.received) == b"abc"
