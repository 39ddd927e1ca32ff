"""The trainer dashboard: who sees what, the roster (with NRPS), filters, numbers, CSV, cache, seed."""

from __future__ import annotations

import csv
import html
import io
import random
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.analytics.paths import build_path_tree
from lti_tool.analytics.quiz_stats import AttemptScores
from lti_tool.analytics.quiz_stats import ItemResult
from lti_tool.analytics.quiz_stats import analyse_quiz
from lti_tool.extensions import db
from lti_tool.models import AuditEntry
from lti_tool.models import Context
from lti_tool.models import QuizAttempt
from lti_tool.models import User
from lti_tool.models import VideoEvent
from lti_tool.services import attempts
from lti_tool.services import catalogue
from lti_tool.services import certification
from lti_tool.services import dashboard
from lti_tool.services import dashboard_cache
from lti_tool.services import keys
from lti_tool.services import programmes
from lti_tool.services import progress
from lti_tool.store import get_store
from quizzes import engine
from quizzes.attempt import AttemptState
from tests.analytics.test_nrps_roster import MEMBERS_PATH
from tests.analytics.test_nrps_roster import TOKEN_PATH
from tests.analytics.test_nrps_roster import MoodleNrps
from tests.analytics.test_nrps_roster import registered
from tests.support.http_server import FakeServer
from tests.support.platform import TestPlatform
from tests.support.training import complete_module
from tests.test_video_tracking import launch_token

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
QUIZ = "confidentiality"
MODULE = "secondary-listening-well"
PUPILS = {"pupil-a": "Ada Able", "pupil-b": "Bo Best", "pupil-c": "Cy Calm"}


def launch(client: FlaskClient, platform: TestPlatform, sub: str, name: str = "", role: str = "Learner",
           course: str = "course-1", **claims: Any) -> str:
    context = {"id": course, "label": course.upper(), "title": f"Peer mentors {course}"}
    return launch_token(client, platform, role=role, sub=sub, name=name or sub, context=context, **claims)


def user(sub: str) -> User:
    return db.session.scalars(select(User).filter_by(sub=sub)).one()


def course(lti_id: str = "course-1") -> Context:
    return db.session.scalars(select(Context).filter_by(lti_context_id=lti_id)).one()


def take_quiz(sub: str, skill: float, rng: random.Random) -> None:
    """One attempt through the real service and engine; right with probability ``skill``."""
    who, where = user(sub), course()
    quiz = catalogue.quiz(QUIZ)
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    attempt = attempts.start_or_resume(db.session, who, where, QUIZ, "secondary", now)
    while (step := attempts.current_step(db.session, attempt)[1]) is not None:
        from lti_tool.services.seed import _respond  # the seed's simulated mentor

        response = _respond(quiz, step, skill, rng)
        now += timedelta(seconds=30)
        attempts.record_answer(db.session, attempt.id, who, where, step.key, response, now)


def watch(sub: str, segments: list[list[float]]) -> None:
    module = programmes.module(MODULE)
    events = [{"id": f"e{i}", "type": kind, "at": "2026-03-01T10:00:00Z", "position": pos}
              for i, (kind, pos) in enumerate(
                  (k, p) for a, b in segments for k, p in (("played", a), ("paused", b)))]
    report = progress.parse_report({"player_session": f"ps-{len(segments)}", "segments": segments,
                                    "events": events})
    progress.record_report(db.session, user(sub).id, course().id, module, report)


@pytest.fixture
def pupils(client: FlaskClient, platform: TestPlatform) -> dict[str, str]:
    """Three launched pupils: two with quiz attempts and viewing, one who did nothing."""
    tokens = {sub: launch(client, platform, sub, name) for sub, name in PUPILS.items()}
    rng = random.Random(4)
    for _ in range(2):
        take_quiz("pupil-a", 0.9, rng)
    take_quiz("pupil-b", 0.3, rng)
    watch("pupil-a", [[0, 86]])
    watch("pupil-b", [[0, 30], [20, 40]])
    dashboard.analysis_cache.clear()
    return tokens


@pytest.fixture
def trainer(client: FlaskClient, platform: TestPlatform, pupils: dict[str, str]) -> str:
    return launch(client, platform, "teacher-1", "Ms Lead", role="Instructor")


def get(client: FlaskClient, token: str, path: str) -> Any:
    return client.get(f"{path}{'&' if '?' in path else '?'}s={token}")


def rows_of(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# --- access -------------------------------------------------------------------------------------

PAGES = ["/trainer/dashboard", "/trainer/dashboard/roster.csv", "/trainer/dashboard/modules.csv",
         f"/trainer/dashboard/quizzes/{QUIZ}", f"/trainer/dashboard/quizzes/{QUIZ}/items.csv",
         f"/trainer/dashboard/videos/{MODULE}", f"/trainer/dashboard/videos/{MODULE}/dropoff.csv",
         "/trainer/dashboard/summary", "/trainer/dashboard/school"]


@pytest.mark.parametrize("path", PAGES)
def test_a_learner_gets_403_on_every_dashboard_page(client: FlaskClient, pupils: dict[str, str], path: str) -> None:
    response = get(client, pupils["pupil-a"], path)
    assert response.status_code == 403
    assert "Ada Able" not in response.get_data(as_text=True)


@pytest.mark.parametrize("other", ["course", "platform"])
def test_a_trainer_elsewhere_sees_none_of_this_courses_pupils(
    client: FlaskClient, platform: TestPlatform, pupils: dict[str, str], other: str
) -> None:
    if other == "course":
        token = launch(client, platform, "teacher-2", role="Instructor", course="course-2")
    else:  # another school with the same course id
        elsewhere = TestPlatform(issuer="https://other.school.test", client_id="other")
        elsewhere.register()
        token = launch(client, elsewhere, "teacher-1", role="Instructor")
    for path in PAGES[:-1]:
        response = get(client, token, path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert not any(name in page for name in PUPILS.values()), path
    assert "from 0 finished attempts" in get(client, token, f"/trainer/dashboard/quizzes/{QUIZ}").get_data(as_text=True)
    assert rows_of(get(client, token, "/trainer/dashboard/roster.csv"))[1:] == []
    assert get(client, token, "/trainer/dashboard/school").status_code == 403  # not a school admin


# --- roster -------------------------------------------------------------------------------------


def test_without_nrps_the_roster_lists_known_learners_with_a_notice(client: FlaskClient, trainer: str) -> None:
    page = get(client, trainer, "/trainer/dashboard").get_data(as_text=True)
    assert "didn&#39;t offer its class list" in page
    assert all(name in page for name in PUPILS.values()) and "Ms Lead" not in page
    table = {row[0]: row for row in rows_of(get(client, trainer, "/trainer/dashboard/roster.csv"))}
    assert table["Cy Calm"][2] == "Not started"
    assert table["Ada Able"][2] == "In progress" and table["Ada Able"][3] == "1 of 6"


class Membership(MoodleNrps):
    """The analytics tests' Moodle NRPS, serving this course's members on one page."""

    people: list[dict[str, Any]] = []

    def members(self, request: Any) -> Any:
        import json

        from werkzeug.wrappers import Response

        if request.headers.get("Authorization") != "Bearer moodle-access-token-1":
            return Response("{}", 401)
        body = {"id": self.members_url, "members": self.people}
        return Response(json.dumps(body), mimetype="application/vnd.ims.lti-nrps.v2.membershipcontainer+json")


@pytest.fixture
def nrps(app: Flask, platform: TestPlatform, fake_server: FakeServer, pupils: dict[str, str]) -> Membership:
    row = registered(platform)
    row.auth_token_url = fake_server.base_url + TOKEN_PATH
    db.session.commit()
    server = Membership(fake_server, platform.client_id, keys.jwks(db.session))
    server.people = [
        {"user_id": "pupil-a", "name": "Ada Able", "roles": ["Learner"]},
        {"user_id": "pupil-d", "name": "Dee Never", "roles": ["Learner"]},  # never launched
        {"user_id": "teacher-1", "name": "Ms Lead", "roles": ["Instructor"]},
    ]
    server.install()
    return server


def test_nrps_roster_shows_pupils_who_never_launched_as_not_started(
    client: FlaskClient, platform: TestPlatform, nrps: Membership
) -> None:
    claim = {NRPS_CLAIM: {"context_memberships_url": nrps.members_url, "service_versions": ["2.0"]}}
    token = launch(client, platform, "teacher-1", role="Instructor", **claim)
    page = get(client, token, "/trainer/dashboard").get_data(as_text=True)
    assert "Class list from your platform" in page and "didn" not in page
    table = {row[0]: row for row in rows_of(get(client, token, "/trainer/dashboard/roster.csv"))}
    assert table["Dee Never"][2] == "Not started" and table["Dee Never"][-1] == ""
    assert "Ms Lead" not in table
    assert "Bo Best" in table  # launched, no longer on the list: still shown
    assert nrps.server.hits(MEMBERS_PATH) == 1


def test_when_nrps_fails_the_known_learners_are_shown_with_a_notice(
    client: FlaskClient, platform: TestPlatform, nrps: Membership
) -> None:
    from werkzeug.wrappers import Response

    nrps.server.route("GET", MEMBERS_PATH, lambda _: Response("down", 500))
    claim = {NRPS_CLAIM: {"context_memberships_url": nrps.members_url, "service_versions": ["2.0"]}}
    token = launch(client, platform, "teacher-1", role="Instructor", **claim)
    response = get(client, token, "/trainer/dashboard")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "class list couldn&#39;t be fetched" in page and "Dee Never" not in page and "Cy Calm" in page


def test_filters_and_sorting_work_through_query_parameters(client: FlaskClient, trainer: str) -> None:
    names = lambda query: [r[0] for r in rows_of(get(client, trainer, f"/trainer/dashboard/roster.csv?{query}"))[1:]]  # noqa: E731
    assert names("") == ["Ada Able", "Bo Best", "Cy Calm"]
    assert names("sort=name&order=desc") == ["Cy Calm", "Bo Best", "Ada Able"]
    assert names("status=not-started") == ["Cy Calm"]
    assert names("sort=progress&order=desc")[0] == "Ada Able"
    assert names("active_since=2999-01-01") == []
    page = get(client, trainer, "/trainer/dashboard?sort=activity&order=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in page


# --- numbers ------------------------------------------------------------------------------------


def expected_report(selection: str) -> Any:
    """analyse_quiz on the attempts as the engine's stored states record them (independently)."""
    quiz = catalogue.quiz(QUIZ)
    maxima = {f"{s.id}/{c.id}": float(c.best_points) for s in quiz.scenarios for c in s.scenes}
    maxima.update({q.id: float(q.points) for q in quiz.questions})
    scores = []
    for attempt in db.session.scalars(select(QuizAttempt).filter_by(status="finished")):
        state = AttemptState.from_json(attempt.state)
        items: dict[str, ItemResult] = {}
        for d in state.decisions:
            key = f"{d.activity}/{d.scene}" if d.scene else d.activity
            items.setdefault(key, ItemResult(d.points, maxima[key], tuple(d.response), d.correct))
        result = engine.result(quiz, state)
        scores.append(AttemptScores(str(attempt.user_id), attempt.number, attempt.finished_at,
                                    result.score, result.max_score, items))
    return analyse_quiz(scores, selection)  # type: ignore[arg-type]


@pytest.mark.parametrize("selection", ["first", "all"])
def test_quiz_page_numbers_match_the_analytics_package(client: FlaskClient, trainer: str, selection: str) -> None:
    expected = expected_report(selection)
    table = dict(rows_of(get(client, trainer, f"/trainer/dashboard/quizzes/{QUIZ}/quiz.csv?selection={selection}"))[1:])
    assert table["Attempts analysed"] == str(expected.quiz.attempts)
    assert table["Mean (%)"] == f"{expected.quiz.mean_percent:.1f}"
    assert table["Median (%)"] == f"{expected.quiz.median_percent:.1f}"
    items = rows_of(get(client, trainer, f"/trainer/dashboard/quizzes/{QUIZ}/items.csv?selection={selection}"))
    assert items[0][:3] == ["Item", "Attempts", "Facility index (%)"]
    assert [(r[1], r[2]) for r in items[1:]] == [
        (str(i.attempts), "" if i.facility is None else f"{i.facility:.1f}") for i in expected.items
    ]
    page = get(client, trainer, f"/trainer/dashboard/quizzes/{QUIZ}?selection={selection}").get_data(as_text=True)
    assert f"{expected.quiz.mean_percent:.1f}%" in page
    assert "<title id=\"facility-chart-title\">" in page and "<desc id=\"facility-chart-desc\">" in page


def test_video_page_matches_progress_and_events(client: FlaskClient, trainer: str) -> None:
    page = get(client, trainer, f"/trainer/dashboard/videos/{MODULE}").get_data(as_text=True)
    assert "Viewers</dt><dd>2</dd>" in page.replace("\n", "")
    rows = rows_of(get(client, trainer, f"/trainer/dashboard/videos/{MODULE}/dropoff.csv"))
    assert rows[0] == ["From (s)", "To (s)", "Share watching (%)"]
    assert rows[1] == ["0", "1", "100.0"] and rows[50] == ["49", "50", "50.0"]


def test_raw_segments_pair_play_with_pause_seek_and_end() -> None:
    events = [(1, "s", "played", 0.0, None, None), (1, "s", "seeked", 20.0, 20.0, 10.0),
              (1, "s", "paused", 30.0, None, None), (1, "t", "played", 5.0, None, None),
              (1, "t", "ended", 8.0, None, None), (2, "u", "paused", 4.0, None, None)]
    assert dashboard.raw_segments(events) == [[(0.0, 20.0), (10.0, 30.0), (5.0, 8.0)]]


def test_csv_downloads_are_named_and_parse(client: FlaskClient, trainer: str) -> None:
    response = get(client, trainer, "/trainer/dashboard/modules.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="COURSE-1-modules.csv"'
    rows = rows_of(response)
    assert rows[0][0] == "Module" and len(rows) == 7
    listening = next(r for r in rows if r[0] == "Listening well")
    assert listening[1:5] == ["3", "2", "1", "33"]


def test_statistics_are_cached_and_a_new_attempt_is_counted_at_once(client: FlaskClient, trainer: str) -> None:
    url = f"/trainer/dashboard/quizzes/{QUIZ}?selection=all"
    assert "from 3 finished attempts" in get(client, trainer, url).get_data(as_text=True)
    hits = dashboard.analysis_cache.hits
    get(client, trainer, url)
    assert dashboard.analysis_cache.hits == hits + 1
    take_quiz("pupil-c", 0.5, random.Random(9))
    assert "from 4 finished attempts" in get(client, trainer, url).get_data(as_text=True)


def test_printable_summary_names_no_pupil(client: FlaskClient, trainer: str) -> None:
    page = get(client, trainer, "/trainer/dashboard/summary").get_data(as_text=True)
    assert "3 learners" in page and not any(name in page for name in PUPILS.values())


def test_school_rollup_is_for_school_admins(client: FlaskClient, platform: TestPlatform, pupils: dict[str, str]) -> None:
    token = launch(client, platform, "admin-1", role="Administrator")
    rows = rows_of(get(client, token, "/trainer/dashboard/school.csv"))
    assert rows[0] == ["Course", "Learners", "Started", "Certified", "Video completion (%)"]
    assert rows[1][:4] == ["Peer mentors course-1", "3", "2", "0"]
    assert rows[-1][0] == "All courses"


# --- seed ---------------------------------------------------------------------------------------


def test_seed_command_fills_the_demo_course(make_app: Any, app: Flask) -> None:
    demo_app = make_app(DEMO_PLATFORM=True, ENVIRONMENT="development")
    with demo_app.app_context():  # the CLI uses the app whose context is current
        result = demo_app.test_cli_runner().invoke(args=[
            "seed", "demo-course", "--learners", "25", "--seed", "3", "--base-url", "http://tool.test",
        ])
        assert result.exit_code == 0, result.output
        assert "Added 25 mentors to 'Peer Mentor Training (demo)'" in result.output
        demo = db.session.scalars(select(Context).filter_by(lti_context_id="demo-course")).one()
        assert db.session.scalar(select(func.count(QuizAttempt.id)).filter_by(context_id=demo.id)) > 20
        assert db.session.scalar(select(func.count(VideoEvent.id)).filter_by(context_id=demo.id)) > 100
        found = dashboard.roster(db.session, demo, datetime.now(UTC))
        assert 0 < found.total <= 25 and "in-progress" in {r.status for r in found.rows}
        db.session.remove()


def _everyone_table(page: str) -> dict[str, str]:
    """Mentor name -> "Where they are" from the certification page's "Everyone" table."""
    table = page.split("Every mentor in the course and where they stand", 1)[1].split("</table>", 1)[0]
    cells = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    return {row[0]: row[-1] for row in cells if row}


def test_certification_overview_lists_every_mentor_from_the_class_list_and_launches(
    client: FlaskClient, platform: TestPlatform, nrps: Membership
) -> None:
    """Dee never launched (only on the NRPS list), Cy launched and did nothing, Bo watched a bit,
    Ada completed a module and passed a quiz, Eve was certified 340 days ago; the trainer is not
    a mentor. Sign-off and practice are off, so the programme asks for 9 things."""
    launch(client, platform, "pupil-e", "Eve Early")
    programme = programmes.programme("becoming-a-peer-mentor-secondary")
    then = datetime.now(UTC) - timedelta(days=340)
    school = user("pupil-e").platform
    school.settings = {**(school.settings or {}), certification.SIGNOFF_REQUIRED: False,
                       certification.PRACTICE_REQUIRED: False}
    db.session.commit()
    certification.certify_if_eligible(
        db.session, user("pupil-e"), course(), programme,
        {m: then for m in programme.required_modules}, {q: then for q in programme.required_quizzes},
        then,
    )
    complete_module(user("pupil-a"), course(), MODULE, course().resource_links[0].id)
    claim = {NRPS_CLAIM: {"context_memberships_url": nrps.members_url, "service_versions": ["2.0"]}}
    token = launch(client, platform, "teacher-1", role="Instructor", **claim)
    page = get(client, token, "/trainer/certification").get_data(as_text=True)
    states = _everyone_table(page)
    assert set(states) == {"Ada Able", "Bo Best", "Cy Calm", "Dee Never", "Eve Early"}
    total = len(programme.required_modules) + len(programme.required_quizzes)
    assert states["Ada Able"] == f"In progress (2 of {total} done)"  # the module and a quiz
    assert states["Bo Best"] == f"In progress (0 of {total} done)"
    assert states["Cy Calm"] == states["Dee Never"] == "Not started"
    assert states["Eve Early"] == "Certified, runs out within 30 days"
    assert "Dee Never (on the class list; hasn" in page
    assert "Class list from your platform" in page


# --- privacy audit ------------------------------------------------------------------------------


def audit_rows() -> list[tuple[str, str, str, int | None, int | None]]:
    return [(e.actor_kind, e.action, e.what, e.subject_user_id, e.context_id)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_roster_page_and_download_each_leave_one_audit_entry(client: FlaskClient, trainer: str) -> None:
    get(client, trainer, "/trainer/dashboard")
    get(client, trainer, "/trainer/dashboard/roster.csv?status=not-started")
    teacher, where = user("teacher-1"), course()
    assert audit_rows() == [
        ("trainer", "view", "dashboard roster: 3 learners", None, where.id),
        ("trainer", "export", "dashboard roster (CSV): 1 learner", None, where.id),
    ]
    assert {e.actor_user_id for e in db.session.scalars(select(AuditEntry))} == {teacher.id}


def test_pages_of_course_figures_only_leave_no_audit_entry(client: FlaskClient, trainer: str) -> None:
    for path in ("/trainer/dashboard/summary", "/trainer/dashboard/modules.csv",
                 f"/trainer/dashboard/quizzes/{QUIZ}", f"/trainer/dashboard/quizzes/{QUIZ}/paths.csv",
                 f"/trainer/dashboard/videos/{MODULE}", "/trainer/dashboard/roster.csv?active_since=2999-01-01"):
        assert get(client, trainer, path).status_code == 200, path
    assert audit_rows() == []  # no learner named: nothing to log


def test_a_pupils_drill_down_from_the_roster_is_audited_with_the_pupil(client: FlaskClient, trainer: str) -> None:
    page = get(client, trainer, "/trainer/dashboard").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Ada Able</a>', page)
    assert link is not None
    assert client.get(html.unescape(link.group(1))).status_code == 200
    assert audit_rows()[-1][1:4] == ("view", "certification record", user("pupil-a").id)


# --- scenario paths -----------------------------------------------------------------------------


def test_scenario_paths_from_the_answers_match_the_routes_the_engine_recorded(
    client: FlaskClient, trainer: str
) -> None:
    quiz = catalogue.quiz(QUIZ)
    recorded: dict[str, list[list[str]]] = {s.id: [] for s in quiz.scenarios}
    for attempt in db.session.scalars(select(QuizAttempt).filter_by(status="finished")):
        walked: dict[str, list[str]] = {}
        for step in AttemptState.from_json(attempt.state).path:
            scenario_id, _, scene_id = step.partition("/")
            walked.setdefault(scenario_id, []).append(scene_id)
        for scenario_id, scenes in walked.items():
            recorded[scenario_id].append(scenes)
    analysis = dashboard.quiz_analysis(db.session, course(), quiz, "all")
    assert {p.scenario_id: p.tree for p in analysis.paths} == {
        s: build_path_tree(routes) for s, routes in recorded.items()
    }
    assert all(p.tree.count == 3 for p in analysis.paths)  # three finished attempts


def test_the_roster_is_cached_and_a_change_from_another_worker_is_seen_at_once(
    make_app: Any, client: FlaskClient, trainer: str
) -> None:
    def status_of(name: str) -> str:
        rows = rows_of(get(client, trainer, "/trainer/dashboard/roster.csv"))
        return {r[0]: r[2] for r in rows}[name]

    assert status_of("Cy Calm") == "Not started"
    key = (f"dashboard:{course().id}:facts:{datetime.now(UTC):%Y%m%d%H}"
           f":{dashboard_cache.version(course().id)}")
    assert get_store().get(key) is not None  # the roster's facts are in the shared store
    db.session.commit()  # end this worker's read (on SQLite it holds the write lock)
    other = make_app()  # another worker: its own app and store object, the same database and store
    with other.app_context():
        watch("pupil-c", [[0, 40]])  # committed there: its after-commit hook bumps the version
        db.session.remove()
    assert status_of("Cy Calm") == "In progress"
