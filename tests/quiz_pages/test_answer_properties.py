"""Whatever a client posts to an answer, it gets a 4xx (never a 500) and the attempt is unchanged."""

from __future__ import annotations

from flask import Flask
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import QuizAnswer
from lti_tool.models import QuizAttempt
from tests.quiz_pages.conftest import Person
from tests.quiz_pages.test_mentor_quiz import start

KNOWN = ("honest", "promise")
junk = st.text(max_size=30).filter(lambda t: t not in KNOWN and "\x00" not in t)
values = st.one_of(junk, st.lists(st.sampled_from(KNOWN), min_size=2, max_size=3), st.lists(junk, max_size=3))
field_names = st.sampled_from(["answer", "position-honest", "answer[]", "step_key", "points", "score"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    step_key=st.one_of(st.just("0/promise/ask"), st.just("1/promise/ask"), junk),
    fields=st.dictionaries(field_names, values, max_size=3),
)
def test_random_answer_posts_are_refused_and_change_nothing(
    app: Flask, mentor: Person, step_key: str, fields: dict[str, object]
) -> None:
    attempt_id = db.session.scalar(select(QuizAttempt.id)) or start(mentor)
    before = db.session.get(QuizAttempt, attempt_id).state  # type: ignore[union-attr]
    data = {k: v for k, v in fields.items() if k != "step_key"}
    response = mentor.post(f"/mentor/attempts/{attempt_id}/answer", {**data, "step_key": step_key})
    assert 400 <= response.status_code < 500, (response.status_code, step_key, data)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).state == before  # type: ignore[union-attr]
    assert db.session.scalar(select(func.count(QuizAnswer.id))) == 0
