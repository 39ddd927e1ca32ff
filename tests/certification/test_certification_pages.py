"""Pages: public verification, the mentor's certificate and PDF, and the trainer's course view."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from conftest import context_of
from conftest import csrf_from
from conftest import launched
from flask.testing import FlaskClient
from pypdf import PdfReader

from lti_tool.extensions import db
from lti_tool.models import Certification
from lti_tool.models import Platform
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from tests.support.platform import TestPlatform

OTHER_COURSE = {"id": "course-2", "label": "OTHER", "title": "Another course"}


def test_verification_page_for_a_valid_certificate_shows_no_name_by_default(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    cert = certify(launched(client, platform)).certification
    assert cert is not None
    page = client.get(f"/verify/{cert.code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This certificate is valid" in text and "Hillside Academy" in text
    assert "Becoming a peer mentor" in text and cert.code in text
    assert "Alex Example" not in text and "?s=" not in text  # no name, no session token

    school.settings = {**school.settings, certification.SHOWS_NAME: True}
    db.session.commit()
    assert "Alex Example" in client.get(f"/verify/{cert.code}").get_data(as_text=True)


def test_verification_page_for_revoked_expired_and_unknown_codes(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    mentor = launched(client, platform)
    old = certify(mentor, at=utcnow() - timedelta(days=400)).certification
    assert old is not None
    expired = client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert "This certificate has expired" in expired

    other = launched(client, platform, sub="user-43")
    cert = certify(other).certification
    trainer = launched(client, platform, role="Instructor", sub="teacher-1")
    assert cert is not None
    certification.revoke(db.session, cert, trainer, "Gossiped about a mentee", utcnow())
    revoked = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "This certificate has been revoked" in revoked and "Revoked by the school" in revoked
    assert "Gossiped" not in revoked

    unknown = client.get("/verify/not-a-real-code")
    assert unknown.status_code == 404
    assert "No certificate has this verification code" in unknown.get_data(as_text=True)


def test_mentor_sees_their_certificate_and_downloads_pdf_badge_and_credential(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    mentor = launched(client, platform)
    cert = certify(mentor).certification
    assert cert is not None
    page = client.get("/mentor/certificates")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Certificate of training" in text
    assert f"http://tool.test/verify/{cert.code}" in text
    assert f"/verify/{cert.code}/qr.svg" in text and f"/badges/assertions/{cert.code}/badge.png" in text

    pdf = client.get(f"/mentor/certificates/{cert.code}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert f"Verification code: {cert.code}" in words
    assert "Hillside Academy" in words and "Becoming a peer mentor" in words
    assert "Alex Example" not in words  # the school shows no names

    jwt_download = client.get(f"/mentor/certificates/{cert.code}/credential.jwt")
    assert jwt_download.mimetype == "application/vc+jwt" and jwt_download.data.count(b".") == 2
    qr = client.get(f"/verify/{cert.code}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_mentor_cannot_download_someone_elses_certificate(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    other = launched(client, platform, sub="user-43")
    cert = certify(other).certification
    assert cert is not None
    launched(client, platform)  # now user-42
    assert client.get(f"/mentor/certificates/{cert.code}.pdf").status_code == 404
    assert client.get(f"/mentor/certificates/{cert.code}/credential.jwt").status_code == 404


def test_the_next_launch_shows_the_expiry_whatever_the_link_opens(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    """A plain link opens the home page; a link to one module skips it, so a notice comes along."""
    mentor = launched(client, platform)
    cert = certify(mentor, at=utcnow() - timedelta(days=358)).certification  # about 7 days left
    assert cert is not None
    expires = f"{cert.expires_at:%-d %B %Y}"
    home = platform.launch(client)
    page = client.get(home.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert f"certificate runs out on <strong>{expires}</strong> (within 7 days)" in page

    module = platform.launch(client, custom={"peerready_target": "module:secondary-boundaries"})
    opened = client.get(module.headers["Location"], follow_redirects=True)
    text = opened.get_data(as_text=True)
    assert opened.request.path == "/mentor/modules/secondary-boundaries"
    assert f"Becoming a peer mentor certificate runs out on {expires} (within 7 days)" in text
    again = client.get("/mentor/modules/secondary-boundaries").get_data(as_text=True)
    assert "runs out on" not in again  # once per launch, not on every page


def test_mentor_home_warns_about_expiry_at_the_next_launch(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    mentor = launched(client, platform)
    certify(mentor, at=utcnow() - timedelta(days=340))  # about 25 days left
    home = client.get("/mentor/").get_data(as_text=True)
    assert "certificate runs out on" in home and "within 30 days" in home


def test_trainer_sees_groups_and_signs_off_and_revokes_in_their_course(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    school.settings = {**school.settings, certification.SIGNOFF_REQUIRED: True}
    db.session.commit()
    waiting = launched(client, platform, sub="user-43", name="Sam Waiting")
    assert [r.label for r in certify(waiting).decision.missing] == ["Trainer sign-off"]
    launched(client, platform, role="Instructor", sub="teacher-1", name="Ms Hughes")

    board = client.get("/trainer/certification")
    text = board.get_data(as_text=True)
    assert board.status_code == 200 and "Sam Waiting" in text and "Close to certification" in text
    response = client.post("/trainer/certification/sign-off", data={
        "csrf_token": csrf_from(board.data), "user_id": waiting.id,
        "programme_id": "becoming-a-peer-mentor-secondary",
    })
    assert response.status_code == 303
    cert = db.session.scalars(db.select(Certification).filter_by(user_id=waiting.id)).one()
    learner_page = client.get(f"/trainer/certification/learners/{waiting.id}")
    assert "now certified" in learner_page.get_data(as_text=True)

    revoke = client.post(f"/trainer/certification/{cert.id}/revoke", data={
        "csrf_token": csrf_from(learner_page.data), "reason": "Broke confidentiality",
    })
    assert revoke.status_code == 303
    db.session.refresh(cert)
    assert cert.revoked_reason == "Broke confidentiality"
    assert "Revoked" in client.get("/trainer/certification").get_data(as_text=True)


def test_trainer_lists_certificates_expiring_within_60_30_and_7_days(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    for sub, days_ago in (("a", 320), ("b", 345), ("c", 362), ("d", 10)):
        certify(launched(client, platform, sub=f"user-{sub}"), at=utcnow() - timedelta(days=days_ago))
    launched(client, platform, role="Instructor", sub="teacher-1")
    board = certification.dashboard(db.session, context_of(launched(client, platform, sub="user-a")), utcnow())
    assert [len(board.expiring[d]) for d in (7, 30, 60)] == [1, 1, 1]
    assert len(board.certified) == 4


def test_trainer_of_another_course_gets_404_and_learns_nothing(
    client: FlaskClient, platform: TestPlatform, school: Platform, certify: Callable[..., certification.CheckResult]
) -> None:
    mentor = launched(client, platform, name="Sam Private")
    cert = certify(mentor).certification
    assert cert is not None
    theirs = launched(client, platform, sub="user-99", context=OTHER_COURSE)
    certify(theirs)
    launched(client, platform, role="Instructor", sub="teacher-2", context=OTHER_COURSE)

    board = client.get("/trainer/certification").get_data(as_text=True)
    assert "Sam Private" not in board and cert.code not in board
    assert client.get(f"/trainer/certification/learners/{mentor.id}").status_code == 404
    token = csrf_from(client.get(f"/trainer/certification/learners/{theirs.id}").data)
    revoke = client.post(f"/trainer/certification/{cert.id}/revoke", data={"reason": "x", "csrf_token": token})
    assert revoke.status_code == 404 and "Sam Private" not in revoke.get_data(as_text=True)
    sign_off = client.post("/trainer/certification/sign-off", data={
        "csrf_token": token, "user_id": mentor.id, "programme_id": "becoming-a-peer-mentor-secondary",
    })
    assert sign_off.status_code == 404
    db.session.refresh(cert)
    assert cert.revoked_at is None


def test_mentor_cannot_open_trainer_certification_pages(
    client: FlaskClient, platform: TestPlatform, school: Platform
) -> None:
    launched(client, platform)
    assert client.get("/trainer/certification").status_code == 403
