# SER2 stand-in for a script run under another interpreter: the trace port ASC1 (ES13 section 3.5).
# Every call goes to the emulator (tools/emulator/remote.py), which runs the same code as
# for an in-process script, so virtual time and everything else still hold. Written in the
# on-module dialect, using only what stock CPython 1.5.2 has.
import _emu


def send(string):
    return _emu.call('SER2.send', (string,))


def receive(timeout):
    return _emu.call('SER2.receive', (timeout,))


def read():
    return _emu.call('SER2.read', ())


def sendbyte(byte):
    return _emu.call('SER2.sendbyte', (byte,))


def receivebyte(timeout):
    return _emu.call('SER2.receivebyte', (timeout,))


def readbyte():
    return _emu.call('SER2.readbyte', ())


def set_speed(speed, fmt='8N1'):
    return _emu.call('SER2.set_speed', (speed, fmt))
