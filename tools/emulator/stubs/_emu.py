# The child interpreter's side of the link to the emulator (tools/emulator/remote.py).
#
# Written in the on-module dialect and using only what stock CPython 1.5.2 has (sys, os,
# socket; no string methods), so the same file runs under a user's own 1.5.2 build and under
# Python 3.
#
# Wire format, both ways: a value is a 12-byte header, a type letter and an 11-digit decimal
# number, then a payload:
#   i<number>            an int (no payload)
#   s<length><bytes>     a string of <length> bytes (latin-1 on the Python 3 side)
#   n00000000000         None
#   l<count><values>     a list of <count> values
#   e<length><bytes>     an error, "ExceptionName:errno:message" (answers only; errno empty
#                        when the error has none; IOError/OSError with one arrive as
#                        (errno, message), as the module's flash errors do)
# A request is the call's name (a string) followed by its arguments (a list); the answer is one
# value.
#
# Built-in exceptions are strings on the module (ES13 5.2.27) and under the real 1.5.2+ run
# with -X: calling one is "TypeError: call of non-function". So no stand-in calls one: throw()
# raises a built-in exception with a value in the form each interpreter accepts (1.5.2:
# "raise E, V"; Python 3: "raise E(*V)"), compiled from text so that each interpreter only
# ever compiles its own form.
import os
import sys
import socket

try:
    PY3 = type('a'.encode('latin-1')) != type('a')
except AttributeError:
    PY3 = 0

try:
    LONG = type(long(0))
except NameError:
    LONG = type(0)


def longint(n):
    # n as a long under 1.5.2 (MOD.secCounter: ES13 3.7.1); Python 3 has one int type
    if PY3:
        return n
    return long(n)


def tob(s):
    if PY3:
        return s.encode('latin-1')
    return s


def tos(b):
    if PY3:
        return b.decode('latin-1')
    return b


EMPTY = tob('')
LINK = [None]

if PY3:
    RAISE = compile('raise E(*V)\n', '_emu', 'exec')
else:
    RAISE = compile('raise E, V\n', '_emu', 'exec')

if PY3:
    # the module's exception for floats (REFERENCE 1.1); a string under 1.5.2 (_boot.py)
    RemovedFeatureError = type('RemovedFeatureError', (Exception,), {})

ERRORS = {'IOError': IOError, 'OSError': OSError, 'ValueError': ValueError,
          'TypeError': TypeError, 'ImportError': ImportError, 'KeyError': KeyError,
          'IndexError': IndexError, 'RuntimeError': RuntimeError, 'EOFError': EOFError,
          'MemoryError': MemoryError, 'AttributeError': AttributeError,
          'OverflowError': OverflowError, 'ZeroDivisionError': ZeroDivisionError,
          'NameError': NameError}


def throw(name, value):
    # Raise the built-in exception called name (RuntimeError when unknown) with value: a
    # message, or a tuple such as (errno, text).
    cls = ERRORS.get(name)
    if cls is None:
        cls = RuntimeError
    if PY3 and type(value) != type(()):
        value = (value,)
    eval(RAISE, {'E': cls, 'V': value})


def connect(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((host, port))
    LINK[0] = s


def sendall(data):
    s = LINK[0]
    while len(data) > 0:
        n = s.send(data)
        data = data[n:]


def recvn(n):
    s = LINK[0]
    out = EMPTY
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if len(chunk) == 0:
            # The emulator is gone (reboot, power cut, exit): stop at once, whatever the
            # script's own except clauses would do with an exception.
            os._exit(3)
        out = out + chunk
    return out


def header(kind, n):
    return tob(kind + ('%011d' % n))


def enc(v):
    t = type(v)
    if t == type(0) or t == LONG:
        return header('i', v)
    if t == type(''):
        b = tob(v)
        return header('s', len(b)) + b
    if v is None:
        return header('n', 0)
    if t == type([]) or t == type(()):
        out = header('l', len(v))
        for x in v:
            out = out + enc(x)
        return out
    throw('TypeError', 'this type cannot be passed to the module')


def colon(text):
    i = 0
    while i < len(text):
        if text[i] == ':':
            return i
        i = i + 1
    return -1


def dec():
    h = recvn(12)
    kind = tos(h[0:1])
    n = int(tos(h[1:12]))
    if kind == 'i':
        return n
    if kind == 's':
        return tos(recvn(n))
    if kind == 'n':
        return None
    if kind == 'l':
        out = []
        i = 0
        while i < n:
            out.append(dec())
            i = i + 1
        return out
    if kind == 'e':
        text = tos(recvn(n))
        i = colon(text)
        name = text[:i]
        text = text[i + 1:]
        i = colon(text)
        if i > 0:
            throw(name, (int(text[:i]), text[i + 1:]))
        throw(name, text[i + 1:])
    throw('IOError', 'bad answer from the emulator')


def call(name, args):
    sendall(enc(name) + enc(args))
    return dec()
