"""A school's privacy choices: how long pupils' activity and the audit log are kept, and names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.services import certification
from lti_tool.services.xapi.actors import sends_names

RETENTION_MONTHS = "retention_months"
RETENTION_ACTION = "retention_action"
AUDIT_MONTHS = "audit_retention_months"
DELETE = "delete"
ANONYMISE = "anonymise"
ACTIONS = (DELETE, ANONYMISE)
DEFAULT_RETENTION_MONTHS = 24
DEFAULT_AUDIT_MONTHS = 24
MAX_MONTHS = 120


class PolicyProblem(ValueError):
    """A setting that can't be saved; the message is shown to the admin."""


@dataclass(frozen=True)
class Policy:
    """What the school chose, with PeerReady's defaults filled in."""

    retention_months: int
    retention_action: str
    audit_months: int
    stores_names: bool
    sends_names_to_lrs: bool
    shows_names_on_certificates: bool


def policy_of(platform: Platform) -> Policy:
    """The school's current choices."""
    config = current_app.config
    return Policy(
        retention_months=int(platform.setting(
            RETENTION_MONTHS, config.get("PRIVACY_RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS))),
        retention_action=str(platform.setting(RETENTION_ACTION, DELETE)),
        audit_months=int(platform.setting(
            AUDIT_MONTHS, config.get("PRIVACY_AUDIT_MONTHS", DEFAULT_AUDIT_MONTHS))),
        stores_names=bool(platform.setting("store_display_names", config["STORE_DISPLAY_NAMES"])),
        sends_names_to_lrs=sends_names(platform),
        shows_names_on_certificates=certification.shows_name(platform),
    )


def set_policy(session: Session, platform: Platform, retention_months: str, retention_action: str,
               audit_months: str, stores_names: bool) -> Policy:
    """Save the school's choices from the data page's form; turning names off clears stored ones."""
    retention, audit = _months(retention_months, "activity"), _months(audit_months, "the audit log")
    if retention_action not in ACTIONS:
        raise PolicyProblem("Choose whether old activity is deleted or anonymised.")
    platform.settings = {
        **(platform.settings or {}), RETENTION_MONTHS: retention, RETENTION_ACTION: retention_action,
        AUDIT_MONTHS: audit, "store_display_names": stores_names,
    }
    if not stores_names:  # least data: names already stored go too
        session.execute(update(User).where(User.platform_id == platform.id).values(display_name=None))
    session.commit()
    return policy_of(platform)


def _months(value: str, what: str) -> int:
    try:
        months = int(value)
    except ValueError:
        raise PolicyProblem(f"Give the months to keep {what} as a whole number.") from None
    if not 1 <= months <= MAX_MONTHS:
        raise PolicyProblem(f"Keep {what} for between 1 and {MAX_MONTHS} months.")
    return months


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the month's last)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
