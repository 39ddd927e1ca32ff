"""The trainer dashboard: a course's roster, quiz and video analytics, and a school roll-up.

Queries fetch only the columns each figure needs and aggregate in SQL where that scales; the
statistics themselves come from the pure ``lti_tool.analytics`` package. Everything is scoped to
one course (``context_id``), except ``school_rollup``, which is scoped to one platform.
Caches are keyed by the course's data versions in the shared store (``dashboard_cache``): a
new attempt, progress report, grade, certificate or launch on any worker gives the course (and
the quiz or module) a new version, so it is seen at once. The roster's per-learner facts are
cached in the shared store itself; quiz and video analyses in each worker's memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import TypeVar
from typing import cast

from sqlalchemy import Row
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.analytics import nrps
from lti_tool.analytics.paths import CriticalDecisionStats
from lti_tool.analytics.paths import DecisionAnswer
from lti_tool.analytics.paths import PathNode
from lti_tool.analytics.paths import build_path_tree
from lti_tool.analytics.paths import critical_error_rates
from lti_tool.analytics.quiz_stats import AttemptScores
from lti_tool.analytics.quiz_stats import ItemResult
from lti_tool.analytics.quiz_stats import QuizReport
from lti_tool.analytics.quiz_stats import Selection
from lti_tool.analytics.quiz_stats import analyse_quiz
from lti_tool.analytics.quiz_stats import select_attempts
from lti_tool.analytics.video_stats import HotSpot
from lti_tool.analytics.video_stats import VideoStats
from lti_tool.analytics.video_stats import rewatch_hot_spots
from lti_tool.analytics.video_stats import video_statistics
from lti_tool.lti.roles import Role
from lti_tool.models import Certification
from lti_tool.models import Context
from lti_tool.models import CourseSettings
from lti_tool.models import Deployment
from lti_tool.models import Enrollment
from lti_tool.models import ModuleProgress
from lti_tool.models import Platform
from lti_tool.models import QuizAnswer
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from lti_tool.models import User
from lti_tool.models import VideoEvent
from lti_tool.models.quiz import FINISHED
from lti_tool.models.types import as_utc
from lti_tool.services import catalogue
from lti_tool.services import dashboard_cache
from lti_tool.services import programmes
from lti_tool.services.audience import DEFAULT_AUDIENCE
from lti_tool.services.audience import course_audience
from modules import certification as rules
from modules.model import Module
from modules.model import Programme
from quizzes.model import AUDIENCES
from quizzes.model import Audience
from quizzes.model import Quiz

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SELECTIONS: tuple[Selection, ...] = ("first", "last", "highest", "all")
SELECTION_NAMES = {
    "first": "First attempt of each mentor",
    "last": "Last attempt of each mentor",
    "highest": "Highest-scoring attempt of each mentor",
    "all": "All attempts",
}
AUDIENCE_NAMES = {"primary": "Primary pupils", "secondary": "Secondary pupils", "staff": "Staff"}


class Status:
    """Where a learner stands in the course, from their activity and certificate."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    TRAINED = "trained"
    CERTIFIED = "certified"
    EXPIRED = "expired"
    REVOKED = "revoked"


STATUS_NAMES = {
    Status.NOT_STARTED: "Not started",
    Status.IN_PROGRESS: "In progress",
    Status.TRAINED: "Training done, not yet certified",
    Status.CERTIFIED: "Certified",
    Status.EXPIRED: "Certificate expired",
    Status.REVOKED: "Certificate revoked",
}
SORTS = ("name", "status", "progress", "quizzes", "activity")


# --- tables: one shape for the page and the CSV download ------------------------------------


@dataclass(frozen=True)
class Table:
    """Rows behind a chart or list; the page shows it and the CSV download writes it."""

    name: str  # the CSV file's name, without ".csv"
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


# --- roster -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizCell:
    """A learner's result in one quiz: the gradebook's score and pass, and their attempts."""

    percent: float | None
    passed: bool | None
    attempts: int


@dataclass(frozen=True)
class LearnerRow:
    """One member of the course on the roster."""

    user_id: int | None  # None: on the platform's roster, never launched PeerReady
    name: str
    audience: Audience
    status: str
    modules: dict[str, float]  # module id -> share watched (0 to 1); completed ones are 1
    modules_done: int
    modules_total: int
    quizzes: dict[str, QuizCell]
    quizzes_passed: int
    certified_until: datetime | None
    last_activity: datetime | None

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def progress(self) -> float:
        """Share of the programme's modules completed (0 to 1)."""
        return self.modules_done / self.modules_total if self.modules_total else 0.0


@dataclass(frozen=True)
class RosterFilters:
    """What the trainer asked for: ``?audience=&status=&active_since=&active_before=&sort=&order=``."""

    audience: str = ""
    status: str = ""
    active_since: datetime | None = None
    active_before: datetime | None = None
    sort: str = "name"
    descending: bool = False


@dataclass(frozen=True)
class Roster:
    """The course's learners, where their names came from, and the modules and quizzes shown."""

    rows: tuple[LearnerRow, ...]
    total: int  # before filtering
    programme: Programme | None
    modules: tuple[Module, ...]
    quizzes: tuple[Quiz, ...]
    from_platform: bool
    notice: str | None
    fetched_at: datetime | None = None


def memberships_url(launch_id: str) -> str | None:
    """The launch's NRPS ``context_memberships_url``, read from pylti1p3's cached launch data."""
    from lti_tool.lti.launch import PeerReadyMessageLaunch  # noqa: PLC0415 (pylti1p3 glue)
    from lti_tool.lti.launch_storage import StoreLaunchDataStorage  # noqa: PLC0415
    from lti_tool.lti.tool_config import DatabaseToolConfig  # noqa: PLC0415
    from lti_tool.store import get_store  # noqa: PLC0415
    from pylti1p3.contrib.flask import FlaskRequest  # noqa: PLC0415
    from pylti1p3.exception import LtiException  # noqa: PLC0415

    request = FlaskRequest(request_data={}, cookies={}, session={})
    try:
        launch = PeerReadyMessageLaunch.from_cache(
            launch_id, request, DatabaseToolConfig(),
            launch_data_storage=StoreLaunchDataStorage(get_store()),
        )
    except LtiException:
        return None
    if launch is None:
        return None
    claim = launch.get_launch_data().get(NRPS_CLAIM) or {}
    url = claim.get("context_memberships_url") if isinstance(claim, dict) else None
    return url if isinstance(url, str) and url else None


def course_programme(session: Session, context: Context, audience: str = "") -> Programme | None:
    """The programme whose modules and quizzes the roster shows: for ``audience``, else the course's."""
    wanted = audience if audience in AUDIENCES else course_audience(session, context) or DEFAULT_AUDIENCE
    return next((p for p in programmes.programmes() if p.audience == wanted), None)


def roster(
    session: Session,
    context: Context,
    now: datetime,
    filters: RosterFilters = RosterFilters(),
    *,
    platform: Platform | None = None,
    memberships: str | None = None,
    refresh: bool = False,
) -> Roster:
    """Every learner of the course with progress, quiz results, certificate and last activity.

    With ``memberships`` (the NRPS URL) the platform's roster decides who is listed, so pupils
    who never launched appear as not started; without it, or when the platform fails, the
    learners PeerReady knows are listed with a notice saying so.
    """
    programme = course_programme(session, context, filters.audience)
    modules = tuple(programmes.module(m) for m in programme.modules) if programme else ()
    quizzes = tuple(_quizzes_of(programme))
    found = course_mentors(
        session, context, platform=platform, memberships=memberships, refresh=refresh
    )
    members, notice, from_platform = found.members, found.notice, found.from_platform
    fetched_at = found.fetched_at
    facts = _course_facts(session, context.id, now)
    default = course_audience(session, context) or DEFAULT_AUDIENCE
    rows = [
        _learner_row(user_id, sub, name, facts, modules, quizzes, programme, default)
        for user_id, sub, name in members
    ]
    shown = _filtered(rows, filters)
    return Roster(
        tuple(shown), len(rows), programme, modules, quizzes, from_platform, notice, fetched_at
    )


@dataclass(frozen=True)
class CourseMentors:
    """Who the course's mentors are: (user id or None, platform sub, name), and where from."""

    members: list[tuple[int | None, str, str | None]]
    from_platform: bool
    notice: str | None
    fetched_at: datetime | None = None


def course_mentors(
    session: Session,
    context: Context,
    *,
    platform: Platform | None = None,
    memberships: str | None = None,
    refresh: bool = False,
) -> CourseMentors:
    """The course's mentors: the platform's class list (NRPS, cached) plus everyone who launched.

    Pupils on the class list who never opened PeerReady have no user id. Without ``memberships``,
    or when the platform fails, only the learners PeerReady knows are listed, with a notice.
    """
    known = _known_learners(session, context.id)
    if not (memberships and platform is not None):
        return CourseMentors(
            [(user_id, sub, name) for user_id, (sub, name) in known.items()], False,
            "Your platform didn't offer its class list (LTI Names and Roles) with this launch, so "
            "this shows only the learners who have opened PeerReady.",
        )
    try:
        fetched = nrps.fetch_roster(platform, memberships, refresh=refresh)
    except nrps.RosterUnavailable:
        return CourseMentors(
            [(user_id, sub, name) for user_id, (sub, name) in known.items()], False,
            "Your platform's class list couldn't be fetched just now, so this shows only the "
            "learners who have opened PeerReady. Pupils who never started are missing.",
        )
    members: list[tuple[int | None, str, str | None]] = []
    by_sub = {sub: (user_id, name) for user_id, (sub, name) in known.items()}
    for member in fetched.members:
        if member.role is not Role.MENTOR or member.status == "Deleted":
            continue
        user_id, stored_name = by_sub.pop(member.user_id, (None, None))
        members.append((user_id, member.user_id, member.name or stored_name))
    # Learners who launched but are no longer on the platform's list stay visible.
    members.extend((user_id, sub, name) for sub, (user_id, name) in by_sub.items())
    return CourseMentors(members, True, None, fetched.fetched_at)


def _quizzes_of(programme: Programme | None) -> Iterable[Quiz]:
    if programme is None:
        return
    loaded = catalogue.get_catalogue().quizzes
    for quiz_id in programme.required_quizzes:
        if quiz_id in loaded:
            yield loaded[quiz_id]


def _known_learners(session: Session, context_id: int) -> dict[int, tuple[str, str | None]]:
    rows = session.execute(
        select(User.id, User.sub, User.display_name)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.context_id == context_id, Enrollment.role == Role.MENTOR.value)
    )
    return {user_id: (sub, name) for user_id, sub, name in rows}


@dataclass
class _Facts:
    """What the course's tables say about each user, fetched in a handful of grouped queries."""

    progress: dict[int, dict[str, tuple[float, bool]]] = field(default_factory=dict)
    grades: dict[int, dict[str, tuple[float, bool]]] = field(default_factory=dict)
    attempts: dict[int, dict[str, int]] = field(default_factory=dict)
    audience: dict[int, str] = field(default_factory=dict)
    last: dict[int, datetime] = field(default_factory=dict)
    certificate: dict[int, tuple[str, datetime]] = field(default_factory=dict)


def _course_facts(session: Session, context_id: int, now: datetime) -> _Facts:
    """The course's facts from the shared store while its version stands, else from SQL.

    Certificates expire with time alone, so the cache key also holds the hour.
    """
    return _facts_from_json(dashboard_cache.cached(
        session, context_id, f"facts:{now:%Y%m%d%H}",
        lambda: _facts_to_json(_query_facts(session, context_id, now)),
    ))


def _facts_to_json(facts: _Facts) -> dict[str, Any]:
    return {
        "progress": {str(u): {m: list(v) for m, v in d.items()} for u, d in facts.progress.items()},
        "grades": {str(u): {q: list(v) for q, v in d.items()} for u, d in facts.grades.items()},
        "attempts": {str(u): d for u, d in facts.attempts.items()},
        "audience": {str(u): a for u, a in facts.audience.items()},
        "last": {str(u): at.isoformat() for u, at in facts.last.items()},
        "certificate": {str(u): [s, at.isoformat()] for u, (s, at) in facts.certificate.items()},
    }


def _facts_from_json(data: dict[str, Any]) -> _Facts:
    return _Facts(
        progress={int(u): {m: (v[0], v[1]) for m, v in d.items()}
                  for u, d in data["progress"].items()},
        grades={int(u): {q: (v[0], v[1]) for q, v in d.items()} for u, d in data["grades"].items()},
        attempts={int(u): d for u, d in data["attempts"].items()},
        audience={int(u): a for u, a in data["audience"].items()},
        last={int(u): datetime.fromisoformat(at) for u, at in data["last"].items()},
        certificate={int(u): (c[0], datetime.fromisoformat(c[1]))
                     for u, c in data["certificate"].items()},
    )


def _query_facts(session: Session, context_id: int, now: datetime) -> _Facts:
    facts = _Facts()

    def seen(user_id: int, at: datetime | None) -> None:
        if at is not None:
            at = as_utc(at)
            if user_id not in facts.last or at > facts.last[user_id]:
                facts.last[user_id] = at

    for user_id, at in session.execute(
        select(Enrollment.user_id, Enrollment.last_launch_at).where(Enrollment.context_id == context_id)
    ):
        seen(user_id, at)
    for user_id, module_id, share, completed_at, updated_at in session.execute(
        select(ModuleProgress.user_id, ModuleProgress.module_id, ModuleProgress.share,
               ModuleProgress.completed_at, ModuleProgress.updated_at)
        .where(ModuleProgress.context_id == context_id)
    ):
        facts.progress.setdefault(user_id, {})[module_id] = (share or 0.0, completed_at is not None)
        seen(user_id, updated_at)
        if user_id not in facts.audience:
            audience = module_id.split("-", 1)[0]
            if audience in AUDIENCES:
                facts.audience[user_id] = audience
    for user_id, quiz_id, audience, count, started, finished in session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.audience,
               func.count(QuizAttempt.id), func.max(QuizAttempt.started_at),
               func.max(QuizAttempt.finished_at))
        .where(QuizAttempt.context_id == context_id)
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.audience)
    ):
        mine = facts.attempts.setdefault(user_id, {})
        mine[quiz_id] = mine.get(quiz_id, 0) + count
        facts.audience[user_id] = audience  # quizzes know the audience for sure
        seen(user_id, started)
        seen(user_id, finished)
    for user_id, quiz_id, given, maximum, passed in session.execute(
        select(QuizGrade.user_id, QuizGrade.quiz_id, QuizGrade.score_given,
               QuizGrade.score_maximum, QuizGrade.passed)
        .where(QuizGrade.context_id == context_id)
    ):
        percent = 100 * given / maximum if maximum else 0.0
        facts.grades.setdefault(user_id, {})[quiz_id] = (percent, bool(passed))
    for user_id, expires_at, revoked_at, superseded_at in session.execute(
        select(Certification.user_id, Certification.expires_at, Certification.revoked_at,
               Certification.superseded_at)
        .where(Certification.context_id == context_id)
        .order_by(Certification.earned_at, Certification.id)
    ):  # the latest certificate wins
        status = rules.status_at(
            now, as_utc(expires_at), as_utc(revoked_at) if revoked_at else None,
            as_utc(superseded_at) if superseded_at else None,
        )
        facts.certificate[user_id] = (status.value, as_utc(expires_at))
    return facts


def _learner_row(
    user_id: int | None,
    sub: str,
    name: str | None,
    facts: _Facts,
    modules: Sequence[Module],
    quizzes: Sequence[Quiz],
    programme: Programme | None,
    default_audience: str,
) -> LearnerRow:
    key = user_id if user_id is not None else -1
    progress = facts.progress.get(key, {})
    shares = {
        m.id: 1.0 if progress[m.id][1] else min(progress[m.id][0], 1.0)
        for m in modules if m.id in progress
    }
    done = sum(1 for m in modules if progress.get(m.id, (0.0, False))[1])
    grades, attempts = facts.grades.get(key, {}), facts.attempts.get(key, {})
    cells = {
        q.id: QuizCell(grades[q.id][0] if q.id in grades else None,
                       grades[q.id][1] if q.id in grades else None, attempts.get(q.id, 0))
        for q in quizzes
    }
    passed = sum(1 for cell in cells.values() if cell.passed)
    certificate = facts.certificate.get(key)
    if certificate is not None:
        status = {"valid": Status.CERTIFIED, "expired": Status.EXPIRED}.get(
            certificate[0], Status.REVOKED
        )
    elif not progress and not attempts:
        status = Status.NOT_STARTED
    elif modules and done == len(modules) and passed == len(quizzes):
        status = Status.TRAINED
    else:
        status = Status.IN_PROGRESS
    return LearnerRow(
        user_id=user_id,
        name=name or f"Learner {sub[-6:]}",
        audience=cast(Audience, facts.audience.get(key, default_audience)),
        status=status,
        modules=shares,
        modules_done=done,
        modules_total=len(modules),
        quizzes=cells,
        quizzes_passed=passed,
        certified_until=certificate[1] if certificate and status == Status.CERTIFIED else None,
        last_activity=facts.last.get(key),
    )


_STATUS_ORDER = {status: i for i, status in enumerate(STATUS_NAMES)}


def _filtered(rows: list[LearnerRow], filters: RosterFilters) -> list[LearnerRow]:
    found = [
        row for row in rows
        if (not filters.audience or row.audience == filters.audience)
        and (not filters.status or row.status == filters.status)
        and (filters.active_since is None
             or (row.last_activity is not None and row.last_activity >= filters.active_since))
        and (filters.active_before is None
             or (row.last_activity is not None and row.last_activity < filters.active_before))
    ]
    never = datetime.min.replace(tzinfo=None)
    keys: dict[str, Callable[[LearnerRow], Any]] = {
        "name": lambda r: r.name.casefold(),
        "status": lambda r: _STATUS_ORDER[r.status],
        "progress": lambda r: r.progress,
        "quizzes": lambda r: r.quizzes_passed,
        "activity": lambda r: r.last_activity.replace(tzinfo=None) if r.last_activity else never,
    }
    sort_key = keys.get(filters.sort, keys["name"])
    found.sort(key=lambda r: r.name.casefold())  # ties stay in name order
    found.sort(key=sort_key, reverse=filters.descending)
    return found


def roster_table(found: Roster) -> Table:
    """The roster as a table (one column per module and quiz), for the CSV download."""
    columns = (
        "Name", "Audience", "Status", "Modules completed", *(m.title for m in found.modules),
        *(f"{q.title.for_audience(q.audiences[0])} (%)" for q in found.quizzes),
        "Quizzes passed", "Certified until", "Last activity",
    )
    rows = []
    for row in found.rows:
        rows.append((
            row.name, AUDIENCE_NAMES.get(row.audience, row.audience), row.status_name,
            f"{row.modules_done} of {row.modules_total}",
            *(_percent(row.modules.get(m.id, 0.0) * 100) for m in found.modules),
            *(_percent(row.quizzes[q.id].percent) for q in found.quizzes),
            row.quizzes_passed,
            row.certified_until.date().isoformat() if row.certified_until else "",
            row.last_activity.isoformat(timespec="minutes") if row.last_activity else "",
        ))
    return Table("roster", "Learners in this course", columns, tuple(rows))


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


# --- course overview (all SQL aggregates) -----------------------------------------------------


@dataclass(frozen=True)
class ModuleSummary:
    """How the course watched one module: viewers, completions and mean share watched."""

    module: Module
    viewers: int
    completed: int
    average_share: float | None
    learners: int

    @property
    def completion_rate(self) -> float:
        """Completions over the course's learners (0 to 1)."""
        return self.completed / self.learners if self.learners else 0.0


@dataclass(frozen=True)
class QuizSummary:
    """A quiz's attempts, mentors, mean score and pass rate from the course's gradebook rows."""

    quiz: Quiz
    attempts: int
    mentors: int
    graded: int
    mean_percent: float | None
    passed: int

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


def module_summaries(
    session: Session, context: Context, modules: Sequence[Module], learners: int
) -> list[ModuleSummary]:
    """Per module: viewers, completions and average share, grouped in SQL (cached per version)."""
    found = _course_counts(session, context.id)["modules"]
    return [
        ModuleSummary(m, found.get(m.id, (0, 0, None))[0], found.get(m.id, (0, 0, None))[1],
                      _float(found.get(m.id, (0, 0, None))[2]), learners)
        for m in modules
    ]


def quiz_summaries(session: Session, context: Context, quizzes: Sequence[Quiz]) -> list[QuizSummary]:
    """Per quiz: finished attempts and mentors (SQL counts) and the gradebook's mean and passes."""
    counts = _course_counts(session, context.id)
    attempts, grades = counts["quiz_attempts"], counts["quiz_grades"]
    return [
        QuizSummary(q, *attempts.get(q.id, (0, 0)), grades.get(q.id, (0, None, 0))[0],
                    _float(grades.get(q.id, (0, None, 0))[1]), grades.get(q.id, (0, None, 0))[2])
        for q in quizzes
    ]


def _course_counts(session: Session, context_id: int) -> dict[str, dict[str, Any]]:
    """The overview's grouped counts for all of the course's modules and quizzes, cached."""
    def count() -> dict[str, dict[str, Any]]:
        modules = {
            module_id: (viewers, completed, _float(share))
            for module_id, viewers, completed, share in session.execute(
                select(ModuleProgress.module_id, func.count(ModuleProgress.id),
                       func.count(ModuleProgress.completed_at), func.avg(ModuleProgress.share))
                .where(ModuleProgress.context_id == context_id)
                .group_by(ModuleProgress.module_id)
            )
        }
        attempts = {
            quiz_id: (finished, mentors)
            for quiz_id, finished, mentors in session.execute(
                select(QuizAttempt.quiz_id, func.count(QuizAttempt.id),
                       func.count(func.distinct(QuizAttempt.user_id)))
                .where(QuizAttempt.context_id == context_id, QuizAttempt.status == FINISHED)
                .group_by(QuizAttempt.quiz_id)
            )
        }
        grades = {
            quiz_id: (graded, _float(mean), passed)
            for quiz_id, graded, mean, passed in session.execute(
                select(QuizGrade.quiz_id, func.count(QuizGrade.id),
                       func.avg(100 * QuizGrade.score_given / QuizGrade.score_maximum),
                       func.count(QuizGrade.id).filter(QuizGrade.passed.is_(True)))
                .where(QuizGrade.context_id == context_id, QuizGrade.score_maximum > 0)
                .group_by(QuizGrade.quiz_id)
            )
        }
        return {"modules": modules, "quiz_attempts": attempts, "quiz_grades": grades}

    return dashboard_cache.cached(session, context_id, "counts", count)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def status_counts(found: Roster) -> Table:
    """How many learners are at each status, in status order."""
    counts = {status: 0 for status in STATUS_NAMES}
    for row in found.rows:
        counts[row.status] += 1
    rows = tuple((STATUS_NAMES[s], n) for s, n in counts.items())
    return Table("status", "Learners by status", ("Status", "Learners"), rows)


def modules_table(summaries: Sequence[ModuleSummary]) -> Table:
    """Module completion and coverage, for the chart's table and the CSV."""
    rows = tuple(
        (s.module.title, s.learners, s.viewers, s.completed, f"{100 * s.completion_rate:.0f}",
         _percent(None if s.average_share is None else 100 * s.average_share))
        for s in summaries
    )
    columns = ("Module", "Learners", "Started", "Completed", "Completion rate (%)",
               "Average coverage of those who started (%)")
    return Table("modules", "Video completion by module", columns, rows)


def quizzes_table(summaries: Sequence[QuizSummary]) -> Table:
    """Quiz attempts, mean score and pass rate, for the chart's table and the CSV."""
    rows = tuple(
        (s.quiz.title.for_audience(s.quiz.audiences[0]), s.mentors, s.attempts,
         _percent(s.mean_percent), s.passed,
         _percent(None if s.pass_rate is None else 100 * s.pass_rate))
        for s in summaries
    )
    columns = ("Quiz", "Mentors who finished", "Finished attempts", "Mean result (%)",
               "Mentors passed", "Pass rate (%)")
    return Table("quizzes", "Quiz results (the gradebook's result for each mentor)", columns, rows)


# --- quiz analysis (Moodle's statistics report) -----------------------------------------------


@dataclass(frozen=True)
class ScenarioPaths:
    """One scenario's route tree over the selected attempts."""

    scenario_id: str
    title: str
    tree: PathNode


@dataclass(frozen=True)
class QuizAnalysis:
    """Everything the quiz statistics page shows for one quiz, course and selection."""

    quiz: Quiz
    selection: Selection
    report: QuizReport
    paths: tuple[ScenarioPaths, ...]
    critical: tuple[CriticalDecisionStats, ...]
    item_titles: dict[str, str]


_T = TypeVar("_T")


class _Cache:
    """A small per-process LRU; keys carry a data version, so stale entries are never hit."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.hits = 0

    def get_or_make(self, key: Hashable, make: Callable[[], _T]) -> _T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return cast(_T, self._items[key])
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = 0


analysis_cache = _Cache()


def quiz_analysis(session: Session, context: Context, quiz: Quiz, selection: Selection) -> QuizAnalysis:
    """Moodle's quiz statistics, the scenario paths and critical decisions, cached per data version.

    The cache key holds the course, quiz, selection and the quiz's version in the course, which
    any change to an attempt at it replaces, so a newly finished attempt is counted at once.
    """
    token = dashboard_cache.version(context.id, dashboard_cache.scope_of_quiz(quiz.id), session)
    key = ("quiz", context.id, quiz.id, selection, token)
    return analysis_cache.get_or_make(key, lambda: _analyse(session, context, quiz, selection))


def _analyse(session: Session, context: Context, quiz: Quiz, selection: Selection) -> QuizAnalysis:
    heads = session.execute(
        select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.number, QuizAttempt.finished_at,
               QuizAttempt.score, QuizAttempt.max_score)
        .where(QuizAttempt.context_id == context.id, QuizAttempt.quiz_id == quiz.id,
               QuizAttempt.status == FINISHED)
    ).all()
    by_id = {h.id: h for h in heads}
    ids = {(str(h.user_id), h.number): h.id for h in heads}  # a user's numbers are unique
    candidates = [
        AttemptScores(str(h.user_id), h.number, h.finished_at, h.score or 0.0, h.max_score or 0.0)
        for h in heads
    ]
    chosen_ids = [ids[(a.user_id, a.attempt_no)] for a in select_attempts(candidates, selection)]
    maxima = _item_maxima(quiz)
    items: dict[int, dict[str, ItemResult]] = {i: {} for i in chosen_ids}
    decisions: list[DecisionAnswer] = []
    routes = _Routes(quiz)
    for attempt_id, activity, scene, response, points, correct, critical in _answers(
        session, chosen_ids, context.id, quiz.id, everything=selection == "all"
    ):
        item_id = f"{activity}/{scene}" if scene else activity
        answers = items[attempt_id]
        if item_id not in answers:  # only a scene's first answer earns points
            answers[item_id] = ItemResult(float(points), maxima.get(item_id, float(points)),
                                          tuple(response or ()), bool(correct))
        decisions.append(DecisionAnswer(attempt_id, activity, scene, tuple(response or ()),
                                        bool(correct), bool(critical)))
        routes.add(attempt_id, activity, scene, response)
    scores = [
        AttemptScores(str(by_id[i].user_id), by_id[i].number, by_id[i].finished_at,
                      by_id[i].score or 0.0, by_id[i].max_score or 0.0, items[i])
        for i in chosen_ids
    ]
    report = analyse_quiz(scores, selection)
    return QuizAnalysis(
        quiz=quiz,
        selection=selection,
        report=report,
        paths=routes.trees(),
        critical=critical_error_rates(decisions),
        item_titles=_item_titles(quiz),
    )


def _answers(
    session: Session, attempt_ids: list[int], context_id: int, quiz_id: str, *, everything: bool
) -> Iterable[Row[Any]]:
    columns = (QuizAnswer.attempt_id, QuizAnswer.activity_id, QuizAnswer.scene_id,
               QuizAnswer.response, QuizAnswer.points, QuizAnswer.correct, QuizAnswer.critical)
    if everything:  # no IN list of thousands of ids: join on the attempt instead
        yield from session.execute(
            select(*columns).join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
            .where(QuizAttempt.context_id == context_id, QuizAttempt.quiz_id == quiz_id,
                   QuizAttempt.status == FINISHED)
            .order_by(QuizAnswer.attempt_id, QuizAnswer.id)
        )
        return
    for chunk in _chunks(attempt_ids):
        yield from session.execute(
            select(*columns).where(QuizAnswer.attempt_id.in_(chunk))
            .order_by(QuizAnswer.attempt_id, QuizAnswer.id)
        )


def _chunks(ids: Sequence[int], size: int = 900) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


class _Routes:
    """Each attempt's route through each scenario, rebuilt from its ``quiz_answer`` rows.

    The answered scenes, in order, are the route up to the last decision; the ending is where
    the last answer's choice leads (from the scenario's content), as no answer is stored there.
    """

    def __init__(self, quiz: Quiz) -> None:
        self._quiz = quiz
        self._scenarios = {s.id: s for s in quiz.scenarios}
        self._walked: dict[tuple[int, str], tuple[list[str], str]] = {}

    def add(self, attempt_id: int, activity: str, scene: str | None, response: Any) -> None:
        """Note one answer (rows come in the order they were given)."""
        if scene is None or activity not in self._scenarios:
            return
        scenes, _ = self._walked.get((attempt_id, activity), ([], ""))
        scenes.append(scene)
        self._walked[(attempt_id, activity)] = (scenes, str((response or [""])[0]))

    def trees(self) -> tuple[ScenarioPaths, ...]:
        """One route tree per scenario of the quiz."""
        routes: dict[str, list[list[str]]] = {s: [] for s in self._scenarios}
        for (_, scenario_id), (scenes, last_choice) in self._walked.items():
            try:
                choice = self._scenarios[scenario_id].scene(scenes[-1]).choice(last_choice)
            except KeyError:  # a scene since removed from the content: show the route so far
                choice = None
            routes[scenario_id].append([*scenes, choice.next] if choice else scenes)
        audience = self._quiz.audiences[0]
        return tuple(
            ScenarioPaths(s.id, s.title.for_audience(audience), build_path_tree(routes[s.id]))
            for s in self._quiz.scenarios
        )


def _item_maxima(quiz: Quiz) -> dict[str, float]:
    maxima = {f"{s.id}/{scene.id}": float(scene.best_points) for s in quiz.scenarios for scene in s.scenes}
    maxima.update({q.id: float(q.points) for q in quiz.questions})
    return maxima


def _item_titles(quiz: Quiz) -> dict[str, str]:
    audience = quiz.audiences[0]
    titles = {
        f"{s.id}/{scene.id}": f"{s.title.for_audience(audience)}: {scene.id.replace('-', ' ')}"
        for s in quiz.scenarios for scene in s.scenes
    }
    titles.update({q.id: q.title.for_audience(audience) for q in quiz.questions})
    return titles


def quiz_tables(analysis: QuizAnalysis) -> dict[str, Table]:
    """The quiz page's tables: the whole quiz, each item, each option, critical decisions."""
    stats = analysis.report.quiz
    slug = f"{analysis.quiz.id}-{analysis.selection}"
    whole = Table(f"{slug}-quiz", "Quiz statistics", ("Statistic", "Value"), (
        ("Attempts analysed", stats.attempts),
        ("Mean (%)", _fixed(stats.mean_percent)),
        ("Median (%)", _fixed(stats.median_percent)),
        ("Standard deviation (%)", _fixed(stats.standard_deviation_percent)),
        ("Skewness", _fixed(stats.skewness, 3)),
        ("Kurtosis", _fixed(stats.kurtosis, 3)),
        ("Coefficient of internal consistency, Cronbach's alpha (%)", _fixed(stats.cic)),
        ("Error ratio (%)", _fixed(stats.error_ratio)),
        ("Standard error (%)", _fixed(stats.standard_error_percent)),
    ))
    titles = analysis.item_titles
    items = Table(f"{slug}-items", "Item statistics", (
        "Item", "Attempts", "Facility index (%)", "Standard deviation (%)",
        "Discrimination index (%)", "Discriminative efficiency (%)", "Effective weight (%)",
    ), tuple(
        (titles.get(i.item_id, i.item_id), i.attempts, _fixed(i.facility),
         _fixed(i.standard_deviation), _fixed(i.discrimination_index),
         _fixed(i.discriminative_efficiency), _fixed(i.effective_weight))
        for i in analysis.report.items
    ))
    options = Table(f"{slug}-options", "Share choosing each option", (
        "Item", "Option", "Right answer", "Attempts", "Share (%)",
    ), tuple(
        (titles.get(i.item_id, i.item_id), ", ".join(o.response), "yes" if o.correct else "no",
         o.count, _fixed(100 * o.share))
        for i in analysis.report.items for o in i.options
    ))
    critical = Table(f"{slug}-critical", "Critical decisions: how often they go wrong", (
        "Decision", "Answered", "Wrong", "Error rate (%)", "Most common wrong answer",
    ), tuple(
        (titles.get(f"{c.activity_id}/{c.scene_id}" if c.scene_id else c.activity_id, c.activity_id),
         c.answered, c.wrong, _fixed(100 * c.error_rate),
         ", ".join(c.wrong_responses[0].response) if c.wrong_responses else "")
        for c in analysis.critical
    ))
    paths = Table(f"{slug}-paths", "Routes taken through each scenario", (
        "Scenario", "Route", "Attempts", "Share of the scenario's attempts (%)",
    ), tuple(_path_rows(analysis.paths)))
    return {"quiz": whole, "items": items, "options": options, "critical": critical, "paths": paths}


def _path_rows(paths: Iterable[ScenarioPaths]) -> Iterable[tuple[Any, ...]]:
    for scenario in paths:
        def walk(node: PathNode, route: tuple[str, ...], title: str = scenario.title,
                 total: int = scenario.tree.count) -> Iterable[tuple[Any, ...]]:
            if node.ended and route:
                yield (title, " → ".join(route), node.ended, _fixed(100 * node.ended / total))
            for child in node.children:
                yield from walk(child, (*route, child.scene_id))
        yield from walk(scenario.tree, ())


def _fixed(value: float | None, places: int = 1) -> str:
    return "" if value is None else f"{value:.{places}f}"


# --- video analysis -------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoAnalysis:
    """Completion, coverage, the drop-off curve and rewatch hot spots of one module in a course."""

    module: Module
    stats: VideoStats
    hot_spots: tuple[HotSpot, ...]


def video_analysis(session: Session, context: Context, module: Module) -> VideoAnalysis:
    """The module's video statistics in this course, cached until progress or events change."""
    token = dashboard_cache.version(context.id, dashboard_cache.scope_of_module(module.id), session)
    key = ("video", context.id, module.id, token)
    return analysis_cache.get_or_make(key, lambda: _analyse_video(session, context, module))


def _analyse_video(session: Session, context: Context, module: Module) -> VideoAnalysis:
    merged = [
        [(float(a), float(b)) for a, b in segments or []]
        for (segments,) in session.execute(
            select(ModuleProgress.segments)
            .where(ModuleProgress.context_id == context.id, ModuleProgress.module_id == module.id)
        )
    ]
    duration = module.duration_seconds
    stats = video_statistics(merged, duration)
    raw = raw_segments(session.execute(
        select(VideoEvent.user_id, VideoEvent.player_session, VideoEvent.type,
               VideoEvent.position, VideoEvent.from_position, VideoEvent.to_position)
        .where(VideoEvent.context_id == context.id, VideoEvent.module_id == module.id)
        .order_by(VideoEvent.user_id, VideoEvent.player_session, VideoEvent.occurred_at, VideoEvent.id)
    ))
    return VideoAnalysis(module, stats, rewatch_hot_spots(raw, duration) if raw else ())


_STOPS = frozenset({"paused", "ended", "terminated", "seeked"})


def raw_segments(events: Iterable[Sequence[Any]]) -> list[list[tuple[float, float]]]:
    """Played segments per viewer, repeats kept, from ``(user, session, type, at, from, to)``.

    In one player session a segment runs from a ``played`` event's position to the next pause,
    end or exit; a seek while playing closes it at ``from`` and opens the next at ``to``.
    """
    viewers: dict[Any, list[tuple[float, float]]] = {}
    open_at: float | None = None
    current: tuple[Any, Any] | None = None
    for user_id, player_session, kind, position, from_position, to_position in events:
        if (user_id, player_session) != current:
            current, open_at = (user_id, player_session), None
        if kind == "played":
            open_at = position
            continue
        if kind not in _STOPS or open_at is None:
            continue
        stop = from_position if kind == "seeked" else position
        if stop is not None and stop > open_at:
            viewers.setdefault(user_id, []).append((float(open_at), float(stop)))
        open_at = to_position if kind == "seeked" else None
    return list(viewers.values())


def video_tables(analysis: VideoAnalysis) -> dict[str, Table]:
    """The drop-off curve and the hot spots as tables."""
    curve = analysis.stats.dropoff
    slug = analysis.module.id
    dropoff = Table(f"{slug}-dropoff", "Share of viewers still watching", (
        "From (s)", "To (s)", "Share watching (%)",
    ), tuple(
        (f"{curve.edges[i]:.0f}", f"{curve.edges[i + 1]:.0f}", _fixed(100 * share))
        for i, share in enumerate(curve.watched)
    ))
    spots = Table(f"{slug}-rewatched", "Parts viewers watched again", (
        "From", "To", "Extra plays per viewer", "Peak",
    ), tuple(
        (clock(s.start), clock(s.end), f"{s.extra_plays:.2f}", f"{s.peak:.2f}")
        for s in analysis.hot_spots
    ))
    return {"dropoff": dropoff, "rewatched": spots}


def clock(seconds: float) -> str:
    """``75.0`` as ``1:15``."""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


# --- the school roll-up -----------------------------------------------------------------------


@dataclass(frozen=True)
class CourseRollup:
    """One course of the school: learners, started, certified and module completion."""

    context_id: int
    title: str
    learners: int
    started: int
    certified: int
    modules_completed: int
    modules_expected: int

    @property
    def completion(self) -> float:
        """Module completions over learners × the programme's modules (0 to 1)."""
        return min(self.modules_completed / self.modules_expected, 1.0) if self.modules_expected else 0.0


def school_rollup(session: Session, platform_id: int, now: datetime) -> list[CourseRollup]:
    """Every course of the platform, summarised with grouped SQL (a few queries in all)."""
    courses = session.execute(
        select(Context.id, Context.title, Context.label, CourseSettings.audience)
        .join(Deployment, Deployment.id == Context.deployment_id)
        .outerjoin(CourseSettings, CourseSettings.context_id == Context.id)
        .where(Deployment.platform_id == platform_id)
    ).all()
    ids = select(Context.id).join(Deployment).where(Deployment.platform_id == platform_id)
    learners = _counts(session, select(Enrollment.context_id, func.count(Enrollment.id))
                       .where(Enrollment.context_id.in_(ids), Enrollment.role == Role.MENTOR.value)
                       .group_by(Enrollment.context_id))
    # One pass over ix_module_progress_course (context_id, user_id, completed_at) for both.
    started, completed = {}, {}
    for context_id, learners_started, completions in session.execute(
        select(ModuleProgress.context_id, func.count(func.distinct(ModuleProgress.user_id)),
               func.count(ModuleProgress.completed_at))
        .where(ModuleProgress.context_id.in_(ids)).group_by(ModuleProgress.context_id)
    ):
        started[context_id], completed[context_id] = int(learners_started), int(completions)
    certified = _counts(session, select(Certification.context_id, func.count(func.distinct(Certification.user_id)))
                        .where(Certification.context_id.in_(ids), Certification.revoked_at.is_(None),
                               Certification.superseded_at.is_(None), Certification.expires_at > now)
                        .group_by(Certification.context_id))
    sizes = {p.audience: len(p.modules) for p in programmes.programmes()}
    found = [
        CourseRollup(
            context_id, title or label or f"Course {context_id}", learners.get(context_id, 0),
            started.get(context_id, 0), certified.get(context_id, 0), completed.get(context_id, 0),
            learners.get(context_id, 0) * sizes.get(audience or DEFAULT_AUDIENCE, 0),
        )
        for context_id, title, label, audience in courses
    ]
    return sorted((c for c in found if c.learners), key=lambda c: c.title.casefold())


def _counts(session: Session, query: Any) -> dict[int, int]:
    return {key: int(count) for key, count in session.execute(query)}


def rollup_table(courses: Sequence[CourseRollup]) -> Table:
    """The roll-up as a table, with a total row."""
    rows = [
        (c.title, c.learners, c.started, c.certified, f"{100 * c.completion:.0f}") for c in courses
    ]
    expected = sum(c.modules_expected for c in courses)
    done = sum(min(c.modules_completed, c.modules_expected) for c in courses)
    rows.append(("All courses", sum(c.learners for c in courses), sum(c.started for c in courses),
                 sum(c.certified for c in courses), f"{100 * done / expected:.0f}" if expected else "0"))
    return Table("school", "Courses in this school", (
        "Course", "Learners", "Started", "Certified", "Video completion (%)",
    ), tuple(rows))

