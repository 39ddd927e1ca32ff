"""Hostile input: random YAML into the content loader, random and malformed bodies into the
progress endpoint. Always a ContentError or a clean 4xx, never a crash, never a changed record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.content import ContentError
from lti_tool.content import load
from lti_tool.extensions import db
from lti_tool.models import CheckpointAnswer
from lti_tool.models import ModuleProgress
from lti_tool.models import VideoEvent
from modules import catalogue
from tests.support.platform import TestPlatform

MODULE = "secondary-listening-well"
SHIPPED = catalogue.PACKAGE_DIR / "content" / MODULE / "module.yaml"
FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def shipped_module() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES)
@given(text=st.text(max_size=400))
@example(text="\x1f")  # a control character: PyYAML's ReaderError once escaped as a crash
@example(text="id: [unclosed")
def test_random_text_as_a_module_file_is_refused_with_a_content_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / MODULE / "module.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    try:
        load(path, catalogue.MODULE_SCHEMA, catalogue.module_parser(path))
    except ContentError as error:
        assert str(path) in str(error)


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES)
@given(key=st.sampled_from(sorted(shipped_module())), value=json_values)
def test_a_shipped_module_with_one_field_replaced_loads_or_names_the_problem(
    tmp_path: Path, key: str, value: Any
) -> None:
    data = {**shipped_module(), key: value}
    path = tmp_path / MODULE / "module.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        load(path, catalogue.MODULE_SCHEMA, catalogue.module_parser(path))
    except ContentError as error:
        assert error.message


def launched_token(client: FlaskClient, platform: TestPlatform) -> str:
    response = platform.launch(client)
    assert response.status_code == 303
    return response.headers["Location"].split("s=", 1)[1]


def records() -> tuple[Any, ...]:
    db.session.expire_all()
    progress = db.session.scalars(select(ModuleProgress)).all()
    return (
        [(p.module_id, p.segments, p.covered_seconds, p.furthest, p.answered_checkpoints) for p in progress],
        db.session.scalar(select(func.count(VideoEvent.id))),
        db.session.scalar(select(func.count(CheckpointAnswer.id))),
    )


report_bodies = st.fixed_dictionaries(
    {"player_session": st.text(max_size=70) | scalars},
    optional={"segments": json_values | st.lists(st.lists(st.floats() | st.integers(), max_size=3), max_size=4),
              "events": json_values | st.lists(st.dictionaries(
                  st.sampled_from(["id", "type", "at", "position", "from", "to", "speed", "detail"]),
                  json_values, max_size=8), max_size=3)},
)


@settings(max_examples=120, deadline=None, suppress_health_check=FIXTURES)
@given(body=json_values | report_bodies)
def test_random_progress_reports_get_a_clean_answer(
    app: Flask, platform: TestPlatform, body: Any
) -> None:
    client = app.test_client()
    token = launched_token(client, platform)
    before = records()
    response = client.post(f"/mentor/modules/{MODULE}/progress?s={token}",
                           data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400), response.data[:300]
    assert response.is_json
    if response.status_code == 400:
        assert response.get_json()["error"] == "InvalidProgress"
        assert records() == before


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES)
@given(raw=st.binary(max_size=200), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]))
def test_malformed_bodies_are_refused_and_change_nothing(
    app: Flask, platform: TestPlatform, raw: bytes, content_type: str
) -> None:
    client = app.test_client()
    token = launched_token(client, platform)
    before = records()
    response = client.post(f"/mentor/modules/{MODULE}/progress?s={token}", data=raw,
                           content_type=content_type)
    assert 400 <= response.status_code < 500 or response.status_code == 200
    if response.status_code != 200:
        assert records() == before
