"""The single-socket commands of older scripts (ATR10 §3.5.7.6, "Enhanced IP Easy Extension"):
``#SKTL`` (p.473) listens through ``#SL``/``#SLUDP``; ``#SKTD`` (p.470) and ``#SKTOP`` (p.458) dial the socket ``#SKTSET`` describes (a catalogue row,
tools/emulator/catalog_data.py) on connId 1, through the multisocket ``#SD`` of
net/commands.py (the firmware's own sockets: #SD and #SKTD share connId 1 and its #SCFG).

* ``AT#SKTD[=<socket type>,<remote port>,<remote addr>[,<closure type>[,<local port>]]]``: the
  context must be up (``AT#GPRS=1``); omitted parameters come from ``#SKTSET``. CONNECT on
  success; a failed connection (refused, no answer, unknown host) gives ``NO CARRIER``, as
  ATR10 says for #SKTOP ("otherwise a NO CARRIER indication is sent"). Read:
  ``#SKTD: <socket type>,<remote port>,"<remote addr>",<closure type>,<local port>``.
* ``AT#SKTOP``: activates context 1 with ``#USERID``/``#PASSW`` when it is not up, then dials
  ``#SKTSET``'s host; NO CARRIER when either step fails.
* The escape, resume (``#SO=1``), ``#SH=1`` and a remote close behave as for ``#SD`` (what the
  legacy firmware did on ``+++`` is not stated for SELINT 2: the emulator suspends).
"""
from __future__ import annotations

from typing import Any

from ..at import COMMANDS, ArgError, Cmd, CmeError, Ctx, Reply, command, error, ok
from .context1 import with_context_1

CONN_ID = 1


class _NoCarrierCtx(Ctx):
    """The #SD context of a legacy dial: a failure ends in NO CARRIER instead of +CME ERROR."""

    def done(self, result: Any) -> None:
        if isinstance(result, CmeError):
            result = Reply([], "NO CARRIER", 0)
        super().done(result)


def _sktset(ctx: Ctx) -> list[Any]:
    from ..commands_catalog import ENTRIES

    return ctx.module.catalog.value(ENTRIES["#SKTSET"], ctx.inst)  # type: ignore[attr-defined]


def _dial(ctx: Ctx, values: list[Any]) -> Any:
    stype, rport, addr, closure, lport = values
    if not addr or not rport:
        return Reply([], "NO CARRIER")
    raw = '%d,%d,%d,"%s",%d,%d,0' % (CONN_ID, stype, rport, addr, closure if stype == 0 else 0,
                                      lport if stype == 1 else 0)
    sub = _NoCarrierCtx(ctx.inst, Cmd("#SD", "set", raw))
    result = COMMANDS["#SD"](sub)
    if isinstance(result, CmeError):
        return Reply([], "NO CARRIER")
    return result


@command("#SKTD")
def sktd(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok('#SKTD: (0,1),(1-65535),,(0,255),(1-65535)')
    values = _sktset(ctx)
    if ctx.kind == "read":
        last = ctx.module.catalog.ram.get("#SKTD.last", values)  # type: ignore[attr-defined]
        return ok('#SKTD: %d,%d,"%s",%d,%d' % tuple(last))
    if ctx.kind == "set":
        if len(ctx.args) > 5:
            raise ArgError("#SKTD")
        values = [ctx.int_arg(0, 0, 1, values[0]), ctx.int_arg(1, 1, 65535, values[1]),
                  ctx.args[2] if len(ctx.args) > 2 and ctx.args[2] != "" else values[2],
                  ctx.int_arg(3, 0, 255, values[3]), ctx.int_arg(4, 0, 65535, values[4])]
        if values[3] not in (0, 255):
            raise ArgError("#SKTD")
    ctx.module.catalog.ram["#SKTD.last"] = list(values)  # type: ignore[attr-defined]
    return _dial(ctx, values)


@command("#SKTOP")
def sktop(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    values = _sktset(ctx)
    return with_context_1(ctx, lambda activated: _dial(ctx, values), lambda: Reply([], "NO CARRIER"))


@command("#SKTL")
def sktl(ctx: Ctx) -> Any:
    # ATR10 pp.473-474: AT#SKTL=<mode>,<socket type>,<input port>[,<closure type>]; a
    # connection request the firewall admits gives "+CONN FROM: <remote addr>", then CONNECT
    # and online mode; the listen ends with that connection ("On connection close ... no listen
    # is anymore active"). Read "#SKTL: <status>,<socket type>,<input port>,<closure type>".
    # On connId 1, through #SL / #SLUDP.
    net = ctx.module.net
    sock = net.sockets[CONN_ID]
    cat = ctx.module.catalog  # type: ignore[attr-defined]
    last = cat.ram.get("#SKTL.last", [0, 0, 0])
    if ctx.kind == "test":
        return ok("#SKTL: (0,1),(0,1),(1-65535),(0,255)")
    if ctx.kind == "read":
        status = 1 if sock.legacy_listen and sock.state in ("listening", "incoming") else 0
        return ok("#SKTL: %d,%d,%d,%d" % tuple([status] + last))
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 4:
        raise ArgError("#SKTL")
    mode = ctx.int_arg(0, 0, 1)
    stype = ctx.int_arg(1, 0, 1, 0)
    if mode == 0:
        if sock.legacy_listen and sock.state in ("listening", "incoming"):
            sock.close_local("listen off")
        return ok()
    port = ctx.int_arg(2, 1, 65535)
    closure = ctx.int_arg(3, 0, 255, 0)
    if closure not in (0, 255):
        raise ArgError("#SKTL")
    raw = "%d,1,%d" % (CONN_ID, port) + (",%d" % closure if stype == 0 else "")
    name = "#SL" if stype == 0 else "#SLUDP"
    result = COMMANDS[name](Ctx(ctx.inst, Cmd(name, "set", raw)))
    if isinstance(result, Reply) and result.final == "OK":
        sock.legacy_listen = True
        cat.ram["#SKTL.last"] = [stype, port, closure]
    return result
