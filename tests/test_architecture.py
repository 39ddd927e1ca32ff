"""STYLE.md §1: the quiz and module rules are plain Python, free of web, database and LTI code."""

from __future__ import annotations

import subprocess
import sys

import pytest

FRAMEWORKS = {"flask", "sqlalchemy", "pylti1p3"}
# Import every module of both packages in a fresh interpreter and list what got loaded.
CODE = """
import importlib, pkgutil, sys
for name in ("quizzes", "modules"):
    package = importlib.import_module(name)
    for found in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(found.name)
print(" ".join(sys.modules))
"""


def test_quiz_and_module_rules_import_no_framework() -> None:
    pytest.importorskip("quizzes", reason="quizzes/ is written on another branch")
    pytest.importorskip("modules", reason="modules/ is written on another branch")
    run = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    loaded = {name.split(".")[0] for name in run.stdout.split()}
    assert not FRAMEWORKS & loaded
