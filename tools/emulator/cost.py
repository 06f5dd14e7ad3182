"""The emulator's CPU cost model, in one place, and the meter that counts what a script spends.

The module runs the script in a task of the lowest priority, paused 50 ms every second
(REFERENCE §10.2, ES13 §2.4). Nobody publishes how fast Telit's Python 1.5.2+ executes on a
GC864-PY (REFERENCE §12.16 lists timing as a question for a real unit), so the emulator charges
two named constants of module time, and every benchmark prints the values it ran with:

``LINE_COST_US = 50`` -- per executed line of script code. CPython 1.5.2 runs a dialect line in
  about 3-10 bytecodes (a name load, an attribute, a call, a store ...); a 50 µs line means
  100-300 k bytecodes a second, what 1.5.2 managed on a 1990s desktop CPU of a few tens of MHz,
  the class of the module's baseband processor, which the script also shares with the GSM
  stack. It is chosen so a loop that never blocks uses module time (``while 1: pass`` lets the
  watchdog fire) and a loop turn of a few dozen lines costs about a millisecond. A guess, not a
  measurement.
``CALL_COST_MS = 1`` -- per call of a built-in (MDM, MDM2, SER, SER2, MOD, GPIO, open ...). A
  built-in crosses from the Python task into the firmware (the AT parser's buffers, the serial
  driver, the flash) and, at the lowest priority, gives the other tasks a chance to run: 20x a
  line, a scheduler-tick order of magnitude. Also a guess.

Ratios between two scripts run under the same model (the benchmarks' "ours/baseline") depend
on the constants much less than the absolute figures do; ``module.call_cost_ms`` and
``module.line_cost_us`` can be changed per module (the benchmarks take ``--call-cost-ms`` and
``--line-cost-us``) to see how a figure moves with them.

The ``Meter`` (``module.meter``) counts, over the module's whole life (reboots included):
built-in calls by name (``"MDM.send"``), executed script lines, and the module CPU time charged
for each. A benchmark takes ``meter.snapshot()`` before and after and subtracts.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

LINE_COST_US = 50  # module CPU time per executed line of script code (see above)
CALL_COST_MS = 1  # module CPU time per built-in call (see above)


@dataclass(frozen=True)
class MeterReading:
    """What a Meter had counted at one moment; ``b - a`` is what happened in between."""

    calls: Counter[str] = field(default_factory=Counter)
    lines: int = 0
    call_ms: int = 0
    line_us: int = 0

    @property
    def n_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def cpu_ms(self) -> float:
        """Module CPU time charged: built-in calls plus script lines, in ms."""
        return self.call_ms + self.line_us / 1000.0

    def __sub__(self, other: "MeterReading") -> "MeterReading":
        calls = Counter(self.calls)
        calls.subtract(other.calls)
        return MeterReading(+calls, self.lines - other.lines, self.call_ms - other.call_ms,
                            self.line_us - other.line_us)


class Meter:
    """Counters of the script's CPU use; see the module docstring."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()  # built-in calls by "MODULE.function"
        self.lines = 0  # executed lines of script code
        self.call_ms = 0  # module CPU time charged for built-in calls
        self.line_us = 0  # module CPU time charged for script lines
        # calls of script functions by "module.function" (no cost: the call's lines are
        # what is charged); e.g. "gwloop.turn" counts the gateway's loop turns
        self.entered: Counter[str] = Counter()

    def call(self, name: str) -> None:
        self.calls[name] += 1

    def snapshot(self) -> MeterReading:
        return MeterReading(Counter(self.calls), self.lines, self.call_ms, self.line_us)
