"""E-mail reminders before a certificate runs out (60, 30 and 7 days), opt-in per school.

PeerReady keeps no e-mail addresses unless a school turns reminders on and configures its own
outgoing mail server (SMTP). Only then is the address from the launch's ``email`` claim kept,
encrypted, for this one purpose (``ReminderAddress``). ``flask certification remind`` (run
daily) sends each reminder once: a reminder is recorded only after the server accepted it, so
a server that is down loses nothing; the next run tries again. Logs name no one.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import make_msgid
from typing import Any

from cryptography.fernet import InvalidToken
from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Certification
from lti_tool.models import ExpiryReminder
from lti_tool.models import Platform
from lti_tool.models import ReminderAddress
from lti_tool.models import User
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services.crypto import decrypt_text
from lti_tool.services.crypto import encrypt_text
from modules import certification as rules

log = logging.getLogger(__name__)

ADDRESS_SALT = b"peerready-reminder-address"
PASSWORD_SALT = b"peerready-smtp-password"
SMTP_TIMEOUT_SECONDS = 20

# School settings (Platform.settings) this module reads.
ENABLED = "reminders_enabled"
HOST = "smtp_host"
PORT = "smtp_port"
SECURITY = "smtp_security"  # "starttls" (default), "tls" (implicit, port 465) or "none"
SENDER = "smtp_from"
USERNAME = "smtp_username"
PASSWORD = "smtp_password_encrypted"
SECURITIES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class MailServer:
    """A school's outgoing mail server, with the password decrypted."""

    host: str
    port: int
    security: str
    sender: str
    username: str = ""
    password: str = ""


def enabled(platform: Platform) -> bool:
    """Whether the school turned reminders on (and gave a server and a from-address)."""
    return bool(platform.setting(ENABLED, False)) and bool(platform.setting(HOST))


def mail_server(platform: Platform) -> MailServer:
    """The school's SMTP settings."""
    security = str(platform.setting(SECURITY) or "starttls")
    default_port = 465 if security == "tls" else 587 if security == "starttls" else 25
    secret = platform.setting(PASSWORD)
    return MailServer(
        host=str(platform.setting(HOST)),
        port=int(platform.setting(PORT) or default_port),
        security=security,
        sender=str(platform.setting(SENDER)),
        username=str(platform.setting(USERNAME) or ""),
        password=decrypt_text(PASSWORD_SALT, secret) if secret else "",
    )


def encrypt_password(plain: str) -> str:
    """The SMTP password as stored in the school's settings."""
    return encrypt_text(PASSWORD_SALT, plain)


def decrypt_address(token: str) -> str:
    """A stored address, readable again (for sending, and for the person's data export)."""
    return decrypt_text(ADDRESS_SALT, token)


def keep_address(session: Session, platform: Platform, user: User, claims: dict[str, Any]) -> None:
    """At a launch: keep the ``email`` claim, encrypted, if the school turned reminders on.

    Does not commit (the launch does). An address that is not a valid e-mail address is ignored.
    """
    if not enabled(platform):
        return
    raw = claims.get("email")
    if not isinstance(raw, str) or not raw.strip():
        return
    try:
        address = validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return
    row = session.scalars(select(ReminderAddress).filter_by(user_id=user.id)).first()
    if row is not None and decrypt_address(row.email_encrypted) == address:
        return
    if row is None:
        row = ReminderAddress(user_id=user.id)
        session.add(row)
    row.email_encrypted = encrypt_text(ADDRESS_SALT, address)
    row.updated_at = utcnow()


def forget_addresses(session: Session, platform: Platform) -> int:
    """Delete every address kept for the school's reminders (when it turns them off)."""
    users = select(User.id).where(User.platform_id == platform.id)
    result = session.execute(delete(ReminderAddress).where(ReminderAddress.user_id.in_(users)))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Due:
    """A reminder to send: which certificate, which threshold, to whom."""

    certification: Certification
    days: int
    address: str


def due(session: Session, platform: Platform, now: datetime) -> list[Due]:
    """The school's reminders not yet sent: one per valid certificate, for its current band."""
    rows = session.execute(
        select(Certification, ReminderAddress)
        .join(ReminderAddress, ReminderAddress.user_id == Certification.user_id)
        .where(
            Certification.platform_id == platform.id,
            Certification.revoked_at.is_(None),
            Certification.superseded_at.is_(None),
            Certification.expires_at > now,
        )
        .order_by(Certification.id)
    )
    sent = {
        (certification_id, days)
        for certification_id, days in session.execute(
            select(ExpiryReminder.certification_id, ExpiryReminder.days)
            .join(Certification, Certification.id == ExpiryReminder.certification_id)
            .where(Certification.platform_id == platform.id)
        )
    }
    found = []
    for cert, address in rows:
        band = rules.expiry_band(now, as_utc(cert.expires_at))
        if band is None or certification.status_of(cert, now) is not rules.Status.VALID:
            continue
        # A run that was missed sends only the current band's reminder, never an older one.
        if any((cert.id, days) in sent for days in rules.EXPIRY_BANDS if days <= band):
            continue
        found.append(Due(cert, band, decrypt_address(address.email_encrypted)))
    return found


def message(platform: Platform, server: MailServer, item: Due, now: datetime) -> EmailMessage:
    """The reminder e-mail for one certificate."""
    cert = item.certification
    school = str(platform.setting("school_name") or current_app.config["SCHOOL_NAME"])
    expires = as_utc(cert.expires_at)
    left = max((expires - now).days, 0)
    name = cert.user.display_name if certification.shows_name(platform) else None
    mail = EmailMessage()
    mail["Subject"] = f"Your {cert.programme_title} certificate runs out on {expires:%-d %B %Y}"
    mail["From"] = Address(display_name=school, addr_spec=server.sender)
    mail["To"] = item.address
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=server.sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    mail.set_content("\n".join([
        f"Hello{' ' + name if name else ''},",
        "",
        f"Your {cert.programme_title} certificate from {school} runs out on "
        f"{expires:%-d %B %Y}, in {left} day{'s' if left != 1 else ''}.",
        "",
        "To renew it, open PeerReady from your course as usual and do the short refresher:",
        "watch the refresher videos again (press \"Watch again for a refresher\" on each one)",
        "and pass the refresher quiz. Your new certificate and badge appear straight away.",
        "",
        f"Verification code of your current certificate: {cert.code}",
        "",
        f"You are getting this e-mail because {school} turned on certificate reminders.",
        "If you don't want them, tell your trainer.",
    ]))
    return mail


@dataclass
class SchoolRun:
    """What one school's run did, in counts (it names no one)."""

    platform_id: int
    sent: int = 0
    waiting: int = 0  # not sent, including refused
    refused: int = 0  # addresses the server refused
    problem: str = ""


@dataclass
class RunReport:
    """What ``send_reminders`` did at every school."""

    schools: list[SchoolRun] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(school.sent for school in self.schools)

    @property
    def waiting(self) -> int:
        return sum(school.waiting for school in self.schools)


def send_reminders(session: Session, now: datetime, platform_ids: Iterable[int] = ()) -> RunReport:
    """Send every due reminder at every school that turned them on; record each one sent."""
    query = select(Platform).order_by(Platform.id)
    if platform_ids:
        query = query.where(Platform.id.in_(list(platform_ids)))
    report = RunReport()
    for platform in session.scalars(query).all():
        if not enabled(platform):
            continue
        pending = due(session, platform, now)
        if not pending:
            continue
        run = SchoolRun(platform.id, waiting=len(pending))
        report.schools.append(run)
        try:
            server = mail_server(platform)
            with _connect(server) as smtp:
                for item in pending:
                    try:
                        smtp.send_message(message(platform, server, item, now))
                    except smtplib.SMTPRecipientsRefused:
                        run.refused += 1  # this address only: tried again next run
                        continue
                    session.add(ExpiryReminder(
                        certification_id=item.certification.id, days=item.days, sent_at=now
                    ))
                    session.commit()  # recorded as soon as the server accepted it
                    run.sent += 1
                    run.waiting -= 1
        except (OSError, smtplib.SMTPException, InvalidToken) as exc:
            # InvalidToken: the saved password no longer decrypts (the encryption key changed).
            session.rollback()
            # The error's class only: SMTP replies can quote the recipient's address.
            run.problem = type(exc).__name__
            log.warning(
                "certificate reminders for platform %s: mail server problem (%s); %d sent, "
                "%d left for the next run", platform.id, run.problem, run.sent, run.waiting,
            )
            continue
        log.info(
            "certificate reminders for platform %s: %d sent, %d addresses refused",
            platform.id, run.sent, run.refused,
        )
    return report


def _connect(server: MailServer) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.security == "tls":
        smtp = smtplib.SMTP_SSL(
            server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if server.security == "starttls":
            smtp.starttls(context=context)
        if server.username:
            smtp.login(server.username, server.password)
    except BaseException:
        smtp.close()
        raise
    return smtp
