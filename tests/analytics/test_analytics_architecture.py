"""The statistics modules stay pure: only nrps.py may reach Flask, the database or the network."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lti_tool.analytics

PACKAGE = Path(lti_tool.analytics.__file__).parent
FRAMEWORKS = {"flask", "flask_sqlalchemy", "sqlalchemy", "pylti1p3", "requests", "werkzeug"}


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, plus lti_tool modules by full name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            names.add(module.split(".")[0])
            if module.startswith("lti_tool."):
                names.add(module)
    return names


@pytest.mark.parametrize("module", ["quiz_stats.py", "paths.py", "video_stats.py"])
def test_statistics_modules_import_no_framework_or_service(module: str) -> None:
    roots = imported_roots(PACKAGE / module)
    assert not FRAMEWORKS & roots
    own = {name for name in roots if name.startswith("lti_tool.")}
    # pure siblings only, and lti_tool.lazy_import (standard library only: NumPy on first use)
    assert own <= {"lti_tool.analytics.quiz_stats", "lti_tool.lazy_import"}
