"""Certifying, signing off, renewing and revoking, as stored; and the gradebook score record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from conftest import context_of
from conftest import launched
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Certification
from lti_tool.models import CertificationEvent
from lti_tool.models import Platform
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from modules.certification import Status
from modules.model import Programme
from tests.support.platform import TestPlatform


def events(user_id: int) -> list[str]:
    return list(db.session.scalars(
        select(CertificationEvent.kind).filter_by(user_id=user_id).order_by(CertificationEvent.id)
    ))


def test_completing_everything_certifies_once_with_a_full_gradebook_score(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    mentor = launched(client, platform)
    result = certify(mentor)
    assert result.certification is not None and result.score is not None
    cert = result.certification
    assert len(cert.code) >= 22 and cert.programme_title == "Becoming a peer mentor"
    assert "- Passed Boundaries quiz" in cert.criteria
    body = result.score.ags_body(mentor.sub)
    assert body["scoreGiven"] == body["scoreMaximum"] == 100.0
    assert body["activityProgress"] == "Completed" and body["gradingProgress"] == "FullyGraded"
    assert body["userId"] == "user-42"
    assert result.score.programme_id == "becoming-a-peer-mentor-secondary"

    again = certify(mentor)
    assert again.certification is None and again.score is None and again.decision.already_certified
    assert db.session.scalars(select(Certification)).all() == [cert]
    assert events(mentor.id) == ["earned"]


def test_missing_signoff_blocks_until_a_trainer_signs_off(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    school.settings = {**school.settings, certification.SIGNOFF_REQUIRED: True}
    db.session.commit()
    mentor = launched(client, platform)
    blocked = certify(mentor)
    assert blocked.certification is None
    assert [r.label for r in blocked.decision.missing] == ["Trainer sign-off"]
    trainer = launched(client, platform, role="Instructor", sub="teacher-1")

    signed = certification.sign_off(db.session, trainer, mentor, context_of(mentor),
                                    "becoming-a-peer-mentor-secondary", utcnow())
    assert signed.certification is not None and signed.score is not None
    assert events(mentor.id) == ["signed_off", "earned"]


def test_practice_is_recorded_with_dates_and_then_certifies(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    school.settings = {**school.settings, certification.PRACTICE_REQUIRED: True}
    db.session.commit()
    mentor = launched(client, platform)
    assert [r.label for r in certify(mentor).decision.missing] == ["Supervised practice"]
    trainer = launched(client, platform, role="Instructor", sub="teacher-1")
    today = utcnow().date()
    result = certification.record_practice(
        db.session, trainer, mentor, context_of(mentor), "becoming-a-peer-mentor-secondary",
        today - timedelta(days=14), today - timedelta(days=7), "Lunchtime drop-in, with Ms Hughes", utcnow(),
    )
    assert result.certification is not None
    assert events(mentor.id) == ["practice", "earned"]


def test_renewal_by_refresher_keeps_history_and_expires_the_old_badge(
    client: FlaskClient, platform: TestPlatform, school: Platform, secondary: Programme,
    certify: Callable[..., certification.CheckResult],
) -> None:
    mentor = launched(client, platform)
    start = utcnow() - timedelta(days=400)
    first = certify(mentor, at=start).certification
    assert first is not None
    now = utcnow()
    assert certification.status_of(first, now) is Status.EXPIRED

    old_work_only = certify(mentor, at=start, now=now)  # the course done long ago does not renew
    assert old_work_only.certification is None and old_work_only.decision.is_renewal
    assert {r.item_id for r in old_work_only.decision.missing} == {
        *secondary.refresher.modules, *secondary.refresher.quizzes
    }
    fresh = now - timedelta(hours=1)
    renewed = certification.certify_if_eligible(
        db.session, mentor, context_of(mentor), secondary,
        {m: fresh for m in secondary.refresher.modules}, {q: fresh for q in secondary.refresher.quizzes}, now,
    )
    assert renewed.certification is not None and renewed.score is not None
    assert renewed.certification.renewal_of_id == first.id
    assert "refresher" in renewed.certification.criteria
    assert renewed.score.comment.startswith("Renewed")
    db.session.refresh(first)
    assert first.superseded_at is not None
    assert certification.status_of(first, now) is Status.EXPIRED
    assert certification.status_of(renewed.certification, now) is Status.VALID
    assert events(mentor.id) == ["earned", "expired", "renewed"]


def test_early_renewal_marks_the_old_certificate_expired_not_deleted(
    client: FlaskClient, platform: TestPlatform, school: Platform, secondary: Programme,
    certify: Callable[..., certification.CheckResult],
) -> None:
    mentor = launched(client, platform)
    first = certify(mentor, at=utcnow() - timedelta(days=330)).certification  # ~5 weeks left
    assert first is not None
    now = utcnow()
    renewed = certification.certify_if_eligible(
        db.session, mentor, context_of(mentor), secondary,
        {m: now for m in secondary.refresher.modules}, {q: now for q in secondary.refresher.quizzes}, now,
    ).certification
    assert renewed is not None
    assert certification.status_of(first, now + timedelta(seconds=1)) is Status.EXPIRED
    assert db.session.get(Certification, first.id) is not None


def test_revocation_needs_a_reason_and_happens_once(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    mentor = launched(client, platform)
    cert = certify(mentor).certification
    assert cert is not None
    trainer = launched(client, platform, role="Instructor", sub="teacher-1")
    import pytest

    with pytest.raises(certification.CertificationError):
        certification.revoke(db.session, cert, trainer, "   ", utcnow())
    certification.revoke(db.session, cert, trainer, "Shared a mentee's secret", utcnow())
    assert certification.status_of(cert, utcnow()) is Status.REVOKED
    with pytest.raises(certification.CertificationError):
        certification.revoke(db.session, cert, trainer, "again", utcnow())
    assert events(mentor.id) == ["earned", "revoked"]
