"""Versions of a course's dashboard data, kept in the shared store so every worker sees a change.

Each course has a version for its roster (any learner activity), and one per quiz and per module.
A version is a random token; committing a change to a course's enrolments, module progress,
quiz attempts, gradebook rows or certificates replaces the tokens it touches (a SQLAlchemy
``after_commit`` hook, so no write path has to remember to call us). Cached figures are keyed by
the token, so after a change on any worker the next request misses and recomputes.
Core bulk writes (the seed, erasure) bypass the hook: call ``course_changed`` after them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from typing import TypeVar
from typing import cast

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import Enrollment
from lti_tool.models import ModuleProgress
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from lti_tool.models import VideoEvent
from lti_tool.store import STORE_ERRORS
from lti_tool.store import get_store

log = logging.getLogger(__name__)
ROSTER = "roster"
VERSION_SECONDS = 86_400  # an expired version only costs one recomputation
VALUE_SECONDS = 600  # a bound on staleness should an invalidation ever be missed
_WATCHED = (Enrollment, ModuleProgress, VideoEvent, QuizAttempt, QuizGrade, Certification)
_PENDING = "peerready.dashboard_changed"  # session.info: courses changed, not yet committed
_SEEN = "peerready.dashboard_versions"  # session.info: versions read since the last commit
_T = TypeVar("_T")


def scope_of_quiz(quiz_id: str) -> str:
    return f"quiz:{quiz_id}"


def scope_of_module(module_id: str) -> str:
    return f"video:{module_id}"


def version(context_id: int, scope: str = ROSTER, session: Session | None = None) -> str:
    """The current token of ``scope`` in the course, made on first use.

    With ``session`` the token is remembered until its next commit, so one request asks the
    store once however many cached figures it reads.
    """
    key = _key(context_id, scope)
    seen: dict[str, str] = session.info.setdefault(_SEEN, {}) if session is not None else {}
    if key in seen:
        return seen[key]
    store = get_store()
    found = store.get(key)
    if found is None:
        store.add(key, uuid.uuid4().hex, VERSION_SECONDS)
        found = store.get(key)
    seen[key] = str(found)
    return seen[key]


def cached(session: Session, context_id: int, name: str, make: Callable[[], _T]) -> _T:
    """``make()`` (a JSON value) from the shared store while the course's version stands."""
    store = get_store()
    key = f"dashboard:{context_id}:{name}:{version(context_id, session=session)}"
    found = store.get(key)
    if found is None:
        found = make()
        store.set(key, found, VALUE_SECONDS)
    return cast(_T, found)


def course_changed(context_id: int, scopes: Iterable[str] = ()) -> None:
    """Give the course's roster, and each of ``scopes``, a new version."""
    store = get_store()
    for scope in {ROSTER, *scopes}:
        store.set(_key(context_id, scope), uuid.uuid4().hex, VERSION_SECONDS)


def _key(context_id: int, scope: str) -> str:
    return f"dashboard:{context_id}:{scope}"


def _scopes_of(row: Any) -> tuple[str, ...]:
    if isinstance(row, QuizAttempt | QuizGrade):
        return (scope_of_quiz(row.quiz_id),)
    if isinstance(row, ModuleProgress | VideoEvent):
        return (scope_of_module(row.module_id),)
    return ()


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: Any, _instances: Any) -> None:
    pending: dict[int, set[str]] = session.info.setdefault(_PENDING, {})
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, _WATCHED) and row.context_id is not None:
            pending.setdefault(row.context_id, set()).update(_scopes_of(row))


@event.listens_for(Session, "after_commit")
def _publish_changes(session: Session) -> None:
    session.info.pop(_SEEN, None)
    pending: dict[int, set[str]] = session.info.pop(_PENDING, {})
    if not pending or not has_app_context():
        return
    try:
        for context_id, scopes in pending.items():
            course_changed(context_id, scopes)
    except STORE_ERRORS as error:
        # The change itself is committed; the store being down only delays the dashboard
        # (cached figures expire on their own), so the learner's request must not fail.
        log.warning("dashboard cache not invalidated for courses %s: %r", sorted(pending), error)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_SEEN, None)
