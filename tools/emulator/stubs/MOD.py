# MOD stand-in for a script run under another interpreter: miscellaneous functions (ES13 section 3.7).
# Every call goes to the emulator (tools/emulator/remote.py), which runs the same code as
# for an in-process script, so virtual time and everything else still hold. Written in the
# on-module dialect, using only what stock CPython 1.5.2 has.
import _emu


def secCounter():
    # ES13 3.7.1: "a Python long integer" (str() of it ends in 'L' under 1.5.2; the
    # dialect formats it with '%d')
    return _emu.longint(_emu.call('MOD.secCounter', ()))


def sleep(t):
    return _emu.call('MOD.sleep', (t,))


def watchdogEnable(t):
    return _emu.call('MOD.watchdogEnable', (t,))


def watchdogReset():
    return _emu.call('MOD.watchdogReset', ())


def watchdogDisable():
    return _emu.call('MOD.watchdogDisable', ())


def powerSaving(t):
    return _emu.call('MOD.powerSaving', (t,))


def powerSavingExitCause():
    return _emu.call('MOD.powerSavingExitCause', ())
