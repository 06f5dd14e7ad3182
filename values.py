# values.py - the small value checks shared by config_store, sms_commands, sms_fleet
# and firewall: numbers, addresses, names, numbers of phones, identity templates.  Pure
# functions; errors are returned as values.  On-module file in the dialect
# (../shared/dialect.md).  (Split from config_store.py: each .pyo must stay under
# 16 KB, REFERENCE.md section 3.)

FW_MAX = 10             # SMS-managed firewall rules (REFERENCE.md section 7: limit n/d)
# Written in place, not as constants: every name is an entry of the module's names table
# (ES13 7.1, docs/gateway-runtime.md "The names table"):
#   50   characters of an APN: keeps AT+CGDCONT=1,"IP","<apn>" within 80 (REFERENCE 5.5)
#   32   characters of a GPRS user or password, per field, as stored since the first
#        version (a saved configuration stays valid); sms_commands.gprs takes at most 30
#        each from an SMS: AT#SGACT=1,1,"<user>","<pwd>" is then at most 78 characters, 79
#        with the CR (80-character line, REFERENCE 5.5, 12)
#   50   characters of a host: keeps AT#SD=1,0,<port>,"<host>",0,0 within 80
#   5    sender allow-list numbers; 100 characters of an identity or heartbeat template
#        (one SMS command); 20 characters of a unit name
# Letters are told by their ASCII codes (65-90 'A'-'Z', 97-122 'a'-'z'): an alphabet
# string of only letters would be one more interned name.
# The serial formats, split at start: a word that is a constant of its own would be one
# more interned name each (docs/gateway-runtime.md "The names table").
CHARFORMATS = '8N2 8E1 8O1 8N1 7E1 7O1'.split(' ')

DIGITS = '0123456789'
HEX = '0123456789ABCDEF'


def num(s, m):
    # Decimal digits only (no sign, no spaces: int() accepts more in Python 3 than on
    # the module), at most 9 of them so int() never leaves 32 bits.  -> 0..m or -1.
    if len(s) < 1 or len(s) > 9:
        return -1
    for c in s:
        if DIGITS.find(c) == -1:
            return -1
    n = int(s)
    if n > m:
        return -1
    return n


def quad(s):
    # '192.168.0.1' -> [192, 168, 0, 1], or None.  Leading zeros are read as decimal.
    parts = s.split('.')
    if len(parts) != 4:
        return None
    out = []
    for p in parts:
        if len(p) > 3:
            return None
        n = num(p, 255)
        if n < 0:
            return None
        out.append(n)
    return out


def canon_ip(s):
    # Canonical dotted quad ('010.0.0.1' -> '10.0.0.1'), or '' when s is not one.
    q = quad(s)
    if q is None:
        return ''
    return '%d.%d.%d.%d' % tuple(q)


def canon_mask(s):
    # Canonical contiguous netmask ('255.255.255.0'), or ''.  A mask with holes
    # (255.0.255.0) is almost always a typo, so it is refused.
    q = quad(s)
    if q is None:
        return ''
    ok = 1                  # 1 while the mask's ones go on; after them only zeros
    for n in q:
        if not ok and n != 0:
            return ''
        if not (n in (0, 128, 192, 224, 240, 248, 252, 254, 255)):
            return ''
        if n != 255:
            ok = 0
    return '%d.%d.%d.%d' % tuple(q)


def network(ip, mask):
    # ip & mask, octet by octet (keeps every value inside 31 bits, dialect.md).
    a = quad(ip)
    m = quad(mask)
    return '%d.%d.%d.%d' % (a[0] & m[0], a[1] & m[1], a[2] & m[2], a[3] & m[3])


def host_ok(s):
    # A client server: a dotted quad or a DNS name of letters, digits, '-' and '.'.
    if word_ok(s, 50, '0123456789.'):
        return canon_ip(s) == s
    if not word_ok(s, 50, '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-'):
        return 0
    for label in s.split('.'):
        if label == '' or len(label) > 63 or label[0] == '-' or label[-1] == '-':
            return 0
    return 1


def baud_ok(n):
    # 1 when n is one of the SER.set_speed rates (REFERENCE.md 2.3, seed 001).
    return n in (300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


def charformat_ok(s):
    return s in CHARFORMATS


def alert_ok(s):
    return s in ('gprs', 'restart')


def apn_ok(s):
    # APN: 1-50 of letters, digits, '.', '-', '_' (no quote can break the AT line).
    return word_ok(s, 50)


def word_ok(s, m,
            want='0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_'):
    # 1-m characters, each one of want; by default letters, digits, '.', '-', '_' (an
    # APN, a unit name, a release version).
    if len(s) < 1 or len(s) > m:
        return 0
    for c in s:
        if want.find(c) == -1:
            return 0
    return 1


def cred_ok(s):
    # GPRS user or password: 0-32 printable ASCII characters except '"' and '\'
    # (they would end or escape the quoted argument of AT#SGACT).
    if len(s) > 32:
        return 0
    for c in s:
        o = ord(c)
        if o < 33 or o > 126 or c == '"' or c == '\\':
            return 0
    return 1


def low(s):
    # ASCII lower case: str.lower() also maps non-ASCII letters in Python 3 but not on
    # the module, so text from outside (an SMS) is lowered with this.
    out = []
    for c in s:
        if ord(c) > 64 and ord(c) < 91:
            c = chr(ord(c) + 32)
        out.append(c)
    return ''.join(out)


def password_ok(s):
    if len(s) < 1 or len(s) > 12:
        return 0
    for c in s:
        if DIGITS.find(c) == -1 and (ord(c) < 97 or ord(c) > 122):
            return 0
    return 1


def phone_ok(s):
    # A sender number as +CMGL shows it: an optional '+' and 3-20 digits.
    if s[:1] == '+':
        s = s[1:]
    if len(s) < 3 or len(s) > 20:
        return 0
    for c in s:
        if DIGITS.find(c) == -1:
            return 0
    return 1


def expand(t, imei, ccid, name, key):
    # An identity or heartbeat template -> its bytes, or None when an escape is
    # malformed.  %IMEI %CCID %ID %KEY are replaced first (so %CCID is never the byte
    # 0xCC and 'ID': write %CC%49D for that), then %HH is the byte 0xHH (either case).
    # %KEY is the unit's secret for the fleet server (SMS key, docs/gateway.md 1.22).
    out = []
    i = 0
    n = len(t)
    while i < n:
        c = t[i]
        i = i + 1
        if c != '%':
            out.append(c)
        elif t[i - 1:i + 4] == '%IMEI':       # the escapes with their % (not a name)
            out.append(imei)
            i = i + 4
        elif t[i - 1:i + 4] == '%CCID':
            out.append(ccid)
            i = i + 4
        elif t[i - 1:i + 2] == '%ID':
            out.append(name)
            i = i + 2
        elif t[i - 1:i + 3] == '%KEY':
            out.append(key)
            i = i + 3
        else:
            # either case: upper() maps only a-f of the latin-1 letters into HEX
            hi = HEX.find(t[i:i + 1].upper())
            lo = HEX.find(t[i + 1:i + 2].upper())
            if hi == -1 or lo == -1 or t[i + 1:i + 2] == '':
                return None
            out.append(chr(hi % 16 * 16 + lo % 16))
            i = i + 2
    return ''.join(out)


def tpl_ok(t):
    # 1-100 printable ASCII characters (space included) whose escapes are well formed
    # and whose bytes never hold '+++': three '+' framed by silence would be taken by
    # the module as the escape from online mode (REFERENCE.md 6.7).  IMEI and ICCID are
    # digits, a name and a key have no '+', so checking with stand-ins is exact.
    if len(t) < 1 or len(t) > 100:
        return 0
    for c in t:
        if ord(c) < 32 or ord(c) > 126:
            return 0
    b = expand(t, '0', '0', 'x', 'x')
    return b is not None and b.find('+++') == -1


def shown(v, pw):
    # A value echoed back in an SMS reply, unless it contains the SMS password: replies
    # never carry it.  The value comes between two chr(1) marks: sms_commands.fit()
    # shortens it there when the reply would not fit one SMS, and removes the marks.
    # The backtick, the one printable ASCII character outside the GSM 7-bit alphabet
    # (3GPP TS 23.038 6.2.1), is echoed as '?'.
    if low(v).find(pw) != -1:
        return '(hidden)'
    return '\001' + v.replace('`', '?') + '\001'
