"""Certification rules: who is certified, what still blocks them, expiry, renewal and revocation.

Pure: no Flask, database or I/O. The app passes in plain values (what a learner completed and
when, the school's settings, the learner's previous certificate) and stores what comes back.

A first certificate needs every required module and quiz of the programme, plus a trainer's
sign-off and recorded supervised practice when the school (or the programme) asks for them. A
renewal needs only the programme's refresher modules and quizzes, done after the renewal window
opened (``RENEWAL_WINDOW_DAYS`` before expiry, or at the revocation), and a fresh sign-off when
sign-off is required or the previous certificate was revoked.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from enum import StrEnum

from modules.model import Programme

#: A learner may renew from this many days before their certificate expires.
RENEWAL_WINDOW_DAYS = 60
#: Trainers see certificates expiring within these numbers of days.
EXPIRY_BANDS = (7, 30, 60)
#: "Close" to certification: at most this many requirements left.
CLOSE_THRESHOLD = 2
_AUDIENCE_PREFIXES = ("primary-", "secondary-", "staff-")


class RequirementKind(StrEnum):
    """What kind of thing blocks certification."""

    WATCH = "watch"
    PASS = "pass"
    SIGNOFF = "signoff"
    PRACTICE = "practice"


@dataclass(frozen=True)
class Requirement:
    """One thing a learner still has to do; ``label`` is shown to learners and trainers."""

    kind: RequirementKind
    item_id: str
    label: str


class Status(StrEnum):
    """A certificate's standing at a moment."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class SchoolRules:
    """The school's choices; ``None`` keeps the programme's own setting."""

    signoff_required: bool | None = None
    supervised_practice_required: bool | None = None
    validity_months: int | None = None


@dataclass(frozen=True)
class Evidence:
    """What the learner has done, each item with when it was done (timezone-aware)."""

    completed_modules: Mapping[str, datetime]
    passed_quizzes: Mapping[str, datetime]
    signed_off_at: datetime | None = None  # the latest trainer sign-off
    practice_recorded_at: datetime | None = None  # the latest supervised practice record


@dataclass(frozen=True)
class PreviousCertificate:
    """The learner's latest certificate for the programme, as the rules need it."""

    earned_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome of checking a learner: certify now, or what is still missing."""

    missing: tuple[Requirement, ...]
    is_renewal: bool
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    already_certified: bool = False

    @property
    def certifies(self) -> bool:
        """True when a new certificate should be issued now."""
        return not self.missing and not self.already_certified

    @property
    def is_close(self) -> bool:
        """Nearly there: not certified, with few requirements left."""
        return not self.already_certified and 0 < len(self.missing) <= CLOSE_THRESHOLD


def readable_title(item_id: str) -> str:
    """``secondary-listening-well`` -> ``Listening well`` (for ids without a known title)."""
    for prefix in _AUDIENCE_PREFIXES:
        if item_id.startswith(prefix):
            item_id = item_id[len(prefix) :]
            break
    words = item_id.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def watch(module_id: str, titles: Mapping[str, str]) -> Requirement:
    """The requirement to complete a module."""
    return Requirement(
        RequirementKind.WATCH, module_id, f"Watch: {titles.get(module_id) or readable_title(module_id)}"
    )


def pass_quiz(quiz_id: str, titles: Mapping[str, str]) -> Requirement:
    """The requirement to pass a quiz."""
    title = titles.get(quiz_id) or f"{readable_title(quiz_id)} quiz"
    return Requirement(RequirementKind.PASS, quiz_id, f"Pass: {title}")


SIGNOFF = Requirement(RequirementKind.SIGNOFF, "signoff", "Trainer sign-off")
PRACTICE = Requirement(RequirementKind.PRACTICE, "supervised-practice", "Supervised practice")


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def validity_months(programme: Programme, rules: SchoolRules) -> int:
    """How long a certificate lasts: the school's choice, else the programme's."""
    return rules.validity_months or programme.validity_months


def signoff_required(programme: Programme, rules: SchoolRules) -> bool:
    """Whether a trainer must sign learners off before they are certified."""
    return programme.signoff_required if rules.signoff_required is None else rules.signoff_required


def practice_required(programme: Programme, rules: SchoolRules) -> bool:
    """Whether supervised practice must be recorded before a first certificate."""
    if rules.supervised_practice_required is None:
        return programme.supervised_practice_required
    return rules.supervised_practice_required


def status_at(
    now: datetime,
    expires_at: datetime,
    revoked_at: datetime | None = None,
    superseded_at: datetime | None = None,
) -> Status:
    """A certificate's status at ``now``; a renewed (superseded) certificate counts as expired."""
    if revoked_at is not None and revoked_at <= now:
        return Status.REVOKED
    if now >= expires_at or (superseded_at is not None and superseded_at <= now):
        return Status.EXPIRED
    return Status.VALID


def expiry_band(now: datetime, expires_at: datetime) -> int | None:
    """The smallest of 7, 30 or 60 days within which a valid certificate expires, else None."""
    if expires_at <= now:
        return None
    left = expires_at - now
    return next((days for days in EXPIRY_BANDS if left <= timedelta(days=days)), None)


def renewal_opens_at(previous: PreviousCertificate) -> datetime:
    """From when refresher work counts towards renewing ``previous``."""
    if previous.revoked_at is not None:
        return previous.revoked_at
    return previous.expires_at - timedelta(days=RENEWAL_WINDOW_DAYS)


def decide(
    programme: Programme,
    evidence: Evidence,
    now: datetime,
    rules: SchoolRules = SchoolRules(),
    previous: PreviousCertificate | None = None,
    titles: Mapping[str, str] | None = None,
) -> Decision:
    """Check a learner against the programme; the Decision says whether to certify and why not.

    With no ``previous`` certificate the whole programme is required. With one that is still
    valid and outside the renewal window nothing changes (``already_certified``). Otherwise the
    refresher is required, and only work done since ``renewal_opens_at(previous)`` counts.
    """
    titles = titles or {}
    if previous is None:
        since = None
        modules, quizzes = programme.required_modules, programme.required_quizzes
        needs_signoff = signoff_required(programme, rules)
        needs_practice = practice_required(programme, rules)
    else:
        since = renewal_opens_at(previous)
        status = status_at(now, previous.expires_at, previous.revoked_at)
        if status is Status.VALID and now < since:
            return Decision(missing=(), is_renewal=False, already_certified=True)
        modules, quizzes = programme.refresher.modules, programme.refresher.quizzes
        needs_signoff = signoff_required(programme, rules) or previous.revoked_at is not None
        needs_practice = False  # practice is part of first training, not the refresher

    def done(at: datetime | None) -> bool:
        return at is not None and (since is None or at >= since)

    missing: list[Requirement] = [
        watch(m, titles) for m in modules if not done(evidence.completed_modules.get(m))
    ]
    missing += [pass_quiz(q, titles) for q in quizzes if not done(evidence.passed_quizzes.get(q))]
    if needs_practice and not done(evidence.practice_recorded_at):
        missing.append(PRACTICE)
    if needs_signoff and not done(evidence.signed_off_at):
        missing.append(SIGNOFF)
    if missing:
        return Decision(missing=tuple(missing), is_renewal=previous is not None)
    return Decision(
        missing=(),
        is_renewal=previous is not None,
        valid_from=now,
        valid_until=add_months(now, validity_months(programme, rules)),
    )


def criteria_narrative(
    programme: Programme,
    decision: Decision,
    titles: Mapping[str, str],
    rules: SchoolRules = SchoolRules(),
) -> str:
    """What the learner completed to earn the certificate, as a Markdown list for badges."""
    if decision.is_renewal:
        modules, quizzes = programme.refresher.modules, programme.refresher.quizzes
        lines = [f"Renewed {programme.title} with its refresher:"]
    else:
        modules, quizzes = programme.required_modules, programme.required_quizzes
        lines = [f"Completed {programme.title}:"]
    lines += [f"- Watched {titles.get(m) or readable_title(m)}" for m in modules]
    lines += [f"- Passed {titles.get(q) or readable_title(q) + ' quiz'}" for q in quizzes]
    if practice_required(programme, rules) and not decision.is_renewal:
        lines.append("- Completed supervised practice")
    if signoff_required(programme, rules):
        lines.append("- Signed off by a trainer")
    return "\n".join(lines)
