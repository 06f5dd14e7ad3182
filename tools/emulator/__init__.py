"""Emulator of the Telit GC864-PY module: see README.md, section "Emulator"."""
from __future__ import annotations

from . import commands_basic  # noqa: F401  (registers the basic command table)
from . import commands_script  # noqa: F401  (#ESCRIPT #STARTMODESCR #EXECSCR #REBOOT #ENHRST)
from . import sms  # noqa: F401  (SMS store and +CM* commands; attaches module.sms)
from . import net  # noqa: F401  (GPRS contexts, sockets, firewall, sim/real TCP; attaches module.net)
from . import csd  # noqa: F401  (CSD data calls: RING, ATA, ATH; attaches module.csd)
from . import atserial  # noqa: F401  (ASC0 as AT instance 3, #STARTMODESCR=1 window; module.serial_at)
from . import scriptcmds_io  # noqa: F401  (#WSCRIPT #RSCRIPT #LSCRIPT #LCSCRIPT #DSCRIPT)
from . import variants
from .kernel import EmulatorError
from .module import Module, Radio
from .serial_line import Dte


__all__ = ["Module", "Radio", "Dte", "EmulatorError", "variants"]
