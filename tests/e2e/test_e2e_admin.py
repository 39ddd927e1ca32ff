"""The tool's own admin signs in with a one-time link from ``flask admin link``."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Deployment
from lti_tool.models import Platform
from tests.e2e.e2e_browser import audit
from tests.e2e.e2e_browser import shot
from tests.e2e.e2e_lms import SchoolLMS
from tests.e2e.e2e_tool import ToolServer

pytestmark = pytest.mark.e2e


def test_admin_link_opens_the_admin_page_once_and_adds_a_deployment(
    page: Any, tool: ToolServer, lms: SchoolLMS, tool_db: Session
) -> None:
    link = tool.flask("admin", "link").strip()
    assert link.startswith(f"{tool.url}/admin/login?token=")

    response = page.goto(link)  # opening the link only asks; pressing the button spends it
    assert response is not None and response.ok
    expect(page.locator("h1")).to_have_text("Sign in to PeerReady administration")
    audit(page, name="admin sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("PeerReady administration")
    registered = page.get_by_role("table", name="Registered platforms")
    expect(registered).to_contain_text(lms.base_url)
    expect(registered).to_contain_text(lms.client_id)
    expect(page.get_by_role("table", name="Values to paste into the platform")).to_contain_text(
        f"{tool.url}/lti/launch"
    )
    shot(page, "admin-home")
    audit(page, name="admin home")

    page.get_by_role("link", name="Test School Moodle").click()
    expect(page.locator("h1")).to_have_text("Test School Moodle")
    page.get_by_label("Add a deployment id").fill("e2e-deployment-2")
    page.get_by_role("button", name="Add deployment").click()
    expect(page.get_by_role("status")).to_have_text("Deployment added.")
    expect(page.get_by_role("list", name="Deployments")).to_contain_text("e2e-deployment-2")
    deployments = tool_db.scalars(
        select(Deployment.deployment_id).join(Platform).where(Platform.issuer == lms.base_url)
    ).all()
    assert sorted(deployments) == ["e2e-deployment-1", "e2e-deployment-2"]
    shot(page, "admin-platform-deployment-added")
    audit(page, name="admin platform page")

    again = page.goto(link)  # the link works once
    assert again is not None and again.status == 401
    expect(page.locator("h1")).to_have_text("Please open PeerReady again")
    expect(page.get_by_role("alert")).to_contain_text("This admin link was already used.")
    shot(page, "admin-link-used-twice")
    audit(page, name="admin link used twice")
