"""Fixtures for certification: certified learners, a live server and the OB 2.0 validator venv."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from modules.model import Programme
from tests.support.platform import TestPlatform

ROOT = Path(__file__).resolve().parents[2]
SECONDARY = "becoming-a-peer-mentor-secondary"
# The IMS validator and what it needs on Python 3.11 (see shared NOTES: three pins overridden).
VALIDATOR_REQUIREMENTS = ["openbadges==1.1.2"]
VALIDATOR_OVERRIDES = ["pycryptodome>=3.20", "python-jose>=3.3", "pytz>=2023"]


@pytest.fixture
def secondary() -> Programme:
    return certification.programme(SECONDARY)


@pytest.fixture
def school(platform: TestPlatform) -> Platform:
    """The test platform with sign-off and practice switched off (tests switch them on)."""
    row = db.session.scalars(select(Platform).filter_by(issuer=platform.issuer)).one()
    row.settings = {
        certification.SIGNOFF_REQUIRED: False,
        certification.PRACTICE_REQUIRED: False,
        "school_name": "Hillside Academy",
        "school_email": "office@hillside.example",
    }
    db.session.commit()
    return row


def launched(client: FlaskClient, platform: TestPlatform, role: str = "Learner", **claims: Any) -> User:
    """Launch as a user and return them (the client keeps the session cookie)."""
    response = platform.launch(client, role=role, **claims)
    assert response.status_code == 303, response.data
    sub = claims.get("sub", "user-42")
    return db.session.scalars(select(User).filter_by(sub=sub)).one()


def context_of(user: User) -> Context:
    return user.enrollments[0].context


@pytest.fixture
def certify(secondary: Programme) -> Callable[..., certification.CheckResult]:
    """Give a learner everything the secondary programme requires, done at ``at``, and check."""

    def _certify(user: User, at: datetime | None = None, now: datetime | None = None) -> certification.CheckResult:
        at = at or utcnow()
        return certification.certify_if_eligible(
            db.session, user, context_of(user), secondary,
            {m: at for m in secondary.required_modules}, {q: at for q in secondary.required_quizzes},
            now or at,
        )

    return _certify


def csrf_from(page: bytes) -> str:
    match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1).decode()


class LiveServer:
    """The PeerReady app served over real HTTP on 127.0.0.1 in a thread."""

    def __init__(self, make_app: Callable[..., Flask]) -> None:
        self._app: Flask | None = None
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._app = make_app(SERVER_NAME=f"127.0.0.1:{self.server.server_port}")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self._app is not None
        return self._app(environ, start_response)

    def download(self, url: str) -> bytes:
        """Fetch a URL from this server (openbadgeslib's ``download=``; its own is HTTPS-only)."""
        assert url.startswith(self.url), url
        status, _, body = fetch(url)
        assert status == 200, (url, status)
        return body


def fetch(url: str) -> tuple[int, str, bytes]:
    """GET a URL over HTTP: (status, content type, body).

    First ends the test's own database transaction: on SQLite every transaction holds the write
    lock (BEGIN IMMEDIATE), and the server's request would wait for it.
    """
    db.session.remove()
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (127.0.0.1)
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture
def live_server(make_app: Callable[..., Flask], app: Flask) -> Iterator[LiveServer]:
    live = LiveServer(make_app)
    live.thread.start()
    yield live
    live.server.shutdown()
    live.server.server_close()
    live.thread.join(timeout=5)


@pytest.fixture(scope="session")
def ob2_validator() -> Path:
    """A small venv with IMS's ``openbadges`` validator, built once and kept in .venv-ob-validator/.

    It cannot live in the app's venv: it pins jsonschema 2.6 and click 6.7.
    """
    pins = "\n".join([sys.version, *VALIDATOR_REQUIREMENTS, *VALIDATOR_OVERRIDES])
    venv = ROOT / ".venv-ob-validator"
    python = venv / "bin" / "python"
    stamp = venv / "requirements.sha256"
    digest = hashlib.sha256(pins.encode()).hexdigest()
    if not (python.exists() and stamp.exists() and stamp.read_text() == digest):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, *VALIDATOR_REQUIREMENTS], check=True)
        subprocess.run([*pip, "--no-deps", *VALIDATOR_OVERRIDES], check=True)
        subprocess.run([str(python), "-c", "import openbadges"], check=True)
        stamp.write_text(digest)
    return python


@dataclass(frozen=True)
class Issued:
    """A certificate's identifiers, readable without the database session."""

    id: int
    code: str
    platform_id: int
    programme_id: str


def issued_from(cert: certification.Certification) -> Issued:
    return Issued(cert.id, cert.code, cert.platform_id, cert.programme_id)
