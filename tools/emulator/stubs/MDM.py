# MDM stand-in for a script run under another interpreter: AT parser instance 1 (ES13 section 3.2).
# Every call goes to the emulator (tools/emulator/remote.py), which runs the same code as
# for an in-process script, so virtual time and everything else still hold. Written in the
# on-module dialect, using only what stock CPython 1.5.2 has.
import _emu


def send(string, timeout):
    return _emu.call('MDM.send', (string, timeout))


def receive(timeout):
    return _emu.call('MDM.receive', (timeout,))


def read():
    return _emu.call('MDM.read', ())


def sendbyte(byte, timeout):
    return _emu.call('MDM.sendbyte', (byte, timeout))


def receivebyte(timeout):
    return _emu.call('MDM.receivebyte', (timeout,))


def readbyte():
    return _emu.call('MDM.readbyte', ())


def getDCD():
    return _emu.call('MDM.getDCD', ())


def getCTS():
    return _emu.call('MDM.getCTS', ())


def getDSR():
    return _emu.call('MDM.getDSR', ())


def getRI():
    return _emu.call('MDM.getRI', ())


def setRTS(value):
    return _emu.call('MDM.setRTS', (value,))


def setDTR(value):
    return _emu.call('MDM.setDTR', (value,))
