"""The dialect checker against every row of the real-interpreter verdicts (golden/dialect/).

A row with in_dialect=no must be flagged; a row with in_dialect=yes must pass with no
violation. The two lists below are the only exceptions, each with its reason.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tools.dialect import Violation, check_source
from tools.paths import shared_dir

# 'no' rows whose difference no static check can see. Empty: every 'no' row is caught.
NOT_STATIC: dict[str, str] = {}

# 'yes' rows that the project's rules still reject, because the Telit build differs from the
# desktop 1.5.2+ that produced the verdict (shared/telit/REFERENCE.md).
STRICTER: dict[str, str] = {
    "d006_from_import_names.py":
        "imports the string module: the Telit build has no built-in string/strop, and Telit names "
        "string.py as a module that cannot be uploaded (REFERENCE.md §1.2 modules row, §1.4)",
    "d138_int_from_string_base16.py":
        "int(s, 16): REFERENCE.md §1.2 lists int() with a base as a 2.0 feature absent on the module "
        "(the desktop 1.5.2+ accepted it; on the Telit build it is unconfirmed), and dialect.md says "
        "int() takes one argument",
    "d139_int_from_string_0x_base16.py":
        "int(s, 16), as d138 (REFERENCE.md §1.2, dialect.md 'int() takes one argument')",
}

# 'yes' rows that raise a call of a built-in exception (raise ValueError('x')): the desktop
# 1.5.2+ has class exceptions, but on the module the built-in exceptions are strings (ES13
# 5.2.27; ../shared/dialect.md), where the call is "TypeError: call of non-function" (the
# real 1.5.2+ run with -X says so). The rule raise-call rejects them.
RAISE_CALL_ROWS = ("d063_try_finally_around_except.py", "d065_except_tuple_and_bare.py",
                   "d068_sys_exc_info.py", "d071_raise_instance.py", "d076_bare_raise_reraise.py",
                   "d079_continue_in_except.py", "d196_special_method_len_getitem.py")
for _row in RAISE_CALL_ROWS:
    STRICTER[_row] = "calls a built-in exception: a string on the module (ES13 5.2.27), see raise-call"

# The rule that must catch each 'no' row (and each STRICTER row): flagged for the right reason.
EXPECTED_RULE: dict[str, str] = {
    "d001_aug_assign.py": "aug-assign",
    "d003_list_comprehension.py": "comprehension",
    "d005_import_as.py": "import-as",
    "d006_from_import_names.py": "import",
    "d007_call_star_args.py": "star-call",
    "d008_call_star_kwargs.py": "star-call",
    "d009_apply_builtin.py": "builtin",
    "d012_keyword_only_args.py": "kwonly-arg",
    "d013_tuple_parameters.py": "syntax",
    "d014_print_statement.py": "syntax",
    "d016_print_paren_two_args.py": "print",
    "d017_print_chevron.py": "print",
    "d023_with_statement.py": "with",
    "d024_yield_generator.py": "yield",
    "d025_conditional_expression.py": "if-expr",
    "d028_assert_false.py": "assert",
    "d029_if_debug.py": "debug",
    "d030_exec_statement.py": "syntax",
    "d032_exec_paren_in_function.py": "exec",
    "d033_backticks.py": "backtick",
    "d034_ne_diamond.py": "ne-diamond",
    "d036_class_empty_parens.py": "class-empty-parens",
    "d037_class_object_base.py": "builtin",
    "d039_nested_scope_read.py": "nested-scope",
    "d040_nested_function_recursive.py": "nested-scope",
    "d041_lambda_reads_local.py": "nested-scope",
    "d042_extended_unpacking.py": "star-target",
    "d045_walrus.py": "walrus",
    "d046_fstring.py": "string-prefix",
    "d047_decorator.py": "decorator",
    "d048_dict_comprehension.py": "comprehension",
    "d049_set_comprehension.py": "comprehension",
    "d050_set_literal.py": "set-display",
    "d051_set_builtin.py": "builtin",
    "d052_generator_expression.py": "comprehension",
    "d053_none_assignment.py": "syntax",
    "d054_true_false_names.py": "bool-name",
    "d055_true_assignment.py": "syntax",
    "d059_tabs_and_spaces_mixed.py": "syntax",
    "d060_future_import.py": "import",
    "d062_try_except_finally_combined.py": "try-except-finally",
    "d066_except_comma_name.py": "syntax",
    "d067_except_as_name.py": "except-bind",
    "d069_exc_info_after_handler.py": "exc-info",
    "d070_raise_comma_form.py": "syntax",
    "d073_raise_string_exception.py": "raise-class",
    "d074_raise_plain_class_instance.py": "raise-class",
    "d075_raise_exception_subclass.py": "exception-class",
    "d077_str_of_keyerror.py": "exc-text",
    "d078_continue_in_try_body.py": "continue-in-try",
    "d080_continue_in_finally.py": "continue-in-try",
    "d083_from_import_star_in_function.py": "import-star",
    "d084_float_literal.py": "float",
    "d085_complex_literal.py": "complex",
    "d086_docstring_function.py": "docstring",
    "d088_octal_literal_old.py": "octal",
    "d089_octal_literal_new.py": "octal",
    "d090_binary_literal.py": "binary",
    "d091_long_suffix.py": "long-literal",
    "d092_int_literal_too_big.py": "int-range",
    "d093_int_literal_minint.py": "int-range",
    "d095_negate_minint.py": "int-overflow",
    "d096_int_from_string_too_big.py": "int-range",
    "d097_hex_literal_wraps.py": "int-range",
    "d099_underscore_in_number.py": "underscore-literal",
    "d103_escape_hex_greedy.py": "hex-escape",
    "d107_unicode_literal.py": "string-prefix",
    "d108_bytes_literal.py": "string-prefix",
    "d113_dict_display_eval_order.py": "dict-eval-order",
    "d115_int_division.py": "division",
    "d116_floor_division.py": "division",
    "d120_lshift_overflow.py": "int-overflow",
    "d121_add_overflow.py": "int-overflow",
    "d122_mul_overflow.py": "int-overflow",
    "d123_negative_power.py": "negative-power",
    "d127_comparison_result_str.py": "bool-text",
    "d129_mixed_type_ordering.py": "mixed-compare",
    "d132_in_string_substring.py": "in-operand",
    "d133_in_dict.py": "in-operand",
    "d134_dict_has_key.py": "dict-method",
    "d138_int_from_string_base16.py": "builtin-args",
    "d139_int_from_string_0x_base16.py": "builtin-args",
    "d140_isinstance_int.py": "type-name",
    "d142_str_type_method.py": "type-name",
    "d143_zip_builtin.py": "builtin",
    "d144_enumerate_builtin.py": "builtin",
    "d145_sorted_builtin.py": "builtin",
    "d146_reduce_builtin.py": "builtin",
    "d147_xrange_builtin.py": "builtin",
    "d148_range_list_methods.py": "range-use",
    "d150_map_result_indexed.py": "builtin",
    "d154_dict_keys_sort.py": "dict-view",
    "d156_dict_keys_order.py": "dict-order",
    "d157_dict_iterate_directly.py": "dict-iter",
    "d158_dict_setdefault.py": "dict-method",
    "d159_dict_pop.py": "dict-method",
    "d161_list_sort_with_cmp.py": "sort-arg",
    "d163_cmp_builtin.py": "builtin",
    "d164_hex_oct_builtins.py": "builtin",
    "d165_hex_builtin_negative.py": "builtin",
    "d166_format_percent_r.py": "format",
    "d167_format_percent_x_negative.py": "format-negative",
    "d169_repr_of_string_escapes.py": "repr-text",
    "d170_sys_maxint.py": "module-attr",
    "d173_str_strip_chars.py": "strip-arg",
    "d175_str_split_maxsplit_zero.py": "limit-zero",
    "d176_str_replace_count_zero.py": "limit-zero",
    "d180_str_isdigit.py": "str-method",
    "d181_str_zfill.py": "str-method",
    "d182_str_splitlines.py": "str-method",
    "d183_str_format_method.py": "str-method",
    "d184_str_translate.py": "import",
    "d185_string_module_functions.py": "import",
    "d186_string_module_letters.py": "import",
    "d187_string_slicing_with_step.py": "step-slice",
    "d188_list_slicing_with_step.py": "step-slice",
    "d191_diamond_mro.py": "multi-inherit",
    "d193_mangled_parameter_name.py": "dunder-param",
    "d194_special_method_cmp.py": "special-method",
    "d195_special_method_eq.py": "special-method",
    "d197_unbound_method_other_instance.py": "unbound-method",
    "d198_super_builtin.py": "builtin",
}
for _row in RAISE_CALL_ROWS:
    EXPECTED_RULE[_row] = "raise-call"


def _folder() -> Path | None:
    shared = shared_dir()
    return None if shared is None else shared / "golden" / "dialect"


def _rows() -> list[dict[str, str]]:
    folder = _folder()
    if folder is None or not (folder / "verdicts.tsv").is_file():
        return []
    with open(folder / "verdicts.tsv", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


ROWS = _rows()


def _check(row: dict[str, str]) -> list[Violation]:
    folder = _folder()
    assert folder is not None
    name = row["file"]
    return check_source((folder / name).read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_verdict_row(row: dict[str, str], shared: Path) -> None:
    name = row["file"]
    found = _check(row)
    shown = "\n".join(str(v) for v in found) or "(no violations)"
    rules = {v.rule for v in found}
    if row["in_dialect"] == "no" and name in NOT_STATIC:
        assert not found, f"{name} is caught now: remove it from NOT_STATIC\n{shown}"
    elif row["in_dialect"] == "no" or name in STRICTER:
        assert found, f"{name} ({row['notes']}) must be flagged\n{shown}"
        assert EXPECTED_RULE[name] in rules, f"{name} must be flagged as {EXPECTED_RULE[name]}\n{shown}"
    else:
        assert not found, f"{name} is in the dialect ({row['notes']}) and must pass\n{shown}"


def test_exception_lists_are_consistent(shared: Path) -> None:
    verdict = {r["file"]: r["in_dialect"] for r in ROWS}
    assert len(ROWS) == 198
    assert all(verdict.get(f) == "no" for f in NOT_STATIC)
    assert all(verdict.get(f) == "yes" for f in STRICTER)
    assert set(EXPECTED_RULE) == {f for f, v in verdict.items() if v == "no" and f not in NOT_STATIC} | set(STRICTER)


def test_verdict_coverage_report(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    no_rows = [r for r in ROWS if r["in_dialect"] == "no"]
    caught = [r for r in no_rows if _check(r)]
    checked = len(ROWS) - len(NOT_STATIC)
    summary = (
        f"dialect verdicts: {checked} of {len(ROWS)} rows checked statically; "
        f"{len(caught)} 'no' rows caught, {len(NOT_STATIC)} 'no' rows not statically checkable"
        + (": " + ", ".join(f"{k} ({v})" for k, v in NOT_STATIC.items()) if NOT_STATIC else "")
        + f"; {len(STRICTER)} 'yes' rows rejected as stricter than the desktop 1.5.2+: {', '.join(STRICTER)}"
    )
    with capsys.disabled():
        print("\n" + summary)
    assert len(caught) == len(no_rows) - len(NOT_STATIC)
