"""The content catalogue and the audience rule, through the services directly."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask

from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.models import Context
from lti_tool.models import ResourceLink
from lti_tool.services import catalogue
from lti_tool.services.audience import audience_for
from lti_tool.services.audience import set_course_audience
from tests.quiz_pages.conftest import tiny_quiz_data
from tests.support.platform import TestPlatform
from tests.quiz_pages.conftest import launch


def test_shipped_quizzes_all_load_and_are_filtered_by_audience() -> None:
    shipped = catalogue.load_catalogue()
    assert not shipped.problems
    assert {"boundaries", "confidentiality", "refresher", "safeguarding-disclosures"} <= set(shipped.quizzes)
    assert [q.id for q in shipped.quizzes_for("staff")] == ["safeguarding-disclosures"]


def test_broken_and_duplicate_files_are_named_and_left_out(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(tiny_quiz_data()), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(tiny_quiz_data()), encoding="utf-8")
    (tmp_path / "c.yaml").write_text("id: [", encoding="utf-8")
    loaded = catalogue.load_catalogue(tmp_path)
    assert list(loaded.quizzes) == ["tiny"]
    assert len(loaded.problems) == 2
    assert "b.yaml" in loaded.problems[0] and "already used" in loaded.problems[0]
    assert "c.yaml" in loaded.problems[1]
    try:
        loaded.quiz("nope")
    except NotFound:
        pass
    else:
        raise AssertionError("an unknown quiz must be NotFound")


def test_catalogue_is_loaded_once_per_app(app: Flask) -> None:
    assert catalogue.get_catalogue() is catalogue.get_catalogue()


def test_audience_from_link_then_course_then_secondary(app: Flask, platform: TestPlatform) -> None:
    launch(app, platform, custom={"audience": " Primary "})
    context = db.session.scalars(db.select(Context)).one()
    link = db.session.scalars(db.select(ResourceLink)).one()
    assert audience_for(db.session, link, context) == "primary"
    assert audience_for(db.session, None, context) == "secondary"
    set_course_audience(db.session, context, "staff")
    assert audience_for(db.session, None, context) == "staff"
    link.custom = {"audience": "martians"}
    assert audience_for(db.session, link, context) == "staff"
