"""E-mail reminders before certificates run out: opt-in per school, sent once per threshold
through a real SMTP server (aiosmtpd on 127.0.0.1), nothing lost when the server is down,
and no address or name in the logs. Addresses are kept only while reminders are on.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socket
from contextlib import contextmanager
from collections.abc import Callable
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from conftest import launched
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ExpiryReminder
from lti_tool.models import Platform
from lti_tool.models import ReminderAddress
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services import reminders
from lti_tool.services import school_settings
from lti_tool.services.privacy import audit
from lti_tool.services.privacy import erasure
from lti_tool.services.privacy import export
from tests.support.platform import TestPlatform
from tests.test_school_settings import admin_page
from tests.test_school_settings import csrf

ADDRESS = "alex.example@pupils.hillside.example"
NAME = "Alex Example"


def free_port() -> int:
    """A port in this branch's range (18400-18499) that nothing listens on."""
    for port in range(18420, 18500):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 18420-18499")


class Inbox:
    """aiosmtpd handler: keeps every message the server accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def ours(caplog: pytest.LogCaptureFixture) -> str:
    """Everything logged except by aiosmtpd (the school's mail server, which logs what it gets)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@contextmanager
def serving(inbox: Inbox, port: int) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 (the school's outgoing mail server, faked)."""
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_server(smtp_port: int) -> Iterator[Inbox]:
    with serving(Inbox(), smtp_port) as inbox:
        yield inbox


KEPT = {s.key for s in school_settings.SETTINGS if s.kind != "secret"}


def turn_on_reminders(school: Platform, port: int, **extra: str) -> None:
    school_settings.update(db.session, school, {
        **{k: ("on" if v is True else "off" if v is False else str(v))
           for k, v in (school.settings or {}).items() if k in KEPT},
        reminders.ENABLED: "on", reminders.HOST: "127.0.0.1", reminders.PORT: str(port),
        reminders.SECURITY: "none", reminders.SENDER: "noreply@hillside.example", **extra,
    })


def test_a_mentor_is_reminded_once_at_60_30_and_7_days_with_a_clear_message(
    app: Flask, client: FlaskClient, platform: TestPlatform, school: Platform,
    certify: Callable[..., certification.CheckResult], mail_server: Inbox, smtp_port: int,
    caplog: pytest.LogCaptureFixture, runner: Any,
) -> None:
    turn_on_reminders(school, smtp_port)
    mentor = launched(client, platform, name=NAME, email=ADDRESS)
    kept = db.session.scalars(select(ReminderAddress)).one()
    assert kept.user_id == mentor.id and ADDRESS not in kept.email_encrypted
    cert = certify(mentor, at=utcnow() - timedelta(days=320))  # about 45 days left
    assert cert.certification is not None
    code, title = cert.certification.code, cert.certification.programme_title
    expires = cert.certification.expires_at

    caplog.set_level(logging.DEBUG)
    first = runner.invoke(args=["certification", "remind"])
    assert first.exit_code == 0, first.output
    assert "1 reminder(s) sent" in first.output
    assert len(mail_server.messages) == 1 and mail_server.recipients == [[ADDRESS]]
    sent = mail_server.messages[0]
    assert sent["To"] == ADDRESS and sent["From"] == "Hillside Academy <noreply@hillside.example>"
    assert sent["Subject"] == f"Your {title} certificate runs out on {expires:%-d %B %Y}"
    body = sent.get_content()
    assert code in body and "Watch again for a refresher" in body and "refresher quiz" in body
    assert "Hillside Academy turned on certificate reminders" in body
    assert NAME not in body  # the school shows no names on certificates

    again = runner.invoke(args=["certification", "remind"])
    assert again.exit_code == 0 and "0 reminder(s) sent" in again.output
    assert len(mail_server.messages) == 1  # once per threshold

    now = utcnow()
    for days_later, total in ((20, 2), (21, 2), (40, 3), (44, 3)):
        reminders.send_reminders(db.session, now + timedelta(days=days_later))
        assert len(mail_server.messages) == total, days_later
    assert sorted(r.days for r in db.session.scalars(select(ExpiryReminder))) == [7, 30, 60]
    assert "in 4 days" in mail_server.messages[-1].get_content()

    logged = ours(caplog) + first.output
    assert ADDRESS not in logged and NAME not in logged and "alex" not in logged.lower()


def test_a_down_mail_server_loses_nothing_and_the_next_run_sends_it(
    app: Flask, client: FlaskClient, platform: TestPlatform, school: Platform,
    certify: Callable[..., certification.CheckResult], smtp_port: int,
    caplog: pytest.LogCaptureFixture, runner: Any,
) -> None:
    turn_on_reminders(school, smtp_port)  # nothing listens on the port yet
    mentor = launched(client, platform, name=NAME, email=ADDRESS)
    certify(mentor, at=utcnow() - timedelta(days=360))  # about 5 days left: the 7-day reminder
    caplog.set_level(logging.DEBUG)
    down = runner.invoke(args=["certification", "remind"])
    assert down.exit_code == 1
    assert "1 waiting (mail server problem: ConnectionRefusedError)" in down.output
    assert db.session.scalars(select(ExpiryReminder)).all() == []
    assert ADDRESS not in ours(caplog)

    with serving(Inbox(), smtp_port) as inbox:
        up = runner.invoke(args=["certification", "remind"])
    assert up.exit_code == 0, up.output
    assert [m["To"] for m in inbox.messages] == [ADDRESS]
    assert [r.days for r in db.session.scalars(select(ExpiryReminder))] == [7]


def test_addresses_are_kept_only_while_reminders_are_on_and_go_with_erasure(
    app: Flask, client: FlaskClient, platform: TestPlatform, school: Platform, smtp_port: int,
) -> None:
    launched(client, platform, email=ADDRESS)
    assert db.session.scalars(select(ReminderAddress)).all() == []  # off by default

    turn_on_reminders(school, smtp_port)
    launched(client, platform, role="Instructor", sub="teacher-1", email="t@hillside.example")
    launched(client, platform, email="not an address")
    assert db.session.scalars(select(ReminderAddress)).all() == []  # trainers; invalid address
    mentor = launched(client, platform, email=ADDRESS)
    assert len(db.session.scalars(select(ReminderAddress)).all()) == 1

    person = export.export_person(db.session, db.metadata, mentor)
    section = next(s for s in person.sections if s.table == "reminder_address")
    assert section.rows[0]["email_encrypted"] == ADDRESS  # the person gets it back readable

    erasure.erase_people(db.session, db.metadata, school, [mentor.id],
                         audit.Actor(audit.TOOL_ADMIN), utcnow())
    assert db.session.scalars(select(ReminderAddress)).all() == []

    mentor = launched(client, platform, sub="user-77", email=ADDRESS)
    assert len(db.session.scalars(select(ReminderAddress)).all()) == 1
    school_settings.update(db.session, school, {reminders.ENABLED: "off"})
    assert db.session.scalars(select(ReminderAddress)).all() == []  # turned off: forgotten


def test_mail_settings_need_a_server_and_keep_the_password_encrypted(
    app: Flask, school: Platform, smtp_port: int,
) -> None:
    with pytest.raises(school_settings.InvalidSetting, match="mail server host"):
        school_settings.update(db.session, school, {reminders.ENABLED: "on"})
    db.session.rollback()
    with pytest.raises(school_settings.InvalidSetting, match="Send reminders from"):
        turn_on_reminders(school, smtp_port, **{reminders.SENDER: "no-at-sign"})
    db.session.rollback()
    turn_on_reminders(school, smtp_port, **{reminders.USERNAME: "peerready", reminders.PASSWORD: "s3cret!"})
    db.session.refresh(school)
    stored = school.settings[reminders.PASSWORD]
    assert "s3cret" not in stored and reminders.mail_server(school).password == "s3cret!"
    assert school_settings.current(school)[reminders.PASSWORD] == ""  # never shown again
    turn_on_reminders(school, smtp_port)  # the password field left empty: kept
    db.session.refresh(school)
    assert reminders.mail_server(school).password == "s3cret!"
    assert re.fullmatch(r"[A-Za-z0-9_=-]+", stored)


def test_school_admin_turns_reminders_on_through_the_settings_page(
    client: FlaskClient, platform: TestPlatform, smtp_port: int,
) -> None:
    page, token = admin_page(client, platform)
    assert "E-mail reminders before certificates run out" in page and 'type="password"' in page
    platform_id = db.session.scalars(select(Platform.id)).one()
    form = {
        "csrf_token": csrf(page), reminders.ENABLED: "on", reminders.HOST: "127.0.0.1",
        reminders.PORT: str(smtp_port), reminders.SECURITY: "starttls",
        reminders.SENDER: "not-an-address", reminders.PASSWORD: "pa55word",
    }
    refused = client.post(f"/admin/platforms/{platform_id}/settings?s={token}", data=form)
    assert refused.status_code == 400 and "Send reminders from" in refused.get_data(as_text=True)
    assert "pa55word" not in refused.get_data(as_text=True)
    saved = client.post(
        f"/admin/platforms/{platform_id}/settings?s={token}",
        data={**form, reminders.SENDER: "noreply@hillside.example"},
    )
    assert saved.status_code == 303
    school = db.session.get(Platform, platform_id)
    assert school is not None
    db.session.refresh(school)
    assert reminders.enabled(school) and reminders.mail_server(school).password == "pa55word"
    again = client.get(f"/admin/platforms/{platform_id}/settings?s={token}").get_data(as_text=True)
    assert "A password is saved." in again and "pa55word" not in again


class Picky(Inbox):
    """A mail server that refuses one recipient (an address that no longer exists)."""

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("gone"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_address_does_not_hold_up_the_other_reminders(
    app: Flask, client: FlaskClient, platform: TestPlatform, school: Platform,
    certify: Callable[..., certification.CheckResult], smtp_port: int, runner: Any,
) -> None:
    turn_on_reminders(school, smtp_port)
    first = launched(client, platform, sub="user-1", email="gone@pupils.hillside.example")
    second = launched(client, platform, sub="user-2", email=ADDRESS)
    for mentor in (first, second):
        certify(mentor, at=utcnow() - timedelta(days=320))
    with serving(Picky(), smtp_port) as inbox:
        result = runner.invoke(args=["certification", "remind"])
    assert result.exit_code == 1  # one is left for the next run
    assert "1 sent, 1 refused by the mail server" in result.output
    assert [m["To"] for m in inbox.messages] == [ADDRESS]
    reminded = db.session.scalars(select(ExpiryReminder.certification_id)).all()
    assert len(reminded) == 1
    assert "gone@" not in result.output
