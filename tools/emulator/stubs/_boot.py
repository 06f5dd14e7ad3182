# Start-up of a script under another interpreter (tools/emulator/remote.py).
#
#     <interpreter> _boot.py <host> <port> <main script name>
#
# Connects to the emulator, makes the module's world the script's world, and runs the main
# script from the emulated flash:
#   * MDM MDM2 SER SER2 MOD GPIO are the stand-ins next to this file (each call goes to the
#     emulator); importing SER tells the emulator that the script took ASC0;
#   * every other import comes from the flash (a .py is compiled here; a .pyo runs as it is
#     when this interpreter is a 1.5.2, else the emulator sends its .py source) and goes into
#     sys.modules, as on the module; sys and marshal stay the interpreter's own, and so does
#     md5 under a 1.5.2 (Python 3 gets a stand-in); imp is a stand-in over the flash
#     (ES13 5.2.30: find_module, load_module ...); anything else raises ImportError;
#   * no floats, as on the module (ES13 5.2.27, 5.2.28; REFERENCE 1.1): float(), round() and
#     complex() raise RemovedFeatureError, and a flash file with a float or complex constant
#     does not load;
#   * no stand-in calls a built-in exception (strings on the module, and under -X):
#     _emu.throw() raises them;
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
if _emu.PY3:
    OWN = ('sys', 'marshal')
else:
    OWN = ('sys', 'marshal', 'md5')
NUMBERS = [type(float(1))]
if hasattr(BUILTINS, 'complex'):
    NUMBERS.append(type(complex(0, 1)))
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


def removed_feature(x=0, y=0):
    # float(), complex(), round(): listed on the module but they raise (ES13 5.2.28)
    _emu.throw('RemovedFeatureError', 'floating point is not available')


def no_floats(code, name):
    # A float or complex constant anywhere in the file: the module has none (REFERENCE 1.1,
    # "treat any float literal as fatal").
    for c in code.co_consts:
        t = type(c)
        if t == type(code):
            no_floats(c, name)
        else:
            for n in NUMBERS:
                if t == n:
                    _emu.throw('RemovedFeatureError', '%s: %s constant' % (name, t.__name__))


def code_of(found):
    # found: [kind, file name, data] from the emulator's 'load'
    FILES[found[1]] = 1
    if found[0] == 'pyo':
        code = marshal.loads(found[2][8:])
    else:
        code = compile(found[2], found[1], 'exec')
    FILES[code.co_filename] = 1
    no_floats(code, found[1])
    return code


def run_module(name, found):
    # Run a flash file's code as module name, in sys.modules under that name (1.5.2
    # import.c: load_source_module / load_compiled_module).
    m = FLASH.get(name)
    if m is None:
        m = new_module(name)
    FLASH[name] = m
    sys.modules[name] = m
    SCRIPT[id(m.__dict__)] = 1
    try:
        eval(code_of(found), m.__dict__)
    except:
        del FLASH[name]
        del sys.modules[name]
        raise
    size = getattr(sys, 'interned', None)
    if size is not None:
        # a 1.5.2+ built with --count-interned: its names table after this import
        _emu.call('interned', (name, size()))
    return m


def imp_find_module(name, path=None):
    for d in (('.py', 'r', 1), ('.pyo', 'rb', 2)):
        if _emu.call('exists', (name + d[0],)):
            return flash_open(name + d[0], d[1]), name + d[0], d
    _emu.throw('ImportError', 'No module named ' + name)


def imp_load_module(name, file, filename, description):
    # ES13 5.2.30: imp.load_module(name, file, filename, (suffix, mode, type)) with a flash
    # file; a .pyo runs as its bytecode when this interpreter is a 1.5.2 (same magic)
    data = file.read()
    if description[2] == 2:
        if MAGIC and data[:4] == MAGIC:
            found = ['pyo', filename, data]
        else:
            found = _emu.call('pyosrc', (filename, data))
            if found is None:
                _emu.throw('ImportError', 'Bad magic number in ' + filename)
    elif description[2] == 1:
        data = data.replace('\r\n', '\n')
        if data[-1:] != '\n':
            data = data + '\n'
        found = ['src', filename, data]
    else:
        _emu.throw('ImportError', 'load_module: type not emulated')
    # the names table counts what this load interns, as for an import (MemoryError
    # past the limit, raised here before the code runs)
    _emu.call('count', (name, filename))
    return run_module(name, found)


def imp_get_magic():
    if MAGIC:
        return MAGIC
    return _emu.call('magic', ())


def imp_get_suffixes():
    return [('.py', 'r', 1), ('.pyo', 'rb', 2)]


def imp_module():
    m = new_module('imp')
    m.PY_SOURCE = 1
    m.PY_COMPILED = 2
    m.C_EXTENSION = 3
    m.PKG_DIRECTORY = 5
    m.C_BUILTIN = 6
    m.PY_FROZEN = 7
    m.SEARCH_ERROR = 0
    m.find_module = imp_find_module
    m.load_module = imp_load_module
    m.new_module = new_module
    m.get_magic = imp_get_magic
    m.get_suffixes = imp_get_suffixes
    return m


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
    if name == 'imp':
        m = imp_module()
        FLASH[name] = m
        return m
    for own in OWN:
        if own == name:
            return ORIGINAL_IMPORT(name, globals, locals, fromlist)
    found = _emu.call('load', (name,))
    if found is None:
        _emu.throw('ImportError', 'No module named ' + name)
    return run_module(name, found)


def main():
    _emu.connect(sys.argv[1], int(sys.argv[2]))
    _emu.call('hello', (sys.version, MAGIC))
    found = _emu.call('main', (sys.argv[3],))
    if found is None:
        _emu.throw('ImportError', 'script not found: ' + sys.argv[3])
    code = code_of(found)
    sys.stdout = Trace()
    BUILTINS.open = flash_open
    BUILTINS.unlink = flash_unlink
    BUILTINS.rename = flash_rename
    BUILTINS.flashflush = flash_flush
    BUILTINS.__import__ = flash_import
    BUILTINS.float = removed_feature
    BUILTINS.round = removed_feature
    BUILTINS.complex = removed_feature
    BUILTINS.RemovedFeatureError = 'RemovedFeatureError'
    if _emu.PY3:
        BUILTINS.RemovedFeatureError = _emu.RemovedFeatureError
    _emu.ERRORS['RemovedFeatureError'] = BUILTINS.RemovedFeatureError
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
    sys.exit(1)


main()
