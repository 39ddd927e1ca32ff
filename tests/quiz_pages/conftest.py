"""Fixtures for the quiz pages: a small test quiz on disk and launched mentors and trainers."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask import g
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.platform import TestPlatform

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "quizzes"))
from quiz_samples import tiny_quiz_data  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def quiz_dir(app: Flask, tmp_path: Path) -> Path:
    """The app serves only the tiny test quiz (see tests/quizzes/quiz_samples.py)."""
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(yaml.safe_dump(tiny_quiz_data()), encoding="utf-8")
    app.config["QUIZ_CONTENT_DIR"] = str(folder)
    app.extensions.pop("peerready.catalogue", None)
    return folder


@dataclass
class Person:
    """A launched user: a client with its session token and the latest CSRF token seen."""

    client: FlaskClient
    token: str
    csrf: str = ""

    def url(self, path: str) -> str:
        return f"{path}{'&' if '?' in path else '?'}s={self.token}"

    def get(self, path: str) -> TestResponse:
        _forget_csrf_cache()
        response = self.client.get(self.url(path))
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True) -> TestResponse:
        if csrf and not self.csrf:
            self.get("/mentor/quizzes" if "/mentor/" in path else "/trainer/quizzes")
        body = {**(data or {}), **({"csrf_token": self.csrf} if csrf else {})}
        _forget_csrf_cache()
        return self.client.post(self.url(path), data=body)


def _forget_csrf_cache() -> None:
    # The ``app`` fixture keeps one app context open, so requests share ``g``, and Flask-WTF
    # caches the CSRF token there: one person's page would show another's token.
    g.pop("csrf_token", None)


def launch(
    app: Flask, platform: TestPlatform, role: str = "Learner", sub: str = "user-42",
    course: str = "course-1", custom: dict[str, str] | None = None,
) -> Person:
    """A real signed launch in a fresh browser; returns the person with their session token."""
    client = app.test_client()
    response = platform.launch(
        client, role=role, sub=sub, custom=custom or {},
        context={"id": course, "label": "PEER", "title": f"Peer mentors {course}"},
    )
    assert response.status_code == 303, response.data
    token = response.headers["Location"].split("s=", 1)[1]
    return Person(client, token)


@pytest.fixture
def mentor(app: Flask, platform: TestPlatform, quiz_dir: Path) -> Person:
    return launch(app, platform)


@pytest.fixture
def trainer(app: Flask, platform: TestPlatform, quiz_dir: Path) -> Person:
    return launch(app, platform, role="Instructor", sub="teacher-1")
