"""Context 1 for the commands that activate it themselves when it is not active: #SKTOP
(ATR10 pp.457-472, "Easy GPRS") and #SEMAIL (ATR10 §3.5.7.8), both with #USERID/#PASSW."""
from __future__ import annotations

from typing import Any, Callable

from ..at import PENDING, Ctx


def with_context_1(ctx: Ctx, then: Callable[[bool], Any], refused: Callable[[], Any]) -> Any:
    """``then(False)`` when context 1 is active; ``refused()`` when it is being activated or no
    socket uses it (#SCFG); else PENDING while it is activated, then ``then(True)`` (its answer
    ends the command unless PENDING) or, when the activation fails, ``refused()`` at once
    (delay 0)."""
    net = ctx.module.net
    c = net.context(1)
    if c.active:
        return then(False)
    if c.state == "activating" or not net.cid_has_socket(1):
        return refused()

    def activated(code: int | None, ip: str) -> None:
        if code is not None:
            answer = refused()
            answer.delay = 0
            ctx.done(answer)
            return
        result = then(True)
        if result is not PENDING:
            ctx.done(result)

    net.start_activation(1, ctx.inst, "gprs", net.userid, net.passw, activated)
    return PENDING
