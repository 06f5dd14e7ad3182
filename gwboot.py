# gwboot.py - which software version starts, and the pointer that says so.  Imported by
# gateway.py before anything else; never replaced by a remote update (it is the part
# that must work for a rollback to work), so it uses nothing but built-ins.  On-module
# file in the dialect (../shared/dialect.md); docs/update.md describes the whole.
#
# Versions on the flat flash (REFERENCE.md 3: no directories, names <= 16 characters):
#   factory   the files the uploader wrote: gwloop.pyo, atc.pyo, ... (plain names)
#   slot a/b  an update's files: ua00.pyo, ua01.pyo, ... and its manifest ua.man,
#             one line 'file=<module> <size> <md5> <boot|lazy>' per file, in load order
# A slot's modules are loaded under their plain names with imp.load_module(name, file,
# filename, ('.pyo', 'rb', imp.PY_COMPILED)) (ES13 5.2.30: load_module and PY_COMPILED
# exist on the module; 1.5.2 puts the module into sys.modules under that name), so
# 'import atc' inside them finds the slot's atc.  'boot' files load in the manifest's
# order (each after the modules it imports); 'lazy' ones only through need().
#
# The pointer: two slot files, the newest valid one counts, each
#   format=gwsw1 \n seq=<n> \n cur= ver= prev= pver= state= boots= who= why= \n md5=<hex>
# written the way config_store writes the configuration (the other file, then
# flashflush, then read back), so a power cut at any byte leaves the old or the new one.
#   cur/ver    the slot ('' = factory) and version that start
#   prev/pver  the version before it (trial: the one to go back to; rolled: the failed one)
#   state      'good'; 'trial' (new, not yet healthy); 'rolled' (went back, not yet told)
#   boots      starts in trial;  who  the phone to tell;  why  the reason of a rollback

import MOD
import imp
import md5
import sys

SLOTS = ('sw_a.txt', 'sw_b.txt')
KEYS = ('cur', 'ver', 'prev', 'pver', 'state', 'boots', 'who', 'why')
# boots   starts of a trial version before it is given up (crashes, watchdog resets)
# health  s: a trial version must be healthy this long after it started
# stable  s: healthy without a break this long counts (a crash loop never is)
LIMITS = {'boots': 3, 'health': 900, 'stable': 120}
SEQ_MOD = 1000000000
SEQ_HALF = 500000000

ptr = None          # the pointer in force (dict), None: no pointer, the factory files
seq = 0
items = {}          # module -> its flash file, for need()
armed = 0            # 1 while the pointer is 'trial' or 'rolled' (tick() has work)
since = 0           # when this start began
first = 0           # since when the gateway is healthy without a break (0: it is not)


def hexd(d):
    # an md5 digest in hex: md5 has no hexdigest() on the module (REFERENCE.md 1.4)
    out = []
    for c in d:
        out.append('%02x' % ord(c))
    return ''.join(out)


def read_slot(name):
    # -> (seq, dict) of a valid pointer file, or (-1, None)
    try:
        f = open(name, 'r')
        data = f.read(2000)
        f.close()
    except IOError:
        return -1, None
    i = data.rfind('\nmd5=')
    if i == -1 or data[i + 1:] != 'md5=' + hexd(md5.new(data[:i + 1]).digest()) + '\n':
        return -1, None
    lines = data[:i].split('\n')
    if len(lines) != len(KEYS) + 2 or lines[0] != 'format=gwsw1' or lines[1][:4] != 'seq=':
        return -1, None
    p = {}
    n = 2
    for k in KEYS:
        if lines[n][:len(k) + 1] != k + '=':
            return -1, None
        p[k] = lines[n][len(k) + 1:]
        n = n + 1
    try:
        s = int(lines[1][4:])
    except ValueError:
        return -1, None
    return s, p


def scan():
    # The newest valid pointer: serial-number arithmetic, as config_store.newer().
    best = -1
    old = None
    for name in SLOTS:
        s, p = read_slot(name)
        d = divmod(s - best, SEQ_MOD)[1]
        if p is not None and (old is None or (d != 0 and d < SEQ_HALF)):
            best = s
            old = p
    return best, old


def save(p):
    # Write p into the pointer file that is not the newest valid one.  -> 1 when it
    # reads back exactly (flashflush: REFERENCE.md 1.4).
    global ptr, seq
    s, old = scan()
    target = SLOTS[0]
    if old is not None and read_slot(SLOTS[0])[0] == s:
        target = SLOTS[1]
    s = divmod(s + 1, SEQ_MOD)[1]
    body = ['format=gwsw1\nseq=%d\n' % s]
    for k in KEYS:
        body.append('%s=%s\n' % (k, p[k].replace('\n', ' ')))
    body = ''.join(body)
    try:
        f = open(target, 'w')
        f.write(body + 'md5=' + hexd(md5.new(body).digest()) + '\n')
        f.close()
        flashflush()
    except IOError:
        return 0
    if read_slot(target) != (s, p):
        return 0
    ptr = p
    seq = s
    return 1


def version():
    # -> (slot, version) running now
    if ptr is None:
        return '', 'factory'
    return ptr['cur'], ptr['ver']


def trace(s):
    print('gwboot: ' + s)


def restart(why):
    # The watchdog reboots the module 1 s from now (REFERENCE.md 2.6), as gwstate.restart.
    trace('restart: ' + why)
    MOD.watchdogEnable(1)
    while 1:
        MOD.sleep(10)


def rollback(why):
    # Back to the version before (a trial) or to the factory files (a version that
    # cannot start at all); the next start runs it and tick() sends the SMS.
    global ptr
    old = ptr
    p = ptr.copy()
    if old['state'] != 'trial':
        p['prev'] = ''
        p['pver'] = 'factory'
    p['cur'] = p['prev']
    p['ver'] = p['pver']
    p['prev'] = old['cur']
    p['pver'] = old['ver']
    p['state'] = 'rolled'
    p['boots'] = '0'
    p['why'] = why
    trace('rolled back to %s: %s' % (p['ver'], why))
    if not save(p):
        ptr = p                 # not written: at least this start runs the old version


def switch(target, name, number):
    # Called by updater.py once every file of slot target is staged and checked: version
    # name, asked for by phone number.  -> 1 when the pointer now names it (state trial:
    # the next start runs it on probation).
    cur, old = version()
    return save({'cur': target, 'ver': name, 'prev': cur, 'pver': old, 'state': 'trial',
                 'boots': '0', 'who': number, 'why': ''})


def manifest(target):
    # -> list of (module, 'boot'|'lazy') of a slot, from its checked manifest
    f = open('u%s.man' % target, 'r')
    data = f.read(8000)
    f.close()
    i = data.rfind('\nmd5=')
    if i == -1 or data[i + 1:] != 'md5=' + hexd(md5.new(data[:i + 1]).digest()) + '\n':
        # a built-in exception is a string on the module (ES13 5.2.27): raised by its
        # bare name, the reason goes to the trace
        trace('u%s.man: bad checksum' % target)
        raise IOError
    out = []
    for line in data[:i].split('\n'):
        if line[:5] == 'file=':
            w = line[5:].split(' ')
            out.append((w[0], w[3]))
    return out


def load(k, name):
    # module k from the compiled file name
    f = open(name, 'rb')
    try:
        m = imp.load_module(k, f, name, ('.pyo', 'rb', imp.PY_COMPILED))
    finally:
        f.close()
    return m


def need(name):
    # A module of the running version that is not loaded at start-up (updater.py).
    m = sys.modules.get(name)
    if m is not None:
        return m
    t = items.get(name)
    if t is not None:
        return load(name, t)
    try:
        return load(name, name + '.pyo')
    except IOError:
        # a factory install from source files (the emulator's usual flash)
        f = open(name + '.py', 'r')
        try:
            m = imp.load_module(name, f, name + '.py', ('.py', 'r', imp.PY_SOURCE))
        finally:
            f.close()
        return m


def start():
    # Choose, count, load (gateway.py then imports gwloop: an update's, loaded here
    # into sys.modules, or the factory's, and runs gwloop.main).  A trial version that raises while it loads, or that
    # started LIMITS['boots'] times without becoming healthy, is rolled back.
    global seq, ptr, armed, since
    since = MOD.secCounter()
    seq, ptr = scan()
    if ptr is not None:
        armed = ptr['state'] != 'good'
        if ptr['state'] == 'trial':
            n = int(ptr['boots']) + 1
            if n > LIMITS['boots']:
                rollback('restarted %d times before it was healthy' % (n - 1))
            else:
                p = ptr.copy()
                p['boots'] = '%d' % n
                save(p)
    trace('starting %s' % version()[1])
    try:
        # the version the pointer names: its 'boot' files in order (the factory files
        # load with gateway.py's plain 'import gwloop')
        target = version()[0]
        if target != '':
            n = 0
            for name, w in manifest(target):
                items[name] = 'u%s%02d.pyo' % (target, n)
                if w == 'boot':
                    load(name, items[name])
                n = n + 1
    except:
        info = sys.exc_info()
        trace('%s %s' % (info[0], info[1]))
        if ptr is None or ptr['cur'] == '':
            raise
        # the name of the exception: a string in 1.5.2 unless exceptions.pyo is on
        # the flash, a class otherwise (REFERENCE.md 1.5); Python 3 calls IOError OSError
        name = getattr(info[0], '__name__', info[0])
        if info[0] is IOError:
            name = 'IOError'
        rollback('it raised %s at start' % name)
        restart('version rolled back')


def tick(ok):
    # Each turn of the main loop (gwupd.py): ok = the gateway is healthy (GPRS up, the
    # mode entered, SMS readable).  Healthy for LIMITS['stable'] s confirms a trial (or lets the
    # version we went back to say so); not within LIMITS['health'] s of the start rolls it back.
    # -> None, or (phone, text) of the SMS to send now.
    global armed, first
    if not armed:
        return None
    now = MOD.secCounter()
    if not ok:
        first = 0
        if ptr['state'] == 'trial' and now - since > LIMITS['health']:
            rollback('not healthy within %d s' % LIMITS['health'])
            restart('version rolled back')
        return None
    if first == 0:
        first = now
    if now - first < LIMITS['stable']:
        return None
    armed = 0
    p = ptr.copy()
    if p['state'] == 'trial':
        text = 'Confirmed: update %s running, was %s' % (p['ver'], p['pver'])
    else:
        text = 'Error: update %s rolled back: %s' % (p['pver'], p['why'])
    p['state'] = 'good'
    p['boots'] = '0'
    save(p)
    trace(text)
    return p['who'], text
