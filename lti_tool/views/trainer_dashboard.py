"""The trainer dashboard: roster, quiz statistics, video analytics, CSV downloads, print summary.

Routes join the ``trainer`` blueprint. Every figure is of the trainer's launched course only:
URLs carry no course id, so there is no other course's data to ask for. Filters and sorting are
query parameters, so the pages work without JavaScript.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import cast

from flask import Response
from flask import g
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool.access import requires_role
from lti_tool.errors import NotAllowed
from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.lti.roles import Role
from lti_tool.models import Platform
from lti_tool.models.types import utcnow
from lti_tool.services import catalogue
from lti_tool.services import dashboard
from lti_tool.services import programmes
from lti_tool.services.dashboard import Table
from lti_tool.services.privacy import audit
from lti_tool.views import charts
from lti_tool.views.trainer import bp
from modules.errors import ModuleNotFound
from modules.model import Module
from quizzes.model import AUDIENCES

_ID_SLOT = 2_147_483_647  # a user id no row has, replaced in the template


@bp.get("/dashboard")
@requires_role(Role.TRAINER)
def dashboard_home() -> ResponseReturnValue:
    """The course at a glance: learners by status, video and quiz summaries, the roster."""
    filters = _filters()
    found = _roster(filters)
    overview = _overview(found)
    _audit_roster(found, "dashboard roster", audit.VIEW)
    return render_template(
        "trainer/dashboard.html", roster=found, filters=filters, **overview,
        statuses=dashboard.STATUS_NAMES, audiences=dashboard.AUDIENCE_NAMES,
        sorts=dashboard.SORTS, query=_query(),
        # One url_for per row signs a session token each time (a third of a millisecond):
        # build the link once and put each learner's id in.
        learner_href=url_for("trainer.certification_learner", user_id=_ID_SLOT),
        id_slot=str(_ID_SLOT),
    )


@bp.get("/dashboard/roster.csv")
@requires_role(Role.TRAINER)
def dashboard_roster_csv() -> ResponseReturnValue:
    """The roster as filtered on the page, as CSV."""
    found = _roster(_filters())
    _audit_roster(found, "dashboard roster (CSV)", audit.EXPORT)
    return _csv(dashboard.roster_table(found), g.context.label or "course")


@bp.get("/dashboard/<any(status, modules, quizzes):name>.csv")
@requires_role(Role.TRAINER)
def dashboard_table_csv(name: str) -> ResponseReturnValue:
    """One of the overview's tables as CSV."""
    overview = _overview(_roster(_filters()))
    return _csv(overview["tables"][name], g.context.label or "course")


@bp.get("/dashboard/summary")
@requires_role(Role.TRAINER)
def dashboard_summary() -> ResponseReturnValue:
    """A printable one-page summary for governors or the safeguarding report."""
    found = _roster(dashboard.RosterFilters())
    return render_template(
        "trainer/dashboard_summary.html", roster=found, now=utcnow(), **_overview(found)
    )


@bp.get("/dashboard/quizzes/<quiz_id>")
@requires_role(Role.TRAINER)
def dashboard_quiz(quiz_id: str) -> ResponseReturnValue:
    """Moodle-style statistics for one quiz in this course, with paths and critical decisions."""
    analysis = _quiz_analysis(quiz_id)
    return render_template(
        "trainer/dashboard_quiz.html", analysis=analysis, tables=dashboard.quiz_tables(analysis),
        selections=dashboard.SELECTION_NAMES, facility=_facility_chart(analysis),
    )


@bp.get("/dashboard/quizzes/<quiz_id>/<any(quiz, items, options, critical, paths):name>.csv")
@requires_role(Role.TRAINER)
def dashboard_quiz_csv(quiz_id: str, name: str) -> ResponseReturnValue:
    """One of the quiz page's tables as CSV (same attempt selection as the page)."""
    return _csv(dashboard.quiz_tables(_quiz_analysis(quiz_id))[name], g.context.label or "course")


@bp.get("/dashboard/videos/<module_id>")
@requires_role(Role.TRAINER)
def dashboard_video(module_id: str) -> ResponseReturnValue:
    """A module's completion, coverage, drop-off curve and rewatched parts in this course."""
    analysis = dashboard.video_analysis(db.session, g.context, _module(module_id))
    curve = analysis.stats.dropoff
    marks = [(s.start, s.end, f"watched again {dashboard.clock(s.start)}–{dashboard.clock(s.end)}")
             for s in analysis.hot_spots]
    return render_template(
        "trainer/dashboard_video.html", analysis=analysis, tables=dashboard.video_tables(analysis),
        chart=charts.line_chart(curve.edges, curve.watched, marks), clock=dashboard.clock,
    )


@bp.get("/dashboard/videos/<module_id>/<any(dropoff, rewatched):name>.csv")
@requires_role(Role.TRAINER)
def dashboard_video_csv(module_id: str, name: str) -> ResponseReturnValue:
    """The drop-off curve or the rewatched parts as CSV."""
    analysis = dashboard.video_analysis(db.session, g.context, _module(module_id))
    return _csv(dashboard.video_tables(analysis)[name], g.context.label or "course")


@bp.get("/dashboard/school")
@requires_role(Role.TRAINER)
def dashboard_school() -> ResponseReturnValue:
    """Every course of this school (platform): learners, certified and completion. Admins only."""
    table = _school_table()
    return render_template("trainer/dashboard_school.html", table=table,
                           platform=db.session.get(Platform, g.launch.platform_id))


@bp.get("/dashboard/school.csv")
@requires_role(Role.TRAINER)
def dashboard_school_csv() -> ResponseReturnValue:
    """The school roll-up as CSV. Admins only."""
    return _csv(_school_table(), "school")


# --- helpers ----------------------------------------------------------------------------------


def _filters() -> dashboard.RosterFilters:
    args = request.args
    audience = args.get("audience", "")
    status = args.get("status", "")
    sort = args.get("sort", "name")
    return dashboard.RosterFilters(
        audience=audience if audience in AUDIENCES else "",
        status=status if status in dashboard.STATUS_NAMES else "",
        active_since=_day(args.get("active_since")),
        active_before=_day(args.get("active_before"), plus_one=True),
        sort=sort if sort in dashboard.SORTS else "name",
        descending=args.get("order") == "desc",
    )


def _day(value: str | None, *, plus_one: bool = False) -> datetime | None:
    """A ``YYYY-MM-DD`` field as midnight UTC (the day after, for an inclusive "until")."""
    try:
        day = datetime.fromisoformat(value or "").replace(tzinfo=UTC)
    except ValueError:
        return None
    return day + timedelta(days=1) if plus_one else day


def _query() -> dict[str, str]:
    """The page's filter parameters, to keep them in sort links and downloads."""
    keep = ("audience", "status", "active_since", "active_before", "sort", "order")
    return {k: v for k, v in request.args.items() if k in keep and v}


def _roster(filters: dashboard.RosterFilters) -> dashboard.Roster:
    return dashboard.roster(
        db.session, g.context, utcnow(), filters,
        platform=db.session.get(Platform, g.launch.platform_id),
        memberships=dashboard.memberships_url(g.launch.launch_id),
        refresh=request.args.get("refresh") == "1",
    )


def _audit_roster(found: dashboard.Roster, what: str, action: str) -> None:
    """One audit entry for a page or download listing learners by name (none if it lists none)."""
    if not found.rows:
        return
    shown = len(found.rows)
    audit.record_course_view(
        db.session, audit.Actor(audit.TRAINER, g.user.id),
        f"{what}: {shown} learner{'s' if shown != 1 else ''}",
        platform_id=g.launch.platform_id, context_id=g.context.id, action=action,
    )


def _overview(found: dashboard.Roster) -> dict[str, object]:
    learners = found.total
    modules = dashboard.module_summaries(db.session, g.context, found.modules, learners)
    quizzes = dashboard.quiz_summaries(db.session, g.context, found.quizzes)
    tables = {
        "status": dashboard.status_counts(found),
        "modules": dashboard.modules_table(modules),
        "quizzes": dashboard.quizzes_table(quizzes),
    }
    status_total = sum(n for _, n in tables["status"].rows) or 1
    return {
        "modules": modules,
        "quizzes": quizzes,
        "tables": tables,
        "status_chart": charts.bar_chart([
            (label, n / status_total, f"{n}") for label, n in tables["status"].rows
        ]),
        "module_chart": charts.bar_chart([
            (s.module.title, s.completion_rate, f"{100 * s.completion_rate:.0f}%") for s in modules
        ]),
        "quiz_chart": charts.bar_chart([
            (s.quiz.title.for_audience(s.quiz.audiences[0]), s.pass_rate or 0.0,
             "no results" if s.pass_rate is None else f"{100 * s.pass_rate:.0f}% passed")
            for s in quizzes
        ]),
    }


def _quiz_analysis(quiz_id: str) -> dashboard.QuizAnalysis:
    selection = request.args.get("selection", "first")
    if selection not in dashboard.SELECTIONS:
        selection = "first"
    quiz = catalogue.quiz(quiz_id)
    return dashboard.quiz_analysis(
        db.session, g.context, quiz, cast(dashboard.Selection, selection)
    )


def _facility_chart(analysis: dashboard.QuizAnalysis) -> charts.BarChart:
    return charts.bar_chart([
        (analysis.item_titles.get(i.item_id, i.item_id), (i.facility or 0.0) / 100,
         "–" if i.facility is None else f"{i.facility:.0f}%")
        for i in analysis.report.items
    ])


def _module(module_id: str) -> Module:
    try:
        return programmes.module(module_id)
    except ModuleNotFound:
        raise NotFound(f"no module {module_id!r}") from None


def _school_table() -> Table:
    if not g.launch.is_school_admin:
        raise NotAllowed("the school roll-up is for the school's admins")
    return dashboard.rollup_table(dashboard.school_rollup(db.session, g.launch.platform_id, utcnow()))


def _csv(table: Table, prefix: str) -> Response:
    """``table`` as a CSV download named after the course and the table."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in f"{prefix}-{table.name}")
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so Excel opens names with accents correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'},
    )
