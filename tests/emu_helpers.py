"""Reusable helpers for the emulator tests (tests/test_emu_*.py).

Several engineers add to this file: keep additions additive (new functions, no changed
signatures).

``at(m, 'AT+CMGL="ALL"', inst=2)`` feeds one command line to an AT instance directly (as
``MDM.send`` would) and runs the module's virtual clock until a final result code, a prompt, or
the timeout; it returns every byte the instance produced meanwhile.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from tools.emulator import Module

# Final (or terminating intermediate) result codes in verbose form, framed \r\n<code>\r\n.
_FINAL = re.compile(
    rb"\r\n(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|CONNECT[^\r]*|\+CME ERROR: [^\r]*|"
    rb"\+CMS ERROR: [^\r]*)\r\n$"
)
PROMPTS = (b"\r\n> ", b"\r\n>>>", b"\r\n<<<")


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
