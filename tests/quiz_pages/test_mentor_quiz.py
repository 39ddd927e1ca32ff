"""A mentor's quiz journey through HTTP after a real launch, and what each step stores."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import QuizAnswer
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from tests.quiz_pages.conftest import Person
from tests.quiz_pages.conftest import launch
from tests.support.platform import TestPlatform

STEP_KEY = re.compile(r'name="step_key" value="([^"]+)"')
RIGHT_ORDER = {"position-listen": "1", "position-explain": "2", "position-tell": "3"}


def start(person: Person) -> int:
    response = person.post("/mentor/quizzes/tiny/start")
    assert response.status_code == 303
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))  # type: ignore[union-attr]


def answer(person: Person, attempt_id: int, **fields: object) -> tuple[str, object]:
    """Open the step page, post ``fields`` with its step key; return the page and response."""
    page = person.get(f"/mentor/attempts/{attempt_id}").get_data(as_text=True)
    key = STEP_KEY.search(page).group(1)  # type: ignore[union-attr]
    return page, person.post(f"/mentor/attempts/{attempt_id}/answer", {"step_key": key, **fields})


def walk_right(person: Person, attempt_id: int, *, last: str = "unsafe") -> None:
    """Every step right; ``last`` picks the answer to the final (critical) question."""
    for fields in (
        {"answer": "honest"}, {"answer": "calm"}, RIGHT_ORDER,
        {"answer": ["photos", "secret"]}, {"answer": last},
    ):
        assert answer(person, attempt_id, **fields)[1].status_code == 303


def attempt_row(attempt_id: int) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)  # type: ignore[return-value]


def test_mentor_home_links_to_the_quiz_list(mentor: Person) -> None:
    assert b"Scenario quizzes" in mentor.get("/mentor/").data
    page = mentor.get("/mentor/quizzes").get_data(as_text=True)
    assert "Tiny quiz" in page and "Pass mark" in page and "0 used (no limit)" in page


def test_full_journey_wrong_then_right_choice_ordering_ticks_and_review(mentor: Person) -> None:
    attempt_id = start(mentor)
    page, response = answer(mentor, attempt_id, answer="promise")
    assert "Question 1 of 4" in page and "<legend>What do you do?</legend>" in page
    assert response.headers["Location"].startswith(f"/mentor/attempts/{attempt_id}/feedback/1")
    feedback = mentor.get(f"/mentor/attempts/{attempt_id}/feedback/1").get_data(as_text=True)
    assert "Let's think about that one" in feedback and "Never promise." in feedback
    assert "Safety decision" in feedback and "Where to get help" in feedback
    assert "designated safeguarding lead" in feedback  # secondary wording by default

    assert answer(mentor, attempt_id, answer="again")[1].status_code == 303  # the try-again loop
    answer(mentor, attempt_id, answer="honest")
    feedback = mentor.get(f"/mentor/attempts/{attempt_id}/feedback/3").get_data(as_text=True)
    assert "Good choice" in feedback and "Honest and kind." in feedback
    answer(mentor, attempt_id, answer="calm")
    feedback = mentor.get(f"/mentor/attempts/{attempt_id}/feedback/4").get_data(as_text=True)
    assert "How the story ends" in feedback and "She gets help." in feedback

    page, response = answer(mentor, attempt_id, **RIGHT_ORDER)
    assert "Question 2 of 4" in page and '<select id="p-listen" name="position-listen">' in page
    assert "Right order" not in page
    page, response = answer(mentor, attempt_id, answer=["photos", "secret", "homework"])
    assert 'type="checkbox"' in page and "Tick all that apply." in page
    feedback = mentor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Points for this answer: 1<" in feedback and "(you chose this)" in feedback
    _, response = answer(mentor, attempt_id, answer="unsafe")
    feedback = mentor.get(response.headers["Location"]).get_data(as_text=True)
    assert "See your result" in feedback

    result = mentor.get(f"/mentor/attempts/{attempt_id}/result").get_data(as_text=True)
    row = attempt_row(attempt_id)
    assert row.status == "finished" and row.score == 6 and row.max_score == 9
    assert row.passed is False and row.critical_all_right is False
    assert "Not passed yet" in result and "every safety decision right" in result
    assert "Never promise to keep a secret." in result  # the why of the critical decision
    assert "I can&#39;t promise." in result  # the right action
    assert "Try again" in result
    answers = db.session.scalars(select(QuizAnswer).order_by(QuizAnswer.id)).all()
    assert [a.activity_id for a in answers] == ["promise"] * 4 + ["steps", "signs", "when"]
    assert [a.scene_id for a in answers[:4]] == ["ask", "retry", "ask", "listen"]
    assert answers[0].critical and not answers[0].correct and answers[0].response == ["promise"]
    assert answers[2].points == 0  # a scene's points count at its first answer only
    assert answers[5].response == ["photos", "secret", "homework"] and answers[5].points == 1


def test_high_score_with_one_critical_decision_wrong_fails_and_says_why(mentor: Person) -> None:
    attempt_id = start(mentor)
    walk_right(mentor, attempt_id, last="never")
    row = attempt_row(attempt_id)
    assert row.scaled is not None and row.scaled > 0.85 and row.passed is False
    page = mentor.get(f"/mentor/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Not passed yet, because of a safety decision." in page
    assert "above the pass mark of 50%" in page and "Safety first." in page
    grade = db.session.scalars(select(QuizGrade)).one()
    assert grade.passed is False and grade.score_given == 8 and grade.score_maximum == 9


def test_all_right_passes_and_records_the_gradebook_score(mentor: Person) -> None:
    attempt_id = start(mentor)
    walk_right(mentor, attempt_id)
    page = mentor.get(f"/mentor/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "You passed." in page and "You scored 100%" in page
    grade = db.session.scalars(select(QuizGrade)).one()
    assert (grade.score_given, grade.score_maximum) == (9, 9)
    assert (grade.activity_progress, grade.grading_progress) == ("Completed", "FullyGraded")
    assert grade.attempt_id == attempt_id and grade.resource_link_id is not None


def test_leaving_mid_attempt_resumes_at_the_same_step(mentor: Person) -> None:
    attempt_id = start(mentor)
    answer(mentor, attempt_id, answer="honest")
    list_page = mentor.get("/mentor/quizzes").get_data(as_text=True)
    assert "Carry on" in list_page
    assert start(mentor) == attempt_id  # the unfinished attempt, not a new one
    page = mentor.get(f"/mentor/attempts/{attempt_id}").get_data(as_text=True)
    assert "She talks." in page
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_double_submit_and_back_button_replay_score_once(mentor: Person) -> None:
    attempt_id = start(mentor)
    page = mentor.get(f"/mentor/attempts/{attempt_id}").get_data(as_text=True)
    key = STEP_KEY.search(page).group(1)  # type: ignore[union-attr]
    first = mentor.post(f"/mentor/attempts/{attempt_id}/answer", {"step_key": key, "answer": "honest"})
    before = attempt_row(attempt_id).state
    again = mentor.post(f"/mentor/attempts/{attempt_id}/answer", {"step_key": key, "answer": "honest"})
    replay = mentor.post(f"/mentor/attempts/{attempt_id}/answer", {"step_key": key, "answer": "promise"})
    assert first.status_code == 303
    for response in (again, replay):
        assert response.status_code == 409
        text = response.get_data(as_text=True)
        assert "You have already answered that one." in text and "She talks." in text
        assert "See the feedback on your last answer" in text
    assert attempt_row(attempt_id).state == before
    assert db.session.scalar(select(func.count(QuizAnswer.id))) == 1


def test_malformed_answers_get_a_clean_400_and_change_nothing(mentor: Person) -> None:
    attempt_id = start(mentor)
    before = attempt_row(attempt_id).state
    for fields in ({"answer": "nope"}, {}, {"answer": ["honest", "promise"]}):
        _, response = answer(mentor, attempt_id, **fields)
        assert response.status_code == 400
        assert "That answer isn&#39;t one of the options." in response.get_data(as_text=True)
    answer(mentor, attempt_id, answer="honest")
    answer(mentor, attempt_id, answer="calm")
    for fields in (
        {"position-listen": "1", "position-explain": "1", "position-tell": "3"},
        {"position-listen": "1", "position-explain": "two", "position-tell": "3"},
        {"position-listen": "1", "position-explain": "2"},
        {"position-listen": "1", "position-explain": "2", "position-bogus": "3"},
    ):
        _, response = answer(mentor, attempt_id, **fields)
        assert response.status_code == 400, fields
    assert db.session.scalar(select(func.count(QuizAnswer.id))) == 2
    assert attempt_row(attempt_id).state != before  # the two good answers only


def test_another_learners_attempt_is_not_found_and_unchanged(
    app: Flask, platform: TestPlatform, mentor: Person
) -> None:
    attempt_id = start(mentor)
    other = launch(app, platform, sub="user-99")
    before = attempt_row(attempt_id).state
    assert other.get(f"/mentor/attempts/{attempt_id}").status_code == 404
    assert other.get(f"/mentor/attempts/{attempt_id}/result").status_code == 404
    page = other.get("/mentor/quizzes")
    assert page.status_code == 200
    response = other.post(
        f"/mentor/attempts/{attempt_id}/answer", {"step_key": "0/promise/ask", "answer": "honest"}
    )
    assert response.status_code == 404
    assert attempt_row(attempt_id).state == before
    assert db.session.scalar(select(func.count(QuizAnswer.id))) == 0


def test_a_learner_in_course_b_cannot_touch_their_course_a_attempt(
    app: Flask, platform: TestPlatform, mentor: Person
) -> None:
    attempt_id = start(mentor)
    same_pupil_in_b = launch(app, platform, course="course-b")
    assert same_pupil_in_b.get(f"/mentor/attempts/{attempt_id}").status_code == 404
    response = same_pupil_in_b.post(
        f"/mentor/attempts/{attempt_id}/answer", {"step_key": "0/promise/ask", "answer": "honest"}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(QuizAnswer.id))) == 0
    assert "0 used" in same_pupil_in_b.get("/mentor/quizzes").get_data(as_text=True)


def test_link_custom_audience_gives_primary_wording(app: Flask, platform: TestPlatform, quiz_dir: object) -> None:
    pupil = launch(app, platform, sub="pupil-7", custom={"audience": "primary"})
    attempt_id = start(pupil)
    page = pupil.get(f"/mentor/attempts/{attempt_id}").get_data(as_text=True)
    assert "Lily asks you." in page
    assert attempt_row(attempt_id).audience == "primary"
    _, response = answer(pupil, attempt_id, answer="promise")
    feedback = pupil.get(response.headers["Location"]).get_data(as_text=True)
    assert "trusted adult" in feedback and "designated safeguarding lead" not in feedback


def test_answer_posted_without_csrf_token_is_refused(mentor: Person) -> None:
    attempt_id = start(mentor)
    response = mentor.post(
        f"/mentor/attempts/{attempt_id}/answer", {"step_key": "0/promise/ask", "answer": "honest"},
        csrf=False,
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(QuizAnswer.id))) == 0
