"""Hand-written good and bad snippets for every rule of the dialect checker."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import tools.dialect_rules as rules_package
from tools.dialect import check_source
from tools.paths import ROOT

# (rule, source, line, col): the rule must be reported at exactly this position.
BAD: list[tuple[str, str, int, int]] = [
    ('syntax', 'x = (1,\n', 1, 5),
    ('syntax', "print 'x'\n", 1, 1),
    ('aug-assign', 'x = 1\nx += 1\n', 2, 1),
    ('aug-assign', 'x = 1\nx <<= 1\n', 2, 1),
    ('comprehension', 'l = [i for i in (1, 2)]\n', 1, 5),
    ('comprehension', 'g = list(i for i in (1, 2))\n', 1, 9),
    ('yield', 'def g():\n    yield 1\n', 2, 5),
    ('with', "with open('f') as f:\n    pass\n", 1, 1),
    ('if-expr', 'x = 1\ny = 2 if x else 3\n', 2, 5),
    ('decorator', 'def d(f):\n    return f\n@d\ndef g():\n    pass\n', 3, 2),
    ('async', 'async def f():\n    pass\n', 1, 1),
    ('match', 'x = 1\nmatch x:\n    case 1:\n        pass\n', 2, 1),
    ('walrus', 'if (n := 3):\n    pass\n', 1, 5),
    ('star-target', 'a, *b = (1, 2, 3)\n', 1, 4),
    ('star-display', 'a = (1, 2)\nb = [*a]\n', 2, 6),
    ('star-display', 'a = {}\nb = {**a}\n', 2, 8),
    ('kwonly-arg', 'def f(a, *, b=1):\n    return b\n', 1, 13),
    ('posonly-arg', 'def f(a, /):\n    return a\n', 1, 7),
    ('annotation', 'def f(a: int):\n    return a\n', 1, 10),
    ('annotation', 'x: int = 1\n', 1, 4),
    ('nonlocal', 'def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n    g()\n', 4, 9),
    ('set-display', 's = {1, 2}\n', 1, 5),
    ('nested-scope', 'def outer():\n    x = 1\n    def inner():\n        return x\n    return inner()\n', 4, 16),
    ('nested-scope', 'def make(n):\n    return lambda x: x + n\n', 2, 26),
    ('nested-scope', 'def f(a):\n    class C:\n        v = a\n    return C\n', 3, 13),
    ('import-as', 'import sys as s\n', 1, 1),
    ('import-as', 'from sys import argv as a\n', 1, 1),
    ('import-parens', 'from sys import (argv, path)\n', 1, 17),
    ('star-call', 'def f(a, b):\n    return a\nt = (1, 2)\nf(*t)\n', 4, 3),
    ('star-call', 'def f(a, b):\n    return a\nd = {}\nf(**d)\n', 4, 5),
    ('print', "print('a', 1)\n", 1, 1),
    ('print', "print('a', end='')\n", 1, 1),
    ('print', 'x = print\n', 1, 5),
    ('print', "import sys\nprint >>sys.stderr, 'x'\n", 2, 1),
    ('keyword-name', 'class C:\n    pass\nc = C()\nc.print = 1\n', 4, 1),
    ('keyword-name', 'def exec(a):\n    return a\n', 1, 1),
    ('docstring', "'module doc'\nx = 1\n", 1, 1),
    ('docstring', "def f():\n    'doc'\n    return 1\n", 2, 5),
    ('docstring', "x = 1\n'stray string'\n", 2, 1),
    ('except-bind', 'try:\n    pass\nexcept ValueError as e:\n    pass\n', 3, 1),
    ('except-class', 'class E:\n    pass\ntry:\n    pass\nexcept E:\n    pass\n', 5, 8),
    ('try-except-finally', 'try:\n    pass\nexcept ValueError:\n    pass\nfinally:\n    pass\n', 1, 1),
    ('raise-class', 'class MyError:\n    pass\nraise MyError()\n', 3, 7),
    ('raise-call', "raise ValueError('a', 2)\n", 1, 7),
    ('raise-call', "raise IOError('x')\n", 1, 7),
    ('raise-call', "x = 3\nraise ValueError('bad %d' % x)\n", 2, 7),
    ('raise-call', "err = KeyError('k')\nraise err\n", 1, 7),
    ('raise-class', "raise 'text'\n", 1, 7),
    ('raise-from', "try:\n    pass\nexcept KeyError:\n    raise ValueError('x') from None\n", 4, 32),
    ('exception-class', 'class MyError(Exception):\n    pass\n', 1, 15),
    ('exec', "def f():\n    exec('x = 1')\n", 2, 5),
    ('exec', "exec('x = 1', {})\n", 1, 1),
    ('backtick', 'x = `1`\n', 1, 5),
    ('ne-diamond', 'x = 1 <> 2\n', 1, 7),
    ('string-prefix', "x = u'a'\n", 1, 5),
    ('string-prefix', "x = b'a'\n", 1, 5),
    ('string-prefix', "y = 1\nx = f'{y}'\n", 2, 5),
    ('float', 'x = 1.5\n', 1, 5),
    ('float', 'x = 1e3\n', 1, 5),
    ('float', "x = float('1')\n", 1, 5),
    ('float', 'x = round(3)\n', 1, 5),
    ('complex', 'x = 2j\n', 1, 5),
    ('division', 'x = 7 / 2\n', 1, 5),
    ('division', 'x = 7 // 2\n', 1, 5),
    ('bool-name', 'x = True\n', 1, 5),
    ('bool-name', 'x = bool(1)\n', 1, 5),
    ('octal', 'x = 0o17\n', 1, 5),
    ('octal', 'x = 017\n', 1, 5),
    ('binary', 'x = 0b101\n', 1, 5),
    ('long-literal', 'x = 10L\n', 1, 5),
    ('underscore-literal', 'x = 1_000\n', 1, 5),
    ('int-range', 'x = 2147483648\n', 1, 5),
    ('int-range', 'x = -2147483648\n', 1, 6),
    ('int-range', 'x = 0x80000000\n', 1, 5),
    ('int-range', "x = int('4294967296')\n", 1, 5),
    ('int-overflow', 'x = 2147483647 + 1\n', 1, 5),
    ('int-overflow', 'x = 1 << 31\n', 1, 5),
    ('int-overflow', 'y = 5\nx = y << 32\n', 2, 5),
    ('int-overflow', 'm = -2147483647 - 1\nx = -m\n', 2, 5),
    ('negative-power', 'x = 2 ** -1\n', 1, 5),
    ('hex-escape', "x = '\\x0dA'\n", 1, 6),
    ('hex-escape', "x = 'ab\\x0d1'\n", 1, 8),
    ('unicode-escape', "x = '\\u00e9'\n", 1, 6),
    ('octal-escape', "x = '\\777'\n", 1, 6),
    ('step-slice', "x = 'abcdef'[::2]\n", 1, 14),
    ('step-slice', 'x = [1, 2][::]\n', 1, 12),
    ('ext-slice', 'x = {}\ny = x[1:2, 3]\n', 2, 7),
    ('continue-in-try', 'for i in range(3):\n    try:\n        continue\n    except ValueError:\n        pass\n', 3, 9),
    ('continue-in-try', 'for i in range(3):\n    try:\n        pass\n    finally:\n        continue\n', 5, 9),
    ('continue-in-try', 'for i in range(3):\n    try:\n        try:\n            pass\n        except ValueError:\n            continue\n    finally:\n        pass\n', 6, 13),
    ('class-empty-parens', 'class C():\n    pass\n', 1, 8),
    ('dunder-param', 'class C:\n    def m(self, __x):\n        return __x\n', 2, 17),
    ('trailing-comma', 'def f(a, *args,):\n    return a\n', 1, 15),
    ('in-operand', "x = 'ab' in 'abc'\n", 1, 13),
    ('in-operand', "d = {'a': 1}\nx = 'a' in d\n", 2, 12),
    ('in-operand', 'def f(a, b):\n    return a in b\n', 2, 17),
    ('in-operand', "s = 'abc'\nx = 'ab' not in s\n", 2, 17),
    ('dict-iter', 'd = {}\nfor k in d:\n    pass\n', 2, 10),
    ('dict-iter', 'd = {}\nl = list(d)\n', 2, 10),
    ('str-method', "x = '1'.isdigit()\n", 1, 5),
    ('str-method', "x = 'a'.encode()\n", 1, 5),
    ('str-method', "x = '{0}'.format(1)\n", 1, 5),
    ('strip-arg', "x = 'xax'.strip('x')\n", 1, 5),
    ('strip-arg', "x = ' a'.lstrip(' ')\n", 1, 5),
    ('limit-zero', "x = 'a,b'.split(',', 0)\n", 1, 5),
    ('limit-zero', "x = 'aa'.replace('a', 'b', 0)\n", 1, 5),
    ('builtin', 'x = sorted([2, 1])\n', 1, 5),
    ('builtin', 'x = zip([1], [2])\n', 1, 5),
    ('builtin', 'x = map(abs, [1])[0]\n', 1, 5),
    ('builtin', 'for x in filter(abs, [1]):\n    pass\n', 1, 10),
    ('builtin', "x = eval('1')\n", 1, 5),
    ('builtin', 'class C(object):\n    pass\n', 1, 9),
    ('builtin-args', "x = int('ff', 16)\n", 1, 5),
    ('builtin-args', 'x = int()\n', 1, 5),
    ('builtin-args', 'x = str()\n', 1, 5),
    ('range-use', 'r = range(3)\n', 1, 5),
    ('range-use', 'x = range(3)[0]\n', 1, 5),
    ('keyword-arg', 'x = max([1], key=abs)\n', 1, 14),
    ('keyword-arg', "x = 'a b'.split(sep=' ')\n", 1, 17),
    ('keyword-arg', "import SER\nSER.send(data='x')\n", 2, 10),
    ('dict-view', 'd = {}\nk = d.keys()\n', 2, 5),
    ('dict-view', 'd = {}\nx = d.items()[0]\n', 2, 5),
    ('dict-view', 'd = {}\nd.keys().sort()\n', 2, 1),
    ('dict-method', "d = {}\nx = d.has_key('a')\n", 2, 5),
    ('dict-method', "d = {}\nx = d.setdefault('a', 1)\n", 2, 5),
    ('dict-method', 'd = {}\nx = d.popitem()\n', 2, 5),
    ('dict-method', "d = {'a': 1}\nx = d.pop('a')\n", 2, 5),
    ('dict-method', "def f(x):\n    return x.pop('a', None)\n", 2, 12),
    ('dict-order', 'd = {}\nk = list(d.keys())\n', 2, 5),
    ('dict-order', "d = {}\nx = ','.join(d.keys())\n", 2, 14),
    ('dict-eval-order', "def t(x):\n    return x\nd = {t('k'): t('v')}\n", 3, 6),
    ('sort-arg', 'l = [2, 1]\nl.sort(reverse=True)\n', 2, 1),
    ('sort-arg', 'l = [2, 1]\nl.sort(lambda a, b: a - b)\n', 2, 1),
    ('list-method', 'l = [1]\nm = l.copy()\n', 2, 5),
    ('list-method', 'l = [1]\nl.clear()\n', 2, 1),
    ('long-text', 'import MOD\nt = MOD.secCounter()\nx = str(t)\n', 3, 9),
    ('long-text', "import MOD\nx = '%s' % MOD.secCounter()\n", 2, 12),
    ('format', "x = '%r' % 1\n", 1, 5),
    ('format', "x = '%5.2f' % 1\n", 1, 5),
    ('format-negative', "x = '%x' % -1\n", 1, 12),
    ('format-negative', "x = '%s %x' % ('a', -255)\n", 1, 21),
    ('chr-range', 'x = chr(256)\n', 1, 5),
    ('import', 'import os\n', 1, 1),
    ('import', 'from string import digits\n', 1, 1),
    ('import', 'import os.path\n', 1, 1),
    ('import', 'from . import x\n', 1, 1),
    ('import-star', 'def f():\n    from sys import *\n', 2, 5),
    ('module-attr', 'import sys\nx = sys.maxint\n', 2, 5),
    ('module-attr', "import md5\nx = md5.new('a').hexdigest()\n", 2, 5),
    ('file-method', "f = open('a', 'w')\nf.truncate()\n", 2, 1),
    ('type-name', 'x = isinstance(1, int)\n', 1, 19),
    ('type-name', "x = isinstance('a', (str, list))\n", 1, 22),
    ('type-name', "x = str.upper('a')\n", 1, 5),
    ('type-name', 'x = type(1) == int\n', 1, 16),
    ('bool-text', 'x = str(1 < 2)\n', 1, 9),
    ('bool-text', "x = '%s' % ('a' == 'b')\n", 1, 13),
    ('bool-text', 'ok = 1 > 0\nprint(ok)\n', 2, 7),
    ('exc-text', "x = str(KeyError('k'))\n", 1, 9),
    ('repr-text', "x = repr('a\\n')\n", 1, 5),
    ('exc-info', 'import sys\nx = sys.exc_info()\n', 2, 5),
    ('exc-info', 'import sys\ndef last():\n    return sys.exc_info()[0]\nx = last()\n', 4, 5),
    ('exc-info', 'from sys import exc_info\nx = exc_info()\n', 2, 5),
    ('multi-inherit', 'class A:\n    pass\nclass B:\n    pass\nclass C(A, B):\n    pass\n', 5, 12),
    ('special-method', 'class V:\n    def __eq__(self, o):\n        return 1\n', 2, 5),
    ('special-method', 'class V:\n    def __nonzero__(self):\n        return 1\n', 2, 5),
    ('special-method', "class V:\n    __slots__ = ('a',)\n", 2, 5),
    ('assert', "assert 0, 'never'\n", 1, 1),
    ('assert', 'l = []\nassert l.append(1) is None\n', 2, 8),
    ('debug', 'if __debug__:\n    x = 1\n', 1, 4),
    ('mixed-compare', "x = 1 < 'a'\n", 1, 9),
    ('mixed-compare', 'x = None\ny = x < 1\n', 2, 9),
    ('unbound-method', 'class A:\n    def f(self):\n        return 1\nclass B:\n    pass\nx = A.f(B())\n', 6, 9),
    ('is-literal', "x = 'a'\ny = x is 'a'\n", 2, 10),
    ('ellipsis', 'x = ...\n', 1, 5),
    ('matmul', 'a = 1\nb = a @ a\n', 2, 5),
    ('class-keyword', 'class M:\n    pass\nclass C(metaclass=M):\n    pass\n', 3, 9),
    ('except-star', 'try:\n    pass\nexcept* ValueError:\n    pass\n', 1, 1),
    ('non-ascii', "x = 'café'\n", 1, 9),
    ("literal-size", "x = '" + "a" * 16001 + "'\n", 1, 5),
    ("literal-size", "x = (" + "1, " * 4001 + ")\n", 1, 5),
]

# Near misses: each is in the dialect and must pass with no violation at all.
GOOD: list[str] = [
    "x = 1\nx = x + 1\n",
    "l = []\nfor i in range(3):\n    l.append(i * 2)\n",
    "def f(a, b=2, *args, **kw):\n    return a\n",
    "def f(a, b=1,):\n    return a\nx = f(1, b=2)\n",
    "print('hello')\n",
    "print('%s %d' % ('a', 1))\n",
    "import sys\ntry:\n    raise ValueError\nexcept ValueError:\n    t, v = sys.exc_info()[:2]\n",
    "import sys\ndef why():\n    return sys.exc_info()[1]\ntry:\n    pass\nexcept:\n    w = why()\n",
    "try:\n    try:\n        pass\n    except ValueError:\n        pass\nfinally:\n    pass\n",
    "for i in range(3):\n    try:\n        pass\n    except ValueError:\n        continue\n",
    "for i in range(3):\n    try:\n        pass\n    finally:\n        break\n",
    "for i in range(3):\n    try:\n        pass\n    except ValueError:\n        pass\n    else:\n        continue\n",
    "err = ValueError\nraise err\n",
    "raise KeyError\n",
    "try:\n    pass\nexcept (KeyError, IndexError):\n    pass\nexcept:\n    pass\n",
    "class C:\n    pass\n",
    "class A:\n    def f(self, x):\n        return x\nclass B(A):\n    def f(self, x):\n        return A.f(self, x)\n",
    "t = (1, 2)\nx = 1 in t\n",
    "x = 3 not in [1, 2]\n",
    "x = 'a' in 'abc'\n",
    "names = 'a b'.split()\nx = 'a' in names\n",
    "d = {'a': 1}\nx = 'a' in d.keys()\n",
    "SPEEDS = ('300', '9600')\ndef ok(s):\n    return s in SPEEDS\n",
    "class C:\n    def __init__(self):\n        self.items = []\n    def has(self, x):\n        return x in self.items\n",
    "d = {}\nk = list(d.keys())\nk.sort()\n",
    "d = {}\nfor k, v in d.items():\n    pass\n",
    "d = {}\nfor k in list(d.keys()):\n    del d[k]\n",
    "d = {}\nn = len(d.keys())\n",
    "d = {'a': 1}\ne = d.copy()\ne.update({'b': 2})\nx = (e.get('a'), e.get('c', 0))\ne.clear()\n",
    "x = list(map(abs, [-1]))\n",
    "x = list(filter(lambda v: v > 1, [1, 2]))\n",
    "x = '-'.join(map(str, [1, 2]))\n",
    "x = pow(2, 10)\n",
    "x = divmod(7, 2)\n",
    "x = -2147483647 - 1\n",
    "x = 0x7fffffff\n",
    "x = 1 << 30\n",
    "x = (-8 >> 1, ~5, -5 << 2, -7 % 3)\n",
    "x = '\\015\\032\\0' + '\\x0d!'\n",
    "x = r'\\d+\\n'\n",
    "x = '\\q\\d'\n",
    "x = 'abc'[1:2]\ny = 'abc'[:]\n",
    "x = type(1) == type(0)\n",
    "x = '%5s|%-3d|%05d|%x|%c|%%' % ('a', 1, 2, 255, 65)\n",
    "x = '%(k)s' % {'k': 'v'}\n",
    "x = 'ab'.strip().split(',', 1)\n",
    "x = 'abc'.startswith('b', 1)\n",
    "exec('y = 1')\n",
    "def outer():\n    x = 1\n    def inner(x=x):\n        return x\n    return inner()\n",
    "G = 1\ndef outer():\n    def inner():\n        return G\n    return inner()\n",
    "def outer():\n    f = lambda a, k=2: a + k\n    return f(1)\n",
    "def f(n):\n    if n <= 1:\n        return 1\n    return n * f(n - 1)\n",
    "n = 0\ndef bump():\n    global n\n    n = n + 1\n",
    "import MOD\nt = MOD.secCounter()\nx = '%d' % t\n",
    "x = str(5) + repr('abc')\n",
    "class C:\n    def format(self):\n        return 1\nc = C()\nx = c.format()\n",
    "assert 1 == 1, 'never'\n",
    "l = [3, 1]\nl.sort()\nl.reverse()\nx = l.pop()\ny = l.pop(0)\n",
    "global g\ng = 3\n",
    "x = None\ny = (x is None, x is not None, 0 is None)\n",
    "a, (b, c) = 1, (2, 3)\n[e, f] = 'xy'\n",
    "x = 'a' 'b' + \'\'\'c\nd\'\'\'\n",
    "class S:\n    def __len__(self):\n        return 2\n    def __getitem__(self, i):\n        raise IndexError\n",
    "import sys\nimport md5\nimport marshal\nimport MDM\nimport MDM2\nimport SER\nimport SER2\nimport MOD\nimport GPIO\n",
    "import md5\nx = md5.new('a').digest()\n",
    "import MDM\nMDM.send('AT\\r', 0)\n",
    "f = open('cfg', 'r')\ndata = f.read()\nf.close()\nunlink('old')\nrename('a', 'b')\nflashflush()\n",
    "x = (abs(-1), chr(65), ord('A'), hash('a'), id(1), len('ab'), max(1, 2), min([1]), int('12'))\n",
    "x = getattr(1, 'real', 0)\ny = hasattr(1, 'x')\n",
    "x = chr(255)\n",
    "x = 1 < 2 < 3\ny = 'a' < 'b'\n",
    "x = 'a' + 'b' * 3\n",
    "if __name__ == '__main__':\n    pass\n",
    "while 1:\n    break\nelse:\n    pass\n",
    "x = 1; y = 2\n",
    "def outer():\n    global G\n    G = 1\n    def inner():\n        return G\n    return inner()\n",
    "l = []\nfor i in (1, 2):\n    l = l + [i]\nx = 1 in l\n",
    "class Q:\n    def __init__(self):\n        self.q = []\n    def put(self, x):\n        self.q = self.q + [x]\n"
    "    def has(self, x):\n        return x in self.q\n",
]


@pytest.mark.parametrize(("rule", "source", "line", "col"), BAD, ids=[f"{r}-{i}" for i, (r, *_) in enumerate(BAD)])
def test_bad_snippet_is_flagged_at_position(rule: str, source: str, line: int, col: int) -> None:
    found = check_source(source)
    hits = [(v.line, v.col) for v in found if v.rule == rule]
    assert (line, col) in hits, "\n".join(str(v) for v in found) or "(no violations)"


@pytest.mark.parametrize("source", GOOD, ids=[f"good-{i}" for i in range(len(GOOD))])
def test_good_snippet_passes(source: str) -> None:
    assert [str(v) for v in check_source(source)] == []


def test_nesting_is_reported_instead_of_crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Unreachable at the normal analysis limit (Python 3's compiler gives up first); force it.
    monkeypatch.setattr(rules_package, "_ANALYSIS_RECURSION_LIMIT", 0)
    source = "x = " + "1+" * 600 + "1\n"
    assert [v.rule for v in check_source(source)] == ["nesting"]


def test_every_violation_names_a_replacement_where_one_exists() -> None:
    for rule, source, _, _ in BAD:
        for v in check_source(source):
            if v.rule not in ("syntax", "nesting"):
                assert v.message.endswith(" instead)"), str(v)


def test_own_modules_may_be_imported(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("x = 1\n")
    source = "import helper\nfrom helper import x\n"
    assert check_source(source, module_dir=tmp_path) == []
    assert {v.rule for v in check_source(source)} == {"import"}


def _rule_ids_in_source() -> set[str]:
    """Every rule id the checker's code can report (string arguments of its report calls)."""
    position = {"report": 1, "_at": 1, "finding": 2, "Finding": 2}
    ids = set()
    for path in Path(rules_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                i = position.get(name or "")
                if i is not None and len(node.args) > i:
                    arg = node.args[i]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        ids.add(arg.value)
    return ids


def _rule_ids_in_docs() -> set[str]:
    text = (ROOT / "docs" / "dialect-checker.md").read_text()
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.M))


def test_every_rule_is_documented_and_tested() -> None:
    in_source = _rule_ids_in_source()
    assert len(in_source) > 90
    assert _rule_ids_in_docs() == in_source
    tested = {rule for rule, *_ in BAD} | {"nesting", "module-name"}
    assert in_source - tested == set()
