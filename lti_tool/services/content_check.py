"""Check training content the way the app loads it: for authors (``flask content check``)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from flask import current_app

from lti_tool.content import ContentError
from lti_tool.content import load
from lti_tool.services import catalogue
from lti_tool.services import programmes
from modules import catalogue as module_catalogue
from quizzes import catalogue as quiz_catalogue


def check_installed() -> list[str]:
    """Every problem in the content the app would load (shipped and the school's folders)."""
    quizzes = catalogue.load_catalogue(
        Path(current_app.config.get("QUIZ_CONTENT_DIR") or quiz_catalogue.CONTENT_DIR)
    )
    library = programmes.library()
    found = [*quizzes.problems, *library.problems]
    for programme in library.catalogue.programmes.values():
        for quiz_id in programme.quiz_ids:
            if quiz_id not in quizzes.quizzes:
                found.append(
                    f"programme {programme.id}: needs quiz {quiz_id!r}, which is not in the quiz bank"
                )
    return found


def check_files(paths: Iterable[Path]) -> list[str]:
    """Problems in the given files: a module.yaml, a programme, or a quiz (by where it is)."""
    found: list[str] = []
    for path in paths:
        try:
            _load_one(path)
        except ContentError as exc:
            found.append(str(exc))
    return found


def _load_one(path: Path) -> object:
    if path.name == "module.yaml":
        return load(path, module_catalogue.MODULE_SCHEMA, module_catalogue.module_parser(path))
    if path.parent.name == "programmes":
        parse = functools.partial(module_catalogue.parse_programme, module_ids=None)
        return load(path, module_catalogue.PROGRAMME_SCHEMA, parse)
    return load(path, quiz_catalogue.SCHEMA_PATH, quiz_catalogue.parse_quiz)
