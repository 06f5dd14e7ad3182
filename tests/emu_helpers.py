"""Reusable helpers for the emulator tests (tests/test_emu_*.py).

Several engineers add to this file: keep additions additive (new functions, no changed
signatures).

``at(m, 'AT+CMGL="ALL"', inst=2)`` feeds one command line to an AT instance directly (as
``MDM.send`` would) and runs the module's virtual clock until a final result code, a prompt, or
the timeout; it returns every byte the instance produced meanwhile.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from tools.emulator import Module

# Final (or terminating intermediate) result codes in verbose form, framed \r\n<code>\r\n.
_FINAL = re.compile(
    rb"\r\n(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|CONNECT[^\r]*|\+CME ERROR: [^\r]*|"
    rb"\+CMS ERROR: [^\r]*)\r\n$"
)
PROMPTS = (b"\r\n> ", b"\r\n>>>", b"\r\n<<<")
OK = b"\r\nOK\r\n"
ERR = b"\r\nERROR\r\n"


def is_complete(data: bytes) -> bool:
    """True when ``data`` ends in a final result code or a text-entry prompt."""
    return bool(_FINAL.search(data)) or data.endswith(PROMPTS)


def feed(m: "Module", data: bytes | str, inst: int = 1) -> int:
    """Write raw bytes to an AT instance (like MDM.send), with the kernel lock held."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    with m.kernel.lock:
        return m.instances[inst].feed(data)


def take(m: "Module", inst: int = 1) -> bytes:
    """Everything the instance has produced so far (like MDM.read)."""
    with m.kernel.lock:
        return m.instances[inst].out.take()


def at(m: "Module", line: str, inst: int = 1, timeout: float = 5.0) -> bytes:
    """Send ``line`` + CR to instance ``inst`` and run the clock until the answer is complete
    (final result code or prompt) or ``timeout`` seconds of module time pass. Returns the bytes
    produced, including any URC that came out meanwhile."""
    got = bytearray(take(m, inst))  # anything already waiting is part of the answer
    feed(m, line + "\r", inst)

    def done() -> bool:
        got.extend(m.instances[inst].out.take())
        return is_complete(bytes(got))

    m.run_until(done, timeout, step=0.01)
    got.extend(take(m, inst))
    return bytes(got)


def run_collect(m: "Module", seconds: float, inst: int = 1) -> bytes:
    """Run the clock for ``seconds`` and return what the instance produced meanwhile."""
    m.run(seconds)
    return take(m, inst)


def fast_network(m: "Module") -> None:
    """The GPRS tests' common start on a powered-on module: a fast simulated network (50 ms
    latency, 100 ms context activation) and context 1 defined (APN "internet"), not active."""
    m.net.latency_ms = 50
    m.net.activation_ms = 100
    assert at(m, 'AT+CGDCONT=1,"IP","internet"') == b"\r\nOK\r\n"


def info(*lines: str) -> bytes:
    """The answer of information ``lines`` then OK, as the AT engine frames them (verbose)."""
    return b"\r\n" + "\r\n".join(lines).encode("latin-1") + b"\r\n" + OK


def reboot(m: "Module") -> None:
    """Reboot and run half a second, enough for the AT instances to answer again."""
    m.reboot()
    m.run(0.5)


def power_cycle(m: "Module") -> None:
    """Cut the power for 100 ms, then run half a second (the module is up again)."""
    m.power_cut(restore_after_ms=100)
    m.run(0.5)


def powered(tmp_path: Path) -> "Module":
    """A powered-on module whose SIM is ready at once (SIM readiness, #QSS and +CMS ERROR 314,
    is tested in test_emu_sms.py). The caller closes it."""
    from tools.emulator import Module

    mod = Module(tmp_path)
    mod.radio.sim_ready_ms = 0
    mod.power_on()
    return mod


def real_loopback(tmp_path: Path, listen_port: int) -> "Module":
    """A powered-on module on the real clock whose sockets are real ones on loopback (the
    emulated ``listen_port`` on a free host port), context 1 active, socket 1 configured with
    a 100 ms txTo (#SCFG). The caller closes it."""
    from tools.emulator import Module

    mod = Module(tmp_path, virtual=False)
    mod.power_on()
    mod.net.latency_ms = 0
    mod.net.activation_ms = 50
    mod.net.enable_real(listen_map={listen_port: 0})
    assert at(mod, 'AT+CGDCONT=1,"IP","internet"') == OK
    assert at(mod, "AT#SGACT=1,1", timeout=3).endswith(OK)
    assert at(mod, "AT#SCFG=1,1,300,90,600,1") == OK  # txTo 100 ms
    return mod


# The legacy scripts' usual start: cmd() sends one AT command with MDM.send and collects the
# answer with MDM.receive until OK or ERROR or ``t`` seconds of MOD.secCounter() pass.
CMD_HELPER = b"""import MDM
import MOD

def cmd(c, t):
    MDM.send(c + '\\r', 0)
    r = ''
    end = MOD.secCounter() + t
    while r.find('OK\\r\\n') == -1 and r.find('ERROR') == -1 and MOD.secCounter() < end:
        r = r + MDM.receive(5)
    return r

"""


def assert_in_dialect(source: bytes | str) -> None:
    """``source``, as a start-up script main.py, breaks no rule of ../shared/dialect.md."""
    from tools.dialect import check_source

    text = source if isinstance(source, str) else source.decode("latin-1")
    found = check_source(text, "main.py")
    assert found == [], "\n".join(map(str, found))


@contextmanager
def script_running(tmp_path: Path, source: bytes | str, *, interpreter: Path | None = None,
                   setup: Callable[["Module"], None] | None = None,
                   sim_ready_now: bool = True) -> Iterator["Module"]:
    """A module with ``source`` as its start-up script (main.py named by #ESCRIPT), powered on,
    closed on leaving. ``interpreter``: run the script in a child of that Python (the real
    1.5.2+ from the ``py152`` fixture; tools/emulator/remote.py). ``setup`` sees the module
    before power-on. ``sim_ready_now``: the SIM is ready at once (many legacy scripts do not
    wait for #QSS)."""
    from tools.emulator import Module

    m = Module(tmp_path)
    try:
        if sim_ready_now:
            m.radio.sim_ready_ms = 0
        if interpreter is not None:
            from tools.emulator.remote import use_interpreter

            use_interpreter(m, str(interpreter))
        if setup is not None:
            setup(m)
        m.flash.write("main.py", source)
        m.nvm["escript"] = "main.py"
        m.power_on()
        yield m
    finally:
        m.close()
