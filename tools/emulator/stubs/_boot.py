# Start-up of a script under another interpreter (tools/emulator/remote.py).
#
#     <interpreter> _boot.py <host> <port> <main script name>
#
# Connects to the emulator, makes the module's world the script's world, and runs the main
# script from the emulated flash:
#   * MDM MDM2 SER SER2 MOD GPIO are the stand-ins next to this file (each call goes to the
#     emulator); importing SER tells the emulator that the script took ASC0;
#   * every other import comes from the flash (a .py is compiled here; a .pyo runs as it is
#     when this interpreter is a 1.5.2, else the emulator sends its .py source); sys, marshal
#     and imp stay the interpreter's own; anything else raises ImportError, as on the module;
#   * open, unlink, rename and flashflush are the flash's, served by the emulator;
#   * print output goes to the trace port.
# An uncaught exception ends the interpreter with its traceback on stderr, which the emulator
# writes to the trace port. Dialect, and only what stock CPython 1.5.2 has.
import sys
import marshal
import traceback
import _emu
import MDM
import MDM2
import SER
import SER2
import MOD
import GPIO

try:
    import __builtin__
    BUILTINS = __builtin__
except ImportError:
    import builtins
    BUILTINS = builtins

if _emu.PY3:
    MAGIC = ''
else:
    import imp
    MAGIC = imp.get_magic()

TELIT = {'MDM': MDM, 'MDM2': MDM2, 'SER': SER, 'SER2': SER2, 'MOD': MOD, 'GPIO': GPIO}
OWN = ('sys', 'marshal', 'imp')
IMPORTED = {}
FLASH = {}
FILES = {}  # names of the flash files compiled here (their frames show in tracebacks)
SCRIPT = {}  # id() of the script's global dicts: imports from these are the module's
ORIGINAL_IMPORT = BUILTINS.__import__


class Trace:
    def write(self, text):
        _emu.call('trace', (text,))

    def flush(self):
        pass


class FlashFile:
    def __init__(self, handle, name, mode):
        self.handle = handle
        self.name = name
        self.mode = mode
        self.closed = 0

    def read(self, n=-1):
        return _emu.call('file.read', (self.handle, n))

    def readline(self):
        return _emu.call('file.readline', (self.handle,))

    def readlines(self):
        return _emu.call('file.readlines', (self.handle,))

    def write(self, text):
        return _emu.call('file.write', (self.handle, text))

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def seek(self, offset, whence=0):
        return _emu.call('file.seek', (self.handle, offset, whence))

    def tell(self):
        return _emu.call('file.tell', (self.handle,))

    def flush(self):
        return _emu.call('file.flush', (self.handle,))

    def isatty(self):
        return 0

    def fileno(self):
        return _emu.call('file.fileno', (self.handle,))

    def close(self):
        if not self.closed:
            self.closed = 1
            _emu.call('file.close', (self.handle,))


def flash_open(name, mode='r', bufsize=-1):
    return FlashFile(_emu.call('open', (name, mode, bufsize)), name, mode)


def flash_unlink(name):
    return _emu.call('unlink', (name,))


def flash_rename(old, new):
    return _emu.call('rename', (old, new))


def flash_flush():
    return _emu.call('flashflush', ())


def new_module(name):
    if _emu.PY3:
        return type(sys)(name)
    return imp.new_module(name)


def code_of(found):
    # found: [kind, file name, data] from the emulator's 'load'
    FILES[found[1]] = 1
    if found[0] == 'pyo':
        return marshal.loads(found[2][8:])
    return compile(found[2], found[1], 'exec')


class Md5:
    # Python 3 has no md5 module: a stand-in with the module's interface (no hexdigest).
    def __init__(self, data=''):
        self.h = ORIGINAL_IMPORT('hashlib').md5()
        if data:
            self.update(data)

    def update(self, data):
        self.h.update(_emu.tob(data))

    def digest(self):
        return _emu.tos(self.h.digest())


def md5_module():
    m = new_module('md5')
    m.new = Md5
    m.md5 = Md5
    return m


def flash_import(name, globals=None, locals=None, fromlist=None, level=0):
    if globals is None or SCRIPT.get(id(globals)) is None:
        # Not the script (the interpreter's own machinery): the interpreter's import.
        if _emu.PY3:
            return ORIGINAL_IMPORT(name, globals, locals, fromlist, level)
        return ORIGINAL_IMPORT(name, globals, locals, fromlist)
    m = TELIT.get(name)
    if m is not None:
        if IMPORTED.get(name) is None:
            IMPORTED[name] = 1
            _emu.call('import', (name,))
        return m
    m = FLASH.get(name)
    if m is not None:
        return m
    if name == 'md5' and _emu.PY3:
        m = md5_module()
        FLASH[name] = m
        return m
    for own in OWN:
        if own == name:
            return ORIGINAL_IMPORT(name, globals, locals, fromlist)
    found = _emu.call('load', (name,))
    if found is None:
        raise ImportError('No module named ' + name)
    m = new_module(name)
    FLASH[name] = m
    SCRIPT[id(m.__dict__)] = 1
    try:
        eval(code_of(found), m.__dict__)
    except:
        del FLASH[name]
        raise
    size = getattr(sys, 'interned', None)
    if size is not None:
        # a 1.5.2+ built with --count-interned: its names table after this import
        _emu.call('interned', (name, size()))
    return m


def main():
    _emu.connect(sys.argv[1], int(sys.argv[2]))
    _emu.call('hello', (sys.version, MAGIC))
    found = _emu.call('main', (sys.argv[3],))
    if found is None:
        raise ImportError('script not found: ' + sys.argv[3])
    code = code_of(found)
    sys.stdout = Trace()
    BUILTINS.open = flash_open
    BUILTINS.unlink = flash_unlink
    BUILTINS.rename = flash_rename
    BUILTINS.flashflush = flash_flush
    BUILTINS.__import__ = flash_import
    sys.argv = [sys.argv[3]]
    g = {'__name__': '__main__'}
    SCRIPT[id(g)] = 1
    try:
        eval(code, g)
    except SystemExit:
        raise
    except:
        crashed()


def crashed():
    # The traceback as this interpreter prints it, with the script's frames only.
    t, v, tb = sys.exc_info()
    frames = []
    for frame in traceback.extract_tb(tb):
        if FILES.get(frame[0]) is not None:
            frames.append(frame)
    if _emu.PY3:
        head = 'Traceback (most recent call last):\n'
    else:
        head = 'Traceback (innermost last):\n'
    text = head
    for line in traceback.format_list(frames) + traceback.format_exception_only(t, v):
        text = text + line
    sys.stderr.write(text)
    sys.stderr.flush()
    raise SystemExit(1)


main()
