"""A school admin sets the school's own rules, and PeerReady follows them."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.models import User
from lti_tool.services import certification
from tests.support.platform import TestPlatform


def admin_page(client: FlaskClient, platform: TestPlatform) -> tuple[str, str]:
    token = platform.launch(client, role="Administrator", sub="admin-1").headers["Location"]
    token = token.split("s=", 1)[1]
    platform_id = db.session.scalars(select(Platform.id)).one()
    page = client.get(f"/admin/platforms/{platform_id}/settings?s={token}").get_data(as_text=True)
    return page, token


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_school_admin_turns_names_off_and_requires_signoff(
    client: FlaskClient, platform: TestPlatform
) -> None:
    page, token = admin_page(client, platform)
    assert "Keep pupils&#39; names" in page or "Keep pupils' names" in page
    platform_id = db.session.scalars(select(Platform.id)).one()
    response = client.post(
        f"/admin/platforms/{platform_id}/settings?s={token}",
        data={
            "csrf_token": csrf(page),
            "store_display_names": "off",
            certification.SIGNOFF_REQUIRED: "on",
            certification.VALIDITY_MONTHS: "24",
            "school_name": "Hill Top Academy",
        },
    )
    assert response.status_code == 303
    saved = db.session.scalars(select(Platform)).one()
    db.session.refresh(saved)
    assert saved.settings["store_display_names"] is False
    assert certification.school_rules(saved).signoff_required is True
    assert certification.school_rules(saved).validity_months == 24
    # A pupil launching now is kept without their name.
    platform.launch(client, sub="pupil-9", name="Jo Bloggs")
    assert db.session.scalars(select(User.display_name).filter_by(sub="pupil-9")).one() is None


def test_bad_values_are_refused_with_a_message_and_nothing_saved(
    client: FlaskClient, platform: TestPlatform
) -> None:
    page, token = admin_page(client, platform)
    platform_id = db.session.scalars(select(Platform.id)).one()
    response = client.post(
        f"/admin/platforms/{platform_id}/settings?s={token}",
        data={"csrf_token": csrf(page), certification.VALIDITY_MONTHS: "999"},
    )
    assert response.status_code == 400
    assert b"a whole number of months from 1 to 60" in response.data
    db.session.expire_all()
    assert certification.VALIDITY_MONTHS not in db.session.scalars(select(Platform)).one().settings


def test_mentors_cannot_change_school_settings(client: FlaskClient, platform: TestPlatform) -> None:
    token = platform.launch(client).headers["Location"].split("s=", 1)[1]
    platform_id = db.session.scalars(select(Platform.id)).one()
    assert client.get(f"/admin/platforms/{platform_id}/settings?s={token}").status_code == 403
