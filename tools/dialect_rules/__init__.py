"""The rules of the dialect checker (pure functions of a source text; no file access)."""
from __future__ import annotations

import ast
import sys
import warnings

from .checks import AstChecker
from .findings import Finding, finding
from .lexical import Tokens, lexical_findings
from .project import Project
from .tables import MAX_MODULE_NAME

__all__ = ["Finding", "Project", "check", "module_name_findings"]

_IMPORT_STAR_IN_FUNCTION = "import * only allowed at module level"
_ANALYSIS_RECURSION_LIMIT = 20000


def check(source: str, project: Project = Project()) -> list[Finding]:
    """Every dialect violation in ``source``, sorted by position.

    ``project`` tells which own modules may be imported and which method names they define.
    """
    toks = Tokens.scan(source)
    found = lexical_findings(source, toks)
    tree = _parse(source, found)
    if tree is not None:
        found.extend(_check_tree(tree, source, toks, project))
    return sorted(set(found))


def _check_tree(tree: ast.Module, source: str, toks: Tokens, project: Project) -> list[Finding]:
    # The rules walk the tree recursively; a long chain like a + b + ... + z nests one level
    # per operator. Python 3.11 runs these calls without deepening the C stack, so a higher
    # limit is safe here (ast.parse has already run under the normal one).
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _ANALYSIS_RECURSION_LIMIT))
    try:
        return AstChecker(tree, source, toks, project).run()
    except RecursionError:
        return [finding(1, 1, "nesting", "nested too deeply to check (1.5.2's parser stack holds 500 levels)",
                        "flatter expressions")]
    finally:
        sys.setrecursionlimit(limit)


def _parse(source: str, found: list[Finding]) -> ast.Module | None:
    """Python 3's verdict on the source: the tree, or None after reporting a `syntax` finding."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(source)
        except SyntaxError as e:
            found.append(_syntax(e))
            return None
        except (ValueError, RecursionError, MemoryError) as e:
            found.append(finding(1, 1, "syntax", f"Python 3 cannot parse this: {e}"))
            return None
        try:
            compile(tree, "<dialect>", "exec", dont_inherit=True)
        except SyntaxError as e:
            if _IMPORT_STAR_IN_FUNCTION not in str(e.msg):  # reported as import-star
                found.append(_syntax(e))
        except (ValueError, RecursionError, MemoryError) as e:
            found.append(finding(1, 1, "syntax", f"Python 3 cannot compile this: {e}"))
    return tree


def _syntax(e: SyntaxError) -> Finding:
    kind = type(e).__name__
    return finding(e.lineno or 1, max(e.offset or 1, 1), "syntax", f"Python 3 cannot compile this: {kind}: {e.msg}")


def module_name_findings(stem: str) -> list[Finding]:
    """The module's flat file system keeps names of at most 16 characters, NAME.pyo included."""
    name = stem + ".pyo"
    if len(name) <= MAX_MODULE_NAME:
        return []
    return [finding(1, 1, "module-name",
                    f"{name} has {len(name)} characters: file names on the module hold at most {MAX_MODULE_NAME}",
                    f"a module name of at most {MAX_MODULE_NAME - 4} characters")]
