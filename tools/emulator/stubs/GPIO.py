# GPIO stand-in for a script run under another interpreter: general purpose I/O (ES13 section 3.6).
# Every call goes to the emulator (tools/emulator/remote.py), which runs the same code as
# for an in-process script, so virtual time and everything else still hold. Written in the
# on-module dialect, using only what stock CPython 1.5.2 has.
import _emu


def setIOvalue(pin, value):
    return _emu.call('GPIO.setIOvalue', (pin, value))


def getIOvalue(pin):
    return _emu.call('GPIO.getIOvalue', (pin,))


def setIOdir(pin, value, direction):
    return _emu.call('GPIO.setIOdir', (pin, value, direction))


def getIOdir(pin):
    return _emu.call('GPIO.getIOdir', (pin,))


def getADC(adc):
    return _emu.call('GPIO.getADC', (adc,))


def setDAC(enable, value):
    return _emu.call('GPIO.setDAC', (enable, value))


def setSLED(status, on=10, off=10):
    return _emu.call('GPIO.setSLED', (status, on, off))
