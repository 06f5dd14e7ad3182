# SER stand-in for a script run under another interpreter: the serial port ASC0 (ES13 section 3.4); importing it takes ASC0 from the AT interface.
# Every call goes to the emulator (tools/emulator/remote.py), which runs the same code as
# for an in-process script, so virtual time and everything else still hold. Written in the
# on-module dialect, using only what stock CPython 1.5.2 has.
import _emu


def send(string):
    return _emu.call('SER.send', (string,))


def receive(timeout):
    return _emu.call('SER.receive', (timeout,))


def read():
    return _emu.call('SER.read', ())


def sendbyte(byte):
    return _emu.call('SER.sendbyte', (byte,))


def receivebyte(timeout):
    return _emu.call('SER.receivebyte', (timeout,))


def readbyte():
    return _emu.call('SER.readbyte', ())


def set_speed(speed, fmt='8N1'):
    return _emu.call('SER.set_speed', (speed, fmt))


def setDCD(value):
    return _emu.call('SER.setDCD', (value,))


def setCTS(value):
    return _emu.call('SER.setCTS', (value,))


def setDSR(value):
    return _emu.call('SER.setDSR', (value,))


def setRI(value):
    return _emu.call('SER.setRI', (value,))


def getRTS():
    return _emu.call('SER.getRTS', ())


def getDTR():
    return _emu.call('SER.getDTR', ())
