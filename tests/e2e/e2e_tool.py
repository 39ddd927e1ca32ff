"""PeerReady in a real server process (gunicorn) on ``localhost``, on a database of its own.

The database is a fresh SQLite file, or, when ``TEST_DATABASE_URL`` is PostgreSQL, a database
``peerready_e2e_<pid>`` created beside the test database and dropped afterwards (the rest of
the suite empties and rebuilds the test database itself, so the browser tests keep out of it).
The schema comes from ``flask db upgrade`` and the platform is registered with
``flask platform add``: the same commands a school's admin runs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine
from sqlalchemy import make_url
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 30


@dataclass
class ToolServer:
    """A running PeerReady: its URL, the environment its commands need and its database."""

    url: str
    env: dict[str, str]
    database_url: str
    log: Path
    engine: Engine

    def flask(self, *args: str) -> str:
        """Run ``flask <args>`` against this PeerReady (as its admin would); return stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=60, check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    @property
    def host(self) -> str:
        """``localhost:<port>``, as ``Traffic.on`` wants it."""
        return self.url.split("://", 1)[1]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def database(tmp: Path) -> Iterator[str]:
    """A fresh database URL for one run: SQLite in ``tmp`` or a new PostgreSQL database."""
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if not test_url.startswith("postgresql"):
        yield f"sqlite:///{tmp / 'peerready-e2e.sqlite3'}"
        return
    admin_url = make_url(test_url).set(drivername="postgresql+psycopg")
    # One database per call: the Classroom journey runs a second tool in the same test process.
    name = f"peerready_e2e_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for stale in [*_databases_of_dead_runs(connection), name]:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()  # a fresh connection: the pooled one may be gone (server restarted)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _databases_of_dead_runs(connection: Connection) -> list[str]:
    """``peerready_e2e_<pid>_<random>`` databases whose run died before dropping them (pid gone)."""
    names = connection.scalars(
        text("SELECT datname FROM pg_database WHERE datname LIKE 'peerready\\_e2e\\_%'")
    )
    dead = []
    for found in names:
        pid = found.removeprefix("peerready_e2e_").split("_", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            dead.append(found)
    return dead


@contextmanager
def running_tool(tmp: Path, database_url: str, platform_args: list[str]) -> Iterator[ToolServer]:
    """Migrate, register the platform, start gunicorn; stop it (and its workers) afterwards."""
    port = free_port("127.0.0.1")
    url = f"http://localhost:{port}"
    env = {
        **os.environ,
        "PEERREADY_ENVIRONMENT": "development",  # the demo platform exists, as on a laptop
        "PEERREADY_SECRET_KEY": secrets.token_urlsafe(32),
        "PEERREADY_SQLALCHEMY_DATABASE_URI": database_url,
        "PEERREADY_PUBLIC_BASE_URL": url,
        # Scores and statements leave from a thread of the web process on PostgreSQL too, and
        # soon after they are queued, so a journey can see what the LMS received.
        "PEERREADY_OUTBOX_IN_PROCESS_WORKER": "true",
        "PEERREADY_OUTBOX_IDLE_SECONDS": "0.3",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    log = tmp / "gunicorn.log"
    tool = ToolServer(url, env, database_url, log, engine)
    tool.flask("db", "upgrade")
    tool.flask("platform", "add", *platform_args)
    with log.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--timeout", "30", "--graceful-timeout", "3",
             "--access-logfile", "-", "wsgi:app"],
            cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_until_up(tool, process)
        yield tool
    finally:
        _stop(process)
        engine.dispose()


def _wait_until_up(tool: ToolServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tool.log_text()}")
        try:
            if requests.get(f"{tool.url}/.well-known/jwks.json", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"PeerReady did not answer within {START_TIMEOUT_SECONDS}s:\n{tool.log_text()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM gunicorn's master (it stops its workers); kill our process group if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    # Any worker left behind: the group gunicorn leads holds only processes we started.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def in_process_app(tool: ToolServer) -> Iterator[Any]:
    """PeerReady's app in the test process, on ``tool``'s database and URLs (for seeding).

    Its pooled connections are closed on the way out, before the tool's database is dropped under
    them: left to the garbage collector, psycopg warns at the end of the run (an error here).
    """
    from lti_tool import create_app
    from lti_tool.extensions import db
    from lti_tool.store import DatabaseStore
    from lti_tool.store import get_store

    app = create_app({
        "TESTING": True, "SECRET_KEY": tool.env["PEERREADY_SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": tool.database_url, "PUBLIC_BASE_URL": tool.url,
    })
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            store = get_store()
            if isinstance(store, DatabaseStore):  # its own engine on SQLite, db.engine otherwise
                store.engine.dispose()
            db.engine.dispose()


@contextmanager
def seeding_requests(app: Any, tool: ToolServer) -> Iterator[None]:
    """``app``'s services inside one request on ``tool``'s URL, the session ended afterwards.

    Every SQLite transaction holds the write lock (BEGIN IMMEDIATE), and a module's app context
    may never end: without ``remove()`` the running tool would wait on it.
    """
    from lti_tool.extensions import db

    with app.test_request_context(base_url=tool.url):
        try:
            yield
        finally:
            db.session.remove()
