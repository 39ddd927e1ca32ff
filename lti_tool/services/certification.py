"""Certify learners, record sign-offs, practice and revocations, and list who stands where.

The rules are in ``modules.certification``; this module reads and writes the rows they speak of.
Callers give what a learner did as plain values (module and quiz ids with when they were done),
so certification does not depend on how progress is stored.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import object_session

from lti_tool.errors import NotFound
from lti_tool.errors import PeerReadyError
from lti_tool.lti.roles import Role
from lti_tool.models import Certification
from lti_tool.models import CertificationCheck
from lti_tool.models import CertificationEvent
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import ModuleProgress
from lti_tool.models import Platform
from lti_tool.models import QuizAttempt
from lti_tool.models import SupervisedPractice
from lti_tool.models import User
from lti_tool.models import WithdrawnCertificate
from lti_tool.models.types import as_utc
from lti_tool.services import catalogue
from lti_tool.services import certificate_outputs
from lti_tool.services import programmes
from modules import certification as rules
from modules.errors import ProgrammeNotFound
from modules.model import Programme

#: Size of each issuer's revocation status list, in entries (the W3C minimum, for herd privacy).
STATUS_LIST_SIZE = 131072
MAX_REASON_LENGTH = 1000
MAX_NOTE_LENGTH = 500

# School settings (Platform.settings) this module reads.
SHOWS_NAME = "certificate_shows_name"  # default False: certificates show no name
SIGNOFF_REQUIRED = "certificate_signoff_required"  # default: the programme's setting
PRACTICE_REQUIRED = "certificate_supervised_practice_required"  # default: the programme's
VALIDITY_MONTHS = "certificate_validity_months"  # default: the programme's validity_months


class Event:
    """Kinds of CertificationEvent."""

    EARNED = "earned"
    RENEWED = "renewed"
    SIGNED_OFF = "signed_off"
    PRACTICE = "practice"
    REVOKED = "revoked"
    EXPIRED = "expired"


class CertificationError(PeerReadyError):
    """A certification action that cannot be done; the message says why."""

    status = 400
    heading = "That didn't work"
    message = "PeerReady could not change this certificate."
    next_step = "Go back to the certification page and try again."


class UnknownCertificate(NotFound):
    """No certificate has this code (a typo, or a made-up code)."""

    heading = "Certificate not found"
    message = "No certificate has this verification code."
    next_step = "Check the code or link against the certificate and try again."


@dataclass(frozen=True)
class GradebookScore:
    """The AGS score for the programme's gradebook column when a learner is certified."""

    user_id: int
    context_id: int
    programme_id: str
    timestamp: datetime
    score_given: float = 100.0
    score_maximum: float = 100.0
    activity_progress: str = "Completed"
    grading_progress: str = "FullyGraded"
    comment: str = ""

    def ags_body(self, user_sub: str) -> dict[str, Any]:
        """The body of an AGS ``POST {lineitem}/scores`` for the learner's platform ``sub``."""
        return {
            "userId": user_sub,
            "scoreGiven": self.score_given,
            "scoreMaximum": self.score_maximum,
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
            "timestamp": self.timestamp.isoformat(timespec="milliseconds"),
            "comment": self.comment,
        }


@dataclass(frozen=True)
class CheckResult:
    """What a check did: the rules' decision and, if it certified, the new certificate."""

    decision: rules.Decision
    certification: Certification | None = None
    score: GradebookScore | None = None


def gradebook_score(certification: Certification) -> GradebookScore:
    """The one score record for a new certificate: 100%, Completed, FullyGraded."""
    verb = "Renewed" if certification.renewal_of_id else "Certified"
    return GradebookScore(
        user_id=certification.user_id,
        context_id=certification.context_id,
        programme_id=certification.programme_id,
        timestamp=as_utc(certification.earned_at),
        comment=f"{verb}: {certification.programme_title}",
    )


def school_rules(platform: Platform) -> rules.SchoolRules:
    """The school's certification settings (``None`` keeps the programme's own)."""
    months = platform.setting(VALIDITY_MONTHS)
    return rules.SchoolRules(
        signoff_required=platform.setting(SIGNOFF_REQUIRED),
        supervised_practice_required=platform.setting(PRACTICE_REQUIRED),
        validity_months=int(months) if months else None,
    )


def programme(programme_id: str) -> Programme:
    """A programme by id (shipped or the school's own); NotFound if there is none."""
    return programmes.programme(programme_id)


def certify_if_eligible(
    session: Session,
    user: User,
    context: Context,
    programme: Programme,
    completed_modules: Mapping[str, datetime],
    passed_quizzes: Mapping[str, datetime],
    now: datetime,
    titles: Mapping[str, str] | None = None,
) -> CheckResult:
    """Check the learner against the programme; certify (or renew) them if everything is done.

    ``completed_modules`` and ``passed_quizzes`` map ids to when they were completed or first
    passed (timezone-aware); renewal counts only work done after its window opened. Stores the
    check (trainers see what is missing) and commits. If it certified, ``score`` is the gradebook
    record to send.
    """
    record_expiries(session, now, context.id)  # so history shows "expired" before "renewed"
    check = _check_row(session, user, context, programme.id)  # locked until the commit
    check.completed_modules = {k: as_utc(v).isoformat() for k, v in completed_modules.items()}
    check.passed_quizzes = {k: as_utc(v).isoformat() for k, v in passed_quizzes.items()}
    return _check(session, check, user, context, programme, now, titles or {})


def recheck(session: Session, user: User, context: Context, programme_id: str, now: datetime) -> CheckResult:
    """Check again with the evidence stored by the last ``certify_if_eligible`` (after a sign-off)."""
    check = _check_row(session, user, context, programme_id)
    evidence_modules = {k: _parse(v) for k, v in (check.completed_modules or {}).items()}
    evidence_quizzes = {k: _parse(v) for k, v in (check.passed_quizzes or {}).items()}
    return certify_if_eligible(
        session, user, context, programme(programme_id), evidence_modules, evidence_quizzes, now
    )


def _check(
    session: Session,
    check: CertificationCheck,
    user: User,
    context: Context,
    programme: Programme,
    now: datetime,
    titles: Mapping[str, str],
) -> CheckResult:
    previous = latest_certification(session, user.id, context.id, programme.id)
    school = school_rules(user.platform)
    evidence = rules.Evidence(
        completed_modules={k: _parse(v) for k, v in check.completed_modules.items()},
        passed_quizzes={k: _parse(v) for k, v in check.passed_quizzes.items()},
        signed_off_at=_latest_event_at(session, user.id, context.id, programme.id, Event.SIGNED_OFF),
        practice_recorded_at=_latest_practice_at(session, user.id, context.id, programme.id),
    )
    decision = rules.decide(
        programme, evidence, now, school, _as_previous(previous) if previous else None, titles
    )
    check.missing = [
        {"kind": r.kind.value, "item_id": r.item_id, "label": r.label} for r in decision.missing
    ]
    check.checked_at = now
    if not decision.certifies:
        session.commit()
        return CheckResult(decision)
    assert decision.valid_from and decision.valid_until
    certification = Certification(
        code=secrets.token_urlsafe(16),
        credential_uuid=str(uuid.uuid4()),
        platform_id=user.platform_id,
        user_id=user.id,
        context_id=context.id,
        programme_id=programme.id,
        programme_title=programme.title,
        criteria=rules.criteria_narrative(programme, decision, titles, school),
        earned_at=decision.valid_from,
        expires_at=decision.valid_until,
        status_index=_free_status_index(session, user.platform_id),
        recipient_salt=secrets.token_hex(8),
        renewal_of_id=previous.id if previous else None,
    )
    session.add(certification)
    if previous is not None and previous.superseded_at is None:
        previous.superseded_at = now
    session.flush()
    kind = Event.RENEWED if decision.is_renewal else Event.EARNED
    session.add(_event(certification, kind, now))
    score = gradebook_score(certification)
    certificate_outputs.earned(session, certification, score)
    session.commit()
    return CheckResult(decision, certification, score)


def sign_off(
    session: Session, trainer: User, learner: User, context: Context, programme_id: str, now: datetime,
    note: str = "",
) -> CheckResult:
    """Record a trainer's sign-off, then check the learner again (it may certify them)."""
    programme(programme_id)  # NotFound for an unknown programme
    session.add(CertificationEvent(
        user_id=learner.id, context_id=context.id, programme_id=programme_id,
        kind=Event.SIGNED_OFF, at=now, actor_id=trainer.id, note=note.strip()[:MAX_NOTE_LENGTH],
    ))
    session.flush()
    return recheck(session, learner, context, programme_id, now)


def record_practice(
    session: Session, trainer: User, learner: User, context: Context, programme_id: str,
    practised_from: date, practised_until: date, note: str, now: datetime,
) -> CheckResult:
    """Record supervised practice between two dates, then check the learner again."""
    programme(programme_id)
    if practised_until < practised_from:
        raise CertificationError(message="The practice can't end before it starts. Check the dates.")
    if practised_until > now.date():
        raise CertificationError(message="Supervised practice can only be recorded once it has happened.")
    note = note.strip()[:MAX_NOTE_LENGTH]
    session.add(SupervisedPractice(
        user_id=learner.id, context_id=context.id, programme_id=programme_id,
        practised_from=practised_from, practised_until=practised_until, note=note,
        recorded_by_id=trainer.id, recorded_at=now,
    ))
    session.add(CertificationEvent(
        user_id=learner.id, context_id=context.id, programme_id=programme_id, kind=Event.PRACTICE,
        at=now, actor_id=trainer.id, note=f"{practised_from:%d %b %Y} to {practised_until:%d %b %Y}: {note}",
    ))
    session.flush()
    return recheck(session, learner, context, programme_id, now)


def revoke(session: Session, certification: Certification, trainer: User, reason: str, now: datetime) -> None:
    """Revoke a certificate with the trainer's reason (kept for trainers; never shown publicly)."""
    reason = reason.strip()
    if not reason:
        raise CertificationError(message="Give a reason for revoking the certificate.")
    if certification.revoked_at is not None:
        raise CertificationError(message="This certificate has already been revoked.")
    certification.revoked_at = now
    certification.revoked_by_id = trainer.id
    certification.revoked_reason = reason[:MAX_REASON_LENGTH]
    session.add(_event(certification, Event.REVOKED, now, actor=trainer, note=reason[:MAX_REASON_LENGTH]))
    certificate_outputs.revoked(session, certification, reason)
    session.commit()


def record_expiries(session: Session, now: datetime, context_id: int | None = None) -> int:
    """Write an ``expired`` history event for each certificate that ran out; return how many."""
    query = select(Certification).where(
        Certification.expires_at <= now,
        Certification.revoked_at.is_(None),
        ~Certification.events.any(CertificationEvent.kind == Event.EXPIRED),
    )
    if context_id is not None:
        query = query.where(Certification.context_id == context_id)
    expired = list(session.scalars(query))
    for certification in expired:
        session.add(_event(certification, Event.EXPIRED, as_utc(certification.expires_at)))
    if expired:
        session.commit()
    return len(expired)


def status_of(certification: Certification, now: datetime) -> rules.Status:
    """Valid, expired (or replaced by a renewal) or revoked, at ``now``."""
    return rules.status_at(
        now,
        as_utc(certification.expires_at),
        as_utc(certification.revoked_at) if certification.revoked_at else None,
        as_utc(certification.superseded_at) if certification.superseded_at else None,
    )


def by_code(session: Session, code: str) -> Certification:
    """The certificate with this verification code; NotFound otherwise."""
    certification = session.scalars(select(Certification).filter_by(code=code)).first()
    if certification is None:
        raise UnknownCertificate("unknown verification code")
    return certification


def for_learner(session: Session, user: User, code: str) -> Certification:
    """One of the learner's own certificates; NotFound for anyone else's."""
    certification = by_code(session, code)
    if certification.user_id != user.id:
        raise NotFound("certificate of another learner")
    return certification


def in_course(session: Session, context: Context, certification_id: int) -> Certification:
    """A certificate of this course; NotFound for another course's (nothing leaks)."""
    certification = session.get(Certification, certification_id)
    if certification is None or certification.context_id != context.id:
        raise NotFound("certificate not in this course")
    return certification


def learner_in_course(session: Session, context: Context, user_id: int) -> User:
    """A learner enrolled in this course; NotFound otherwise."""
    enrollment = session.scalars(
        select(Enrollment).filter_by(context_id=context.id, user_id=user_id)
    ).first()
    if enrollment is None:
        raise NotFound("learner not in this course")
    return enrollment.user


def latest_certification(
    session: Session, user_id: int, context_id: int, programme_id: str
) -> Certification | None:
    """The learner's most recent certificate for the programme in this course."""
    return session.scalars(
        select(Certification)
        .filter_by(user_id=user_id, context_id=context_id, programme_id=programme_id)
        .order_by(Certification.earned_at.desc(), Certification.id.desc())
    ).first()


def history(session: Session, user_id: int, context_id: int) -> list[CertificationEvent]:
    """Everything that happened to the learner's certification in this course, oldest first."""
    return list(session.scalars(
        select(CertificationEvent)
        .filter_by(user_id=user_id, context_id=context_id)
        .order_by(CertificationEvent.at, CertificationEvent.id)
    ))


def shows_name(platform: Platform) -> bool:
    """Whether the school lets certificates and the public page show the learner's name."""
    return bool(platform.setting(SHOWS_NAME, False))


@dataclass
class LearnerStanding:
    """One learner and programme on the trainer's page.

    ``user`` is None for a pupil on the platform's class list who never opened PeerReady.
    ``total`` counts what the learner's next certificate (or renewal) needs; ``missing`` what
    of it is still to do.
    """

    user: User | None
    programme_id: str
    certification: Certification | None
    status: rules.Status | None
    band: int | None = None
    missing: list[str] = field(default_factory=list)
    signed_off_at: datetime | None = None
    practice: list[SupervisedPractice] = field(default_factory=list)
    name: str | None = None  # from the class list, for those who never launched
    total: int = 0
    started: bool = False

    @property
    def is_close(self) -> bool:
        return self.status is not rules.Status.VALID and 0 < len(self.missing) <= rules.CLOSE_THRESHOLD

    @property
    def done(self) -> int:
        """How many of ``total`` requirements are met."""
        return max(self.total - len(self.missing), 0)

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.display_name or f"Learner {self.user.id}"
        return self.name or "A learner who hasn't opened PeerReady yet"

    @property
    def state(self) -> str:
        """In words: not started, in progress (x of y), close, certified (expiring), expired…"""
        if self.status is rules.Status.VALID:
            return f"Certified, runs out within {self.band} days" if self.band else "Certified"
        if self.status is not None:
            return self.status.value.capitalize()
        if not self.started:
            return "Not started"
        progress = f"{self.done} of {self.total} done"
        return f"Close ({progress})" if self.is_close else f"In progress ({progress})"


@dataclass
class Dashboard:
    """The trainer's view of a course, grouped as the page shows it."""

    certified: list[LearnerStanding] = field(default_factory=list)
    expiring: dict[int, list[LearnerStanding]] = field(default_factory=dict)
    close: list[LearnerStanding] = field(default_factory=list)
    in_training: list[LearnerStanding] = field(default_factory=list)
    not_started: list[LearnerStanding] = field(default_factory=list)
    expired: list[LearnerStanding] = field(default_factory=list)
    revoked: list[LearnerStanding] = field(default_factory=list)

    @property
    def everyone(self) -> list[LearnerStanding]:
        """Every standing once, in the page's order of groups."""
        groups = (self.certified, self.close, self.in_training, self.not_started)
        return [s for group in (*groups, self.expired, self.revoked) for s in group]


def dashboard(
    session: Session,
    context: Context,
    now: datetime,
    mentors: Sequence[tuple[int | None, str, str | None]] = (),
    course_programme: Programme | None = None,
) -> Dashboard:
    """Every mentor of the course: certified, expiring in 7/30/60 days, close, in training,
    not started, expired or revoked.

    ``mentors`` (user id or None, platform sub, name), from the platform's class list, adds those
    with no certification record yet, under ``course_programme``; everyone enrolled as a mentor
    is listed in any case.
    """
    record_expiries(session, now, context.id)
    keys: dict[tuple[int | str, str], LearnerStanding] = {}
    checks = session.scalars(select(CertificationCheck).filter_by(context_id=context.id))
    for check in checks:
        keys[(check.user_id, check.programme_id)] = LearnerStanding(
            check.user, check.programme_id, None, None, missing=[m["label"] for m in check.missing],
            started=True,
        )
    certifications = session.scalars(
        select(Certification).filter_by(context_id=context.id).order_by(Certification.earned_at)
    )
    for certification in certifications:  # the latest wins
        key = (certification.user_id, certification.programme_id)
        standing = keys.setdefault(
            key, LearnerStanding(certification.user, certification.programme_id, None, None)
        )
        standing.certification = certification
        standing.status = status_of(certification, now)
        standing.band = rules.expiry_band(now, as_utc(certification.expires_at))
    if course_programme is not None:
        _add_untracked(session, context, keys, mentors, course_programme)
    school = school_rules(context.deployment.platform)
    board = Dashboard(expiring={days: [] for days in rules.EXPIRY_BANDS})
    checks_by_key = {
        (c.user_id, c.programme_id): c
        for c in session.scalars(select(CertificationCheck).filter_by(context_id=context.id))
    }
    for (_, programme_id), standing in sorted(keys.items(), key=lambda item: _sort_key(item[1])):
        standing.total = _requirement_count(programme_id, standing.certification, school, now)
        if standing.user is None:
            board.not_started.append(standing)
            continue
        # Decided afresh: the school's settings may have changed since the last check.
        decision = decide_now(
            session, standing.user, context.id, programme_id,
            checks_by_key.get((standing.user.id, programme_id)), standing.certification, now,
        )
        standing.missing = [r.label for r in decision.missing] if decision else standing.missing
        standing.signed_off_at = _latest_event_at(
            session, standing.user.id, context.id, programme_id, Event.SIGNED_OFF
        )
        standing.practice = list(session.scalars(
            select(SupervisedPractice)
            .filter_by(user_id=standing.user.id, context_id=context.id, programme_id=programme_id)
            .order_by(SupervisedPractice.practised_from)
        ))
        if standing.status is rules.Status.VALID:
            board.certified.append(standing)
            if standing.band is not None:
                board.expiring[standing.band].append(standing)
        elif standing.status is rules.Status.REVOKED:
            board.revoked.append(standing)
        elif standing.status is rules.Status.EXPIRED:
            board.expired.append(standing)
        elif not standing.started:
            board.not_started.append(standing)
        elif standing.is_close:
            board.close.append(standing)
        else:
            board.in_training.append(standing)
    return board


def _add_untracked(
    session: Session,
    context: Context,
    keys: dict[tuple[int | str, str], LearnerStanding],
    mentors: Sequence[tuple[int | None, str, str | None]],
    course_programme: Programme,
) -> None:
    """Standings for mentors with no check or certificate yet (enrolled, or on the class list)."""
    tracked = {user_id for user_id, _ in keys}
    enrolled = session.scalars(
        select(User).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.context_id == context.id, Enrollment.role == Role.MENTOR.value)
    )
    users = {user.id: user for user in enrolled}
    started = set(session.scalars(
        select(ModuleProgress.user_id).where(ModuleProgress.context_id == context.id)
    )) | set(session.scalars(
        select(QuizAttempt.user_id).where(QuizAttempt.context_id == context.id)
    ))
    listed: list[tuple[int | None, str, str | None]] = [(uid, "", None) for uid in users]
    for user_id, sub, name in [*listed, *mentors]:
        if user_id is not None and user_id in tracked:
            continue
        user = users.get(user_id) if user_id is not None else None
        key: tuple[int | str, str] = (user.id if user else f"sub:{sub}", course_programme.id)
        if (user_id is not None and user is None) or key in keys:
            continue  # not a mentor of this course, or already listed
        keys[key] = LearnerStanding(
            user, course_programme.id, None, None, name=name,
            missing=[], started=user is not None and user.id in started,
        )
        if user is not None:
            tracked.add(user.id)


def _requirement_count(
    programme_id: str, latest_certificate: Certification | None, school: rules.SchoolRules,
    now: datetime,
) -> int:
    """How many requirements the learner's next certificate (or renewal) has in all."""
    try:
        found = programme(programme_id)
    except ProgrammeNotFound:
        return 0
    nothing = rules.Evidence(completed_modules={}, passed_quizzes={})
    previous = _as_previous(latest_certificate) if latest_certificate else None
    return len(rules.decide(found, nothing, now, school, previous).missing)


def _sort_key(standing: LearnerStanding) -> tuple[bool, str, str, int]:
    user_id = standing.user.id if standing.user else 0
    return (standing.user is None, standing.display_name.casefold(), standing.programme_id, user_id)


@dataclass
class MentorCertificates:
    """What a mentor sees: their current certificate per programme and what is still missing."""

    current: list[tuple[Certification, rules.Status, int | None]]
    # {programme_id: [{"kind": "watch", "item_id": module_id, "label": "Watch: …"}, …]}
    missing: dict[str, list[dict[str, str]]]


def for_mentor(session: Session, user: User, context: Context, now: datetime) -> MentorCertificates:
    """The mentor's latest certificate per programme in this course, and their to-do lists."""
    record_expiries(session, now, context.id)
    latest: dict[str, Certification] = {}
    for certification in session.scalars(
        select(Certification).filter_by(user_id=user.id, context_id=context.id).order_by(Certification.earned_at)
    ):
        latest[certification.programme_id] = certification
    current = [
        (c, status_of(c, now), rules.expiry_band(now, as_utc(c.expires_at))) for c in latest.values()
    ]
    checks = {
        c.programme_id: c
        for c in session.scalars(
            select(CertificationCheck).filter_by(user_id=user.id, context_id=context.id)
        )
    }
    missing = {pid: list(c.missing) for pid, c in checks.items() if c.missing}
    for programme_id, latest_certificate in latest.items():
        if programme_id not in missing:  # a renewal window may have opened since the last check
            todo = _renewal_todo(user, latest_certificate, checks.get(programme_id), now)
            if todo:
                missing[programme_id] = todo
    return MentorCertificates(current, missing)


def expiry_notices(mine: MentorCertificates) -> list[str]:
    """Sentences for a mentor whose certificate runs out within 60 days or has run out."""
    notices = []
    for cert, status, band in mine.current:
        ends = f"{as_utc(cert.expires_at):%-d %B %Y}"
        if status is rules.Status.VALID and band:
            notices.append(
                f"Your {cert.programme_title} certificate runs out on {ends} (within {band} "
                "days). Renew it with the short refresher: open Certificate in the menu."
            )
        elif status is rules.Status.EXPIRED and cert.superseded_at is None:
            notices.append(
                f"Your {cert.programme_title} certificate ran out on {ends}. Renew it with the "
                "short refresher: open Certificate in the menu."
            )
    return notices


def _renewal_todo(
    user: User, latest_certificate: Certification, check: CertificationCheck | None, now: datetime
) -> list[dict[str, str]]:
    """What renewing needs now, from the stored evidence (empty outside the renewal window)."""
    session = object_session(user)
    assert session is not None
    decision = decide_now(
        session, user, latest_certificate.context_id, latest_certificate.programme_id, check,
        latest_certificate, now,
    )
    missing = decision.missing if decision else ()
    return [{"kind": r.kind.value, "item_id": r.item_id, "label": r.label} for r in missing]


def decide_now(
    session: Session,
    user: User,
    context_id: int,
    programme_id: str,
    check: CertificationCheck | None,
    latest_certificate: Certification | None,
    now: datetime,
) -> rules.Decision | None:
    """The rules' decision at ``now`` from the last check's evidence and the school's current
    settings (they may have changed since); None for a programme that no longer exists."""
    try:
        found = programme(programme_id)
    except ProgrammeNotFound:
        return None
    modules_done = check.completed_modules if check else {}
    quizzes_done = check.passed_quizzes if check else {}
    evidence = rules.Evidence(
        completed_modules={k: _parse(v) for k, v in modules_done.items()},
        passed_quizzes={k: _parse(v) for k, v in quizzes_done.items()},
        signed_off_at=_latest_event_at(
            session, user.id, context_id, programme_id, Event.SIGNED_OFF
        ),
        practice_recorded_at=_latest_practice_at(session, user.id, context_id, programme_id),
    )
    previous = _as_previous(latest_certificate) if latest_certificate else None
    return rules.decide(
        found, evidence, now, school_rules(user.platform), previous, titles_for(found)
    )


def titles_for(found: Programme) -> dict[str, str]:
    """The titles of the programme's modules and quizzes, for requirement labels."""
    titles = {module_id: programmes.module(module_id).title for module_id in found.module_ids}
    quizzes = catalogue.get_catalogue().quizzes
    for quiz_id in found.quiz_ids:
        if quiz_id in quizzes:
            titles[quiz_id] = quizzes[quiz_id].title.for_audience(found.audience)
    return titles


def _check_row(session: Session, user: User, context: Context, programme_id: str) -> CertificationCheck:
    query = select(CertificationCheck).filter_by(
        user_id=user.id, context_id=context.id, programme_id=programme_id
    )
    check = session.scalars(query.with_for_update()).first()
    if check is None:
        check = CertificationCheck(
            user_id=user.id, context_id=context.id, programme_id=programme_id,
            completed_modules={}, passed_quizzes={}, missing=[],
        )
        session.add(check)
        session.flush()
    return check


def _as_previous(certification: Certification) -> rules.PreviousCertificate:
    return rules.PreviousCertificate(
        earned_at=as_utc(certification.earned_at),
        expires_at=as_utc(certification.expires_at),
        revoked_at=as_utc(certification.revoked_at) if certification.revoked_at else None,
    )


def _latest_event_at(session: Session, user_id: int, context_id: int, programme_id: str, kind: str) -> datetime | None:
    at = session.scalars(
        select(CertificationEvent.at)
        .filter_by(user_id=user_id, context_id=context_id, programme_id=programme_id, kind=kind)
        .order_by(CertificationEvent.at.desc())
    ).first()
    return as_utc(at) if at else None


def _latest_practice_at(session: Session, user_id: int, context_id: int, programme_id: str) -> datetime | None:
    at = session.scalars(
        select(SupervisedPractice.recorded_at)
        .filter_by(user_id=user_id, context_id=context_id, programme_id=programme_id)
        .order_by(SupervisedPractice.recorded_at.desc())
    ).first()
    return as_utc(at) if at else None


def _free_status_index(session: Session, platform_id: int) -> int:
    """A random unused bit of the issuer's status list (random so positions reveal no order)."""
    used = set(session.scalars(select(Certification.status_index).filter_by(platform_id=platform_id)))
    # A withdrawn certificate (its holder's data erased) keeps its bit set in the list.
    used |= set(session.scalars(select(WithdrawnCertificate.status_index).filter_by(platform_id=platform_id)))
    if len(used) >= STATUS_LIST_SIZE:
        raise CertificationError("status list full", message="This school has issued too many certificates.")
    while (index := secrets.randbelow(STATUS_LIST_SIZE)) in used:
        pass
    return index


def _event(
    certification: Certification, kind: str, at: datetime, actor: User | None = None, note: str = ""
) -> CertificationEvent:
    return CertificationEvent(
        user_id=certification.user_id, context_id=certification.context_id,
        programme_id=certification.programme_id, certification_id=certification.id,
        kind=kind, at=at, actor_id=actor.id if actor else None, note=note,
    )


def _parse(value: str | datetime) -> datetime:
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))
