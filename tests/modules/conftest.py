"""The shipped training pack, loaded once per test session."""

from __future__ import annotations

import pytest
from module_pack import load_module
from module_pack import load_programme

from modules.catalogue import Catalogue
from modules.catalogue import build_catalogue
from modules.catalogue import module_files
from modules.catalogue import programme_files


@pytest.fixture(scope="session")
def shipped() -> Catalogue:
    """Every shipped module and programme, cross-checked."""
    modules = [load_module(path) for path in module_files().values()]
    ids = {module.id for module in modules}
    programmes = [load_programme(path, ids) for path in programme_files().values()]
    return build_catalogue(modules, programmes)
