"""The attempt engine: pure functions over an immutable, JSON-storable ``AttemptState``.

No I/O and no clock: the caller passes ``now`` (timezone-aware) and a ``seed`` for shuffling.
The client only ever sends choice or option ids; every score is worked out here.

A learner works through the quiz's scenarios, then its questions. In a scenario, a scene's points
count at its first answer only (a "try again" loop earns nothing), and any wrong answer at a
critical decision fails the attempt, whatever the score.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import Literal
from typing import TypeAlias
from typing import cast

from quizzes.attempt import AttemptState
from quizzes.attempt import Decision
from quizzes.attempt import require_aware as _aware
from quizzes.errors import AttemptFinished
from quizzes.errors import IncompleteAnswer
from quizzes.errors import InvalidChoice
from quizzes.errors import InvalidState
from quizzes.errors import NoAttemptsLeft
from quizzes.errors import StaleAnswer
from quizzes.errors import WrongAudience
from quizzes.model import Audience
from quizzes.model import Media
from quizzes.model import Question
from quizzes.model import Quiz
from quizzes.model import Scenario
from quizzes.model import Scene
from quizzes.model import Settings
from quizzes.model import Wording
from quizzes.scoring import multiple_response_fraction
from quizzes.scoring import ordering_fraction

StepKind: TypeAlias = Literal["scene", "single-choice", "multiple-response", "ordering"]
Response: TypeAlias = str | Sequence[str]


@dataclass(frozen=True)
class MediaView:
    """An image or video with its alternative text resolved for the audience."""

    src: str
    alt: str
    captions: str | None = None


@dataclass(frozen=True)
class OptionView:
    """One option as shown: its id (sent back by the form) and its text."""

    id: str
    text: str


@dataclass(frozen=True)
class Step:
    """What to show now. Put ``key`` in the form and pass it back to ``answer``.

    ``kind`` says how to answer: ``scene`` and ``single-choice`` take one option id;
    ``multiple-response`` takes any number of ids; ``ordering`` takes every id, in order.
    """

    key: str
    kind: StepKind
    activity: str
    scene: str | None
    title: str
    text: str
    options: tuple[OptionView, ...]
    number: int
    total: int
    image: MediaView | None = None
    video: MediaView | None = None


@dataclass(frozen=True)
class OptionFeedback:
    """Per-option feedback for a question: whether it was picked, whether that was right, why."""

    id: str
    text: str
    selected: bool
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Ending:
    """The ending a scenario reached."""

    scene: str
    outcome: str
    narrative: str
    image: MediaView | None = None


@dataclass(frozen=True)
class Feedback:
    """What to show after an answer.

    ``points`` is what this answer earned (0 on a second visit to a scene); ``correct`` is the
    right/wrong verdict (for a critical step, the safeguarding verdict); ``details`` gives
    per-option feedback for questions; ``ending`` is set when the answer ended a scenario;
    ``finished`` when it ended the attempt.
    """

    text: str
    points: float
    correct: bool
    critical: bool
    details: tuple[OptionFeedback, ...] = ()
    ending: Ending | None = None
    finished: bool = False


@dataclass(frozen=True)
class Review:
    """A decision that mattered: what the learner did, the right action and why."""

    activity: str
    scene: str | None
    title: str
    prompt: str
    chosen: tuple[str, ...]
    right_action: tuple[str, ...]
    why: str
    was_right: bool
    critical: bool


@dataclass(frozen=True)
class Result:
    """An attempt's outcome. ``passed`` needs a finished attempt, ``scaled >= pass_mark`` and every
    critical decision right. ``reviews`` lists every critical decision and every answer that was
    not fully right, in the order answered."""

    quiz_id: str
    score: float
    max_score: float
    scaled: float
    passed: bool
    critical_all_right: bool
    is_complete: bool
    finished_at: datetime | None
    reviews: tuple[Review, ...] = field(default=())


def points_available(quiz: Quiz, activity_id: str, scene_id: str | None) -> float:
    """The most points one answer can earn at a step (a scene's best choice, or a question's)."""
    for scenario in quiz.scenarios:
        if scenario.id == activity_id:
            scene = next((s for s in scenario.scenes if s.id == scene_id), None)
            return float(max((c.points for c in scene.choices), default=0)) if scene else 0.0
    question = next((q for q in quiz.questions if q.id == activity_id), None)
    return float(question.points) if question else 0.0


def can_retry(settings: Settings, finished_attempt_count: int) -> bool:
    """Whether a learner who has finished this many attempts may start another."""
    return settings.attempts_allowed == 0 or finished_attempt_count < settings.attempts_allowed


def start_attempt(
    quiz: Quiz, audience: Audience, seed: int, now: datetime, *, finished_attempts: int
) -> AttemptState:
    """Begin an attempt for ``audience``; ``seed`` fixes this attempt's option order.

    Raises WrongAudience if the quiz is not written for ``audience`` and NoAttemptsLeft if
    ``finished_attempts`` already uses up ``attempts_allowed``.
    """
    if audience not in quiz.audiences:
        raise WrongAudience(f"quiz {quiz.id!r} is for {quiz.audiences}, not {audience!r}")
    if not can_retry(quiz.settings, finished_attempts):
        raise NoAttemptsLeft(
            f"{finished_attempts} of {quiz.settings.attempts_allowed} attempts used"
        )
    order: dict[str, tuple[str, ...]] = {}
    for scenario in quiz.scenarios:
        for scene in scenario.scenes:
            if scene.choices:
                key = f"{scenario.id}/{scene.id}"
                order[key] = _shuffled(
                    seed, key, [c.id for c in scene.choices], quiz.settings.shuffle
                )
    for question in quiz.questions:
        ids = [o.id for o in question.options]
        if question.kind == "ordering":
            order[question.id] = _scrambled(seed, question.id, ids)
        else:
            order[question.id] = _shuffled(seed, question.id, ids, quiz.settings.shuffle)
    state = AttemptState(
        quiz_id=quiz.id,
        audience=audience,
        seed=seed,
        started_at=_aware(now),
        position=0,
        scene=None,
        score=0.0,
        order=order,
    )
    return _enter(quiz, state, 0, now)


def current_step(quiz: Quiz, state: AttemptState) -> Step | None:
    """What the learner should see now, or None once the attempt is finished."""
    _check_quiz(quiz, state)
    if state.is_finished:
        return None
    activity = quiz.activities[state.position]
    audience = state.audience
    number, total = state.position + 1, len(quiz.activities)
    if isinstance(activity, Scenario):
        scene = _current_scene(activity, state)
        by_id = {c.id: c for c in scene.choices}
        return Step(
            key=_step_key(quiz, state),
            kind="scene",
            activity=activity.id,
            scene=scene.id,
            title=activity.title.for_audience(audience),
            text=_text(scene.narrative, audience),
            options=tuple(
                OptionView(i, by_id[i].text.for_audience(audience))
                for i in _order(state, f"{activity.id}/{scene.id}", list(by_id))
            ),
            number=number,
            total=total,
            image=_media(scene.image, audience),
            video=_media(scene.video, audience),
        )
    options = {o.id: o for o in activity.options}
    return Step(
        key=_step_key(quiz, state),
        kind=activity.kind,
        activity=activity.id,
        scene=None,
        title=activity.title.for_audience(audience),
        text=activity.prompt.for_audience(audience),
        options=tuple(
            OptionView(i, options[i].text.for_audience(audience))
            for i in _order(state, activity.id, list(options))
        ),
        number=number,
        total=total,
        image=_media(activity.image, audience),
    )


def answer(
    quiz: Quiz, state: AttemptState, step_key: str, response: Response, now: datetime
) -> tuple[AttemptState, Feedback]:
    """Score ``response`` to the step named by ``step_key`` and move on.

    ``response`` is one option id (a str) for scenes and single-choice questions, and a sequence
    of ids for multiple-response (the ticked ones) and ordering (all of them, in order).
    Raises AttemptFinished, StaleAnswer (``step_key`` is not the current step: a back button or
    a double submit, so nothing is scored twice), InvalidChoice or IncompleteAnswer.
    """
    _check_quiz(quiz, state)
    if state.is_finished:
        raise AttemptFinished(f"attempt at {quiz.id!r} finished at {state.finished_at}")
    expected = _step_key(quiz, state)
    if step_key != expected:
        raise StaleAnswer(f"answer for {step_key!r} but the current step is {expected!r}")
    ids = (response,) if isinstance(response, str) else tuple(response)
    if not all(isinstance(i, str) for i in ids):
        raise InvalidChoice(f"response must be option ids, got {response!r}")
    activity = quiz.activities[state.position]
    if isinstance(activity, Scenario):
        return _answer_scene(quiz, state, activity, ids, expected, _aware(now))
    return _answer_question(quiz, state, activity, ids, expected, _aware(now))


def result(quiz: Quiz, state: AttemptState) -> Result:
    """Score, maximum, scaled score, pass/fail and the decisions that mattered."""
    _check_quiz(quiz, state)
    max_score = float(quiz.max_score)
    scaled = round(state.score / max_score, 6) if max_score else 0.0
    critical_all_right = all(d.correct for d in state.decisions if d.critical)
    reviews = tuple(
        _review(quiz, state.audience, d) for d in state.decisions if d.critical or not d.correct
    )
    return Result(
        quiz_id=quiz.id,
        score=round(state.score, 6),
        max_score=max_score,
        scaled=scaled,
        passed=state.is_finished and scaled >= quiz.settings.pass_mark and critical_all_right,
        critical_all_right=critical_all_right,
        is_complete=state.is_finished,
        finished_at=state.finished_at,
        reviews=reviews,
    )


def grade(settings: Settings, results: Sequence[Result]) -> Result:
    """The result that counts for the gradebook, by the quiz's grading method.

    Only finished attempts count, ordered by ``finished_at``. ``highest`` prefers a pass to a
    fail, then the higher scaled score: a mentor who once got every critical decision right and
    reached the pass mark has shown the skill, even if a failed attempt scored more points.
    Raises ValueError if no result is finished.
    """
    finished = sorted(
        (r for r in results if r.is_complete and r.finished_at is not None),
        key=lambda r: cast(datetime, r.finished_at),
    )
    if not finished:
        raise ValueError("no finished attempt to grade")
    if settings.grading_method == "first":
        return finished[0]
    if settings.grading_method == "last":
        return finished[-1]
    # max() keeps the first of equals, so ties go to the earlier attempt.
    return max(finished, key=lambda r: (r.passed, r.scaled))


def _answer_scene(
    quiz: Quiz,
    state: AttemptState,
    scenario: Scenario,
    ids: tuple[str, ...],
    key: str,
    now: datetime,
) -> tuple[AttemptState, Feedback]:
    scene = _current_scene(scenario, state)
    choice = scene.choice(ids[0]) if len(ids) == 1 else None
    if choice is None:
        raise InvalidChoice(f"{ids!r} is not one choice of {scenario.id}/{scene.id}")
    answered_before = any(
        d.activity == scenario.id and d.scene == scene.id for d in state.decisions
    )
    points = 0.0 if answered_before else float(choice.points)
    correct = scene.is_right(choice)
    decision = Decision(key, scenario.id, scene.id, ids, points, correct, scene.critical, now)
    state = replace(
        state,
        score=state.score + points,
        decisions=(*state.decisions, decision),
        path=(*state.path, f"{scenario.id}/{choice.next}"),
        scene=choice.next,
    )
    audience = state.audience
    following = scenario.scene(choice.next)
    ending = None
    if following.is_end:
        ending = Ending(
            scene=following.id,
            outcome=_text(following.outcome, audience),
            narrative=_text(following.narrative, audience),
            image=_media(following.image, audience),
        )
        state = _enter(quiz, state, state.position + 1, now)
    feedback = Feedback(
        text=choice.feedback.for_audience(audience),
        points=points,
        correct=correct,
        critical=scene.critical,
        ending=ending,
        finished=state.is_finished,
    )
    return state, feedback


def _answer_question(
    quiz: Quiz,
    state: AttemptState,
    question: Question,
    ids: tuple[str, ...],
    key: str,
    now: datetime,
) -> tuple[AttemptState, Feedback]:
    audience = state.audience
    known = {o.id for o in question.options}
    if len(set(ids)) != len(ids) or not set(ids) <= known:
        raise InvalidChoice(f"{ids!r} are not distinct options of {question.id}")
    right = [o.id for o in question.options if o.correct]
    if question.kind == "single-choice":
        if len(ids) != 1:
            raise InvalidChoice(f"{question.id} takes one option, got {ids!r}")
        fraction = 1.0 if ids[0] in right else 0.0
    elif question.kind == "multiple-response":
        fraction = multiple_response_fraction(ids, right, len(question.options))
    else:
        if set(ids) != known:
            raise IncompleteAnswer(f"{question.id} needs every step, got {ids!r}")
        fraction = ordering_fraction(ids, [o.id for o in question.options])
    points = round(question.points * fraction, 2)
    correct = fraction == 1.0
    shown = _order(state, question.id, [o.id for o in question.options])
    options = {o.id: o for o in question.options}
    if question.kind == "ordering":
        # Show the steps in the right order, each marked whether the learner put it there.
        details = tuple(
            OptionFeedback(o.id, o.text.for_audience(audience), True, ids[i] == o.id, "")
            for i, o in enumerate(question.options)
        )
    else:
        details = tuple(
            OptionFeedback(
                i,
                options[i].text.for_audience(audience),
                i in ids,
                (i in ids) == options[i].correct,
                _text(options[i].feedback, audience),
            )
            for i in shown
        )
    if question.kind == "single-choice":
        text = _text(options[ids[0]].feedback, audience)
    else:
        text = _text(question.feedback, audience)
    decision = Decision(key, question.id, None, ids, points, correct, question.critical, now)
    state = replace(state, score=state.score + points, decisions=(*state.decisions, decision))
    state = _enter(quiz, state, state.position + 1, now)
    feedback = Feedback(
        text=text,
        points=points,
        correct=correct,
        critical=question.critical,
        details=details,
        finished=state.is_finished,
    )
    return state, feedback


def _enter(quiz: Quiz, state: AttemptState, position: int, now: datetime) -> AttemptState:
    """Move to activity ``position``: a scenario's start scene, a question, or the end."""
    if position >= len(quiz.activities):
        return replace(state, position=position, scene=None, finished_at=_aware(now))
    activity = quiz.activities[position]
    if isinstance(activity, Scenario):
        return replace(
            state,
            position=position,
            scene=activity.start,
            path=(*state.path, f"{activity.id}/{activity.start}"),
        )
    return replace(state, position=position, scene=None)


def _step_key(quiz: Quiz, state: AttemptState) -> str:
    # The number of answers so far makes the key unique even when a loop revisits a scene.
    activity = quiz.activities[state.position]
    if isinstance(activity, Scenario):
        return f"{len(state.decisions)}/{activity.id}/{state.scene}"
    return f"{len(state.decisions)}/{activity.id}"


def _current_scene(scenario: Scenario, state: AttemptState) -> Scene:
    try:
        return scenario.scene(state.scene or "")
    except KeyError:
        raise InvalidState(f"scene {state.scene!r} is not in scenario {scenario.id!r}") from None


def _check_quiz(quiz: Quiz, state: AttemptState) -> None:
    if state.quiz_id != quiz.id:
        raise InvalidState(f"attempt belongs to quiz {state.quiz_id!r}, not {quiz.id!r}")
    if state.position > len(quiz.activities):
        raise InvalidState(f"position {state.position} is past the end of {quiz.id!r}")


def _order(state: AttemptState, key: str, ids: list[str]) -> list[str]:
    # Keep this attempt's stored order; anything added to the content since goes at the end.
    stored = [i for i in state.order.get(key, ()) if i in ids]
    return stored + [i for i in ids if i not in stored]


def _shuffled(seed: int, key: str, ids: list[str], shuffle: bool) -> tuple[str, ...]:
    if not shuffle:
        return tuple(ids)
    # A str seed is hashed with SHA-512 by random.Random, so the order is the same on every
    # server and Python run, unlike hash().
    rng = random.Random(f"{seed}/{key}")
    shuffled = list(ids)
    rng.shuffle(shuffled)
    return tuple(shuffled)


def _scrambled(seed: int, key: str, ids: list[str]) -> tuple[str, ...]:
    # Ordering questions are always shuffled, and never shown already in the right order.
    shuffled = list(_shuffled(seed, key, ids, True))
    if shuffled == ids:
        shuffled = shuffled[1:] + shuffled[:1]
    return tuple(shuffled)


def _review(quiz: Quiz, audience: Audience, decision: Decision) -> Review:
    activity = next(a for a in quiz.activities if a.id == decision.activity)
    if isinstance(activity, Scenario):
        scene = activity.scene(decision.scene or "")
        right = [c for c in scene.choices if scene.is_right(c)]
        chosen = [c for c in scene.choices if c.id in decision.response]
        why = _text(scene.why, audience) if scene.critical else _text(right[0].feedback, audience)
        return Review(
            activity=activity.id,
            scene=scene.id,
            title=activity.title.for_audience(audience),
            prompt=_text(scene.narrative, audience),
            chosen=tuple(c.text.for_audience(audience) for c in chosen),
            right_action=tuple(c.text.for_audience(audience) for c in right),
            why=why,
            was_right=decision.correct,
            critical=decision.critical,
        )
    options = {o.id: o for o in activity.options}
    if activity.kind == "ordering":
        right_ids = [o.id for o in activity.options]
    else:
        right_ids = [o.id for o in activity.options if o.correct]
    if activity.critical:
        why = _text(activity.why, audience)
    elif activity.kind == "single-choice":
        why = _text(options[right_ids[0]].feedback, audience)
    else:
        why = _text(activity.feedback, audience)
    return Review(
        activity=activity.id,
        scene=None,
        title=activity.title.for_audience(audience),
        prompt=activity.prompt.for_audience(audience),
        chosen=tuple(options[i].text.for_audience(audience) for i in decision.response),
        right_action=tuple(options[i].text.for_audience(audience) for i in right_ids),
        why=why,
        was_right=decision.correct,
        critical=decision.critical,
    )


def _text(wording: Wording | None, audience: Audience) -> str:
    return wording.for_audience(audience) if wording else ""


def _media(media: Media | None, audience: Audience) -> MediaView | None:
    if media is None:
        return None
    return MediaView(media.src, media.alt.for_audience(audience), media.captions)
