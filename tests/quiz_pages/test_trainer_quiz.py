"""Trainers' quiz settings and previews, and how the settings change what mentors get."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import CourseQuizSettings
from lti_tool.models import CourseSettings
from lti_tool.models import QuizAnswer
from lti_tool.models import QuizAttempt
from lti_tool.models import QuizGrade
from tests.quiz_pages.conftest import Person
from tests.quiz_pages.test_mentor_quiz import start
from tests.quiz_pages.test_mentor_quiz import walk_right

SETTINGS = "/trainer/quizzes/tiny/settings"


def save(trainer: Person, **fields: object) -> object:
    trainer.get(SETTINGS)
    data = {"pass_mark": "50", "attempts_allowed": "0", "grading_method": "highest", **fields}
    return trainer.post(SETTINGS, data)


def test_trainer_sees_quizzes_with_settings_and_links(trainer: Person) -> None:
    page = trainer.get("/trainer/quizzes").get_data(as_text=True)
    assert "Tiny quiz" in page and "50%" in page and "No limit" in page
    assert "/trainer/quizzes/tiny/preview" in page and "/trainer/quizzes/tiny/settings" in page
    assert "/trainer/quizzes?s=" in trainer.get("/trainer/").get_data(as_text=True)


def test_trainer_saves_settings_and_mentors_see_them(trainer: Person, mentor: Person) -> None:
    response = save(trainer, pass_mark="60", attempts_allowed="2", grading_method="last", is_required="y")
    assert response.status_code == 303  # type: ignore[attr-defined]
    row = db.session.scalars(select(CourseQuizSettings)).one()
    assert (row.pass_mark, row.attempts_allowed, row.grading_method, row.is_required) == (0.6, 2, "last", True)
    page = mentor.get("/mentor/quizzes").get_data(as_text=True)
    assert "Required" in page and "60%" in page and "0 used of 2" in page


def test_invalid_settings_are_refused_with_messages_and_not_saved(trainer: Person) -> None:
    for fields, message in (
        ({"pass_mark": "150"}, "Enter 1 to 100."),
        ({"pass_mark": "abc"}, "Pass mark"),
        ({"attempts_allowed": "-1"}, "Enter 0 (no limit) to 50."),
        ({"grading_method": "average"}, "Not a valid choice"),
    ):
        response = save(trainer, **fields)
        assert response.status_code == 400, fields  # type: ignore[attr-defined]
        assert message in response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert db.session.scalar(select(func.count(CourseQuizSettings.id))) == 0


def test_settings_refused_for_mentors_and_without_csrf(trainer: Person, mentor: Person) -> None:
    assert mentor.get(SETTINGS).status_code == 403
    mentor.get("/mentor/quizzes")
    response = mentor.post(SETTINGS, {"pass_mark": "10", "attempts_allowed": "0", "grading_method": "first"})
    assert response.status_code == 403
    trainer.get(SETTINGS)
    response = trainer.post(
        SETTINGS, {"pass_mark": "60", "attempts_allowed": "0", "grading_method": "first"}, csrf=False
    )
    assert response.status_code == 400 and b"This form has expired" in response.data
    assert db.session.scalar(select(func.count(CourseQuizSettings.id))) == 0


def test_attempt_limit_stops_retries_and_says_so(trainer: Person, mentor: Person) -> None:
    save(trainer, attempts_allowed="1")
    attempt_id = start(mentor)
    walk_right(mentor, attempt_id, last="never")
    result = mentor.get(f"/mentor/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Try again" not in result and "used all your tries" in result
    response = mentor.post("/mentor/quizzes/tiny/start")
    assert response.status_code == 409 and b"You have used all your tries" in response.data
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_grading_methods_pick_the_result_that_counts(trainer: Person, mentor: Person) -> None:
    first = start(mentor)
    walk_right(mentor, first)  # passes, 9/9
    second = start(mentor)
    assert second != first
    walk_right(mentor, second, last="never")  # fails, 8/9
    grade = db.session.scalars(select(QuizGrade)).one()
    assert grade.passed is True and grade.score_given == 9  # highest: the pass counts

    save(trainer, grading_method="last")
    third = start(mentor)
    walk_right(mentor, third, last="never")
    db.session.expire_all()
    grade = db.session.scalars(select(QuizGrade)).one()
    assert grade.passed is False and grade.score_given == 8 and grade.attempt_id == third
    page = mentor.get(f"/mentor/attempts/{third}/result").get_data(as_text=True)
    assert "The result that counts for your course (your latest try)" in page


def test_course_audience_setting_rewords_the_quiz(trainer: Person, mentor: Person) -> None:
    trainer.get("/trainer/quizzes")
    assert trainer.post("/trainer/quizzes/audience", {"audience": "primary"}).status_code == 303
    assert db.session.get(CourseSettings, 1) is not None
    attempt_id = start(mentor)
    assert "Lily asks you." in mentor.get(f"/mentor/attempts/{attempt_id}").get_data(as_text=True)
    assert trainer.post("/trainer/quizzes/audience", {"audience": "aliens"}).status_code == 303
    assert db.session.scalars(select(CourseSettings)).one().audience == "primary"


def test_preview_shows_every_branch_and_records_nothing(trainer: Person) -> None:
    page = trainer.get("/trainer/quizzes/tiny/preview?audience=primary").get_data(as_text=True)
    assert "Nothing you do here is recorded" in page and "Lily asks you." in page
    for text in ("Never promise.", "Honest and kind.", "Not your job.", "Try again?", "Nobody knows."):
        assert text in page
    assert 'href="#promise--retry"' in page and 'id="promise--sad"' in page
    assert "Listen." in page and "Safety first." in page
    assert "Jayden asks you." in trainer.get("/trainer/quizzes/tiny/preview?audience=secondary").get_data(as_text=True)
    assert trainer.get("/trainer/quizzes/tiny/preview?audience=staff").status_code == 404
    assert trainer.get("/trainer/quizzes/nope/preview").status_code == 404
    for model in (QuizAttempt, QuizAnswer, QuizGrade, CourseQuizSettings):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_broken_quiz_file_is_left_out_and_trainers_are_told(
    app: Flask, trainer: Person, mentor: Person, quiz_dir: Path
) -> None:
    (quiz_dir / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    app.extensions.pop("peerready.catalogue", None)
    page = trainer.get("/trainer/quizzes").get_data(as_text=True)
    assert "1 quiz file could not be loaded" in page and "broken.yaml" in page
    assert "Tiny quiz" in page
    mentor_page = mentor.get("/mentor/quizzes").get_data(as_text=True)
    assert "Tiny quiz" in mentor_page and "broken" not in mentor_page
