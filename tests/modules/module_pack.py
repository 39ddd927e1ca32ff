"""Load training content the way the app does: through ``lti_tool.content.load``."""

from __future__ import annotations

import functools
from collections.abc import Collection
from pathlib import Path

from lti_tool import content
from modules.catalogue import MODULE_SCHEMA
from modules.catalogue import PROGRAMME_SCHEMA
from modules.catalogue import module_parser
from modules.catalogue import parse_programme
from modules.model import Module
from modules.model import Programme


def load_module(path: Path) -> Module:
    """Read one module.yaml, checking that its folder holds the files it names."""
    return content.load(path, MODULE_SCHEMA, module_parser(path))


def load_programme(path: Path, module_ids: Collection[str] | None = None) -> Programme:
    """Read one programme file, checking its module ids when they are given."""
    parse = functools.partial(parse_programme, module_ids=module_ids)
    return content.load(path, PROGRAMME_SCHEMA, parse)
