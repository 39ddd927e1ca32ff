"""Trainers' quiz pages: settings, who the quizzes are worded for, previews, attempt resets.

These routes join the ``trainer`` blueprint (``trainer.quizzes``, ``trainer.quiz_settings``,
``trainer.course_audience``, ``trainer.quiz_preview``, ``trainer.quiz_attempts``,
``trainer.reset_attempts``). Previews record nothing.
"""

from __future__ import annotations

from typing import cast

from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange

from lti_tool.access import requires_role
from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.services import attempt_resets
from lti_tool.services import catalogue
from lti_tool.services.audience import DEFAULT_AUDIENCE
from lti_tool.services.audience import course_audience
from lti_tool.services.audience import set_course_audience
from lti_tool.services.quiz_settings import SettingsProblem
from lti_tool.services.quiz_settings import course_quiz
from lti_tool.services.quiz_settings import course_quizzes
from lti_tool.services.quiz_settings import highest_reachable_pass_mark
from lti_tool.services.quiz_settings import save_quiz_settings
from lti_tool.views.trainer import bp
from quizzes.model import AUDIENCES
from quizzes.model import Audience
from quizzes.preview import quiz_map

AUDIENCE_NAMES = {
    "primary": "Primary pupils (8 to 11)",
    "secondary": "Secondary pupils (11 to 18)",
    "staff": "Staff",
}
GRADING_NAMES = {
    "highest": "Highest attempt (a pass beats a fail)",
    "last": "Latest attempt",
    "first": "First attempt",
}


class QuizSettingsForm(FlaskForm):
    """A course's settings for one quiz; the pass mark is a whole percentage."""

    pass_mark = IntegerField(
        "Pass mark (%)",
        validators=[InputRequired("Enter a pass mark."), NumberRange(1, 100, "Enter 1 to 100.")],
    )
    attempts_allowed = IntegerField(
        "Attempts allowed",
        validators=[
            InputRequired("Enter how many attempts, or 0."),
            NumberRange(0, 50, "Enter 0 (no limit) to 50."),
        ],
    )
    grading_method = SelectField(
        "Result that counts",
        choices=[SelectChoice(value, label) for value, label in GRADING_NAMES.items()],
    )
    is_required = BooleanField("Required for mentors in this course")


@bp.get("/quizzes")
@requires_role(Role.TRAINER)
def quizzes() -> ResponseReturnValue:
    """Every quiz with this course's settings, the course audience, and content problems."""
    return render_template(
        "trainer/quizzes.html",
        course_quizzes=course_quizzes(
            db.session, g.context.id, list(catalogue.get_catalogue().quizzes.values())
        ),
        course_audience=course_audience(db.session, g.context),
        default_audience=DEFAULT_AUDIENCE,
        audience_names=AUDIENCE_NAMES,
        grading_names=GRADING_NAMES,
        problems=catalogue.problems(),
    )


@bp.post("/quizzes/audience")
@requires_role(Role.TRAINER)
def course_audience_update() -> ResponseReturnValue:
    """Save who this course's quizzes are worded for ("" goes back to the default)."""
    chosen = request.form.get("audience", "")
    if chosen and chosen not in AUDIENCES:
        flash("Choose one of the groups listed.", "problem")
        return redirect(url_for("trainer.quizzes"), 303)
    set_course_audience(db.session, g.context, cast(Audience, chosen) if chosen else None)
    flash("Saved who this course's quizzes are for.", "ok")
    return redirect(url_for("trainer.quizzes"), 303)


@bp.route("/quizzes/<quiz_id>/settings", methods=["GET", "POST"])
@requires_role(Role.TRAINER)
def quiz_settings(quiz_id: str) -> ResponseReturnValue:
    """Edit the pass mark, attempts, grading method and whether the quiz is required."""
    cq = course_quiz(db.session, g.context.id, catalogue.quiz(quiz_id))
    form = QuizSettingsForm(
        data={
            "pass_mark": round(cq.settings.pass_mark * 100),
            "attempts_allowed": cq.settings.attempts_allowed,
            "grading_method": cq.settings.grading_method,
            "is_required": cq.is_required,
        }
        if request.method == "GET"
        else None
    )
    problem = None
    if form.validate_on_submit():
        try:
            save_quiz_settings(
                db.session,
                g.context,
                cq.quiz,
                pass_mark=form.pass_mark.data / 100,
                attempts_allowed=form.attempts_allowed.data,
                grading_method=form.grading_method.data,
                is_required=form.is_required.data,
            )
        except SettingsProblem as error:
            problem = str(error)
        else:
            flash(f"Saved the settings for {cq.quiz.title.for_audience('secondary')}.", "ok")
            return redirect(url_for("trainer.quizzes"), 303)
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "trainer/quiz_settings.html",
        course_quiz=cq,
        form=form,
        problem=problem,
        reachable=highest_reachable_pass_mark(cq.quiz),
        grading_names=GRADING_NAMES,
    )
    return page, status


@bp.get("/quizzes/<quiz_id>/preview")
@requires_role(Role.TRAINER)
def quiz_preview(quiz_id: str) -> ResponseReturnValue:
    """Every branch of a quiz with each choice's feedback, points and where it leads."""
    quiz = catalogue.quiz(quiz_id)
    audience = request.args.get("audience") or quiz.audiences[0]
    if audience not in quiz.audiences:
        raise NotFound(f"quiz {quiz_id!r} has no {audience!r} wording")
    return render_template(
        "trainer/quiz_preview.html",
        quiz=quiz,
        audience=audience,
        audience_names=AUDIENCE_NAMES,
        quiz_map=quiz_map(quiz, cast(Audience, audience)),
    )


@bp.get("/quizzes/<quiz_id>/attempts")
@requires_role(Role.TRAINER)
def quiz_attempts(quiz_id: str) -> ResponseReturnValue:
    """Everyone's attempts at a quiz in this course, with a reset link, and past resets."""
    quiz = catalogue.quiz(quiz_id)
    return render_template(
        "trainer/quiz_attempts.html",
        quiz=quiz,
        learners=attempt_resets.attempts_by_learner(db.session, g.context, quiz_id),
        history=attempt_resets.history(db.session, g.context, quiz_id),
    )


@bp.route("/quizzes/<quiz_id>/attempts/<int:user_id>/reset", methods=["GET", "POST"])
@requires_role(Role.TRAINER)
def reset_attempts(quiz_id: str, user_id: int) -> ResponseReturnValue:
    """Confirm, then reset a learner's chosen attempts (with a reason; CSRF-checked)."""
    quiz = catalogue.quiz(quiz_id)
    entry = attempt_resets.learner_attempts(db.session, g.context, quiz_id, user_id)
    problem = None
    chosen = {a.id for a in entry.attempts}
    reason = ""
    if request.method == "POST":  # Flask-WTF's CSRFProtect has checked the token already
        chosen = {int(i) for i in request.form.getlist("attempt") if i.isdigit()}
        reason = request.form.get("reason", "")
        try:
            done = attempt_resets.reset_attempts(
                db.session, g.context, g.user, quiz_id, user_id, sorted(chosen), reason
            )
        except attempt_resets.ResetProblem as error:
            problem = str(error)
        else:
            count = len(done.record.attempts)
            grade = ("The gradebook will get the grade worked out again from the attempts left."
                     if done.regraded else "The grade is being cleared in the gradebook."
                     if done.cleared else "There was no grade to change.")
            flash(f"Reset {count} attempt{'s' if count != 1 else ''}; "
                  f"{done.record.voided_statements} learning records withdrawn. {grade} "
                  "The learner can start the quiz again.", "ok")
            return redirect(url_for("trainer.quiz_attempts", quiz_id=quiz_id), 303)
    page = render_template(
        "trainer/quiz_reset.html", quiz=quiz, entry=entry, chosen=chosen, reason=reason,
        problem=problem, max_reason=attempt_resets.MAX_REASON,
    )
    return page, 400 if problem else 200
