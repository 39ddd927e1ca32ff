"""Open Badges over real HTTP: IMS's 2.0 validator, the baked PNG, and 3.0 via openbadgeslib."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Issued
from conftest import LiveServer
from conftest import fetch
from conftest import issued_from
from conftest import launched
from flask.testing import FlaskClient
from openbadgeslib.ob3.verifier import OB3VerificationError
from openbadgeslib.ob3.verifier import OB3Verifier

from lti_tool.extensions import db
from lti_tool.models import Certification
from lti_tool.models import Platform
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services import keys
from lti_tool.services import open_badges
from tests.support.platform import TestPlatform

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def issued(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> Issued:
    mentor = launched(client, platform)
    cert = certify(mentor).certification
    assert cert is not None
    return issued_from(cert)


def test_ob2_documents_are_json_ld_with_the_right_links(live_server: LiveServer, issued: Issued) -> None:
    base = live_server.url
    status, kind, body = fetch(f"{base}/badges/assertions/{issued.code}")
    assert (status, kind) == (200, "application/ld+json")
    assertion = json.loads(body)
    assert assertion["badge"] == f"{base}/badges/issuers/{issued.platform_id}/badges/{issued.programme_id}"
    assert assertion["recipient"]["type"] == "url" and assertion["recipient"]["hashed"] is True
    assert "user-42" not in body.decode() and "Alex" not in body.decode()
    _, kind, body = fetch(assertion["badge"])
    badge = json.loads(body)
    assert kind == "application/ld+json" and badge["image"] == f"{base}/badges/image.png"
    assert "Boundaries quiz" in badge["criteria"]["narrative"]
    _, _, body = fetch(badge["issuer"])
    issuer = json.loads(body)
    assert issuer["name"] == "Hillside Academy" and issuer["email"] == "office@hillside.example"
    _, kind, body = fetch(issuer["revocationList"])
    assert json.loads(body)["revokedAssertions"] == []
    assert fetch(f"{base}/badges/image.png")[1] == "image/png"


def test_ims_validator_accepts_the_hosted_assertion_and_its_recipient(
    live_server: LiveServer, issued: Issued, ob2_validator: Path
) -> None:
    assertion_url = f"{live_server.url}/badges/assertions/{issued.code}"
    recipient = f"{live_server.url}/verify/{issued.code}"
    report = validate(ob2_validator, assertion_url, recipient)
    assert report["report"]["valid"] is True, report["report"]["messages"]
    assert report["report"]["errorCount"] == 0
    assert report["report"]["recipientProfile"] == {"url": recipient}
    assert assertion_url in {node.get("id") for node in report["graph"]}

    wrong = validate(ob2_validator, assertion_url, f"{live_server.url}/verify/someone-else")
    assert wrong["report"]["valid"] is False


def validate(python: Path, url: str, recipient: str) -> dict:
    db.session.remove()  # SQLite: release the test's write lock (see conftest.fetch)
    run = subprocess.run(
        [str(python), "-I", str(ROOT / "tests" / "support" / "ob2_validate.py"), url, recipient],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_revoked_assertion_is_gone_and_listed_without_the_reason(
    live_server: LiveServer, issued: Issued, client: FlaskClient, platform: TestPlatform
) -> None:
    trainer = launched(client, platform, role="Instructor", sub="teacher-1")
    certification.revoke(db.session, db.session.get(Certification, issued.id), trainer, "Told a mentee's secret to friends", utcnow())
    status, kind, body = fetch(f"{live_server.url}/badges/assertions/{issued.code}")
    assert (status, kind) == (410, "application/ld+json")
    assertion = json.loads(body)
    assert assertion["revoked"] is True and assertion["revocationReason"] == "Revoked by the school"
    _, _, body = fetch(f"{live_server.url}/badges/issuers/{issued.platform_id}/revocations")
    assert json.loads(body)["revokedAssertions"] == [
        {"id": assertion["id"], "revocationReason": "Revoked by the school"}
    ]
    assert b"secret" not in body


def test_baked_png_carries_the_assertion(live_server: LiveServer, issued: Issued) -> None:
    status, kind, png = fetch(f"{live_server.url}/badges/assertions/{issued.code}/badge.png")
    assert (status, kind) == (200, "image/png") and png.startswith(b"\x89PNG")
    baked = open_badges.unbaked(png)
    assert baked is not None
    _, _, hosted = fetch(f"{live_server.url}/badges/assertions/{issued.code}")
    assert json.loads(baked) == json.loads(hosted)


def ob3_token(live_server: LiveServer, issued: Issued) -> str:
    db.session.remove()  # SQLite: release the test's write lock (see conftest.fetch)
    with live_server._app.app_context():  # type: ignore[union-attr]
        platform = db.session.get(Platform, issued.platform_id)
        cert = db.session.get(Certification, issued.id)
        assert platform is not None and cert is not None
        return open_badges.credential_jwt(db.session, cert, platform)


def public_pem() -> str:
    pem = keys.active_key(db.session).public_pem
    db.session.remove()
    return pem


def test_ob3_credential_verifies_with_status_and_is_refused_when_tampered(
    live_server: LiveServer, issued: Issued
) -> None:
    token = ob3_token(live_server, issued)
    verifier = OB3Verifier(public_pem())
    credential = verifier.verify(token, check_status=True, download=live_server.download)
    assert credential.issuer.name == "Hillside Academy"
    assert credential.achievement.name.startswith("Becoming a peer mentor")
    assert credential.id and credential.id.startswith("urn:uuid:")
    assert credential.identifiers[0].hashed and credential.identifiers[0].identity_hash.startswith("sha256$")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["kid"] == keys.active_key(db.session).kid and header["alg"] == "RS256"
    db.session.remove()

    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["validUntil"] = "2099-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(OB3VerificationError, match="signature"):
        verifier.verify(f"{head}.{forged}.{signature}")


def test_ob3_credential_is_refused_after_revocation(
    live_server: LiveServer, issued: Issued, client: FlaskClient, platform: TestPlatform
) -> None:
    token = ob3_token(live_server, issued)
    verifier = OB3Verifier(public_pem())
    trainer = launched(client, platform, role="Instructor", sub="teacher-1")
    certification.revoke(db.session, db.session.get(Certification, issued.id), trainer, "reason", utcnow())
    verifier.verify(token)  # the signature alone is still fine ...
    with pytest.raises(OB3VerificationError, match="revocation"):  # ... but the status list says no
        verifier.verify(token, check_status=True, download=live_server.download)
    status, kind, _ = fetch(f"{live_server.url}/badges/issuers/{issued.platform_id}/status")
    assert (status, kind) == (200, "application/vc+jwt")
