"""Retention removes exactly what is due, at a chosen moment (time travel, no sleeping)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEntry
from lti_tool.models import Certification
from lti_tool.models import Platform
from lti_tool.models import QuizAttempt
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services.privacy import audit
from lti_tool.services.privacy import policy
from lti_tool.services.privacy import retention
from tests.support.platform import TestPlatform
from tests.support.privacy import course_of
from tests.support.privacy import give_activity
from tests.support.privacy import launch
from tests.support.privacy import pupil_ids
from tests.support.privacy import references

NOW = utcnow()
MONTH = timedelta(days=31)


@pytest.fixture
def school(platform: TestPlatform) -> Platform:
    row = db.session.scalars(select(Platform).filter_by(issuer=platform.issuer)).one()
    row.settings = {certification.SIGNOFF_REQUIRED: False, certification.PRACTICE_REQUIRED: False}
    db.session.commit()
    return row


def _pupils(client: FlaskClient, platform: TestPlatform) -> dict[str, User]:
    """Gone 30 months (certificate ran out 27 months ago); gone 30 months but certificate ran out
    last month; here today."""
    found = {}
    names = {"pupil-gone": "Gwen Gone", "pupil-certified": "Cara Cert", "pupil-here": "Hana Here"}
    for sub, name in names.items():
        found[sub] = launch(client, platform, sub, name)
    for sub, user in found.items():
        give_activity(user, course_of(user), at=NOW - 30 * MONTH)
        user.last_seen_at = NOW if sub == "pupil-here" else NOW - 30 * MONTH
    recent = db.session.scalars(select(Certification).filter_by(user_id=found["pupil-certified"].id)).one()
    recent.expires_at = NOW - MONTH
    old = db.session.scalars(select(Certification).filter_by(user_id=found["pupil-gone"].id)).one()
    old.expires_at = NOW - 27 * MONTH
    db.session.commit()
    return found


def test_retention_deletes_exactly_the_people_due_after_24_months(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    people = _pupils(client, platform)
    gone = pupil_ids(people["pupil-gone"])
    kept = {s: pupil_ids(u) for s, u in people.items() if s != "pupil-gone"}

    preview = retention.enforce(db.session, db.metadata, NOW, dry_run=True)
    assert preview[0].due_people == [gone.user_id]
    assert references(gone), "a dry run changes nothing"

    done = retention.enforce(db.session, db.metadata, NOW, dry_run=False)

    assert done[0].due_people == [gone.user_id]
    assert references(gone) == []
    for ids in kept.values():
        assert db.session.get(User, ids.user_id) is not None
    # Time travel: nearly two years on, the certificate holder is due too; the active pupil isn't.
    later = retention.enforce(db.session, db.metadata, NOW + 24 * MONTH - timedelta(days=15), dry_run=True)
    assert later[0].due_people == [kept["pupil-certified"].user_id]


def test_a_school_can_shorten_retention_and_choose_anonymising(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    people = _pupils(client, platform)
    policy.set_policy(db.session, school, "1", policy.ANONYMISE, "24", True)
    before = db.session.scalar(select(func.count(QuizAttempt.id)))
    ids_before = [pupil_ids(u) for u in people.values()]

    done = retention.enforce(db.session, db.metadata, NOW + 2 * MONTH, dry_run=False)

    assert sorted(done[0].due_people) == sorted(u.id for u in people.values())
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == before  # statistics stay
    for ids in ids_before:
        row = db.session.get(User, ids.user_id)
        assert row is not None and row.sub.startswith("anonymised-") and row.display_name is None
        assert [r for r in references(ids) if "user_id" not in r and "_id =" not in r] == []
    assert db.session.scalar(select(func.count(Certification.id))) == 0
    assert retention.enforce(db.session, db.metadata, NOW + 3 * MONTH, dry_run=True)[0].due_people == []


def test_audit_entries_older_than_the_schools_setting_are_deleted(
    client: FlaskClient, platform: TestPlatform, school: Platform,
) -> None:
    actor = audit.Actor(audit.TOOL_ADMIN)
    old = audit.record(db.session, actor, audit.VIEW, "old", platform_id=school.id)
    old.at = NOW - 25 * MONTH
    audit.record(db.session, actor, audit.VIEW, "recent", platform_id=school.id)
    db.session.commit()

    retention.enforce(db.session, db.metadata, NOW, dry_run=False)

    left = [e.what for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "old" not in left and "recent" in left


def test_enforce_command_reports_a_dry_run_and_then_acts(
    client: FlaskClient, platform: TestPlatform, school: Platform, runner: FlaskCliRunner,
) -> None:
    gone_id = _pupils(client, platform)["pupil-gone"].id

    dry = runner.invoke(args=["privacy", "enforce", "--dry-run", "--now", NOW.isoformat()])
    assert dry.exit_code == 0, dry.output
    assert "would delete 1 person" in dry.output
    assert db.session.get(User, gone_id) is not None

    real = runner.invoke(args=["privacy", "enforce", "--now", NOW.isoformat()])
    assert "did delete 1 person" in real.output
    db.session.expire_all()
    assert db.session.get(User, gone_id) is None
