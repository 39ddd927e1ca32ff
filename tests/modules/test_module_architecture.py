"""The module core stays pure: importing it loads no web framework or database."""

from __future__ import annotations

import subprocess
import sys


def test_module_core_imports_no_framework() -> None:
    code = (
        "import sys, modules.progress, modules.catalogue, modules.captions, modules.checkpoints;"
        " print(' '.join(sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(run.stdout.split())
    assert "modules.catalogue" in loaded
    assert not {"flask", "sqlalchemy", "pylti1p3", "lti_tool"} & loaded
