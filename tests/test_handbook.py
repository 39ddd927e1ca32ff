"""The programme handbook PDF is generated from the modules' own content."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from pypdf import PdfReader

from lti_tool.services import programmes
from tests.support.platform import TestPlatform

STAFF = "peer-support-in-your-school"


def test_staff_implementation_handbook_holds_every_module_and_its_outcomes(
    client: FlaskClient, platform: TestPlatform
) -> None:
    location = platform.launch(
        client, custom={"audience": "staff", "peerready_target": f"programme:{STAFF}"}
    ).headers["Location"]
    home = client.get(location, follow_redirects=True).get_data(as_text=True)
    assert "Download the implementation handbook (PDF)" in home
    token = location.split("s=", 1)[1]
    response = client.get(f"/mentor/programmes/{STAFF}/handbook.pdf?s={token}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages
    )
    programme = programmes.programme(STAFF)
    assert programme.title in text
    for module_id in programme.modules:
        module = programmes.module(module_id)
        assert module.title in text
        assert " ".join(module.outcomes[0].split()) in text
    assert "designated safeguarding lead" in text.lower()


def test_handbook_needs_a_launch(client: FlaskClient, platform: TestPlatform) -> None:
    assert client.get(f"/mentor/programmes/{STAFF}/handbook.pdf").status_code == 401
