"""Script file commands: #WSCRIPT, #RSCRIPT, #LSCRIPT, #LCSCRIPT, #DSCRIPT (REFERENCE §4.2, §4.4).

Formats from ATR10 §3.5.7.11 (SELINT 2):

* ``AT#WSCRIPT="<name>",<size>[,<hidden>]`` answers the prompt ``<CR><LF>>>>`` (IRA 13, 10,
  62, 62, 62), then takes exactly ``<size>`` raw bytes and answers ``OK`` ("The operations
  completes when all the bytes are received"). ``hidden=1``: "#RSCRIPT command will report
  empty file". The test command returns OK.
* ``AT#RSCRIPT="<name>"``: the prompt ``<CR><LF><<<`` (IRA 13, 10, 60, 60, 60) followed by the
  file content, then OK; an absent file is an error.
* ``AT#LSCRIPT``: ``#LSCRIPT: "<name>",<size>`` per file and ``#LSCRIPT: free bytes: <n>``.
* ``AT#LCSCRIPT[="<name>"]``: the same with ``,<crc>`` (CRC16-CCITT, poly 0x1021, initial
  value 0xFFFF, in hex as in the manual's example ``8FD6``); the CRC is left out for a file in
  use ("always true if command is executed by a Python script because at least the file
  pointed by #ESCRIPT is in use"); an absent file named in the set form is an error.
* ``AT#DSCRIPT="<name>"`` deletes; an absent file is an error.

Emulator choices where the manuals say only "an error code is reported" (n/d): the error is
plain ``ERROR`` whatever +CMEE says. A ``.pyo`` whose first four bytes are not the CPython
1.5.2 magic ``99 4E 0D 0A`` is refused after the upload (REFERENCE §4.1, §4.4 emulator note)
and nothing is stored. A size of 0 or one that cannot fit in the flash is refused before the
prompt. Writing over an existing file replaces it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .at import ArgError, Ctx, Prompt, Reply, command, error, ok
from .flash import CAPACITY, MAX_FILES, FlashError, valid_name

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

from tools.crc16 import crc16_ccitt  # noqa: E402  (re-exported: tests import it from here)
from tools.pyo15.pyo import MAGIC as PYO_MAGIC  # noqa: E402  CPython 1.5.2 magic 20121 (REFERENCE §4.1)
WSCRIPT_PROMPT = b"\r\n>>>"
RSCRIPT_PROMPT = b"\r\n<<<"


def files_in_use(m: "Module") -> set[str]:
    """Flash files in use: the running script's main file, the modules it imported, and every
    file it has open."""
    used = {f.name for f in m.flash.open_files}
    if m.script_state == "running":
        run = getattr(m, "script_run", None)
        main = getattr(run, "main", None) or m.nvm.get("escript", "")
        if main:
            used.add(main)
        for name in getattr(run, "code_files", ()):
            used.add(name)
            if name.endswith(".py"):
                used.add(name + "o")  # a .pyo on the flash runs from its .py source
        used.update(getattr(run, "flash_modules", ()))
    return used


def _name(ctx: Ctx) -> str:
    name = ctx.arg(0)
    if not valid_name(name):
        raise ArgError(ctx.name)
    return name


@command("#WSCRIPT")
def wscript(ctx: Ctx) -> Reply | Prompt:
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    name = _name(ctx)
    size = ctx.int_arg(1, 1, CAPACITY)
    hidden = ctx.int_arg(2, 0, 1, 0)
    flash = ctx.module.flash
    old = len(flash.read(name)) if flash.exists(name) else 0
    if flash.used() - old + size > CAPACITY or (not flash.exists(name) and len(flash.names()) >= MAX_FILES):
        return error()

    def stored(data: bytes) -> Reply:
        if name.endswith(".pyo") and data[:4] != PYO_MAGIC:
            return error()
        try:
            flash.write(name, data)
        except FlashError:
            return error()
        if hidden:
            flash.hidden.add(name)
        else:
            flash.hidden.discard(name)
        return ok()

    return Prompt(WSCRIPT_PROMPT, stored, count=size)


@command("#RSCRIPT")
def rscript(ctx: Ctx) -> Reply:
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    name = _name(ctx)
    flash = ctx.module.flash
    if not flash.exists(name):
        return error()
    content = b"" if name in flash.hidden else flash.read(name)
    return Reply([], "OK", raw=RSCRIPT_PROMPT + content)


def _listing(m: "Module", tag: str, names: list[str], with_crc: bool) -> list[str]:
    flash = m.flash
    used = files_in_use(m) if with_crc else set()
    lines = []
    for name in names:
        data = flash.read(name)
        line = '%s: "%s",%d' % (tag, name, len(data))
        if with_crc and name not in used:
            line += ",%04X" % crc16_ccitt(data)
        lines.append(line)
    return lines


@command("#LSCRIPT")
def lscript(ctx: Ctx) -> Reply:
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "set":
        return error()
    m = ctx.module
    lines = _listing(m, "#LSCRIPT", m.flash.names(), False)
    lines.append("#LSCRIPT: free bytes: %d" % m.flash.free())
    return ok(*lines)


@command("#LCSCRIPT")
def lcscript(ctx: Ctx) -> Reply:
    if ctx.kind == "test":
        return ok()
    m = ctx.module
    if ctx.kind == "set":
        name = _name(ctx)
        if not m.flash.exists(name):
            return error()
        return ok(*_listing(m, "#LCSCRIPT", [name], True))
    lines = _listing(m, "#LCSCRIPT", m.flash.names(), True)
    lines.append("#LCSCRIPT: free bytes: %d" % m.flash.free())
    return ok(*lines)


@command("#DSCRIPT")
def dscript(ctx: Ctx) -> Reply:
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    name = _name(ctx)
    try:
        ctx.module.flash.delete(name)
    except FlashError:
        return error()
    return ok()
