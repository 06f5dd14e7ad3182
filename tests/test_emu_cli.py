"""The command-line entry (issue 4 item 11): the CLI as a subprocess with no script, talked to
over its pseudo-terminal with pyserial like a terminal program would (REFERENCE §2.5, §4.2-4.4),
plus its control socket and console."""
from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

serial = pytest.importorskip("serial")

from tools.emulator.at import COMMANDS  # noqa: E402
from tools.emulator.cli import Console, describe, main, prepare_flash  # noqa: E402
from tools.paths import ROOT  # noqa: E402


class Cli:
    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tools.emulator.cli", *args], cwd=cwd,
                                     env=dict(os.environ, PYTHONPATH=str(ROOT)), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.head: list[str] = []
        assert self.proc.stdout is not None
        end = time.monotonic() + 20
        while time.monotonic() < end:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.head.append(line)
            if line.startswith("type 'help'"):
                break
        text = "".join(self.head)
        self.serial_path = re.search(r"^serial: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
        self.control_port = int(re.search(r"^control: 127\.0\.0\.1:(\d+)$", text, re.M).group(1))  # type: ignore[union-attr]

    def console(self, *lines: str) -> None:
        assert self.proc.stdin is not None
        for line in lines:
            self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self) -> str:
        out, _ = self.proc.communicate(timeout=20)
        return out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def ask(s: Any, data: bytes, until: bytes, t: float = 5.0) -> bytes:
    s.write(data)
    got = b""
    end = time.monotonic() + t
    while time.monotonic() < end and not got.endswith(until):
        got += s.read(4096)
    return got


def control(port: int, req: dict[str, Any]) -> dict[str, Any]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall((json.dumps(req) + "\n").encode())
        return json.loads(sock.makefile("r").readline())


@pytest.fixture
def noscript(tmp_path: Path) -> Iterator[Cli]:
    cli = Cli("--scratch", str(tmp_path / "flash"), "--fresh", cwd=tmp_path)
    yield cli
    cli.kill()


def test_s2_5_no_script_cli_at_over_the_pty(noscript: Cli, tmp_path: Path) -> None:
    """A new user: start with no script, talk AT over the pty, upload, select and run."""
    s = serial.Serial(noscript.serial_path, 115200, timeout=0.05)
    try:
        assert ask(s, b"AT\r", b"OK\r\n") == b"AT\r\r\nOK\r\n"
        assert ask(s, b"AT#LSCRIPT\r", b"OK\r\n") == b"AT#LSCRIPT\r\r\n#LSCRIPT: free bytes: 2097152\r\n\r\nOK\r\n"
        body = b"import SER\r\nimport MOD\r\nSER.send('hello from the script')\r\nMOD.sleep(5)\r\n"
        assert ask(s, b'AT#WSCRIPT="hello.py",%d\r' % len(body), b">>>").endswith(b"\r\n>>>")
        assert ask(s, body, b"OK\r\n") == b"\r\nOK\r\n"
        assert (tmp_path / "flash" / "hello.py").read_bytes() == body
        assert b'#LSCRIPT: "hello.py",%d\r\n' % len(body) in ask(s, b"AT#LSCRIPT\r", b"OK\r\n")
        if "#EXECSCR" not in COMMANDS or "#ESCRIPT" not in COMMANDS:
            pytest.skip("#ESCRIPT/#EXECSCR (core: commands_script.py) are not in the command table yet")
        assert ask(s, b'AT#ESCRIPT="hello.py"\r', b"OK\r\n") == b'AT#ESCRIPT="hello.py"\r\r\nOK\r\n'
        got = ask(s, b"AT#EXECSCR\r", b"hello from the script")
        assert got == b"AT#EXECSCR\r\r\nOK\r\nhello from the script"
        time.sleep(1.0)  # the script ends: ASC0 is the AT port again
        assert ask(s, b"AT\r", b"OK\r\n") == b"AT\r\r\nOK\r\n"
        st = control(noscript.control_port, {"id": 1, "cmd": "status"})
        assert st["ok"] and st["result"]["script"]["state"] == "ended"
    finally:
        s.close()
    noscript.console("status", "quit")
    out = noscript.finish()
    assert noscript.proc.returncode == 0
    assert "stopped" in out


def test_console_sms_and_events(noscript: Cli) -> None:
    noscript.console("sms +15551230001 connect config", "sent", "fault sms_full", "bogus", "quit")
    out = noscript.finish()
    # at once after the boot the SIM is still being read (sim_ready_ms, ATR10 #QSS p.324):
    # the network holds the message until it is ready
    assert 'SMS to the module from +15551230001 (held by the network): "connect config"' in out
    assert "fault sms_full:" in out and "fault injected: sms_full" in out
    assert "unknown command 'bogus'" in out


def test_cli_copies_flash_and_runs_main(tmp_path: Path) -> None:
    """--flash DIR --main: the on-module files are copied to the scratch flash; the module writes
    there, never into DIR."""
    src = tmp_path / "repo"
    src.mkdir()
    (src / "gw.py").write_bytes(b"import SER\nf = open('state.txt', 'w')\nf.write('ran')\nf.close()\n"
                                b"SER.send('gw up')\n")
    (src / "README.md").write_text("not for the flash")
    (src / "a_very_long_module_name.py").write_text("x = 1\n")
    cli = Cli("--flash", str(src), "--main", "gw.py", "--scratch", str(tmp_path / "run"), cwd=tmp_path)
    try:
        assert cli.head[0].startswith("serial: ") and cli.head[1].startswith("control: ")
        assert "skipped a_very_long_module_name.py" in "".join(cli.head)
        s = serial.Serial(cli.serial_path, 9600, timeout=0.05)
        got = b""
        end = time.monotonic() + 5
        while time.monotonic() < end and not got.endswith(b"gw up"):
            got += s.read(100)
        s.close()
        assert got == b"gw up"
        cli.console("quit")
        cli.finish()
    finally:
        cli.kill()
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["gw.py", "state.txt"]
    assert (tmp_path / "run" / "state.txt").read_text() == "ran"
    assert not (src / "state.txt").exists()


def test_cli_virtual_clock_in_process(tmp_path: Path) -> None:
    """main() in-process with --virtual and no serial: the console drives the clock."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_bytes(b"import MOD\nMOD.sleep(50)\nprint('after 5 s')\n")
    out = io.StringIO()
    rc = main(["--flash", str(src), "--main", "m.py", "--scratch", str(tmp_path / "run"), "--virtual",
               "--serial", "none"], stdin=io.StringIO("advance 4\ntrace\nadvance 2\ntrace\nquit\n"), stdout=out)
    text = out.getvalue()
    assert rc == 0
    assert "serial: none" in text and "clock: virtual; script: m.py" in text
    assert "module time 4.000 s" in text and "module time 6.000 s" in text
    assert text.count("trace: after 5 s") == 1
    assert "script ended" in text


def test_prepare_flash_modes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("x = 1\n")
    (src / "b.cfg").write_text("k=v\n")
    scratch = tmp_path / "run"
    (scratch).mkdir()
    (scratch / "old.txt").write_text("kept")
    d, copied, skipped = prepare_flash(src, scratch)
    assert d == scratch and copied == ["a.py"] and skipped == []
    assert sorted(p.name for p in scratch.iterdir()) == ["a.py", "old.txt"]
    d, copied, _ = prepare_flash(src, scratch, fresh=True, patterns=("*.py", "*.cfg"))
    assert copied == ["a.py", "b.cfg"] and sorted(p.name for p in scratch.iterdir()) == ["a.py", "b.cfg"]
    d, copied, _ = prepare_flash(src, scratch, in_place=True)
    assert d == src and copied == []


def test_console_lines() -> None:
    assert describe({"t_ms": 1500, "kind": "sms_out", "number": "+1", "text": "ok"}) == \
        '[    1.500] SMS from the module to +1: "ok"'
    assert describe({"t_ms": 0, "kind": "socket", "conn_id": 1, "phase": "connected",
                     "remote": ["203.0.113.5", 5000]}) == "[    0.000] socket 1: connected 203.0.113.5:5000"
    assert Console.unescape("AT\\r") == "AT\r"


def test_cli_real_loopback_tcp_and_socket_events(tmp_path: Path) -> None:
    """With the real clock the CLI backs #SD with real loopback TCP (REFERENCE §11 D9); the
    console prints the context, the socket and its traffic."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(15)
    port = server.getsockname()[1]
    src = tmp_path / "src"
    src.mkdir()
    (src / "gw.py").write_bytes(
        b"import MDM\nimport MOD\n"
        b"def cmd(c, t):\n    MDM.send(c, 5)\n    r = ''\n    i = 0\n"
        b"    while r.find(t) == -1 and i < 100:\n        r = r + MDM.receive(2)\n        i = i + 1\n    return r\n"
        b"cmd('AT#SCFG=1,1,300,90,600,1\\r', 'OK')\n"  # txTo 100 ms (REFERENCE §6.2; default 5 s)
        b"cmd('AT#SGACT=1,1\\r', 'OK')\n"
        b"cmd('AT#SD=1,0,%d,\"127.0.0.1\"\\r', 'CONNECT')\n"
        b"MDM.send('hello over gprs', 5)\nMOD.sleep(100)\n" % port)
    cli = Cli("--flash", str(src), "--main", "gw.py", "--scratch", str(tmp_path / "run"), "--serial", "none",
              cwd=tmp_path)
    try:
        conn, _ = server.accept()
        conn.settimeout(10)
        got = b""
        while len(got) < 15:
            got += conn.recv(100)
        assert got == b"hello over gprs"
        time.sleep(0.5)
        cli.console("quit")
        out = cli.finish()
        conn.close()
    finally:
        cli.kill()
        server.close()
    assert re.search(r"context 1: active \S+", out)
    assert "socket 1: connected 127.0.0.1:%d" % port in out
    assert re.search(r"socket 1 traffic: \+15 sent", out)


def test_cli_interpreter_option(tmp_path: Path) -> None:
    """--interpreter: the script runs in a child process (here Python 3 itself)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_bytes(b"import MOD\nimport sys\nMOD.sleep(10)\nprint('child ' + sys.version[:1])\n")
    out = io.StringIO()
    rc = main(["--flash", str(src), "--main", "m.py", "--scratch", str(tmp_path / "run"), "--virtual",
               "--serial", "none", "--interpreter", sys.executable],
              stdin=io.StringIO("advance 3\nquit\n"), stdout=out)
    assert rc == 0
    assert "trace: child 3" in out.getvalue()
