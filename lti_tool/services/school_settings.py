"""A school's own settings (per platform registration), edited on the admin page.

Each setting has a default (the install's, or the programme's own) that applies until the
school changes it; ``None`` in the form means "use the default".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError
from email_validator import validate_email
from sqlalchemy.orm import Session

from lti_tool.models import Platform
from lti_tool.services import certification
from lti_tool.services import reminders


@dataclass(frozen=True)
class Setting:
    """One setting: its key in ``Platform.settings``, label, help and kind."""

    key: str
    label: str
    hint: str
    kind: str  # "choice" (default/on/off), "months", "text", "port", "security", "email", "secret"


SETTINGS = (
    Setting(
        "store_display_names",
        "Keep pupils' names",
        "Keep the name your platform sends, so trainers recognise their pupils. Off: trainers "
        "see anonymous learners. E-mail addresses are kept only for reminders (below).",
        "choice",
    ),
    Setting(
        certification.SHOWS_NAME,
        "Show the name on certificates",
        "Off (the default): certificates and their public verification page show no name.",
        "choice",
    ),
    Setting(
        certification.SIGNOFF_REQUIRED,
        "Require a trainer's sign-off",
        "Default: as each programme says.",
        "choice",
    ),
    Setting(
        certification.PRACTICE_REQUIRED,
        "Require recorded supervised practice",
        "Default: as each programme says.",
        "choice",
    ),
    Setting(
        certification.VALIDITY_MONTHS,
        "Certificates last (months)",
        "Default: the programme's (usually 12, the annual safeguarding refresher).",
        "months",
    ),
    Setting(
        "school_name",
        "School or organisation name",
        "Shown on certificates, handbooks and as the badge issuer.",
        "text",
    ),
    Setting("school_url", "School website", "The badge issuer's web address.", "text"),
    Setting(
        reminders.ENABLED,
        "E-mail reminders before certificates run out",
        "Off by default. On: mentors get an e-mail 60, 30 and 7 days before their certificate "
        "runs out, sent through your mail server below. PeerReady then keeps each mentor's "
        "e-mail address (encrypted, only for this) if your platform sends it with the launch "
        "(in Moodle: the tool's 'Share launcher's email' privacy setting). Turning this off "
        "deletes the addresses kept.",
        "choice",
    ),
    Setting(reminders.HOST, "Mail server (SMTP) host", "For example smtp.school.org.", "text"),
    Setting(
        reminders.PORT, "Mail server port", "Default: 587 (STARTTLS), 465 (TLS) or 25.", "port"
    ),
    Setting(
        reminders.SECURITY, "Mail server security",
        "STARTTLS (the default) or TLS; 'none' only for a relay on the same machine.", "security",
    ),
    Setting(
        reminders.SENDER, "Send reminders from", "An address such as noreply@school.org.", "email"
    ),
    Setting(
        reminders.USERNAME, "Mail server user name", "Leave empty if the server needs no sign-in.",
        "text",
    ),
    Setting(
        reminders.PASSWORD, "Mail server password",
        "Stored encrypted and never shown again. Leave empty to keep the saved one.", "secret",
    ),
)
_BY_KEY = {setting.key: setting for setting in SETTINGS}


class InvalidSetting(ValueError):
    """A value the form cannot take; the message says which and why."""


def current(platform: Platform) -> dict[str, Any]:
    """The school's chosen values (missing keys: the default applies); secrets are never shown."""
    values = {s.key: (platform.settings or {}).get(s.key) for s in SETTINGS}
    for setting in SETTINGS:
        if setting.kind == "secret":
            values[setting.key] = ""
    return values


def has_secret(platform: Platform, key: str) -> bool:
    """Whether a secret (the mail server's password) is saved."""
    return bool((platform.settings or {}).get(key))


def update(session: Session, platform: Platform, form: dict[str, str]) -> None:
    """Apply the form's values (``""`` or ``"default"``: back to the default) and commit.

    A secret left empty keeps the saved one (``KEY-clear`` removes it). Turning reminders off
    deletes the e-mail addresses kept for them.
    """
    chosen = dict(platform.settings or {})
    for setting in SETTINGS:
        raw = (form.get(setting.key) or "").strip()
        if setting.kind == "secret":
            if form.get(f"{setting.key}-clear"):
                chosen.pop(setting.key, None)
            elif raw:
                chosen[setting.key] = reminders.encrypt_password(_parse(setting, raw))
            continue
        if raw in ("", "default"):
            chosen.pop(setting.key, None)
            continue
        chosen[setting.key] = _parse(setting, raw)
    has_server = chosen.get(reminders.HOST) and chosen.get(reminders.SENDER)
    if chosen.get(reminders.ENABLED) and not has_server:
        raise InvalidSetting(
            "E-mail reminders: give the mail server host and the from-address first"
        )
    platform.settings = chosen
    if not chosen.get(reminders.ENABLED):
        reminders.forget_addresses(session, platform)
    session.commit()


def _parse(setting: Setting, raw: str) -> Any:
    if setting.kind == "choice":
        if raw not in ("on", "off"):
            raise InvalidSetting(f"{setting.label}: choose the default, on or off")
        return raw == "on"
    if setting.kind == "months":
        if not raw.isdigit() or not 1 <= int(raw) <= 60:
            raise InvalidSetting(f"{setting.label}: a whole number of months from 1 to 60")
        return int(raw)
    if setting.kind == "port":
        if not raw.isdigit() or not 1 <= int(raw) <= 65535:
            raise InvalidSetting(f"{setting.label}: a port number from 1 to 65535")
        return int(raw)
    if setting.kind == "security":
        if raw not in reminders.SECURITIES:
            raise InvalidSetting(f"{setting.label}: choose STARTTLS, TLS or none")
        return raw
    if len(raw) > 200:
        raise InvalidSetting(f"{setting.label}: at most 200 characters")
    if setting.kind == "email":
        try:
            return validate_email(raw, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise InvalidSetting(f"{setting.label}: {exc}") from None
    return raw
