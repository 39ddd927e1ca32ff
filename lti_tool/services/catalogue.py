"""The training content the app serves, loaded once per process and kept in memory.

A content file that cannot be loaded is logged and left out, and its problem is kept for the
trainer and admin pages: one broken file must not take the whole app down. Quizzes come from
``QUIZ_CONTENT_DIR`` (default: the shipped ``quizzes/content``). Modules will join the same
``Catalogue`` as a second mapping loaded the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from lti_tool.content import load_each
from lti_tool.errors import NotFound
from quizzes.catalogue import CONTENT_DIR
from quizzes.catalogue import SCHEMA_PATH
from quizzes.catalogue import parse_quiz
from quizzes.model import Audience
from quizzes.model import Quiz

log = logging.getLogger(__name__)
_EXTENSION_KEY = "peerready.catalogue"


@dataclass(frozen=True)
class Catalogue:
    """Every quiz that loaded, by id, and one author-facing message per file that did not."""

    quizzes: Mapping[str, Quiz]
    problems: tuple[str, ...] = ()

    def quiz(self, quiz_id: str) -> Quiz:
        """The quiz with ``quiz_id``; NotFound if there is none (or it failed to load)."""
        try:
            return self.quizzes[quiz_id]
        except KeyError:
            raise NotFound(f"no quiz {quiz_id!r}") from None

    def quizzes_for(self, audience: Audience) -> list[Quiz]:
        """The quizzes written for ``audience``, in file-name order."""
        return [quiz for quiz in self.quizzes.values() if audience in quiz.audiences]


def load_catalogue(quiz_dir: Path = CONTENT_DIR) -> Catalogue:
    """Load every ``*.yaml`` quiz in ``quiz_dir``, leaving out (and logging) those that fail."""
    loaded, problems = load_each(
        sorted(quiz_dir.glob("*.yaml")), SCHEMA_PATH, lambda _: parse_quiz, lambda quiz: quiz.id
    )
    for problem in problems:
        log.error("Content left out: %s", problem)
    return Catalogue(quizzes={quiz.id: quiz for quiz in loaded}, problems=tuple(problems))


def get_catalogue() -> Catalogue:
    """The current app's catalogue, loaded at first use and then kept for the process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    catalogue = app.extensions.get(_EXTENSION_KEY)
    if catalogue is None:
        catalogue = load_catalogue(Path(app.config.get("QUIZ_CONTENT_DIR") or CONTENT_DIR))
        app.extensions[_EXTENSION_KEY] = catalogue
    assert isinstance(catalogue, Catalogue)
    return catalogue


def quiz(quiz_id: str) -> Quiz:
    """The quiz with ``quiz_id`` from the current app's catalogue; NotFound if missing."""
    return get_catalogue().quiz(quiz_id)


def quizzes_for(audience: Audience) -> list[Quiz]:
    """The current app's quizzes written for ``audience``."""
    return get_catalogue().quizzes_for(audience)


def problems() -> tuple[str, ...]:
    """Messages naming each content file that could not be loaded (for trainers and admins)."""
    return get_catalogue().problems
