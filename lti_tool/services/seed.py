"""Synthetic but realistic activity for a demo course or a benchmark: learners, quiz attempts,
video viewing and certificates.

Quiz attempts are played through the real quiz engine (``quizzes.engine``): each simulated
mentor answers step by step, right with a probability that grows with their ability, so scores,
branches, critical decisions and gradebook results are exactly what the engine would record.
Viewing is simulated as play/pause/seek sessions whose segments are merged by
``modules.progress``. Rows go in with Core bulk inserts; no xAPI statement or grade is queued,
since these people do not exist on any platform.
"""

from __future__ import annotations

import random
import secrets
import uuid
import zlib
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti.roles import Role
from lti_tool.models import Certification
from lti_tool.models import CertificationEvent
from lti_tool.models import Context
from lti_tool.models import Enrollment
from lti_tool.models import ModuleCompletion
from lti_tool.models import ModuleProgress
from lti_tool.models import QuizAnswer
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from lti_tool.models import User
from lti_tool.models import VideoEvent
from lti_tool.models.quiz import FINISHED
from lti_tool.models.quiz import IN_PROGRESS
from lti_tool.services import catalogue
from lti_tool.services import dashboard_cache
from lti_tool.services import programmes
from lti_tool.services.certification import STATUS_LIST_SIZE
from modules import progress as core
from modules.model import Module
from modules.model import Programme
from quizzes import engine
from quizzes.engine import Step
from quizzes.model import Audience
from quizzes.model import Quiz

FIRST = ("Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hassan", "Isla", "Jack",
         "Kai", "Leah", "Mo", "Nia", "Oscar", "Priya", "Quinn", "Ravi", "Sofia", "Tom", "Uma",
         "Vik", "Wren", "Yusuf", "Zara")
LAST = ("Ahmed", "Brown", "Clarke", "Davies", "Evans", "Green", "Hughes", "Iqbal", "Jones",
        "Khan", "Lewis", "Morgan", "Novak", "Okafor", "Patel", "Roberts", "Singh", "Taylor",
        "Walker", "Wright")
_BATCH = 5000


@dataclass(frozen=True)
class SeedPlan:
    """How much to make for one course, and when it happened (the last ``days`` before ``now``)."""

    learners: int
    audience: Audience
    now: datetime
    days: int = 60
    attempts_per_quiz: tuple[int, int] = (1, 3)  # each mentor who tries makes this many
    quiz_share: float = 0.8  # mentors who try the quizzes at all
    never_started: float = 0.1  # mentors with no activity
    second_viewing: float = 0.25  # mentors who open a module again
    events_per_session: int = 8  # roughly: play, pause and seek events per viewing
    certify_share: float = 0.7  # of the mentors who did everything
    stop_when_passed: bool = True  # False: mentors use every attempt (benchmark volumes)


@dataclass(frozen=True)
class SeedReport:
    """What was made."""

    learners: int
    attempts: int
    answers: int
    progress_rows: int
    video_events: int
    certificates: int


def seed_course(session: Session, context: Context, plan: SeedPlan, rng: random.Random) -> SeedReport:
    """Add ``plan.learners`` simulated mentors with activity to ``context``; commit."""
    programme = next((p for p in programmes.programmes() if p.audience == plan.audience), None)
    if programme is None:
        raise ValueError(f"no programme for {plan.audience!r}")
    modules = [programmes.module(m) for m in programme.modules]
    loaded = catalogue.get_catalogue().quizzes
    quizzes = [loaded[q] for q in programme.required_quizzes if q in loaded]
    platform_id = context.deployment.platform_id
    start = plan.now - timedelta(days=plan.days)
    tag = uuid.uuid4().hex[:8]
    people = [
        {"platform_id": platform_id, "sub": f"seed-{tag}-{i}",
         "display_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
         "created_at": start, "last_seen_at": start}
        for i in range(plan.learners)
    ]
    user_ids = _insert_returning(session, User, people)
    abilities = {user_id: rng.betavariate(4, 2) for user_id in user_ids}
    active = [u for u in user_ids if rng.random() >= plan.never_started]
    last_seen: dict[int, datetime] = {}

    progress_rows, events, completed = _viewing(context.id, active, modules, abilities, plan, rng, last_seen)
    _bulk(session, ModuleProgress, progress_rows)
    _bulk(session, ModuleCompletion, [
        {key: row[key] for key in ("user_id", "context_id", "module_id", "completed_at")}
        | {"viewing": 1}
        for row in progress_rows if row["completed_at"] is not None
    ])
    _bulk(session, VideoEvent, events)

    attempts, answers, grades, passed = _quiz_activity(
        session, context.id, active, quizzes, abilities, plan, rng, last_seen
    )
    _bulk(session, QuizAnswer, answers)
    _bulk(session, QuizGrade, grades)

    enrollments = [
        {"user_id": u, "context_id": context.id, "role": Role.MENTOR.value,
         "lti_roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
         "created_at": start, "last_launch_at": last_seen.get(u, start)}
        for u in user_ids if u in last_seen or rng.random() < 0.5  # some never launched at all
    ]
    _bulk(session, Enrollment, enrollments)
    done = [
        u for u in active
        if completed.get(u, 0) == len(modules) and passed.get(u, 0) == len(quizzes)
    ]
    certified = rng.sample(done, int(len(done) * plan.certify_share))
    _certify(session, context, programme, certified, last_seen, plan, rng)
    session.commit()
    dashboard_cache.course_changed(context.id)  # Core inserts bypass the ORM change hook
    return SeedReport(len(user_ids), attempts, len(answers), len(progress_rows), len(events),
                      len(certified))


# --- viewing ----------------------------------------------------------------------------------


def _viewing(
    context_id: int, users: Sequence[int], modules: Sequence[Module], abilities: dict[int, float],
    plan: SeedPlan, rng: random.Random, last_seen: dict[int, datetime],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[int, int]]:
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    completed: dict[int, int] = {}
    for user_id in users:
        keen = abilities[user_id]
        at = _moment(plan, rng)
        for index, module in enumerate(modules):
            if rng.random() > 0.99 - 0.05 * index * (1 - keen):  # later modules lose viewers
                break
            duration = module.duration_seconds
            played: list[tuple[float, float]] = []
            for session_no in range(2 if rng.random() < plan.second_viewing else 1):
                player = f"p{uuid.uuid4().hex[:16]}"
                segments, session_events, at = _viewing_session(duration, keen, at, rng, plan, session_no)
                played.extend(segments)
                for n, event in enumerate(session_events):
                    events.append({"user_id": user_id, "context_id": context_id,
                                   "module_id": module.id, "player_session": player,
                                   "event_id": f"e{session_no}-{n}", "detail": {}, **event,
                                   "received_at": event["occurred_at"]})
            coverage = core.measure(played, duration)
            done = coverage.share >= module.settings.completion_threshold - 1e-9
            completed[user_id] = completed.get(user_id, 0) + int(done)
            rows.append({
                "user_id": user_id, "context_id": context_id, "module_id": module.id,
                "segments": core.segments_to_json(coverage.segments),
                "covered_seconds": coverage.seconds, "share": coverage.share,
                "furthest": coverage.furthest, "last_position": played[-1][1] if played else 0.0,
                "playback_speed": 1.0, "answered_checkpoints": [],
                "completed_at": at if done else None, "updated_at": at,
            })
            last_seen[user_id] = max(last_seen.get(user_id, at), at)
            at += timedelta(hours=rng.uniform(2, 72))
    return rows, events, completed


def _viewing_session(
    duration: float, keen: float, at: datetime, rng: random.Random, plan: SeedPlan, again: int
) -> tuple[list[tuple[float, float]], list[dict[str, Any]], datetime]:
    """One page load: play from a point, with pauses, a rewatch or skip now and then.

    A second viewing (``again``) goes back to one passage (a quarter of the video at most).
    """
    position = duration * rng.uniform(0.3, 0.4) if again else 0.0  # a passage people revisit
    if again:
        stop_at = min(duration, position + rng.uniform(0.1, 0.25) * duration)
        position = min(position, stop_at - 1)
    elif rng.random() < 0.45 + 0.5 * keen:
        stop_at = duration
    else:
        stop_at = rng.uniform(0.2, 1.0) * duration
    segments: list[tuple[float, float]] = []
    events: list[dict[str, Any]] = []

    def event(kind: str, where: float, **extra: Any) -> None:
        events.append({"type": kind, "position": round(where, 3), "from_position": None,
                       "to_position": None, "speed": None, "occurred_at": at, **extra})

    for _ in range(max(1, plan.events_per_session // 2)):
        if position >= stop_at - 0.5:
            break
        event("played", position)
        typical = duration / max(1, plan.events_per_session // 2)
        length = min(stop_at - position, max(1.0, rng.uniform(0.5, 1.5) * typical))
        end = position + length
        at += timedelta(seconds=length)
        segments.append((position, end))
        if rng.random() < 0.2 and end > 20:  # go back over something (a rewatch hot spot)
            back = max(0.0, end - rng.uniform(8, 25))
            event("seeked", end, from_position=round(end, 3), to_position=round(back, 3))
            event("paused", back)
            position = back
        else:
            event("paused", end)
            position = end
        at += timedelta(seconds=rng.uniform(1, 30))
    if position >= duration - 0.5:
        event("ended", duration)
    return segments, events, at + timedelta(minutes=rng.uniform(1, 20))


# --- quizzes ----------------------------------------------------------------------------------


def _quiz_activity(
    session: Session, context_id: int, users: Sequence[int], quizzes: Sequence[Quiz],
    abilities: dict[int, float], plan: SeedPlan, rng: random.Random,
    last_seen: dict[int, datetime],
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]], dict[int, int]]:
    attempts: list[dict[str, Any]] = []
    decisions: list[list[dict[str, Any]]] = []
    grades: list[dict[str, Any]] = []
    passed: dict[int, int] = {}
    for user_id in users:
        if rng.random() > plan.quiz_share:
            continue
        at = last_seen.get(user_id, _moment(plan, rng)) + timedelta(hours=1)
        for quiz in quizzes:
            results = []
            ability = abilities[user_id]
            for number in range(1, rng.randint(*plan.attempts_per_quiz) + 1):
                state, answers, at = _play(quiz, plan.audience, ability, at, rng, number - 1)
                result = engine.result(quiz, state)
                unfinished = not state.is_finished
                attempts.append({
                    "user_id": user_id, "context_id": context_id, "quiz_id": quiz.id,
                    "number": number, "audience": plan.audience, "seed": state.seed,
                    "state": state.to_json(), "status": IN_PROGRESS if unfinished else FINISHED,
                    "score": None if unfinished else result.score,
                    "max_score": None if unfinished else result.max_score,
                    "scaled": None if unfinished else result.scaled,
                    "passed": None if unfinished else result.passed,
                    "critical_all_right": None if unfinished else result.critical_all_right,
                    "started_at": state.started_at, "finished_at": state.finished_at,
                })
                decisions.append(answers)
                if unfinished:
                    break
                results.append(result)
                ability = min(1.0, ability + 0.2)  # they learn from the feedback
                if result.passed and plan.stop_when_passed:
                    break
            last_seen[user_id] = max(last_seen.get(user_id, at), at)
            if results:
                graded = engine.grade(quiz.settings, results)
                passed[user_id] = passed.get(user_id, 0) + int(graded.passed)
                grades.append({
                    "user_id": user_id, "context_id": context_id, "quiz_id": quiz.id,
                    "score_given": graded.score, "score_maximum": graded.max_score,
                    "activity_progress": "Completed", "grading_progress": "FullyGraded",
                    "passed": graded.passed, "timestamp": graded.finished_at,
                })
    ids = _insert_returning(session, QuizAttempt, attempts)
    answers = [
        {**answer, "attempt_id": attempt_id} for attempt_id, rows in zip(ids, decisions, strict=True)
        for answer in rows
    ]
    return len(attempts), answers, grades, passed


def _play(
    quiz: Quiz, audience: Audience, ability: float, at: datetime, rng: random.Random, finished: int
) -> tuple[Any, list[dict[str, Any]], datetime]:
    """One attempt through the engine; 5% of attempts are abandoned half-way."""
    state = engine.start_attempt(quiz, audience, rng.randrange(2**31), at, finished_attempts=finished)
    abandon = rng.random() < 0.05
    while (step := engine.current_step(quiz, state)) is not None:
        if abandon and len(state.decisions) >= 2:
            break
        at += timedelta(seconds=rng.uniform(10, 60))
        state, _ = engine.answer(quiz, state, step.key, _respond(quiz, step, ability, rng), at)
    answers = [
        {"step_key": d.key, "activity_id": d.activity, "scene_id": d.scene,
         "response": list(d.response), "points": d.points, "correct": d.correct,
         "critical": d.critical, "answered_at": d.at}
        for d in state.decisions
    ]
    return state, answers, at + timedelta(minutes=rng.uniform(30, 600))


def _respond(quiz: Quiz, step: Step, ability: float, rng: random.Random) -> str | list[str]:
    """The simulated mentor's answer: right with a chance set by ability and the item."""
    ids = [option.id for option in step.options]
    item = f"{quiz.id}/{step.activity}/{step.scene}".encode()
    difficulty = (zlib.crc32(item) % 100) / 400  # 0 to 0.25, fixed per item
    right_now = rng.random() < 0.5 + 0.55 * ability - difficulty
    if step.kind == "scene":
        scenario = next(s for s in quiz.scenarios if s.id == step.activity)
        scene = scenario.scene(step.scene or "")
        right = [c.id for c in scene.choices if scene.is_right(c)]
        wrong = [i for i in ids if i not in right]
        # A tempting wrong choice: most wrong answers pick the first wrong option.
        return rng.choice(right) if right_now or not wrong else (wrong[0] if rng.random() < 0.6 else rng.choice(wrong))
    question = next(q for q in quiz.questions if q.id == step.activity)
    correct = [o.id for o in question.options if o.correct]
    if question.kind == "ordering":
        order = [o.id for o in question.options]
        if not right_now:
            i = rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
        return order
    if question.kind == "multiple-response":
        chosen = [i for i in ids if (i in correct) == (right_now or rng.random() < 0.6)]
        return chosen or ids[:1]
    wrong = [i for i in ids if i not in correct]
    return correct[0] if right_now or not wrong else rng.choice(wrong)


# --- certificates -------------------------------------------------------------------------------


def _certify(
    session: Session, context: Context, programme: Programme, users: Sequence[int],
    last_seen: dict[int, datetime], plan: SeedPlan, rng: random.Random,
) -> None:
    if not users:
        return
    platform_id = context.deployment.platform_id
    used = set(session.scalars(select(Certification.status_index).filter_by(platform_id=platform_id)))
    free = (i for i in rng.sample(range(STATUS_LIST_SIZE), len(users) + len(used)) if i not in used)
    rows = []
    for user_id in users:
        earned = last_seen[user_id] + timedelta(days=rng.uniform(1, 10))
        earned = min(earned, plan.now - timedelta(minutes=5))
        rows.append({
            "code": secrets.token_urlsafe(16)[:32], "credential_uuid": str(uuid.uuid4()),
            "platform_id": platform_id, "user_id": user_id, "context_id": context.id,
            "programme_id": programme.id, "programme_title": programme.title,
            "criteria": "Completed every module and quiz, signed off by the trainer (demo data).",
            "earned_at": earned,
            "expires_at": earned + timedelta(days=30 * programme.validity_months),
            "status_index": next(free), "recipient_salt": secrets.token_hex(16),
        })
    ids = _insert_returning(session, Certification, rows)
    _bulk(session, CertificationEvent, [
        {"user_id": row["user_id"], "context_id": context.id, "programme_id": programme.id,
         "certification_id": cert_id, "kind": "earned", "at": row["earned_at"], "note": ""}
        for cert_id, row in zip(ids, rows, strict=True)
    ])


# --- helpers ----------------------------------------------------------------------------------


def _moment(plan: SeedPlan, rng: random.Random) -> datetime:
    return plan.now - timedelta(days=plan.days) + timedelta(days=rng.uniform(0, plan.days * 0.6))


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start:start + _BATCH]


def _bulk(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Core ``insert()`` with a list of dicts: one executemany per batch."""
    for chunk in _chunks(rows):
        session.execute(insert(model), list(chunk))


def _insert_returning(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Bulk insert and return the new ids in the order of ``rows``."""
    ids: list[int] = []
    for chunk in _chunks(rows):
        ids.extend(session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), list(chunk)
        ))
    return ids

