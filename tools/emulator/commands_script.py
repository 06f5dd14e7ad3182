"""Script selection and start, reboot: #ESCRIPT, #STARTMODESCR, #EXECSCR, #REBOOT, #ENHRST.

Sources: ATR10 §3.5.7.11.2-3.5.7.11.4 and §3.5.7.11.8 (Easy Script extension), §3.5.7.1.17
(#ENHRST); REFERENCE §4.3-4.4. The SELINT 2 forms are emulated (REFERENCE §5.1). The
"AT on ASC0 within the window cancels the start" behaviour of #STARTMODESCR=1 lives in
atserial.py; the file commands (#WSCRIPT #RSCRIPT #LSCRIPT #LCSCRIPT #DSCRIPT) in scriptcmds_io.py.

Settings stored in ``module.nvm`` (they survive reboots): ``escript`` (the current script's
name), ``startmode`` and ``startmode_to`` (#STARTMODESCR), ``enhrst`` = (mod, delay) for a
periodic #ENHRST (mod 2 only: ATR10 "the settings are saved automatically in NVM only if old or
new mod is 2").
"""
from __future__ import annotations

from .at import Ctx, Reply, command, error, ok
from .flash import MAX_NAME

# ATR10 #ENHRST gives no range for <delay> (minutes); the emulator accepts a day at most [L].
ENHRST_MAX_DELAY = 1440


@command("#ESCRIPT")
def escript(ctx: Ctx) -> Reply:
    """ATR10 §3.5.7.11.2 (SELINT 2): ``AT#ESCRIPT=[<script_name>]`` selects the current script,
    "the command does not check whether a textual script named <script_name> does exist";
    ``AT#ESCRIPT?`` "reports as a quoted string the file name of the current script" (the
    emulator prints it after the usual ``#ESCRIPT: `` prefix [L]); ``=?`` gives OK."""
    m = ctx.module
    if ctx.kind == "read":
        return ok('#ESCRIPT: "%s"' % m.nvm.get("escript", ""))
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "set":
        name = ctx.args[0] if ctx.args else ""
        if len(ctx.args) > 1 or len(name) > MAX_NAME:
            return error()  # "max 16 chars"
        m.nvm["escript"] = name
        return ok()
    return error()  # SELINT 2 has no execution form


@command("#STARTMODESCR")
def startmodescr(ctx: Ctx) -> Reply:
    """ATR10 §3.5.7.11.3 (SELINT 2): ``AT#STARTMODESCR=<script_start_mode>[,<script_start_to>]``,
    mode 0-2, time-out 10-60 s (default 10); the read form reports mode and time-out (ATR10
    prints the format as "#STARTMODESCR= <mode>,<to>", taken here as the usual "#STARTMODESCR:
    <mode>,<to>" [L]); the test form "#STARTMODESCR: (0-2),(10-60)"."""
    m = ctx.module
    if ctx.kind == "read":
        return ok("#STARTMODESCR: %d,%d" % (m.nvm.get("startmode", 0), m.nvm.get("startmode_to", 10)))
    if ctx.kind == "test":
        return ok("#STARTMODESCR: (0-2),(10-60)")
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 2:
        return error()
    mode = ctx.int_arg(0, 0, 2)
    to = ctx.int_arg(1, 10, 60, m.nvm.get("startmode_to", 10))
    m.nvm["startmode"] = mode
    m.nvm["startmode_to"] = to
    return ok()


@command("#EXECSCR")
def execscr(ctx: Ctx) -> Reply:
    """ATR10 §3.5.7.11.4 (SELINT 2): ``AT#EXECSCR`` "causes the current script (see #ESCRIPT)
    execution not at startup"; ``=?`` gives OK. The script starts once the OK is out. n/d and
    the emulator's choices [L]: with a script already running (one interpreter) the answer is
    ERROR; with no such file on the flash the answer is OK and nothing runs (as at start-up:
    "If the file <script_name> is not present at startup then the compiler will not
    execute")."""
    m = ctx.module
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    if m.script_state == "running":
        return error()
    name = m.nvm.get("escript", "")

    def start() -> None:
        if m.power and m.script_state != "running" and name and m.flash.exists(name):
            m.start_script(name)
            m.kernel.notify()

    ctx.inst.after_final.append(start)
    return ok()


def _reboot_after_ok(ctx: Ctx, reason: str) -> None:
    m = ctx.module
    ctx.inst.after_final.append(lambda: m.reboot(reason))


@command("#REBOOT")
def reboot(ctx: Ctx) -> Reply:
    """ATR10 §3.5.7.11.8 (SELINT 2): ``AT#REBOOT`` "reboots immediately the unit" (its example
    shows OK first: "AT#REBOOT / OK / … Module Reboots …"); obsolete, see #ENHRST. ``=?``: OK.
    The read form exists only under SELINT 0/1: ERROR here."""
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    _reboot_after_ok(ctx, "#REBOOT")
    return ok()


@command("#ENHRST")
def enhrst(ctx: Ctx) -> Reply:
    """ATR10 §3.5.7.1.17 (SELINT 2): ``AT#ENHRST=<mod>[,<delay>]``: 0 disables the reset
    (factory), 1 resets once after <delay> minutes, 2 resets every <delay> minutes (stored in
    NVM, so it goes on after every power-on); "AT#ENHRST=1,0 causes the immediate module
    reboot" (the emulator answers OK first, like #REBOOT [L]). Read: "#ENHRST: <mod>[,<delay>,
    <remainTime>]" (remainTime in minutes, rounded up [L]); test: the ranges."""
    m = ctx.module
    if ctx.kind == "test":
        return ok("#ENHRST: (0-2),(0-%d)" % ENHRST_MAX_DELAY)
    if ctx.kind == "read":
        mode, delay = m.enhrst_setting
        if mode == 0 or m.enhrst_due is None:
            return ok("#ENHRST: %d" % mode)
        remain = max(0, -(-(m.enhrst_due - m.kernel.now()) // 60000))
        return ok("#ENHRST: %d,%d,%d" % (mode, delay, remain))
    if ctx.kind != "set" or len(ctx.args) > 2:
        return error()
    mode = ctx.int_arg(0, 0, 2)
    delay = ctx.int_arg(1, 0, ENHRST_MAX_DELAY, 0)
    old_mode = m.enhrst_setting[0]
    if mode == 0:
        m.cancel_enhrst()
    elif mode == 1 and delay == 0:
        _reboot_after_ok(ctx, "#ENHRST")
    elif delay == 0:
        return error()  # a periodic reset every 0 minutes makes no sense [L]
    else:
        m.schedule_enhrst(delay)
    if mode == 2 or old_mode == 2:
        m.nvm["enhrst"] = (mode, delay)  # "saved automatically in NVM only if old or new mod is 2"
    m.enhrst_setting = (mode, delay) if not (mode == 1 and delay == 0) else (0, 0)
    return ok()
