"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy import MetaData
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable across SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def make_sqlite_transactional(engine: Engine) -> None:
    """Give SQLite real transactions, savepoints, foreign keys and concurrent readers.

    pysqlite defers BEGIN, which breaks SAVEPOINT (see SQLAlchemy's "pysqlite serializable"
    recipe). BEGIN IMMEDIATE takes the write lock up front, so two workers never both read and
    then fail to upgrade; WAL lets readers carry on meanwhile.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def end_transaction(_error: BaseException | None) -> None:
    """Roll back what the request left open; a connection the database dropped is discarded.

    Flask-SQLAlchemy's teardown closes the session, and closing rolls back a transaction still
    open (most pages only read after their last commit). If PostgreSQL restarted after the
    request's last statement, that ROLLBACK fails, and an error raised while the app context
    ends escapes every Flask error handler: gunicorn answers its bare 500 instead of the page
    already built. ``Session.rollback()`` returns the connection to the pool (which discards it
    when its reset fails too) before it raises; the server has already discarded the
    transaction, so nothing is lost.
    """
    if not db.session.registry.has():
        return  # the request never used the database
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback at the end of the request failed; the connection is discarded",
                    exc_info=True)


def init_app(app: Flask) -> None:
    """Bind every extension to ``app``."""
    db.init_app(app)
    # Teardowns run in reverse order: this one before Flask-SQLAlchemy's session.remove().
    app.teardown_appcontext(end_transaction)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            make_sqlite_transactional(db.engine)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)


def init_migrations(app: Flask) -> None:
    """Attach Flask-Migrate (``flask db``, ``flask_migrate.upgrade``) to ``app``.

    Not for web workers: Alembic and its templates cost each worker about 12 MB it never uses.
    """
    from flask_migrate import Migrate  # imported here so that web workers never load Alembic

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
