"""E-mail sending (ATR10 §3.5.7.7, pp.485-498) to simulated SMTP servers.

    smtp = m.net.mail.server("203.0.113.25", users={"me": "pw"})   # port 25
    smtp.outbox      # [(from, to, subject, body)] of the messages the module sent

The server is the host named by ``#ESMTP`` (an address or a name in ``m.net.dns``); ``#EUSER``/
``#EPASSW`` (catalogue rows, kept by ``#ESAV``) must match one of its users when it has any.

* ``AT#EMAILACT=<mode>`` activates (1) / deactivates (0) PDP context 1 with ``#USERID``/
  ``#PASSW``; read ``#EMAILACT: <status>``.
* ``AT#EMAILD=<da>,<subj>``: the context must be up (``#SGACT``, ``#GPRS`` or ``#EMAILACT``);
  ``AT#SEMAIL=<da>,<subj>`` activates it when it is not and deactivates it afterwards. Both
  prompt ``> `` (ATR10: "the prompt '>'"; the framing is n/d), take the body up to Ctrl-Z (ESC
  cancels: OK, nothing sent; at most 1024 bytes on 7.03.02, "the surplus is discarded"), send it
  and answer OK; strings longer than 100 characters are truncated (as documented).
* Failures use the codes ATR10 §3.2.2.1 lists for these services: ``603`` can not resolve name,
  ``605`` can not connect (no server), ``606`` bad response (authentication refused), ``609``
  context down (``#EMAILD`` without a context), ``602`` can not activate.
* ``#EMAILMSG`` answers ``#EMAILMSG: <last SMTP reply>``.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from ..at import ArgError, CmeError, Ctx, PENDING, Prompt, Reply, command, error, ok
from .context1 import with_context_1

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

BODY_MAX = 1024  # ATR10 #EMAILD: "1024 bytes for versions till 7.03.02/7.02.07"
FIELD_MAX = 100  # <da>, <subj>: "maximum length 100 characters" (longer ones are truncated)


class SimSmtpServer:
    def __init__(self, ip: str, port: int, users: dict[str, str]) -> None:
        self.ip = ip
        self.port = port
        self.users = dict(users)
        self.outbox: list[tuple[str, str, str, str]] = []


class MailWorld:
    def __init__(self, net: "Network") -> None:
        self.net = net
        self.servers: dict[tuple[str, int], SimSmtpServer] = {}
        self.last = ""

    def server(self, ip: str, port: int = 25, users: dict[str, str] | None = None) -> SimSmtpServer:
        with self.net.kernel.lock:
            srv = SimSmtpServer(ip, int(port), users or {})
            self.servers[(ip, int(port))] = srv
            return srv


def _setting(ctx: Ctx, name: str) -> str:
    from ..commands_catalog import ENTRIES

    return str(ctx.module.catalog.value(ENTRIES[name], ctx.inst)[0])  # type: ignore[attr-defined]


def _deliver(ctx: Ctx, da: str, subj: str, body: bytes) -> Any:
    """Send through the #ESMTP server: None when sent, else the +CME ERROR code."""
    net = ctx.module.net
    mail: MailWorld = net.mail
    host = _setting(ctx, "#ESMTP")
    name, _, port_text = host.partition(":")
    ip = net.resolve(name) if name else None
    if ip is None:
        mail.last = ""
        return 603
    srv = mail.servers.get((ip, int(port_text or "25")))
    if srv is None:
        mail.last = ""
        return 605
    user, pwd = _setting(ctx, "#EUSER"), _setting(ctx, "#EPASSW")
    if srv.users and srv.users.get(user) != pwd:
        mail.last = "535 Authentication failed"
        return 606
    srv.outbox.append((_setting(ctx, "#EADDR"), da, subj, body.decode("latin-1")))
    mail.last = "250 OK: queued"
    return None


def _send_command(name: str) -> Callable[[Callable[[Ctx, str, str], Any]], Any]:
    """Register a command AT<name>=<da>,<subj> (#EMAILD, #SEMAIL): the test form answers OK,
    a form other than set ERROR; the handler gets both fields, each cut to FIELD_MAX."""
    def reg(fn: Callable[[Ctx, str, str], Any]) -> Any:
        @command(name)
        @functools.wraps(fn)
        def handler(ctx: Ctx) -> Any:
            if ctx.kind == "test":
                return ok()
            if ctx.kind != "set":
                return error()
            if len(ctx.args) != 2 or not all(ctx.quoted[:2]):
                raise ArgError(ctx.name)
            return fn(ctx, ctx.args[0][:FIELD_MAX], ctx.args[1][:FIELD_MAX])

        return handler

    return reg


def _compose(ctx: Ctx, da: str, subj: str, after: Any) -> Prompt:
    rtt = 2 * ctx.module.net.latency_ms

    def on_input(body: bytes) -> Any:
        code = _deliver(ctx, da, subj, body[:BODY_MAX])
        after()
        if code is not None:
            return CmeError(code, delay=rtt)
        return Reply([], "OK", 4 * rtt)

    def on_abort() -> Any:
        after()
        return Reply([], "OK")

    return Prompt(b"> ", on_input, on_abort=on_abort, max_len=BODY_MAX)


@_send_command("#EMAILD")
def emaild(ctx: Ctx, da: str, subj: str) -> Any:
    net = ctx.module.net
    if not any(c.active for c in net.contexts.values()):
        return CmeError(609)
    return _compose(ctx, da, subj, lambda: None)


@_send_command("#SEMAIL")
def semail(ctx: Ctx, da: str, subj: str) -> Any:
    net = ctx.module.net

    def drop() -> None:
        net.deactivate(1, "email sent")  # "The GPRS context is deactivated when the e-mail is sent"

    def compose(activated: bool) -> Any:
        if not activated:
            return _compose(ctx, da, subj, lambda: None)
        prompt = _compose(ctx, da, subj, drop)
        prompt.delay = 0
        return prompt

    return with_context_1(ctx, compose, lambda: CmeError(602))


@command("#EMAILACT")
def emailact(ctx: Ctx) -> Any:
    net = ctx.module.net
    if ctx.kind == "test":
        return ok("#EMAILACT: (0,1)")
    c = net.context(1)
    if ctx.kind in ("read", "exec"):
        return ok("#EMAILACT: %d" % (1 if c.active else 0))
    if len(ctx.args) != 1:
        raise ArgError(ctx.name)
    mode = ctx.int_arg(0, 0, 1)
    if not net.cid_has_socket(1):
        return error()  # "Trying to issue a #EMAILACT action when no socket identifier is
        # associated with PDP context #1 raises an error"
    if mode == 0:
        if c.active:
            net.deactivate(1)
        return ok(delay=net.deactivation_ms)
    if c.active:
        return ok()

    def activated(code: int | None, ip: str) -> None:
        ctx.done(CmeError(code, delay=0) if code is not None else Reply([], "OK", 0))

    net.start_activation(1, ctx.inst, "gprs", net.userid, net.passw, activated)
    return PENDING


@command("#EMAILMSG")
def emailmsg(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    return ok("#EMAILMSG: %s" % ctx.module.net.mail.last)
