"""A small key/value store shared by every worker: the database by default, Redis if configured.

OIDC state and nonces, pylti1p3's launch data, token sessions and cached platform JWKS live here,
so a login served by one worker and its launch served by another see the same data.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any
from typing import Protocol

import redis
from flask import Flask
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateIndex
from sqlalchemy.schema import CreateTable

from lti_tool.extensions import db
from lti_tool.extensions import make_sqlite_transactional
from lti_tool.models.kv import KeyValueEntry
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow

_TABLE = KeyValueEntry.__table__
# What a store raises when its database or Redis does not answer.
STORE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, redis.RedisError)


class KeyValueStore(Protocol):
    """What the rest of the tool needs from a shared store. Values are JSON-serialisable."""

    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: int | None) -> None: ...

    def add(self, key: str, value: Any, ttl: int | None) -> bool:
        """Store only if absent; True if this call stored it (first use wins)."""
        ...

    def pop(self, key: str) -> Any | None:
        """Return and delete atomically: of two concurrent callers only one gets the value."""
        ...

    def delete(self, key: str) -> None: ...


class DatabaseStore:
    """The store in a ``kv_entry`` table, each call in its own short, committed transaction.

    On PostgreSQL it shares the app's database. On SQLite it uses a file of its own beside the
    app's: SQLite locks the whole file for a writer, so a request holding the app database's
    write transaction could otherwise never write its state or session here.
    """

    PURGE_CHANCE = 0.02  # share of writes that also delete expired entries

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The engine holding the ``kv_entry`` table."""
        return self._engine

    def get(self, key: str) -> Any | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(_TABLE.c.value, _TABLE.c.expires_at).where(_TABLE.c.key == key)
            ).first()
        if row is None or _expired(row.expires_at):
            return None
        return json.loads(row.value)

    def set(self, key: str, value: Any, ttl: int | None) -> None:
        data = {"value": json.dumps(value), "expires_at": _expiry(ttl)}
        with self._engine.begin() as conn:
            changed = conn.execute(update(_TABLE).where(_TABLE.c.key == key).values(**data))
            if changed.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(_TABLE).values(key=key, **data))
                except IntegrityError:  # another worker inserted it first: overwrite
                    conn.execute(update(_TABLE).where(_TABLE.c.key == key).values(**data))
            if random.random() < self.PURGE_CHANCE:
                conn.execute(delete(_TABLE).where(_TABLE.c.expires_at < utcnow()))

    def add(self, key: str, value: Any, ttl: int | None) -> bool:
        with self._engine.begin() as conn:
            conn.execute(delete(_TABLE).where(_TABLE.c.key == key, _TABLE.c.expires_at < utcnow()))
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(_TABLE).values(key=key, value=json.dumps(value), expires_at=_expiry(ttl))
                )
        except IntegrityError:
            return False
        return True

    def pop(self, key: str) -> Any | None:
        with self._engine.begin() as conn:
            row = conn.execute(
                delete(_TABLE)
                .where(_TABLE.c.key == key)
                .returning(_TABLE.c.value, _TABLE.c.expires_at)
            ).first()
        if row is None or _expired(row.expires_at):
            return None
        return json.loads(row.value)

    def delete(self, key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(_TABLE).where(_TABLE.c.key == key))

    def purge_expired(self) -> int:
        """Delete expired entries; return how many went."""
        with self._engine.begin() as conn:
            return conn.execute(delete(_TABLE).where(_TABLE.c.expires_at < utcnow())).rowcount


class RedisStore:
    """The store in Redis, for production with several machines."""

    def __init__(self, client: redis.Redis, prefix: str = "peerready:") -> None:
        self._redis = client
        self._prefix = prefix

    def get(self, key: str) -> Any | None:
        raw = self._redis.get(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: int | None) -> None:
        self._redis.set(self._prefix + key, json.dumps(value), ex=ttl)

    def add(self, key: str, value: Any, ttl: int | None) -> bool:
        return bool(self._redis.set(self._prefix + key, json.dumps(value), ex=ttl, nx=True))

    def pop(self, key: str) -> Any | None:
        raw = self._redis.getdel(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def delete(self, key: str) -> None:
        self._redis.delete(self._prefix + key)


def _expiry(ttl: int | None) -> Any:
    return None if ttl is None else utcnow() + timedelta(seconds=ttl)


def _expired(expires_at: Any) -> bool:
    return expires_at is not None and as_utc(expires_at) <= utcnow()


def init_app(app: Flask) -> None:
    """Create the app's store once: Redis when ``REDIS_URL`` is set, else the database."""
    url = app.config.get("REDIS_URL")
    if url:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        app.extensions["peerready.store"] = RedisStore(client, app.config["REDIS_KEY_PREFIX"])
        return
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        with app.app_context():
            app.extensions["peerready.store"] = DatabaseStore(db.engine)
        return
    store_uri = app.config.get("STORE_DATABASE_URI") or _sibling_sqlite_uri(uri)
    engine = create_engine(store_uri, connect_args={"timeout": 30})
    make_sqlite_transactional(engine)
    with engine.begin() as connection:  # IF NOT EXISTS: several workers may start at once
        connection.execute(CreateTable(_TABLE, if_not_exists=True))
        for index in _TABLE.indexes:
            connection.execute(CreateIndex(index, if_not_exists=True))
    app.extensions["peerready.store"] = DatabaseStore(engine)


def _sibling_sqlite_uri(uri: str) -> str:
    """``sqlite:///x/peerready.sqlite3`` -> ``sqlite:///x/peerready-store.sqlite3``."""
    if uri in ("sqlite://", "sqlite:///:memory:") or ":memory:" in uri:
        raise RuntimeError("An in-memory SQLite database needs STORE_DATABASE_URI set as well.")
    path, dot, suffix = uri.rpartition(".")
    return f"{path}-store.{suffix}" if dot and "/" not in suffix else f"{uri}-store"


def get_store() -> KeyValueStore:
    """The current app's store."""
    store: KeyValueStore = current_app.extensions["peerready.store"]
    return store
