"""The emulator's ``imp`` (ES13 §5.2.30, docs/emulator.md) and the simulated HTTP server
(tools/emulator/net/simhttp.py), both used by the remote update (docs/update.md)."""
from __future__ import annotations

from pathlib import Path

from emu_helpers import at
from tools.emulator import Module
from tools.emulator.net.simhttp import SimHttp
from tools.pyo15.pyo import MAGIC

HELPER = "VALUE = 'from %s'\n\n\ndef who():\n    return VALUE\n"


def run(tmp: Path, script: str, files: dict[str, bytes]) -> Module:
    m = Module(tmp)
    for name, data in files.items():
        m.flash.write(name, data)
    m.flash.write("main.py", script.encode())
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(5)
    return m


def test_load_module_runs_a_file_under_another_name(tmp_path: Path) -> None:
    # a .pyo flashed as ub03.pyo runs as module "helper" (its source by content), and a
    # later "import helper" finds that one, not helper.py on the flash
    pyo = MAGIC + b"\0\0\0\0c-fake-code-object"
    script = ("import imp\nimport sys\n"
              "f = open('ub03.pyo', 'rb')\n"
              "m = imp.load_module('helper', f, 'ub03.pyo', ('.pyo', 'rb', imp.PY_COMPILED))\n"
              "f.close()\n"
              "import helper\n"
              "print(helper.who())\nprint(sys.modules['helper'] is m)\nprint(m.__name__)\n"
              "f = open('src.py', 'r')\n"
              "s = imp.load_module('other', f, 'src.py', ('.py', 'r', imp.PY_SOURCE))\n"
              "f.close()\nprint(s.who())\n"
              "f = open('bad.pyo', 'rb')\n"
              "try:\n    imp.load_module('bad', f, 'bad.pyo', ('.pyo', 'rb', imp.PY_COMPILED))\n"
              "except ImportError:\n    print('bad magic refused')\n")
    m = Module(tmp_path)
    m.add_pyo_source(pyo, "helper.py", HELPER % "the slot")
    for name, data in (("ub03.pyo", pyo), ("helper.py", (HELPER % "the flash").encode()),
                       ("src.py", (HELPER % "source").encode()), ("bad.pyo", b"XXXXrest")):
        m.flash.write(name, data)
    m.flash.write("main.py", script.encode())
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(5)
    assert m.trace_lines == ["from the slot", "1", "helper", "from source", "bad magic refused"], m.trace_text()


def test_imp_constants_and_magic(tmp_path: Path) -> None:
    script = ("import imp\nprint('%d %d %d %d' % (imp.PY_SOURCE, imp.PY_COMPILED, imp.C_BUILTIN, imp.PY_FROZEN))\n"
              "print(imp.get_magic() == chr(153) + 'N' + chr(13) + chr(10))\n")
    m = run(tmp_path, script, {})
    assert m.trace_lines == ["1 2 6 7", "1"], m.trace_text()


def test_sim_http_serves_files_and_faults(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.power_on()
    web = SimHttp(m.net, "203.0.113.80", 80, {"/a.bin": bytes(range(256)) * 4})
    web.faults["/b.bin"] = ("truncate", 10)
    web.files["/b.bin"] = b"y" * 100
    assert b"OK" in at(m, 'AT+CGDCONT=1,"IP","internet"', inst=2)
    assert b"OK" in at(m, "AT#SGACT=1,1", inst=2, timeout=10)
    assert b"OK" in at(m, "AT#SCFGEXT=2,0,1,0,0,0", inst=2)

    def fetch(path: str) -> bytes:
        # closure type 255: with 0 the unread reply would go with the socket when the
        # server closes (ATR10 #SD p.422), as for the updater (docs/update.md)
        assert b"OK" in at(m, 'AT#SD=2,0,80,"203.0.113.80",255,0,1', inst=2, timeout=10)
        assert at(m, "AT#SSEND=2", inst=2).endswith(b"> ")
        at(m, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n\x1a" % path, inst=2)
        m.run(3)
        got = b""
        while True:
            r = at(m, "AT#SRECV=2,1500", inst=2)
            if b"#SRECV:" not in r:
                break
            lines = r.split(b"\r\n")
            i = [n for n, x in enumerate(lines) if x.startswith(b"#SRECV:")][0]
            got += bytes.fromhex(lines[i + 1].decode())          # hex: recvDataMode 1
        return got

    a = fetch("/a.bin")
    assert a.startswith(b"HTTP/1.0 200 OK\r\n") and a.endswith(b"\r\n\r\n" + bytes(range(256)) * 4)
    assert b"Content-Length: 1024\r\n" in a
    b = fetch("/b.bin")
    assert b.endswith(b"\r\n\r\n" + b"y" * 10) and b"Content-Length: 100\r\n" in b
    assert fetch("/none").startswith(b"HTTP/1.0 404 ")
    assert web.requests == ["/a.bin", "/b.bin", "/none"]
