"""Renewal through the refresher: the refresher modules must be watched again (and the refresher
quiz passed) after the renewal window opened; the first completions alone never renew.

The mentor does the training through the real services, then everything is moved back 350 days
(about 11.5 months), as if they had been certified then. The re-watch goes through the player's
own HTTP endpoints.
"""

from __future__ import annotations

import re
from datetime import timedelta

import jwt
from conftest import SECONDARY
from conftest import context_of
from conftest import csrf_from
from conftest import launched
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Certification
from lti_tool.models import CertificationEvent
from lti_tool.models import Context
from lti_tool.models import ModuleCompletion
from lti_tool.models import ModuleProgress
from lti_tool.models import Platform
from lti_tool.models import QuizAttempt
from lti_tool.models import User
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow
from lti_tool.services import programmes
from lti_tool.sessions import TOKEN_HEADER
from tests.support.platform import TestPlatform
from tests.support.training import complete_module
from tests.support.training import pass_quiz

AGE = timedelta(days=350)


def _certified_350_days_ago(client: FlaskClient, platform: TestPlatform) -> tuple[User, Context, int]:
    mentor = launched(client, platform, custom={"peerready_target": f"programme:{SECONDARY}"})
    context = context_of(mentor)
    link_id = context.resource_links[0].id
    programme = programmes.programme(SECONDARY)
    for module_id in programme.required_modules:
        complete_module(mentor, context, module_id, link_id)
    for quiz_id in programme.required_quizzes:
        pass_quiz(mentor, context, quiz_id, link_id)
    assert db.session.scalars(select(Certification)).one()
    moved = {
        ModuleProgress: ("completed_at", "updated_at"), ModuleCompletion: ("completed_at",),
        QuizAttempt: ("started_at", "finished_at"), Certification: ("earned_at", "expires_at"),
        CertificationEvent: ("at",),
    }
    for model, columns in moved.items():  # in Python: SQLite has no date arithmetic in SQL
        for row in db.session.scalars(select(model)):
            for column in columns:
                if getattr(row, column) is not None:
                    setattr(row, column, as_utc(getattr(row, column)) - AGE)
    db.session.commit()
    return mentor, context, link_id


def _session_token(page: bytes) -> str:
    match = re.search(rb'data-session-token="([^"]+)"', page)
    assert match, "no session token on the player page"
    return match.group(1).decode()


def _rewatch(client: FlaskClient, module_id: str, share: float = 1.0) -> dict[str, object]:
    """Press "Watch again" on the player page, then play ``share`` of the video and answer."""
    module = programmes.module(module_id)
    page = client.get(f"/mentor/modules/{module_id}")
    assert b"Watch again for a refresher" in page.data
    started = client.post(
        f"/mentor/modules/{module_id}/watch-again", data={"csrf_token": csrf_from(page.data)}
    )
    assert started.status_code == 303
    page = client.get(f"/mentor/modules/{module_id}")
    text = page.get_data(as_text=True)
    assert "Watching again" in text and 'data-complete="false"' in text
    headers = {TOKEN_HEADER: _session_token(page.data)}
    end = module.duration_seconds * share
    reply = client.post(f"/mentor/modules/{module_id}/progress", headers=headers, json={
        "player_session": f"again-{module_id}", "segments": [[0, end]],
        "events": [{"id": "e1", "type": "paused", "at": utcnow().isoformat(), "position": end}],
    })
    assert reply.status_code == 200, reply.data
    status: dict[str, object] = reply.get_json()
    for checkpoint in module.checkpoints:
        choice = next((c.id for c in checkpoint.choices if c.correct), None)
        answered = client.post(
            f"/mentor/modules/{module_id}/checkpoints/{checkpoint.id}", headers=headers,
            json={"choice": choice},
        )
        assert answered.status_code == 200, answered.data
        status = answered.get_json()["status"]
    return status


def test_mentor_certified_11_5_months_ago_renews_by_rewatching_refresher_modules_and_quiz(
    client: FlaskClient, platform: TestPlatform, school: Platform
) -> None:
    mentor, context, link_id = _certified_350_days_ago(client, platform)
    first = db.session.scalars(select(Certification)).one()
    first_code, first_id = first.code, first.id
    refresher = programmes.programme(SECONDARY).refresher
    old_completions = {
        row.module_id: row.completed_at for row in db.session.scalars(select(ModuleProgress))
    }

    # The refresher quiz alone, with the old module completions, does not renew.
    for quiz_id in refresher.quizzes:
        pass_quiz(mentor, context, quiz_id, link_id)
    assert db.session.scalars(select(Certification)).all() == [first]
    todo = client.get("/mentor/certificates").get_data(as_text=True)
    assert "Still to do for your certificate" in todo
    for module_id in refresher.modules:
        assert f"Watch: {programmes.module(module_id).title}" in todo

    # Half a re-watch counts for nothing yet.
    partial = _rewatch(client, refresher.modules[0], share=0.5)
    assert partial["complete"] is False
    assert client.post(f"/mentor/modules/{refresher.modules[0]}/progress").status_code != 200

    for module_id in refresher.modules:
        db.session.remove()
        status = client.get(f"/mentor/modules/{module_id}").get_data(as_text=True)
        if "Watching again" not in status:
            assert _rewatch(client, module_id)["complete"] is True
        else:  # finish the half-watched one
            page = client.get(f"/mentor/modules/{module_id}")
            headers = {TOKEN_HEADER: _session_token(page.data)}
            module = programmes.module(module_id)
            reply = client.post(f"/mentor/modules/{module_id}/progress", headers=headers, json={
                "player_session": "again-rest", "segments": [[0, module.duration_seconds]],
                "events": [],
            })
            assert reply.get_json()["complete"] is True

    db.session.remove()
    certificates = db.session.scalars(select(Certification).order_by(Certification.id)).all()
    assert len(certificates) == 2
    old, new = certificates
    assert old.id == first_id and new.renewal_of_id == first_id
    assert old.superseded_at is not None and old.revoked_at is None
    assert as_utc(new.expires_at) - as_utc(new.earned_at) > timedelta(days=360)
    kinds = [e.kind for e in db.session.scalars(select(CertificationEvent).order_by(CertificationEvent.id))]
    assert kinds == ["earned", "renewed"]

    # The first viewing's record stays; the history has the re-watches as viewing 2.
    for row in db.session.scalars(select(ModuleProgress)):
        assert row.completed_at == old_completions[row.module_id]
    again = db.session.scalars(select(ModuleCompletion).filter_by(viewing=2)).all()
    assert sorted(c.module_id for c in again) == sorted(refresher.modules)

    # The old certificate (and badge) now verifies as expired, the new one as valid.
    assert "This certificate has expired" in client.get(f"/verify/{first_code}").get_data(as_text=True)
    assert "This certificate is valid" in client.get(f"/verify/{new.code}").get_data(as_text=True)
    old_assertion = client.get(f"/badges/assertions/{first_code}").get_json()
    assert old_assertion["expires"].startswith(as_utc(old.superseded_at).date().isoformat())
    assert "revoked" not in old_assertion
    old_jwt = client.get(f"/mentor/certificates/{first_code}/credential.jwt").get_data(as_text=True)
    claims = jwt.decode(old_jwt, options={"verify_signature": False})
    assert claims["exp"] == int(as_utc(old.superseded_at).timestamp())  # a verifier: expired


def test_watch_again_needs_a_completed_module(
    client: FlaskClient, platform: TestPlatform, school: Platform
) -> None:
    launched(client, platform, custom={"peerready_target": f"programme:{SECONDARY}"})
    module_id = programmes.programme(SECONDARY).refresher.modules[0]
    page = client.get(f"/mentor/modules/{module_id}")
    assert b"Watch again for a refresher" not in page.data
    refused = client.post(
        f"/mentor/modules/{module_id}/watch-again", data={"csrf_token": csrf_from(page.data)}
    )
    assert refused.status_code == 400
    assert b"once you have completed it" in refused.data
    assert db.session.scalars(select(ModuleCompletion)).all() == []
