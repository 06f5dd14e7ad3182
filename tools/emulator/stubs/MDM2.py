# MDM2 stand-in for a script run under another interpreter: AT parser instance 2 (ES13 section 3.3).
# Every call goes to the emulator (tools/emulator/remote.py), which runs the same code as
# for an in-process script, so virtual time and everything else still hold. Written in the
# on-module dialect, using only what stock CPython 1.5.2 has.
import _emu


def send(string, timeout):
    return _emu.call('MDM2.send', (string, timeout))


def receive(timeout):
    return _emu.call('MDM2.receive', (timeout,))


def read():
    return _emu.call('MDM2.read', ())


def sendbyte(byte, timeout):
    return _emu.call('MDM2.sendbyte', (byte, timeout))


def receivebyte(timeout):
    return _emu.call('MDM2.receivebyte', (timeout,))


def readbyte():
    return _emu.call('MDM2.readbyte', ())


def getDCD():
    return _emu.call('MDM2.getDCD', ())


def getCTS():
    return _emu.call('MDM2.getCTS', ())


def getDSR():
    return _emu.call('MDM2.getDSR', ())


def getRI():
    return _emu.call('MDM2.getRI', ())


def setRTS(value):
    return _emu.call('MDM2.setRTS', (value,))


def setDTR(value):
    return _emu.call('MDM2.setDTR', (value,))
