"""Time and scheduling for the emulated module.

One Kernel owns module time (integer milliseconds since power-on of the emulator), a queue of
timed events, and the hand-over between the thread that drives the emulator (a test, the CLI)
and the thread that runs the on-module script.

Two clocks share all of this code:

* virtual (default): time only moves when someone waits. A script blocked in
  ``MDM.receive(100)`` makes the clock jump straight to the next event or the deadline, so an
  hour of module time runs in about a second, and a run is deterministic. The script thread and
  the driving thread never run at the same time: they pass a baton.
* real: time is the host's monotonic clock; a world thread runs due events, and real sockets or a
  pseudo-terminal feed data in from their own threads. Everything takes ``kernel.lock``.

All world state is changed with ``kernel.lock`` held; after a change that a waiter may be waiting
for, call ``kernel.notify()``.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Callable

Callback = Callable[[], None]
_CTL = "ctl"  # the driver holds the baton


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
        self._heap: list[tuple[int, int, Timer]] = []
        self._seq = itertools.count()
        self._now = 0
        self._t0 = time.monotonic()
        # Virtual-time baton: who may run now, "ctl" (driver) or a script thread id.
        self._owner: object = _CTL
        self._limit = 0  # virtual: the script must hand back the baton at this time
        self._script: threading.Thread | None = None
        self.generation = 0  # bumped by a reboot; older script threads freeze
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

    def _run_due(self, upto: int) -> bool:
        """Run every event whose time is <= upto (virtual: advancing the clock to it)."""
        ran = False
        while True:
            nxt = self.next_event_time()
            if nxt is None or nxt > upto:
                return ran
            _, _, t = heapq.heappop(self._heap)
            if self.virtual and nxt > self._now:
                self._now = nxt
            t.fn()
            ran = True

    # ------------------------------------------------------------ script side
    def attach_script(self, thread: threading.Thread) -> None:
        self._script = thread

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
            if self.virtual and self._owner is threading.current_thread():
                self._owner = _CTL
                self.cond.notify_all()
            while True:
                self.cond.wait()

    def spend(self, ms: int, generation: int) -> None:
        """The script uses ``ms`` of module CPU time (virtual clock only)."""
        with self.lock:
            self.check_alive(generation)
            if not self.virtual:
                return
            self._now += ms
            self._run_due(self._now)
            self.check_alive(generation)
            if self._now >= self._limit:
                self._yield_to_ctl(generation)

    def wait_until(self, ready: Callable[[], bool], deadline: int, generation: int) -> bool:
        """Block the script until ``ready()`` or module time ``deadline``; returns ready()."""
        with self.lock:
            while True:
                self.check_alive(generation)
                if ready():
                    return True
                now = self.now()
                if now >= deadline:
                    return False
                if not self.virtual:
                    self.cond.wait(max(0.0, (deadline - now) / 1000.0))
                    continue
                nxt = self.next_event_time()
                stop = min(deadline, self._limit)
                if nxt is not None and nxt <= stop:
                    self._run_due(nxt)
                    continue
                self._now = max(self._now, stop)
                if self._now >= self._limit and self._now < deadline:
                    self._yield_to_ctl(generation)

    def _yield_to_ctl(self, generation: int) -> None:
        me = threading.current_thread()
        self._owner = _CTL
        self.cond.notify_all()
        while self._owner is not me:
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
            if self.virtual and self._owner is threading.current_thread():
                self._owner = _CTL
            self.cond.notify_all()

    # ------------------------------------------------------------- driver side
    def run_until(self, target: int) -> None:
        """Drive module time up to ``target`` ms (virtual); in real time, just wait."""
        if not self.virtual:
            while self.now() < target:
                time.sleep(min(0.05, (target - self.now()) / 1000.0))
            return
        with self.lock:
            while self._now < target:
                script = self._script
                if script is not None and script.is_alive():
                    self._limit = target
                    self._owner = script
                    self.cond.notify_all()
                    while self._owner is not _CTL and script.is_alive():
                        self.cond.wait(0.5)
                    if not script.is_alive():
                        self._owner = _CTL
                    continue
                nxt = self.next_event_time()
                if nxt is not None and nxt <= target:
                    self._run_due(nxt)
                else:
                    self._now = target

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
            self.run_until(min(end, self.now() + step_ms))

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
