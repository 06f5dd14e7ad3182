"""The repository's own contract: layout, README commands, CI entry."""
from __future__ import annotations

from tools.paths import ROOT, on_module_files


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme
    assert "bash scripts/test.sh" in ci


def test_on_module_names_fit_the_flash() -> None:
    # The module's file system allows 16-character names; NAME.pyo must fit (REFERENCE §3).
    for path in on_module_files():
        assert len(path.stem + ".pyo") <= 16, path.name
