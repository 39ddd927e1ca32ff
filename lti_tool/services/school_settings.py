"""A school's own settings (per platform registration), edited on the admin page.

Each setting has a default (the install's, or the programme's own) that applies until the
school changes it; ``None`` in the form means "use the default".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.models import Platform
from lti_tool.services import certification


@dataclass(frozen=True)
class Setting:
    """One setting: its key in ``Platform.settings``, label, help and kind."""

    key: str
    label: str
    hint: str
    kind: str  # "choice" (default/on/off), "months" or "text"


SETTINGS = (
    Setting(
        "store_display_names",
        "Keep pupils' names",
        "Keep the name your platform sends, so trainers recognise their pupils. Off: trainers "
        "see anonymous learners; PeerReady never stores e-mail addresses.",
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
)
_BY_KEY = {setting.key: setting for setting in SETTINGS}


class InvalidSetting(ValueError):
    """A value the form cannot take; the message says which and why."""


def current(platform: Platform) -> dict[str, Any]:
    """The school's chosen values (missing keys: the default applies)."""
    return {s.key: (platform.settings or {}).get(s.key) for s in SETTINGS}


def update(session: Session, platform: Platform, form: dict[str, str]) -> None:
    """Apply the form's values (``""`` or ``"default"``: back to the default) and commit."""
    chosen = dict(platform.settings or {})
    for setting in SETTINGS:
        raw = (form.get(setting.key) or "").strip()
        if raw in ("", "default"):
            chosen.pop(setting.key, None)
            continue
        chosen[setting.key] = _parse(setting, raw)
    platform.settings = chosen
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
    if len(raw) > 200:
        raise InvalidSetting(f"{setting.label}: at most 200 characters")
    return raw
