"""The module's network: GPRS contexts, sockets, firewall, simulated and real TCP peers.

Importing this package registers ``Network`` as a part-2 extension: every ``Module`` gets
``module.net`` (see docs/emulator-network.md), and the AT commands register in the command table.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..module import EXTENSION_FACTORIES
from . import commands  # noqa: F401  (registers #SGACT #SD #SS #FRWL ...)
from . import legacy  # noqa: F401  (#SKTD #SKTOP #SKTL on connId 1)
from . import ftp  # noqa: F401  (#FTPOPEN #FTPGET #FTPPUT ... to simulated servers)
from . import mail  # noqa: F401  (#SEMAIL #EMAILD #EMAILACT #EMAILMSG to simulated SMTP)
from .firewall import Firewall
from .network import Network
from .sim import SimConn, SimServer, SimTransport

if TYPE_CHECKING:  # pragma: no cover
    from ..module import Module


def attach(module: "Module") -> Network:
    net = Network(module)
    module.net = net  # type: ignore[attr-defined]
    module.extensions.append(net)
    return net


if attach not in EXTENSION_FACTORIES:
    EXTENSION_FACTORIES.append(attach)

__all__ = ["Network", "Firewall", "SimConn", "SimServer", "SimTransport", "attach"]
