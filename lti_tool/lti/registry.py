"""A per-process cache of platform registrations, deployments and LRS destinations.

Registrations change rarely (an admin adds a deployment, edits a school setting) but every
login and launch needs them, each lookup a database round trip. Each worker keeps the rows it
found for ``REGISTRATION_CACHE_SECONDS`` as plain column values and attaches a copy to the
request's session without a query (``make_transient_to_detached`` + ``merge(load=False)``).
A change made in this process clears the cache at once; other workers see it within the TTL.
Misses are never cached, so a newly registered platform is found at once everywhere. The
school's LRS destinations (read for every statement) are cached the same way.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import current_app
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy import inspect
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session
from sqlalchemy.orm import make_transient_to_detached

from lti_tool.extensions import Base
from lti_tool.models import Deployment
from lti_tool.models import LrsEndpoint
from lti_tool.models import Platform

M = TypeVar("M", bound=Base)
V = TypeVar("V")
CACHED_MODELS = (Platform, Deployment, LrsEndpoint)
_EXTENSION = "peerready.registrations"


class RegistrationCache:
    """Column values of found rows, by lookup key, with an expiry."""

    def __init__(self) -> None:
        self._rows: dict[tuple[Any, ...], tuple[float, type[Base], dict[str, Any]]] = {}
        self._values: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def find(
        self, session: Session, key: tuple[Any, ...], ttl: float, load: Callable[[], M | None]
    ) -> M | None:
        """The row for ``key`` from the cache (attached to ``session``), else from ``load()``."""
        now = time.monotonic()
        with self._lock:
            cached = self._rows.get(key)
        if cached is not None and cached[0] > now:
            _, model, values = cached
            row = model(**copy.deepcopy(values))
            make_transient_to_detached(row)
            return session.merge(row, load=False)  # type: ignore[return-value]
        found = load()
        if found is not None and ttl > 0:
            columns = {a.key: getattr(found, a.key) for a in inspect(type(found)).column_attrs}
            with self._lock:
                self._rows[key] = (now + ttl, type(found), copy.deepcopy(columns))
        return found

    def remember(self, key: tuple[Any, ...], ttl: float, load: Callable[[], V]) -> V:
        """An immutable value (not a row) for ``key``, from the cache or from ``load()``."""
        now = time.monotonic()
        with self._lock:
            cached = self._values.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]  # type: ignore[no-any-return]
        value = load()
        if ttl > 0:
            with self._lock:
                self._values[key] = (now + ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._values.clear()


def cache() -> RegistrationCache:
    """The current app's cache (one per app, so tests with fresh databases never share one)."""
    found: RegistrationCache = current_app.extensions.setdefault(_EXTENSION, RegistrationCache())
    return found


def find_cached(
    session: Session, key: tuple[Any, ...], load: Callable[[], M | None]
) -> M | None:
    """``load()``'s row for ``key``, cached for ``REGISTRATION_CACHE_SECONDS`` in this process."""
    ttl = float(current_app.config.get("REGISTRATION_CACHE_SECONDS", 0))
    return cache().find(session, key, ttl, load)


def remember(key: tuple[Any, ...], load: Callable[[], V]) -> V:
    """``load()``'s immutable value for ``key``, cached like the registrations."""
    ttl = float(current_app.config.get("REGISTRATION_CACHE_SECONDS", 0))
    return cache().remember(key, ttl, load)


def _forget() -> None:
    if has_app_context() and _EXTENSION in current_app.extensions:
        current_app.extensions[_EXTENSION].clear()


@event.listens_for(Session, "before_flush")
def _forget_changed_registrations(session: Session, *_: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, CACHED_MODELS) for row in changed):
        _forget()


@event.listens_for(Session, "do_orm_execute")
def _forget_after_bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None and (
        state.bind_mapper.class_ in CACHED_MODELS
    ):
        _forget()
