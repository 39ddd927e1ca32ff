"""Public pages and documents anyone can open: certificate verification and Open Badges JSON.

No session and no launch: a parent or another school follows the link or QR code. Pages show
only what the school allows (no name unless ``certificate_shows_name``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint
from flask import Response
from flask import render_template
from flask.typing import ResponseReturnValue

from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.models import WithdrawnCertificate
from lti_tool.models.types import as_utc
from lti_tool.models.types import utcnow
from lti_tool.services import certification
from lti_tool.services import open_badges
from lti_tool.services.qr_code import qr_svg
from lti_tool.urls import external_url

bp = Blueprint("verify", __name__)


@bp.get("/verify/<code>")
def certificate(code: str) -> ResponseReturnValue:
    """The public verification page: valid, expired or revoked (unknown codes get a 404 page)."""
    if (withdrawn := db.session.get(WithdrawnCertificate, code)) is not None:
        return render_template("privacy/withdrawn.html", withdrawn=withdrawn)
    found = certification.by_code(db.session, code)
    now = utcnow()
    platform = db.session.get(Platform, found.platform_id)
    assert platform is not None
    return render_template(
        "verify/certificate.html",
        certification=found,
        status=certification.status_of(found, now).value,
        school=open_badges.issuer_name(platform),
        learner_name=found.user.display_name if certification.shows_name(platform) else None,
        ended_at=open_badges.ended_at(found),
        revoked_at=as_utc(found.revoked_at) if found.revoked_at else None,
        assertion_url=external_url("verify.assertion", code=found.code),
    )


@bp.get("/verify/<code>/qr.svg")
def qr_code(code: str) -> ResponseReturnValue:
    """A QR code of the verification page's address."""
    found = certification.by_code(db.session, code)
    svg = qr_svg(external_url("verify.certificate", code=found.code))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/badges/issuers/<int:platform_id>")
def issuer(platform_id: int) -> ResponseReturnValue:
    """The OB 2.0 issuer Profile of a school."""
    return _json_ld(open_badges.issuer_profile(_platform(platform_id)))


@bp.get("/badges/issuers/<int:platform_id>/revocations")
def revocation_list(platform_id: int) -> ResponseReturnValue:
    """The OB 2.0 RevocationList of a school."""
    return _json_ld(open_badges.revocation_list(db.session, _platform(platform_id)), max_age=60)


@bp.get("/badges/issuers/<int:platform_id>/status")
def status_list(platform_id: int) -> ResponseReturnValue:
    """The OB 3.0 revocation status list (a signed BitstringStatusListCredential JWT)."""
    token = open_badges.status_list_jwt(db.session, _platform(platform_id), utcnow())
    return _public(Response(token, mimetype=open_badges.VC_JWT_MEDIA_TYPE), max_age=60)


@bp.get("/badges/issuers/<int:platform_id>/badges/<programme_id>")
def badge_class(platform_id: int, programme_id: str) -> ResponseReturnValue:
    """The OB 2.0 BadgeClass of a programme at a school."""
    return _json_ld(open_badges.badge_class(_platform(platform_id), programme_id))


@bp.get("/badges/image.png")
def badge_image() -> ResponseReturnValue:
    """The badge artwork."""
    return _public(Response(open_badges.badge_image(), mimetype="image/png"), max_age=86400)


@bp.get("/badges/assertions/<code>")
def assertion(code: str) -> ResponseReturnValue:
    """The hosted OB 2.0 Assertion; a revoked one answers 410 Gone with ``revoked: true``."""
    if db.session.get(WithdrawnCertificate, code) is not None:  # its holder's data was erased
        return _json_ld({"revoked": True, "revocationReason": "Withdrawn by the school."}, status=410)
    found = certification.by_code(db.session, code)
    body = open_badges.assertion(found, utcnow())
    return _json_ld(body, status=410 if body.get("revoked") else 200, max_age=60)


@bp.get("/badges/assertions/<code>/badge.png")
def baked_badge(code: str) -> ResponseReturnValue:
    """The badge PNG with this certificate's assertion baked in, to upload to a backpack."""
    found = certification.by_code(db.session, code)
    response = Response(open_badges.baked_badge(found, utcnow()), mimetype="image/png")
    response.headers["Content-Disposition"] = f'attachment; filename="peerready-badge-{found.code}.png"'
    return _public(response, max_age=60)


def _platform(platform_id: int) -> Platform:
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise NotFound("unknown issuer")
    return platform


def _json_ld(body: dict[str, Any], status: int = 200, max_age: int = 300) -> Response:
    response = Response(json.dumps(body, indent=2), status=status, mimetype=open_badges.OB2_MEDIA_TYPE)
    return _public(response, max_age)


def _public(response: Response, max_age: int) -> Response:
    # Backpacks and verifiers fetch these from other origins.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response
