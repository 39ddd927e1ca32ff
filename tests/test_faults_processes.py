"""Faults survived under gunicorn: a worker SIGKILLed mid-request, PostgreSQL restarted under load.

Pupils post the player's reports over HTTP, each report a new segment and a new event id, and
retry a report whose answer never came (as the player does). Afterwards the database must hold
exactly what was acknowledged: no lost report, no duplicate event, and no event stored without
its progress (they are written in one transaction).

The PostgreSQL restart stops the server that other people's tests use too: it runs only when
``PEERREADY_TEST_RESTART_POSTGRES=1`` (``.ci/run`` sets it) and against PostgreSQL. Point
``PEERREADY_TEST_RESTART_POSTGRES_COMMAND`` at a private server's restart to leave the shared one
alone.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ModuleProgress
from lti_tool.models import User
from lti_tool.models import VideoEvent
from tests.conftest import TEST_DATABASE_URL
from tests.support.platform import TestPlatform
from tests.test_gunicorn import Gunicorn
from tests.test_gunicorn import gunicorn  # noqa: F401  (the 4-worker gunicorn fixture)

pytestmark = pytest.mark.slow

MODULE = "secondary-listening-well"  # 86.4 s
PUPILS = 4
SEGMENT = 2  # seconds per report: report k covers [2k, 2k + 2]
REPORTS = 40  # per pupil: 80 s of the video
RETRY_SECONDS = 30  # a player keeps a report until it is acknowledged
TIMEOUT = 20
# The cluster bin/ci-services starts: the first PostgreSQL version installed.
PG_VERSION = sorted(os.listdir("/etc/postgresql"))[0] if os.path.isdir("/etc/postgresql") else "15"
RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "restart"]
# A private server instead (e.g. "pg_ctl -D /tmp/pg restart -m fast" run as postgres), so that
# others sharing the machine's server are not disturbed; it must serve TEST_DATABASE_URL.
RESTART_COMMAND = os.environ.get("PEERREADY_TEST_RESTART_POSTGRES_COMMAND", "")


@dataclass
class Pupil:
    """One browser: its session token and what happened to each of its reports."""

    sub: str
    token: str
    acknowledged: set[int] = field(default_factory=set)
    interrupted: int = 0  # answers that never came (connection reset): retried
    # (report, status, Retry-After header, body)
    refused: list[tuple[int, int, str | None, str]] = field(default_factory=list)
    acknowledged_after: dict[int, float] = field(default_factory=dict)


def launch_pupil(base_url: str, platform: TestPlatform, number: int) -> Pupil:
    browser = requests.Session()
    launch_url = f"{base_url}/lti/launch"
    login = browser.post(f"{base_url}/lti/login", data={
        "iss": platform.issuer, "login_hint": str(number), "target_link_uri": launch_url,
        "client_id": platform.client_id, "lti_deployment_id": platform.deployment_id,
    }, allow_redirects=False, timeout=TIMEOUT)
    query = parse_qs(urlsplit(login.headers["Location"]).query)
    claims = platform.claims(query["nonce"][0], sub=f"pupil-{number}", target_link_uri=launch_url)
    launched = browser.post(launch_url, data={"id_token": platform.sign(claims),
                                              "state": query["state"][0]},
                            allow_redirects=False, timeout=TIMEOUT)
    assert launched.status_code == 303, launched.text
    return Pupil(f"pupil-{number}", launched.headers["Location"].split("s=", 1)[1])


def report(number: int) -> dict[str, object]:
    start = number * SEGMENT
    return {"player_session": "player-1", "segments": [[start, start + SEGMENT]],
            "events": [{"id": f"e{number}", "type": "paused", "at": "2026-03-02T10:00:00Z",
                        "position": start + SEGMENT}]}


def post_reports(base_url: str, pupil: Pupil, pause: float = 0.0) -> None:
    """Post every report until acknowledged; a missing answer or a 5xx is retried."""
    http = requests.Session()
    for number in range(REPORTS):
        give_up = time.monotonic() + RETRY_SECONDS
        while time.monotonic() < give_up:
            try:
                answer = http.post(f"{base_url}/mentor/modules/{MODULE}/progress",
                                   json=report(number), headers={"X-PeerReady-Session": pupil.token},
                                   timeout=TIMEOUT)
            except requests.ConnectionError:
                pupil.interrupted += 1
                http = requests.Session()
                continue
            if answer.status_code == 200:
                pupil.acknowledged.add(number)
                pupil.acknowledged_after[number] = time.monotonic()
                break
            pupil.refused.append(
                (number, answer.status_code, answer.headers.get("Retry-After"), answer.text)
            )
            time.sleep(0.5)  # a failed post: the player waits before it tries again
        time.sleep(pause)


def run_pupils(base_url: str, pupils: list[Pupil], during: Callable[[], None], pause: float) -> None:
    threads = [threading.Thread(target=post_reports, args=(base_url, p, pause)) for p in pupils]
    for thread in threads:
        thread.start()
    during()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)


def assert_stored_exactly_what_was_sent(pupils: list[Pupil]) -> None:
    db.session.expire_all()
    for pupil in pupils:
        assert pupil.acknowledged == set(range(REPORTS)), pupil.refused[-3:]
        user_id = db.session.scalar(select(User.id).filter_by(sub=pupil.sub))
        events = db.session.scalars(select(VideoEvent.event_id).filter_by(user_id=user_id)).all()
        assert sorted(events) == sorted(f"e{n}" for n in range(REPORTS))  # once each, none lost
        progress = db.session.scalars(select(ModuleProgress).filter_by(user_id=user_id)).one()
        assert progress.covered_seconds == pytest.approx(REPORTS * SEGMENT)
        assert progress.segments == [[0, REPORTS * SEGMENT]]


def worker_pids(server: Gunicorn) -> list[str]:
    return sorted(server.served_by("POST", f"/mentor/modules/{MODULE}/progress"))


def test_a_worker_killed_mid_request_loses_and_duplicates_nothing(
    gunicorn: Gunicorn, platform: TestPlatform  # noqa: F811
) -> None:
    pupils = [launch_pupil(gunicorn.base_url, platform, n) for n in range(PUPILS)]
    killed: list[int] = []

    def kill_workers() -> None:
        deadline = time.monotonic() + 60
        while len(killed) < 6 and time.monotonic() < deadline:
            time.sleep(0.3)
            serving = [int(pid.strip("<>")) for pid in worker_pids(gunicorn)]
            alive = [pid for pid in serving if pid not in killed and os.path.exists(f"/proc/{pid}")]
            if alive:
                os.kill(alive[-1], signal.SIGKILL)  # gunicorn's master starts a new one
                killed.append(alive[-1])
            if sum(p.interrupted for p in pupils) >= 2:
                return

    run_pupils(gunicorn.base_url, pupils, kill_workers, pause=0.02)
    assert killed
    assert sum(p.interrupted for p in pupils) >= 1, "no request was in flight when a worker died"
    assert_stored_exactly_what_was_sent(pupils)


@pytest.mark.postgres
@pytest.mark.skipif(os.environ.get("PEERREADY_TEST_RESTART_POSTGRES") != "1",
                    reason="restarts the shared PostgreSQL server: set PEERREADY_TEST_RESTART_POSTGRES=1")
@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="needs PostgreSQL")
def test_postgresql_restart_under_load_fails_cleanly_then_recovers(
    gunicorn: Gunicorn, platform: TestPlatform  # noqa: F811
) -> None:
    pupils = [launch_pupil(gunicorn.base_url, platform, n) for n in range(PUPILS)]
    restarted_at: list[float] = []

    def restart() -> None:
        time.sleep(1.0)  # let the load get going
        command = shlex.split(RESTART_COMMAND) if RESTART_COMMAND else RESTART
        subprocess.run(command, check=True, timeout=60, capture_output=True)
        restarted_at.append(time.monotonic())

    run_pupils(gunicorn.base_url, pupils, restart, pause=0.05)
    db.session.remove()  # the test's own pooled connections died with the server
    db.engine.dispose()
    refused = [r for p in pupils for r in p.refused]
    assert refused, "no request met the restart: nothing was tested"
    for _number, status, retry_after, body in refused:  # in flight during the outage
        assert status == 503, (status, body[:300])  # PeerReady's page, never gunicorn's bare 500
        assert retry_after and int(retry_after) > 0
        assert "try again" in body.lower() and 'class="site-header' in body, body[:300]
        assert "Reference code" in body  # the correlation id, to find the detail in the log
        assert "Traceback" not in body and "psycopg" not in body
    assert all(any(t > restarted_at[0] for t in p.acknowledged_after.values()) for p in pupils)
    assert_stored_exactly_what_was_sent(pupils)
