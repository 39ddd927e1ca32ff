"""Property tests: any sequence of answers, valid or not, never crashes or breaks the score."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from quiz_samples import NOW
from quiz_samples import tiny_quiz_data

from lti_tool.content import load
from quizzes import engine
from quizzes.catalogue import SCHEMA_PATH
from quizzes.catalogue import parse_quiz
from quizzes.catalogue import quiz_files
from quizzes.engine import AttemptState
from quizzes.errors import IncompleteAnswer
from quizzes.errors import InvalidChoice

QUIZZES = [parse_quiz(tiny_quiz_data())] + [load(p, SCHEMA_PATH, parse_quiz) for p in quiz_files()]
MAX_STEPS = 60  # loops can go round for ever; a learner who goes round this often stops


@settings(max_examples=150, deadline=None)
@given(data=st.data(), quiz=st.sampled_from(QUIZZES), seed=st.integers(0, 2**32))
def test_random_answers_never_crash_and_keep_the_score_in_range(data, quiz, seed):
    audience = data.draw(st.sampled_from(quiz.audiences))
    state = engine.start_attempt(quiz, audience, seed, NOW, finished_attempts=0)
    for turn in range(MAX_STEPS):
        step = engine.current_step(quiz, state)
        if step is None:
            break
        ids = [o.id for o in step.options]
        if step.kind in ("scene", "single-choice"):
            response: str | list[str] = data.draw(st.sampled_from([*ids, "not-an-option"]))
        elif step.kind == "multiple-response":
            response = data.draw(st.lists(st.sampled_from(ids), unique=True))
        else:
            response = data.draw(st.permutations(ids))
            if data.draw(st.booleans()):
                response = response[:-1]  # sometimes leave a step out
        try:
            state, feedback = engine.answer(
                quiz, state, step.key, response, NOW + timedelta(seconds=turn)
            )
        except (InvalidChoice, IncompleteAnswer):
            continue
        assert feedback.points >= 0
        result = engine.result(quiz, state)
        assert 0 <= result.score <= result.max_score
        assert 0.0 <= result.scaled <= 1.0
        assert not result.passed or (result.critical_all_right and result.is_complete)
    assert AttemptState.from_json(state.to_json()) == state
