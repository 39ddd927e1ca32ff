"""Complete launches through gunicorn with four workers: a login and its launch may meet
different workers, so state, nonces, sessions and rows must be shared through the database.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import User
from lti_tool.services import keys
from tests.support.platform import TestPlatform

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
THREADS = 5
LAUNCHES = 50
START_SECONDS = 30
RUN_SECONDS = 120
REQUEST_SECONDS = 20
# gunicorn's %(p)s is the pid of the worker that served the request, as "<1234>".
ACCESS_FORMAT = '%(p)s "%(r)s" %(s)s'


@dataclass
class Gunicorn:
    base_url: str
    access_log: Path
    error_log: Path

    def served_by(self, method: str, path: str) -> set[str]:
        """The worker pids that answered ``method path`` (query strings ignored)."""
        pattern = re.compile(rf'^(<\d+>) "{method} {re.escape(path)}[ ?]')
        lines = self.access_log.read_text(encoding="utf-8").splitlines()
        return {m.group(1) for m in map(pattern.match, lines) if m}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)  # waiting for a process to listen, not for time to pass
    pytest.fail(f"gunicorn did not answer within {START_SECONDS} s:\n{log.read_text()}")


@pytest.fixture
def gunicorn(app: Flask, platform: TestPlatform, tmp_path: Path) -> Iterator[Gunicorn]:
    """gunicorn -w 4 serving wsgi:app on the test database, with ``platform`` registered."""
    keys.active_key(db.session)  # as bin/serve does with `flask keys generate`
    db.session.commit()
    db.session.remove()  # hold no transaction (SQLite) while the workers write
    port = _free_port()
    server = Gunicorn(f"http://127.0.0.1:{port}", tmp_path / "access.log", tmp_path / "error.log")
    env = {
        **os.environ,
        "PEERREADY_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "PEERREADY_SECRET_KEY": app.config["SECRET_KEY"],
        "PEERREADY_ENVIRONMENT": "test",
        "PEERREADY_DEMO_PLATFORM": "false",
        "PEERREADY_WEB_WORKER": "true",  # as config/gunicorn.conf.py sets it in production
    }
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--no-control-socket",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--timeout", "30",
        "--access-logfile", str(server.access_log), "--access-logformat", ACCESS_FORMAT,
        "--error-logfile", str(server.error_log), "wsgi:app",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        _wait_until_up(f"{server.base_url}/lti/jwks", process, server.error_log)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _launch(server: Gunicorn, platform: TestPlatform, number: int) -> str:
    """One browser: login POST, signed id_token to the launch, then the mentor home page."""
    browser = requests.Session()
    launch_url = f"{server.base_url}/lti/launch"
    login = browser.post(f"{server.base_url}/lti/login", data={
        "iss": platform.issuer, "login_hint": str(number), "target_link_uri": launch_url,
        "lti_message_hint": "resource-7", "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
    }, allow_redirects=False, timeout=REQUEST_SECONDS)
    assert login.status_code == 302, login.text
    query = parse_qs(urlsplit(login.headers["Location"]).query)
    assert query["redirect_uri"] == [launch_url]
    claims = platform.claims(query["nonce"][0], sub=f"pupil-{number}", target_link_uri=launch_url)
    launch = browser.post(launch_url, data={"id_token": platform.sign(claims), "state": query["state"][0]},
                          allow_redirects=False, timeout=REQUEST_SECONDS)
    assert launch.status_code == 303, launch.text
    home = browser.get(server.base_url + launch.headers["Location"], timeout=REQUEST_SECONDS)
    assert home.status_code == 200, home.text
    assert "Your peer mentor training" in home.text
    return f"pupil-{number}"


def test_fifty_concurrent_launches_all_succeed_across_several_workers(
    gunicorn: Gunicorn, platform: TestPlatform
) -> None:
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_launch, gunicorn, platform, n) for n in range(LAUNCHES)]
        launched = [future.result(timeout=RUN_SECONDS) for future in futures]

    assert sorted(launched) == sorted(f"pupil-{n}" for n in range(LAUNCHES))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == LAUNCHES
    assert db.session.scalar(select(func.count(Enrollment.id))) == LAUNCHES
    assert db.session.scalar(select(func.count(Context.id))) == 1  # the same course for all
    assert len(gunicorn.served_by("POST", "/lti/login")) > 1
    assert len(gunicorn.served_by("POST", "/lti/launch")) > 1
