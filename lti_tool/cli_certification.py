"""``flask certification remind``: e-mail mentors whose certificates run out soon (run daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti_tool.extensions import db
from lti_tool.models.types import utcnow
from lti_tool.services import reminders

certification_cli = AppGroup("certification", help="Certificates: expiry reminders.")


@certification_cli.command("remind")
@click.option(
    "--school", "school_ids", type=int, multiple=True, help="Only this school (platform id)."
)
def remind_command(school_ids: tuple[int, ...]) -> None:
    """Send the 60/30/7-day expiry reminders that are due; exit 1 if a mail server failed.

    Each reminder is sent once. What a failing server could not take is sent on the next run.
    """
    report = reminders.send_reminders(db.session, utcnow(), school_ids)
    for school in report.schools:
        line = f"school {school.platform_id}: {school.sent} sent"
        if school.refused:
            line += f", {school.refused} refused by the mail server (check those addresses)"
        if school.problem:
            line += f", {school.waiting} waiting (mail server problem: {school.problem})"
        click.echo(line)
    click.echo(f"{report.sent} reminder(s) sent, {report.waiting} waiting for the next run.")
    if report.waiting:
        raise SystemExit(1)
