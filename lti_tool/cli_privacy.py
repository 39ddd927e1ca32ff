"""``flask privacy …``: scheduled retention, and subject access and erasure from the shell."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.models.types import utcnow
from lti_tool.services.privacy import audit
from lti_tool.services.privacy import erasure
from lti_tool.services.privacy import export
from lti_tool.services.privacy import retention

privacy_cli = AppGroup("privacy", help="Children's data: retention, subject access and erasure.")
TOOL_ADMIN = audit.Actor(audit.TOOL_ADMIN)


def _when(value: str | None) -> datetime:
    if not value:
        return utcnow()
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _school(school_id: int) -> Platform:
    platform = db.session.get(Platform, school_id)
    if platform is None:
        raise click.ClickException(f"no school (platform) with id {school_id}")
    return platform


def _person(platform: Platform, platform_user_id: str) -> User:
    person = db.session.scalars(select(User).filter_by(platform_id=platform.id, sub=platform_user_id)).first()
    if person is None:
        raise click.ClickException("PeerReady holds nothing for that platform user id at this school")
    return person


@privacy_cli.command("enforce")
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted or anonymised.")
@click.option("--school", "school_ids", type=int, multiple=True, help="Only this platform id (repeatable).")
@click.option("--now", "now_text", help="Act as if it were this ISO date-time (for checks).")
def enforce_command(dry_run: bool, school_ids: tuple[int, ...], now_text: str | None) -> None:
    """Apply every school's retention settings; run it daily (cron or a systemd timer)."""
    results = retention.enforce(db.session, db.metadata, _when(now_text), dry_run=dry_run,
                                platform_ids=list(school_ids) or None)
    for found in results:
        click.echo(found.summary(dry_run))
    if not results:
        click.echo("No schools registered.")


@privacy_cli.command("export")
@click.option("--school", "school_id", type=int, required=True, help="The platform id.")
@click.option("--user", "platform_user_id", required=True, help="The platform's user id (sub).")
def export_command(school_id: int, platform_user_id: str) -> None:
    """Print everything held about one person as JSON (logged in the school's audit log)."""
    platform = _school(school_id)
    person = _person(platform, platform_user_id)
    found = export.export_person(db.session, db.metadata, person)
    audit.record_view(db.session, TOOL_ADMIN, "everything held (command line)", platform_id=platform.id,
                      subject_user_id=person.id, action=audit.EXPORT)
    click.echo(json.dumps(found.as_json(), indent=2))


@privacy_cli.command("erase")
@click.option("--school", "school_id", type=int, required=True, help="The platform id.")
@click.option("--user", "platform_user_id", help="Erase this person (the platform's user id).")
@click.option("--course", "course_id", type=int, help="Erase this course (PeerReady's course id).")
@click.option("--everything", is_flag=True, help="Erase every person and course of the school.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(school_id: int, platform_user_id: str | None, course_id: int | None,
                  everything: bool, yes: bool) -> None:
    """Erase one person, one course or a whole school, voiding their records at the LRS."""
    if sum(bool(x) for x in (platform_user_id, course_id, everything)) != 1:
        raise click.UsageError("give exactly one of --user, --course or --everything")
    platform = _school(school_id)
    now = utcnow()
    if platform_user_id:
        person = _person(platform, platform_user_id)
        what = f"everything about platform user {platform_user_id}"
    elif course_id:
        what = f"course {course_id} and everything in it"
    else:
        what = f"every person and course of {platform.name or platform.issuer}"
    if not yes:
        click.confirm(f"Erase {what}? This cannot be undone", abort=True)
    try:
        if platform_user_id:
            report = erasure.erase_people(db.session, db.metadata, platform, [person.id], TOOL_ADMIN, now)
        elif course_id:
            report = erasure.erase_course(db.session, db.metadata, platform, course_id, TOOL_ADMIN, now)
        else:
            report = erasure.erase_school(db.session, db.metadata, platform, TOOL_ADMIN, now)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Erased {report.summary()}.")
