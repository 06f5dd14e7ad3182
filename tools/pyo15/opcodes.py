"""Opcode table of CPython 1.5.2 (Include/opcode.h of 1.5.2).

Opcodes below HAVE_ARGUMENT are one byte; the others are followed by a 16-bit
little-endian argument.  1.5.2 has no EXTENDED_ARG.
"""
from __future__ import annotations

from typing import Final

HAVE_ARGUMENT: Final = 90

OPCODES: Final[dict[str, int]] = {
    "STOP_CODE": 0,
    "POP_TOP": 1,
    "ROT_TWO": 2,
    "ROT_THREE": 3,
    "DUP_TOP": 4,
    "UNARY_POSITIVE": 10,
    "UNARY_NEGATIVE": 11,
    "UNARY_NOT": 12,
    "UNARY_CONVERT": 13,
    "UNARY_INVERT": 15,
    "BINARY_POWER": 19,
    "BINARY_MULTIPLY": 20,
    "BINARY_DIVIDE": 21,
    "BINARY_MODULO": 22,
    "BINARY_ADD": 23,
    "BINARY_SUBTRACT": 24,
    "BINARY_SUBSCR": 25,
    "SLICE": 30,  # SLICE+0 .. SLICE+3
    "STORE_SLICE": 40,  # STORE_SLICE+0 .. +3
    "DELETE_SLICE": 50,  # DELETE_SLICE+0 .. +3
    "STORE_SUBSCR": 60,
    "DELETE_SUBSCR": 61,
    "BINARY_LSHIFT": 62,
    "BINARY_RSHIFT": 63,
    "BINARY_AND": 64,
    "BINARY_XOR": 65,
    "BINARY_OR": 66,
    "PRINT_EXPR": 70,
    "PRINT_ITEM": 71,
    "PRINT_NEWLINE": 72,
    "BREAK_LOOP": 80,
    "LOAD_LOCALS": 82,
    "RETURN_VALUE": 83,
    "EXEC_STMT": 85,
    "POP_BLOCK": 87,
    "END_FINALLY": 88,
    "BUILD_CLASS": 89,
    "STORE_NAME": 90,
    "DELETE_NAME": 91,
    "UNPACK_TUPLE": 92,
    "UNPACK_LIST": 93,
    "STORE_ATTR": 95,
    "DELETE_ATTR": 96,
    "STORE_GLOBAL": 97,
    "DELETE_GLOBAL": 98,
    "LOAD_CONST": 100,
    "LOAD_NAME": 101,
    "BUILD_TUPLE": 102,
    "BUILD_LIST": 103,
    "BUILD_MAP": 104,
    "LOAD_ATTR": 105,
    "COMPARE_OP": 106,
    "IMPORT_NAME": 107,
    "IMPORT_FROM": 108,
    "JUMP_FORWARD": 110,
    "JUMP_IF_FALSE": 111,
    "JUMP_IF_TRUE": 112,
    "JUMP_ABSOLUTE": 113,
    "FOR_LOOP": 114,
    "LOAD_GLOBAL": 116,
    "SETUP_LOOP": 120,
    "SETUP_EXCEPT": 121,
    "SETUP_FINALLY": 122,
    "LOAD_FAST": 124,
    "STORE_FAST": 125,
    "DELETE_FAST": 126,
    "SET_LINENO": 127,
    "RAISE_VARARGS": 130,
    "CALL_FUNCTION": 131,
    "MAKE_FUNCTION": 132,
    "BUILD_SLICE": 133,
}

# Module-level constants, one per opcode, for the code generator.
STOP_CODE: Final = 0
POP_TOP: Final = 1
ROT_TWO: Final = 2
ROT_THREE: Final = 3
DUP_TOP: Final = 4
UNARY_POSITIVE: Final = 10
UNARY_NEGATIVE: Final = 11
UNARY_NOT: Final = 12
UNARY_CONVERT: Final = 13
UNARY_INVERT: Final = 15
BINARY_POWER: Final = 19
BINARY_MULTIPLY: Final = 20
BINARY_DIVIDE: Final = 21
BINARY_MODULO: Final = 22
BINARY_ADD: Final = 23
BINARY_SUBTRACT: Final = 24
BINARY_SUBSCR: Final = 25
SLICE: Final = 30
STORE_SLICE: Final = 40
DELETE_SLICE: Final = 50
STORE_SUBSCR: Final = 60
DELETE_SUBSCR: Final = 61
BINARY_LSHIFT: Final = 62
BINARY_RSHIFT: Final = 63
BINARY_AND: Final = 64
BINARY_XOR: Final = 65
BINARY_OR: Final = 66
PRINT_EXPR: Final = 70
PRINT_ITEM: Final = 71
PRINT_NEWLINE: Final = 72
BREAK_LOOP: Final = 80
LOAD_LOCALS: Final = 82
RETURN_VALUE: Final = 83
EXEC_STMT: Final = 85
POP_BLOCK: Final = 87
END_FINALLY: Final = 88
BUILD_CLASS: Final = 89
STORE_NAME: Final = 90
DELETE_NAME: Final = 91
UNPACK_TUPLE: Final = 92
UNPACK_LIST: Final = 93
STORE_ATTR: Final = 95
DELETE_ATTR: Final = 96
STORE_GLOBAL: Final = 97
DELETE_GLOBAL: Final = 98
LOAD_CONST: Final = 100
LOAD_NAME: Final = 101
BUILD_TUPLE: Final = 102
BUILD_LIST: Final = 103
BUILD_MAP: Final = 104
LOAD_ATTR: Final = 105
COMPARE_OP: Final = 106
IMPORT_NAME: Final = 107
IMPORT_FROM: Final = 108
JUMP_FORWARD: Final = 110
JUMP_IF_FALSE: Final = 111
JUMP_IF_TRUE: Final = 112
JUMP_ABSOLUTE: Final = 113
FOR_LOOP: Final = 114
LOAD_GLOBAL: Final = 116
SETUP_LOOP: Final = 120
SETUP_EXCEPT: Final = 121
SETUP_FINALLY: Final = 122
LOAD_FAST: Final = 124
STORE_FAST: Final = 125
DELETE_FAST: Final = 126
SET_LINENO: Final = 127
RAISE_VARARGS: Final = 130
CALL_FUNCTION: Final = 131
MAKE_FUNCTION: Final = 132
BUILD_SLICE: Final = 133

# Jumps whose argument is relative to the next instruction / absolute.
JREL: Final = frozenset({JUMP_FORWARD, JUMP_IF_FALSE, JUMP_IF_TRUE, FOR_LOOP,
                         SETUP_LOOP, SETUP_EXCEPT, SETUP_FINALLY})
JABS: Final = frozenset({JUMP_ABSOLUTE})
# Opcodes whose argument indexes co_names / co_consts / co_varnames.
HASNAME: Final = frozenset({STORE_NAME, DELETE_NAME, STORE_ATTR, DELETE_ATTR,
                            STORE_GLOBAL, DELETE_GLOBAL, LOAD_NAME, LOAD_ATTR,
                            IMPORT_NAME, IMPORT_FROM, LOAD_GLOBAL})
HASCONST: Final = frozenset({LOAD_CONST})
HASLOCAL: Final = frozenset({LOAD_FAST, STORE_FAST, DELETE_FAST})
HASCOMPARE: Final = frozenset({COMPARE_OP})

# COMPARE_OP arguments (enum cmp_op in 1.5.2's opcode.h).
CMP_OP: Final = ("<", "<=", "==", "!=", ">", ">=", "in", "not in", "is",
                 "is not", "exception match")
CMP_LT, CMP_LE, CMP_EQ, CMP_NE, CMP_GT, CMP_GE = range(6)
CMP_IN, CMP_NOT_IN, CMP_IS, CMP_IS_NOT, CMP_EXC_MATCH = range(6, 11)

# Code object flags.
CO_OPTIMIZED: Final = 0x0001
CO_NEWLOCALS: Final = 0x0002
CO_VARARGS: Final = 0x0004
CO_VARKEYWORDS: Final = 0x0008


def _names() -> dict[int, str]:
    out: dict[int, str] = {}
    for name, op in OPCODES.items():
        if name in ("SLICE", "STORE_SLICE", "DELETE_SLICE"):
            for k in range(4):
                out[op + k] = "%s+%d" % (name, k)
        else:
            out[op] = name
    return out


OPNAME: Final[dict[int, str]] = _names()


def has_arg(op: int) -> bool:
    return op >= HAVE_ARGUMENT
