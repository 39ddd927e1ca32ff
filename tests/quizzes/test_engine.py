"""The attempt engine: scoring, the critical rule, stale answers, retries, grading, storage."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from datetime import timedelta

import pytest
from quiz_samples import NOW

from quizzes import engine
from quizzes.engine import AttemptState
from quizzes.engine import Result
from quizzes.errors import AttemptFinished
from quizzes.errors import IncompleteAnswer
from quizzes.errors import InvalidChoice
from quizzes.errors import InvalidState
from quizzes.errors import NoAttemptsLeft
from quizzes.errors import StaleAnswer
from quizzes.errors import WrongAudience
from quizzes.model import Quiz
from quizzes.model import Settings

SAFE_PATH: list[str | list[str]] = [
    "honest",
    "calm",
    ["listen", "explain", "tell"],
    ["photos", "secret"],
    "unsafe",
]


def play(quiz: Quiz, responses: Sequence[str | Sequence[str]], audience="secondary", seed=7):
    state = engine.start_attempt(quiz, audience, seed, NOW, finished_attempts=0)
    feedback = []
    for i, response in enumerate(responses):
        step = engine.current_step(quiz, state)
        assert step is not None
        state, given = engine.answer(quiz, state, step.key, response, NOW + timedelta(minutes=i))
        feedback.append(given)
    return state, feedback


def test_safe_path_scores_full_marks_and_passes(tiny):
    state, feedback = play(tiny, SAFE_PATH)
    result = engine.result(tiny, state)
    assert (result.score, result.max_score, result.scaled) == (9, 9, 1.0)
    assert result.passed and result.is_complete and result.critical_all_right
    assert feedback[-1].finished and engine.current_step(tiny, state) is None


def test_high_score_with_one_critical_decision_wrong_fails(tiny):
    # Promise first (wrong), loop back, then do everything right: 7 of 9 is over the pass mark.
    state, _ = play(tiny, ["promise", "again", "honest", "calm", *SAFE_PATH[2:]])
    result = engine.result(tiny, state)
    assert result.scaled == pytest.approx(7 / 9, abs=1e-6)
    assert result.scaled >= tiny.settings.pass_mark
    assert not result.critical_all_right and not result.passed
    missed = [r for r in result.reviews if r.critical and not r.was_right]
    assert [(r.scene, r.chosen, r.right_action, r.why) for r in missed] == [
        ("ask", ("I promise.",), ("I can't promise.",), "Never promise to keep a secret.")
    ]


def test_wrong_critical_question_fails_too(tiny):
    state, _ = play(tiny, [*SAFE_PATH[:4], "never"])
    result = engine.result(tiny, state)
    assert result.scaled == pytest.approx(8 / 9, abs=1e-6)
    assert not result.passed


def test_a_scene_scores_only_at_its_first_answer(tiny):
    state, feedback = play(tiny, ["promise", "again", "honest"])
    assert [f.points for f in feedback] == [0, 0, 0]
    assert state.path == ("promise/ask", "promise/retry", "promise/ask", "promise/listen")


def test_feedback_explains_the_choice_and_reports_the_ending(tiny):
    _, feedback = play(tiny, ["honest", "calm"])
    assert (feedback[0].text, feedback[0].correct, feedback[0].critical) == (
        "Honest and kind.",
        True,
        True,
    )
    assert feedback[0].ending is None
    assert feedback[1].ending is not None and feedback[1].ending.outcome == "She gets help."


def test_step_shows_the_learners_own_wording(tiny):
    primary = engine.start_attempt(tiny, "primary", 1, NOW, finished_attempts=0)
    secondary = engine.start_attempt(tiny, "secondary", 1, NOW, finished_attempts=0)
    assert engine.current_step(tiny, primary).text == "Lily asks you."
    assert engine.current_step(tiny, secondary).text == "Jayden asks you."


def test_double_submit_raises_stale_answer_and_scores_once(tiny):
    state = engine.start_attempt(tiny, "primary", 1, NOW, finished_attempts=0)
    key = engine.current_step(tiny, state).key
    after, _ = engine.answer(tiny, state, key, "honest", NOW)
    with pytest.raises(StaleAnswer):
        engine.answer(tiny, after, key, "honest", NOW)
    assert after.score == 2


def test_back_button_to_a_revisited_scene_is_still_stale(tiny):
    state = engine.start_attempt(tiny, "primary", 1, NOW, finished_attempts=0)
    first_key = engine.current_step(tiny, state).key
    state, _ = engine.answer(tiny, state, first_key, "promise", NOW)
    state, _ = engine.answer(tiny, state, engine.current_step(tiny, state).key, "again", NOW)
    assert engine.current_step(tiny, state).scene == "ask"
    with pytest.raises(StaleAnswer):
        engine.answer(tiny, state, first_key, "honest", NOW)


@pytest.mark.parametrize("response", ["shout", ["honest", "promise"], [], [3]])
def test_unknown_or_malformed_choice_is_refused(tiny, response):
    state = engine.start_attempt(tiny, "primary", 1, NOW, finished_attempts=0)
    with pytest.raises(InvalidChoice) as caught:
        engine.answer(tiny, state, engine.current_step(tiny, state).key, response, NOW)
    assert caught.value.message == "That answer isn't one of the options. Go back and choose again."


def test_ordering_with_a_missing_step_is_incomplete(tiny):
    state, _ = play(tiny, ["honest", "calm"])
    with pytest.raises(IncompleteAnswer):
        engine.answer(tiny, state, engine.current_step(tiny, state).key, ["listen", "tell"], NOW)


def test_answering_a_finished_attempt_is_refused(tiny):
    state, _ = play(tiny, SAFE_PATH)
    with pytest.raises(AttemptFinished):
        engine.answer(tiny, state, "5/when", "unsafe", NOW)


def test_question_feedback_and_partial_credit(tiny):
    _, feedback = play(tiny, ["honest", "calm", ["explain", "listen", "tell"], ["photos"]])
    ordering, ticks = feedback[2], feedback[3]
    assert ordering.points == pytest.approx(2 * (1 - 2 / 3), abs=0.01)
    assert [d.id for d in ordering.details] == ["listen", "explain", "tell"]
    assert [d.correct for d in ordering.details] == [False, False, True]
    assert ticks.points == 1.0 and not ticks.correct
    assert {d.id: d.correct for d in ticks.details}["secret"] is False


def test_start_refuses_an_audience_the_quiz_was_not_written_for(tiny):
    with pytest.raises(WrongAudience):
        engine.start_attempt(tiny, "staff", 1, NOW, finished_attempts=0)


def test_times_must_be_timezone_aware(tiny):
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.start_attempt(tiny, "primary", 1, datetime(2025, 9, 8), finished_attempts=0)


@pytest.mark.parametrize(
    ("allowed", "finished", "may_start"),
    [(0, 0, True), (0, 99, True), (1, 0, True), (1, 1, False), (3, 2, True), (3, 3, False)],
)
def test_retry_policy(tiny, allowed, finished, may_start):
    quiz = replace(tiny, settings=replace(tiny.settings, attempts_allowed=allowed))
    assert engine.can_retry(quiz.settings, finished) is may_start
    if may_start:
        engine.start_attempt(quiz, "primary", 1, NOW, finished_attempts=finished)
    else:
        with pytest.raises(NoAttemptsLeft):
            engine.start_attempt(quiz, "primary", 1, NOW, finished_attempts=finished)


def _result(scaled: float, passed: bool, day: int | None) -> Result:
    finished_at = None if day is None else NOW + timedelta(days=day)
    return Result("tiny", scaled * 10, 10, scaled, passed, passed, day is not None, finished_at)


@pytest.mark.parametrize(
    ("method", "expected"),
    [("first", 0.7), ("last", 0.6), ("highest", 0.85)],
)
def test_grading_method_picks_the_result_that_counts(method, expected):
    results = [
        _result(0.6, False, 3),  # latest; listed first to show order comes from finished_at
        _result(0.7, False, 0),
        _result(0.95, False, 1),  # highest score, but a critical decision was wrong
        _result(0.85, True, 2),
        _result(1.0, True, None),  # unfinished: never counts
    ]
    chosen = engine.grade(Settings(grading_method=method), results)
    assert chosen.scaled == expected


def test_highest_breaks_ties_by_the_earlier_attempt():
    early, late = _result(0.9, True, 1), _result(0.9, True, 2)
    assert engine.grade(Settings(grading_method="highest"), [late, early]) is early


def test_grading_needs_a_finished_attempt():
    with pytest.raises(ValueError, match="no finished attempt"):
        engine.grade(Settings(), [_result(1.0, True, None)])


def test_state_round_trips_through_plain_json(tiny):
    state, _ = play(tiny, ["promise", "again", "honest", "calm", ["tell", "listen", "explain"]])
    stored = json.loads(json.dumps(state.to_json()))
    assert AttemptState.from_json(stored) == state
    finished, _ = play(tiny, SAFE_PATH)
    assert AttemptState.from_json(json.loads(json.dumps(finished.to_json()))) == finished


def test_stored_state_shape_is_what_the_app_expects(tiny):
    state, _ = play(tiny, ["honest"])
    stored = state.to_json()
    assert set(stored) == {
        "version",
        "quiz_id",
        "audience",
        "seed",
        "started_at",
        "position",
        "scene",
        "score",
        "order",
        "decisions",
        "path",
        "finished_at",
    }
    assert stored["decisions"] == [
        {
            "key": "0/promise/ask",
            "activity": "promise",
            "scene": "ask",
            "response": ["honest"],
            "points": 2.0,
            "correct": True,
            "critical": True,
            "at": "2025-09-08T10:00:00+00:00",
        }
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("decisions"),
        lambda d: d.update(version=99),
        lambda d: d.update(audience="parents"),
        lambda d: d.update(started_at="yesterday"),
        lambda d: d.update(started_at="2025-09-08T10:00:00"),
    ],
)
def test_damaged_state_is_refused_with_a_pupil_safe_message(tiny, damage):
    stored = engine.start_attempt(tiny, "primary", 1, NOW, finished_attempts=0).to_json()
    damage(stored)
    with pytest.raises(InvalidState) as caught:
        AttemptState.from_json(stored)
    assert "start it again" in caught.value.message


def test_state_from_another_quiz_is_refused(tiny):
    state = replace(engine.start_attempt(tiny, "primary", 1, NOW, finished_attempts=0), quiz_id="x")
    with pytest.raises(InvalidState):
        engine.current_step(tiny, state)


def test_shuffle_is_stable_for_a_seed_and_varies_across_seeds(tiny):
    def order(seed: int) -> list[tuple[str, ...]]:
        state = engine.start_attempt(tiny, "primary", seed, NOW, finished_attempts=0)
        return [
            tuple(o.id for o in engine.current_step(tiny, state).options),
            *state.order.values(),
        ]

    assert order(42) == order(42)
    assert len({tuple(order(seed)) for seed in range(10)}) > 1


def test_ordering_question_is_never_shown_in_the_right_order(tiny):
    for seed in range(50):
        state = engine.start_attempt(tiny, "primary", seed, NOW, finished_attempts=0)
        assert state.order["steps"] != ("listen", "explain", "tell")


def test_without_shuffle_choices_keep_the_authors_order(tiny):
    quiz = replace(tiny, settings=replace(tiny.settings, shuffle=False))
    for seed in range(10):
        state = engine.start_attempt(quiz, "primary", seed, NOW, finished_attempts=0)
        assert [o.id for o in engine.current_step(quiz, state).options] == ["promise", "honest"]
        assert state.order["signs"] == ("photos", "secret", "homework", "weather")
