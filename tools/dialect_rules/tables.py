"""Name tables of the on-module dialect (shared/dialect.md, shared/telit/REFERENCE.md §1)."""
from __future__ import annotations

import builtins

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

# dialect.md "Built-ins", plus the module's own file built-ins (REFERENCE §1.4).
ALLOWED_BUILTINS = frozenset(
    "abs callable chr divmod getattr hasattr hash id int isinstance len list max min ord range "
    "repr setattr str tuple type open unlink rename flashflush None".split()
)
# Built-ins dialect.md does not list, but whose exact use the real interpreters agree on
# (golden verdicts): pow() of ints (d124); map()/filter() only inside list()/tuple()/join()
# (d151-d153, checked in context by the `builtin` rule).
VERDICT_BUILTINS = frozenset({"pow"})
CONTEXT_BUILTINS = frozenset({"map", "filter"})

# Built-in exceptions that exist under the same name in 1.5.2 and Python 3.
EXCEPTIONS = frozenset(
    "Exception ArithmeticError LookupError AssertionError AttributeError EOFError "
    "FloatingPointError EnvironmentError IOError OSError ImportError IndexError KeyError "
    "KeyboardInterrupt MemoryError NameError NotImplementedError OverflowError RuntimeError "
    "SyntaxError SystemError SystemExit TypeError ValueError ZeroDivisionError".split()
)

# Built-ins of 1.5.2 (REFERENCE §1.3) that Python 3 lacks: a read of one is a builtin use.
PY152_ONLY_BUILTINS = frozenset(
    "apply buffer cmp coerce execfile intern long raw_input reduce reload unicode xrange "
    "StandardError".split()
)
KNOWN_BUILTINS = frozenset(dir(builtins)) | PY152_ONLY_BUILTINS

# Names a module can read although Python 3 lists them among builtins' attributes.
MODULE_DUNDERS = frozenset({"__name__"})

# Built-ins that take exactly this many positional arguments in both interpreters
# (1.5.2's C functions parse a fixed tuple; several grew optional arguments later).
BUILTIN_ARITY: dict[str, tuple[int, int]] = {
    "abs": (1, 1), "callable": (1, 1), "chr": (1, 1), "divmod": (2, 2), "getattr": (2, 3),
    "hasattr": (2, 2), "hash": (1, 1), "id": (1, 1), "int": (1, 1), "isinstance": (2, 2),
    "len": (1, 1), "list": (1, 1), "max": (1, 99), "min": (1, 99), "ord": (1, 1),
    "range": (1, 3), "repr": (1, 1), "setattr": (3, 3), "str": (1, 1), "tuple": (1, 1),
    "type": (1, 1), "open": (1, 3), "unlink": (1, 1), "rename": (2, 2), "flashflush": (0, 0),
    "pow": (2, 3), "map": (2, 99), "filter": (2, 2),
}

# dialect.md "String methods".
STR_METHODS = frozenset(
    "capitalize count endswith find index join lstrip lower replace rfind rindex rstrip split "
    "startswith strip swapcase translate upper".split()
)
# Methods that only str/bytes have (so `x.name()` can only be a string method), minus the
# allowed ones: none of them exists on the module (REFERENCE §1.2).
STR_ONLY_METHODS = (
    frozenset(n for n in dir(str) if not n.startswith("_"))
    | frozenset({"decode", "hex", "fromhex"})
) - STR_METHODS
LIST_METHODS = frozenset("append extend insert pop remove index count reverse sort".split())
DICT_METHODS = frozenset("get update copy clear keys values items".split())
# Dict methods that are not in both interpreters (has_key is 1.5.2 only, the rest 2.x/3).
BAD_DICT_METHODS = frozenset(
    "has_key setdefault popitem fromkeys iteritems iterkeys itervalues viewitems viewkeys "
    "viewvalues".split()
)
# Methods of file objects that the module's file system lacks (REFERENCE §3).
BAD_FILE_METHODS = frozenset({"truncate"})
# Allowed methods of built-in objects that take keyword arguments in Python 3 (sep=,
# maxsplit=, count=) but none in 1.5.2. (sort's are the sort-arg rule.)
KEYWORD_METHODS = frozenset({"split", "replace"})
# Methods that change their object: an `assert` that calls one has behaviour.
MUTATING_METHODS = frozenset(
    "append extend insert pop remove reverse sort update clear write send close".split()
)

# dialect.md "Modules", plus imp: a C built-in of the module (ES13 5.1.1, 5.2.30; REFERENCE
# §1.4) that the emulator provides with 1.5.2's load_module (docs/emulator.md).  gwboot.py
# uses it to load an update's files under their module names (docs/update.md).
ALLOWED_MODULES = frozenset("sys md5 marshal imp MDM MDM2 SER SER2 MOD GPIO".split())
TELIT_MODULES = frozenset("MDM MDM2 SER SER2 MOD GPIO IIC SPI GPS".split())
# sys attributes present in both 1.5.2 (REFERENCE §1.4) and Python 3.
SYS_ATTRS = frozenset(
    "argv exc_info exit stdin stdout stderr modules path platform version hexversion "
    "getrefcount".split()
)

# Special methods whose meaning differs between classic 1.5.2 classes and Python 3.
SPECIAL_METHODS = frozenset(
    "__cmp__ __rcmp__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__ __nonzero__ __bool__ "
    "__div__ __rdiv__ __idiv__ __truediv__ __rtruediv__ __floordiv__ __rfloordiv__ "
    "__getslice__ __setslice__ __delslice__ __coerce__ __iter__ __next__ __contains__ "
    "__enter__ __exit__ __index__ __format__ __bytes__ __round__ __long__ __unicode__ "
    "__oct__ __hex__ __iadd__ __isub__ __imul__ __imod__ __ipow__ __ilshift__ __irshift__ "
    "__iand__ __ior__ __ixor__ __init_subclass__ __class_getitem__ __set_name__ "
    "__getattribute__ __new__ __slots__ __metaclass__".split()
)

# Names that are functions, not types, in 1.5.2 (dialect.md "Silent traps").
TYPE_FUNCTIONS = frozenset({"int", "str", "list", "tuple"})

# %-format conversions that mean the same in both (dialect.md "Numbers").
FORMAT_CONVERSIONS = frozenset("sdixXc%")

# Limits (dialect.md "Size").
MAX_STRING = 16000
MAX_DISPLAY = 4000
MAX_MODULE_NAME = 16  # NAME.pyo
