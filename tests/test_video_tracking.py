"""Tracking a learner's viewing through HTTP: merging, idempotency, completion, skip prevention."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import CheckpointAnswer
from lti_tool.models import ModuleProgress
from lti_tool.models import User
from lti_tool.models import VideoEvent
from tests.support.platform import TestPlatform

LISTENING = "secondary-listening-well"  # 86.4 s, threshold 0.9, no skip prevention
CONFIDENTIALITY = "secondary-confidentiality"  # 93.6 s, 0.95, prevents skipping, checkpoints required
AT = "2026-03-02T10:00:00Z"


def launch_token(client: FlaskClient, platform: TestPlatform, role: str = "Learner", **claims: Any) -> str:
    response = platform.launch(client, role=role, **claims)
    assert response.status_code == 303
    return response.headers["Location"].split("s=", 1)[1]


def post(client: FlaskClient, token: str | None, module: str, body: Any, **kwargs: Any) -> Any:
    query = f"?s={token}" if token else ""
    return client.post(f"/mentor/modules/{module}/progress{query}", json=body, **kwargs)


def report(segments: list[list[float]], events: list[dict[str, Any]] | None = None,
           session: str = "player-1") -> dict[str, Any]:
    return {"player_session": session, "segments": segments, "events": events or []}


def event(event_id: str, kind: str = "paused", position: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "at": AT, "position": position, **extra}


def stored(module: str = LISTENING) -> ModuleProgress:
    db.session.expire_all()
    return db.session.scalars(select(ModuleProgress).filter_by(module_id=module)).one()


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def token(client: FlaskClient, platform: TestPlatform) -> str:
    return launch_token(client, platform)


def test_overlapping_out_of_order_and_repeated_segments_merge(client: FlaskClient, token: str) -> None:
    assert post(client, token, LISTENING, report([[30, 40], [0, 10]])).status_code == 200
    post(client, token, LISTENING, report([[5, 20], [35, 50], [0, 10]]))
    response = post(client, token, LISTENING, report([[60, 55], [20, 21]]))  # a seek back adds nothing
    assert response.json["seconds"] == pytest.approx(41.0)
    assert stored().segments == [[0.0, 21.0], [30.0, 50.0]]
    assert stored().covered_seconds == pytest.approx(41.0)
    assert stored().share == pytest.approx(41.0 / 86.4)


def test_replayed_event_ids_change_nothing(client: FlaskClient, token: str) -> None:
    body = report([[0, 30]], [event("e1", "played", 0.0), event("e2", "paused", 30.0, speed=1.5)])
    first = post(client, token, LISTENING, body)
    later = report([[30, 40]], [event("e3", "paused", 40.0)])
    post(client, token, LISTENING, later)
    replay = post(client, token, LISTENING, body)
    assert first.status_code == replay.status_code == 200
    assert count(VideoEvent) == 3
    row = stored()
    assert row.last_position == 40.0  # the replay's older position did not win
    assert row.playback_speed == 1.5
    assert row.segments == [[0.0, 40.0]]


def test_same_event_ids_in_another_player_session_are_new_events(client: FlaskClient, token: str) -> None:
    post(client, token, LISTENING, report([], [event("e1")], session="tab-a"))
    post(client, token, LISTENING, report([], [event("e1")], session="tab-b"))
    assert count(VideoEvent) == 2


def test_completion_at_the_threshold_and_not_before(client: FlaskClient, token: str) -> None:
    just_under = 86.4 * 0.9 - 0.5
    response = post(client, token, LISTENING, report([[0, just_under]]))
    assert response.json["complete"] is False
    assert stored().completed_at is None
    response = post(client, token, LISTENING, report([[just_under - 1, 86.4 * 0.9]]))
    assert response.json["complete"] is True
    assert stored().completed_at is not None


def test_required_checkpoints_are_needed_to_complete(client: FlaskClient, token: str) -> None:
    response = post(client, token, CONFIDENTIALITY, report([[0, 93.6]]))
    assert response.json["share"] == 1.0 and response.json["complete"] is False
    answer = client.post(f"/mentor/modules/{CONFIDENTIALITY}/checkpoints/promise-not-to-tell?s={token}",
                         json={"choice": "promise"})
    assert answer.status_code == 200
    assert answer.json["correct"] is False and answer.json["feedback"]
    assert answer.json["status"]["complete"] is False
    answer = client.post(f"/mentor/modules/{CONFIDENTIALITY}/checkpoints/who-to-tell?s={token}",
                         json={"choice": "staff"})
    assert answer.json["correct"] is True
    assert answer.json["status"]["complete"] is True
    row = stored(CONFIDENTIALITY)
    assert row.completed_at is not None
    assert row.answered_checkpoints == ["promise-not-to-tell", "who-to-tell"]
    assert count(CheckpointAnswer) == 2


def checkpoint_statements() -> int:
    from lti_tool.models import StoredStatement

    rows = db.session.scalars(select(StoredStatement))
    return sum("/checkpoints/" in row.data["object"]["id"] for row in rows)


def test_a_checkpoint_answer_posted_twice_or_replayed_is_stored_once(
    client: FlaskClient, token: str
) -> None:
    page = client.get(f"/mentor/modules/{CONFIDENTIALITY}?s={token}").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    csrf = found.group(1)
    url = f"/mentor/modules/{CONFIDENTIALITY}/checkpoints/promise-not-to-tell?s={token}"
    form = {"csrf_token": csrf, "choice": "promise"}
    first, again = client.post(url, data=form), client.post(url, data=form)  # a double submit
    assert first.status_code == again.status_code == 303
    replayed = client.post(url, json={"choice": "promise"})  # the player sends it once more
    assert replayed.status_code == 200 and replayed.json["correct"] is False
    assert replayed.json["feedback"]  # acknowledged with the same feedback
    db.session.expire_all()
    assert count(CheckpointAnswer) == 1 and checkpoint_statements() == 1
    assert stored(CONFIDENTIALITY).answered_checkpoints == ["promise-not-to-tell"]


def test_a_changed_checkpoint_answer_is_kept_and_the_latest_counts(
    client: FlaskClient, token: str
) -> None:
    url = f"/mentor/modules/{CONFIDENTIALITY}/checkpoints/promise-not-to-tell?s={token}"
    for choice in ("promise", "promise", "cannot-promise", "cannot-promise"):
        assert client.post(url, json={"choice": choice}).status_code == 200
    db.session.expire_all()
    answers = db.session.scalars(select(CheckpointAnswer).order_by(CheckpointAnswer.id)).all()
    assert [a.choice_id for a in answers] == ["promise", "cannot-promise"]
    assert checkpoint_statements() == 2


def test_module_page_never_tells_the_browser_which_answer_is_right(client: FlaskClient, token: str) -> None:
    page = client.get(f"/mentor/modules/{CONFIDENTIALITY}?s={token}").get_data(as_text=True)
    assert "correct" not in page.lower()
    assert "They may not try again" not in page  # feedback only comes after answering


def test_unknown_checkpoint_choice_is_refused_and_nothing_is_stored(client: FlaskClient, token: str) -> None:
    response = client.post(f"/mentor/modules/{CONFIDENTIALITY}/checkpoints/who-to-tell?s={token}",
                           json={"choice": "nobody"})
    assert response.status_code == 400
    assert count(CheckpointAnswer) == 0


def test_skipping_ahead_does_not_count_when_the_module_prevents_it(client: FlaskClient, token: str) -> None:
    post(client, token, CONFIDENTIALITY, report([[0, 20]]))
    response = post(client, token, CONFIDENTIALITY, report([[60, 93.6], [20.5, 30]]))
    assert response.json["seconds"] == pytest.approx(29.5)  # the jump to 60 s counts for nothing
    assert stored(CONFIDENTIALITY).segments == [[0.0, 20.0], [20.5, 30.0]]
    assert stored(CONFIDENTIALITY).furthest == pytest.approx(30.0)


def test_skipping_ahead_counts_when_the_module_allows_it(client: FlaskClient, token: str) -> None:
    response = post(client, token, LISTENING, report([[0, 20], [60, 80]]))
    assert response.json["seconds"] == pytest.approx(40.0)


def test_resume_position_comes_from_the_server(client: FlaskClient, platform: TestPlatform, token: str) -> None:
    post(client, token, LISTENING, report([[0, 42]], [event("e1", "paused", 42.0)]))
    other_device = client.application.test_client()
    new_token = launch_token(other_device, platform)
    page = other_device.get(f"/mentor/modules/{LISTENING}?s={new_token}").get_data(as_text=True)
    assert 'data-resume="42.0"' in page
    assert "You stopped at 0:42" in page


def test_resume_is_capped_at_the_furthest_point_when_skipping_is_prevented(
    client: FlaskClient, token: str
) -> None:
    post(client, token, CONFIDENTIALITY, report([[0, 20]], [event("e1", "seeked", 70.0, **{"from": 20, "to": 70})]))
    page = client.get(f"/mentor/modules/{CONFIDENTIALITY}?s={token}").get_data(as_text=True)
    assert 'data-resume="20.0"' in page


@pytest.mark.parametrize("bad_token", ["forged.token.value", None])
def test_posts_with_a_forged_or_absent_session_token_are_refused_and_store_nothing(
    client: FlaskClient, token: str, bad_token: str | None
) -> None:
    # The test client still holds the session cookie: a cookie alone must not be enough.
    response = post(client, bad_token, LISTENING, report([[0, 50]], [event("e1")]),
                    headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert count(ModuleProgress) == 0 and count(VideoEvent) == 0


def test_an_expired_session_token_is_refused(client: FlaskClient, platform: TestPlatform, token: str) -> None:
    app = client.application
    app.config["SESSION_LIFETIME_SECONDS"] = -1  # every token is now older than the lifetime
    assert post(client, token, LISTENING, report([[0, 50]])).status_code == 401
    assert count(ModuleProgress) == 0


def test_a_body_naming_another_user_changes_only_the_launched_users_progress(
    client: FlaskClient, platform: TestPlatform, token: str
) -> None:
    other = client.application.test_client()
    launch_token(other, platform, sub="someone-else")
    victim = db.session.scalars(select(User).filter_by(sub="someone-else")).one()
    body = {**report([[0, 50]]), "user_id": victim.id, "user": victim.id, "sub": "someone-else"}
    assert post(client, token, LISTENING, body).status_code == 200
    rows = db.session.scalars(select(ModuleProgress)).all()
    assert len(rows) == 1
    assert rows[0].user_id != victim.id


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "JSON object"),
        ({"segments": [[0, 1]]}, "player_session"),
        (report("nope"), "list of [start, end]"),  # type: ignore[arg-type]
        (report([[0, "ten"]]), "finite numbers"),
        (report([[0, 1, 2]]), "pair"),
        (report([], [{"id": "e1", "type": "exploded", "at": AT}]), "type must be one of"),
        (report([], [{"id": "e1", "type": "played", "at": "yesterday"}]), "ISO 8601"),
        (report([], [{"id": "e1", "type": "played", "at": "2026-03-02T10:00:00"}]), "time zone"),
        (report([], [event("e1", speed=40)]), "speed"),
        (report([], [event("bad id!")]), "events[0].id"),
        (report([[0, 10]], [event("e1"), "x"]), "events[1] must be an object"),
    ],
)
def test_malformed_reports_are_refused_with_a_clear_message_and_change_nothing(
    client: FlaskClient, token: str, body: Any, message: str
) -> None:
    response = post(client, token, LISTENING, body)
    assert response.status_code == 400
    assert message in response.json["detail"]
    assert count(ModuleProgress) == 0 and count(VideoEvent) == 0


def test_a_body_that_is_not_json_is_refused(client: FlaskClient, token: str) -> None:
    response = client.post(f"/mentor/modules/{LISTENING}/progress?s={token}", data=b"{nope",
                           content_type="text/plain", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert count(ModuleProgress) == 0


def test_a_beacon_post_as_text_plain_is_recorded(client: FlaskClient, token: str) -> None:
    import json

    body = json.dumps(report([[0, 12]], [event(uuid.uuid4().hex, "terminated", 12.0)]))
    response = client.post(f"/mentor/modules/{LISTENING}/progress?s={token}", data=body,
                           content_type="text/plain;charset=UTF-8")
    assert response.status_code == 200
    assert stored().segments == [[0.0, 12.0]]
    assert db.session.scalars(select(VideoEvent)).one().type == "terminated"


def test_a_trainer_cannot_post_mentor_progress(client: FlaskClient, platform: TestPlatform) -> None:
    token = launch_token(client, platform, role="Instructor")
    assert post(client, token, LISTENING, report([[0, 50]])).status_code == 403
    assert count(ModuleProgress) == 0


def test_progress_for_an_unknown_module_is_404(client: FlaskClient, token: str) -> None:
    assert post(client, token, "no-such-module", report([[0, 5]])).status_code == 404
    assert count(ModuleProgress) == 0


def test_player_events_become_valid_video_profile_statements(client: FlaskClient, token: str) -> None:
    from ralph.models.xapi.base.statements import BaseXapiStatement

    from lti_tool.models import StoredStatement

    events = [
        event("e1", "initialized", 0.0, detail={"lang": "en"}),
        event("e2", "played", 0.0),
        event("e3", "seeked", 20.0, **{"from": 10.0, "to": 20.0}),
        event("e4", "paused", 80.0),
        event("e5", "ratechange", 80.0, speed=1.5),  # kept for analytics, no statement
    ]
    assert post(client, token, LISTENING, report([[0, 86.4]], events)).status_code == 200
    # The same report again: nothing new, so no new statement either.
    post(client, token, LISTENING, report([[0, 86.4]], events))
    rows = db.session.scalars(select(StoredStatement).order_by(StoredStatement.timestamp)).all()
    video_rows = [row for row in rows if "/videos/" in row.data["object"]["id"]]
    verbs = [row.verb.rsplit("/", 1)[-1] for row in video_rows]
    # Each new event once (the replayed report added none), and completion when it was reached.
    assert sorted(verbs) == ["completed", "initialized", "paused", "played", "seeked"]
    for row in video_rows:
        BaseXapiStatement(**row.data)
        assert "name" not in row.data["actor"] and "mbox" not in row.data["actor"]
    paused = next(row.data for row in video_rows if row.verb.endswith("paused"))
    assert paused["result"]["extensions"][
        "https://w3id.org/xapi/video/extensions/played-segments"
    ] == "0[.]86.4"


def test_checkpoint_answers_become_answered_statements(client: FlaskClient, token: str) -> None:
    from ralph.models.xapi.base.statements import BaseXapiStatement

    from lti_tool.models import StoredStatement

    client.post(f"/mentor/modules/{CONFIDENTIALITY}/checkpoints/promise-not-to-tell?s={token}",
                json={"choice": "promise"})
    rows = [
        row for row in db.session.scalars(select(StoredStatement))
        if "/checkpoints/" in row.data["object"]["id"]
    ]
    assert len(rows) == 1
    data = rows[0].data
    BaseXapiStatement(**data)
    assert data["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert data["result"]["response"] == "promise" and data["result"]["success"] is False
    assert data["object"]["definition"]["interactionType"] == "choice"
    parents = data["context"]["contextActivities"]["parent"]
    assert parents[0]["id"].endswith(f"/xapi/modules/{CONFIDENTIALITY}")
