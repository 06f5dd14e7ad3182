"""Time and scheduling for the emulated module.

One Kernel owns module time (integer milliseconds since power-on of the emulator), a queue of
timed events, and the hand-over between the thread that drives the emulator (a test, the CLI)
and the thread that runs the on-module script.

Two clocks share all of this code:

* virtual (default): time only moves when someone waits. A script blocked in
  ``MDM.receive(100)`` makes the clock jump straight to the next event or the deadline, so an
  hour of module time runs in about a second, and a run is deterministic. The script thread and
  the driving thread never run at the same time: they pass a baton. The driver lends the baton
  to the script with a time *limit* (the end of ``run_until``); the script hands it back when it
  needs module time past the limit, ends, crashes, or is killed.
* real: time is the host's monotonic clock; a world thread runs due events, and real sockets or a
  pseudo-terminal feed data in from their own threads. Everything takes ``kernel.lock``.

All world state is changed with ``kernel.lock`` held; after a change that a waiter may be waiting
for, call ``kernel.notify()``.

Killing a script (reboot, watchdog, power cut) bumps ``generation`` and detaches the script
thread. The killed thread notices at its next interaction with the emulator (every built-in
call, every flash operation, every traced line) and *freezes*: it gives the baton back and blocks
forever on a condition nobody signals, so it never runs another line of script code. A frozen
thread is a daemon thread that holds nothing; ``frozen_threads`` counts them.

Errors raised by event callbacks are not passed to whichever thread happened to run them (that
could be the script, which would see a foreign exception): they are collected and re-raised as
``EmulatorError`` in the driver by the next ``run_until``.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
import traceback
from typing import Callable

Callback = Callable[[], None]
_CTL = "ctl"  # the driver holds the baton

# A driver waiting longer than this (wall seconds) for the script thread to hand back the baton
# raises EmulatorError instead of hanging (a script blocked outside the emulator, a bug).
HANG_TIMEOUT_S = 60.0


class EmulatorError(RuntimeError):
    """An internal error of the emulator (a failing event callback, a hung script thread)."""


class Timer:
    """A scheduled callback; ``cancel()`` makes it a no-op."""

    __slots__ = ("when", "fn", "cancelled")

    def __init__(self, when: int, fn: Callback) -> None:
        self.when = when
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Kernel:
    def __init__(self, virtual: bool = True) -> None:
        self.virtual = virtual
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        # Killed script threads wait here forever: nobody ever notifies this condition, so the
        # notify_all()s of normal operation do not wake (and cost) every frozen thread.
        self._graveyard = threading.Condition(self.lock)
        self._heap: list[tuple[int, int, Timer]] = []
        self._seq = itertools.count()
        self._now = 0
        self._t0 = time.monotonic()
        # Virtual-time baton: who may run now, "ctl" (driver) or a script thread.
        self._owner: object = _CTL
        self._limit = 0  # virtual: the script must hand back the baton at this time
        self._script: threading.Thread | None = None
        self.generation = 0  # bumped by a reboot; older script threads freeze
        self.frozen_threads = 0
        # REFERENCE §10.2 (ES13 §2.4): the Python task is paused for 50 ms every second.
        # 0 = off (default); Module.python_stall sets it. The pause is [k*1000, k*1000+stall_ms).
        self.stall_ms = 0
        self.errors: list[str] = []  # tracebacks of failed event callbacks, raised by run_until
        self.hang_timeout = HANG_TIMEOUT_S
        self._stop_world = False
        self._world_thread: threading.Thread | None = None
        if not virtual:
            self._world_thread = threading.Thread(target=self._world_loop, name="world", daemon=True)
            self._world_thread.start()

    # ------------------------------------------------------------------ time
    def now(self) -> int:
        """Module time in milliseconds."""
        if self.virtual:
            return self._now
        return int((time.monotonic() - self._t0) * 1000)

    def call_at(self, when: int, fn: Callback) -> Timer:
        t = Timer(when, fn)
        with self.lock:
            heapq.heappush(self._heap, (when, next(self._seq), t))
            self.cond.notify_all()
        return t

    def call_later(self, delay_ms: int, fn: Callback) -> Timer:
        return self.call_at(self.now() + max(0, int(delay_ms)), fn)

    def notify(self) -> None:
        with self.lock:
            self.cond.notify_all()

    def next_event_time(self) -> int | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def pending_events(self) -> int:
        return sum(1 for _, _, t in self._heap if not t.cancelled)

    def _run_due(self, upto: int) -> bool:
        """Run every event whose time is <= upto, in time order (virtual: advancing the clock
        to each). A failing callback is recorded, not raised (see the module docstring)."""
        ran = False
        while True:
            nxt = self.next_event_time()
            if nxt is None or nxt > upto:
                return ran
            _, _, t = heapq.heappop(self._heap)
            if self.virtual and nxt > self._now:
                self._now = nxt
            try:
                t.fn()
            except Exception as e:  # noqa: BLE001 - kept for the driver (BaseExceptions such as
                # KeyboardInterrupt or the flash's PowerCut go on as they are)
                self.errors.append("".join(traceback.format_exception(type(e), e, e.__traceback__)))
            ran = True

    def raise_errors(self) -> None:
        if self.errors:
            errs, self.errors = self.errors, []
            raise EmulatorError("an event callback failed:\n" + "\n".join(errs))

    # ------------------------------------------------------------ script side
    def attach_script(self, thread: threading.Thread | None) -> None:
        self._script = thread

    def kill_script(self) -> None:
        """The running script (if any) is dead from now on (reboot, watchdog, power cut): its
        thread freezes at its next interaction and the driver stops lending it the baton."""
        with self.lock:
            self.generation += 1
            self._script = None
            self.cond.notify_all()

    def script_alive(self) -> bool:
        return self._script is not None and self._script.is_alive()

    def check_alive(self, generation: int) -> None:
        """Called by the script thread at every interaction; freezes a killed thread."""
        if generation != self.generation:
            self.freeze()

    def freeze(self) -> None:
        """The calling script thread belongs to a dead script (reboot, watchdog): hand the baton
        back and block forever. Its thread is a daemon and holds nothing."""
        with self.lock:
            self.frozen_threads += 1
            if self._owner is threading.current_thread():
                self._owner = _CTL
            self.cond.notify_all()
            while True:
                self._graveyard.wait()

    def spend(self, ms: int, generation: int) -> None:
        """The script uses ``ms`` of module CPU time. Virtual clock: time moves on by ``ms``,
        running the events that fall due meanwhile, in order (the script is preempted by them,
        as by the module's higher-priority tasks). Real clock: only the optional stall."""
        with self.lock:
            self.check_alive(generation)
            if self.virtual:
                self._advance_script(self._now + max(0, int(ms)), generation)
            self._stall_gate(generation)

    def _advance_script(self, target: int, generation: int) -> None:
        """Script thread with the baton (virtual): move module time to ``target``, running due
        events in order; hand the baton back at the driver's limit and go on when lent it
        again."""
        while True:
            self.check_alive(generation)
            stop = min(target, self._limit)
            nxt = self.next_event_time()
            if nxt is not None and nxt <= stop:
                self._run_due(nxt)
                continue
            if self._now < stop:
                self._now = stop
            if self._now >= target:
                return
            self._yield_to_ctl(generation)

    def _stall_gate(self, generation: int) -> None:
        """REFERENCE §10.2: the script cannot run inside the 50 ms pause of each second; if it
        is about to, it waits for the end of the pause."""
        if not self.stall_ms:
            return
        while True:
            self.check_alive(generation)
            phase = self.now() % 1000
            if phase >= self.stall_ms:
                return
            end = self.now() - phase + self.stall_ms
            if self.virtual:
                self._advance_script(end, generation)
            else:
                self.cond.wait(max(0.0, (end - self.now()) / 1000.0))

    def wait_until(self, ready: Callable[[], bool], deadline: int, generation: int) -> bool:
        """Block the script until ``ready()`` or module time ``deadline``; returns ready()."""
        with self.lock:
            while True:
                self.check_alive(generation)
                if ready():
                    self._stall_gate(generation)
                    self.check_alive(generation)
                    return True
                now = self.now()
                if now >= deadline:
                    self._stall_gate(generation)
                    self.check_alive(generation)
                    return ready()
                if not self.virtual:
                    self.cond.wait(max(0.0, min(0.2, (deadline - now) / 1000.0)))
                    continue
                stop = min(deadline, self._limit)
                nxt = self.next_event_time()
                if nxt is not None and nxt <= stop:
                    self._run_due(nxt)
                    continue
                if now < stop:
                    self._now = stop
                    continue
                self._yield_to_ctl(generation)  # at the driver's limit, before the deadline

    def _yield_to_ctl(self, generation: int) -> None:
        me = threading.current_thread()
        if self._owner is me:
            self._owner = _CTL
            self.cond.notify_all()
        while self._owner is not me:
            self.check_alive(generation)
            self.cond.wait()
        self.check_alive(generation)

    def script_started(self) -> None:
        """First thing a new script thread does: wait for the baton (virtual clock)."""
        if not self.virtual:
            return
        me = threading.current_thread()
        with self.lock:
            while self._owner is not me:
                self.cond.wait()

    def script_finished(self) -> None:
        """Last thing a script thread does (ended, crashed): give the baton back."""
        with self.lock:
            if self._owner is threading.current_thread():
                self._owner = _CTL
            if self._script is threading.current_thread():
                self._script = None
            self.cond.notify_all()

    # ------------------------------------------------------------- driver side
    def run_until(self, target: int) -> None:
        """Drive module time up to ``target`` ms (virtual); in real time, just wait."""
        if not self.virtual:
            while self.now() < target:
                time.sleep(min(0.05, (target - self.now()) / 1000.0))
                self.raise_errors()
            self.raise_errors()
            return
        if threading.current_thread() is self._owner:
            raise EmulatorError("run_until called from the script thread")
        with self.lock:
            while self._now < target:
                script = self._script
                if script is not None and script.is_alive():
                    self._lend_baton(script, target)
                    continue
                nxt = self.next_event_time()
                if nxt is not None and nxt <= target:
                    self._run_due(nxt)
                else:
                    self._now = target
            self.raise_errors()

    def _lend_baton(self, script: threading.Thread, target: int) -> None:
        self._limit = target
        self._owner = script
        self.cond.notify_all()
        waited = 0.0
        while self._owner is script and script.is_alive() and self._script is script:
            if self.cond.wait(0.5):
                waited = 0.0  # notified: the script is still interacting (not hung)
            else:
                waited += 0.5
            if waited >= self.hang_timeout and self._owner is script:
                raise EmulatorError("the script thread has not handed back the baton for %d s "
                                    "(blocked outside the emulator?)" % self.hang_timeout)
        if self._owner is script:
            # The thread died or was detached while holding the baton.
            self._owner = _CTL

    def run_for(self, ms: int) -> None:
        self.run_until(self.now() + int(ms))

    def run_until_true(self, cond: Callable[[], bool], timeout_ms: int, step_ms: int = 50) -> bool:
        """Run in steps of ``step_ms`` until ``cond()`` holds or ``timeout_ms`` passes."""
        end = self.now() + int(timeout_ms)
        while True:
            with self.lock:
                if cond():
                    return True
            if self.now() >= end:
                return False
            self.run_until(min(end, self.now() + max(1, int(step_ms))))

    # --------------------------------------------------------------- real time
    def _world_loop(self) -> None:
        with self.lock:
            while not self._stop_world:
                self._run_due(self.now())
                nxt = self.next_event_time()
                timeout = 0.2 if nxt is None else max(0.0, (nxt - self.now()) / 1000.0)
                self.cond.wait(min(timeout, 0.2))

    def close(self) -> None:
        with self.lock:
            self._stop_world = True
            self.cond.notify_all()
